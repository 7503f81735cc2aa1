/**
 * A guided tour of capsim's foundation, in plain TypeScript: boot, retype, copy, map, delete.
 * Run it with `npm run example`.
 */
import { bootMinimal, callLibsel4, describeError, getCap, hex, INITIAL_CAP_SLOTS, resolve, slotAddress, type CPtr, type InvokeResult, type KernelState, type PhysAddr, type VirtAddr } from "../src/index.ts";
import { objectTypeNumber } from "../src/objects/types.ts";

const m = bootMinimal({ ram: [{ base: 0, size: 64 * 2 ** 20 }] });
const T = m.initThread;
let s: KernelState = m.state;
const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
const cnode = (getCap(s, slotAddress(T, 0)) as { paddr: PhysAddr }).paddr;
const cap = (slot: number) => getCap(s, slotAddress(cnode, slot));

function step(what: string, r: InvokeResult): void {
  s = r.state;
  const out = r.reply.kind === "ok" ? `ok${r.reply.mrs.length ? ` -> ${r.reply.mrs.map(hex).join(", ")}` : ""}` : r.reply.kind === "error" ? describeError(r.reply.error) : "cap fault";
  console.log(`${what}\n    ${out}`);
}

console.log(`Booted: ${m.bootInfo.untypedList.length} untypeds in slots ${m.bootInfo.untyped.start}..${m.bootInfo.untyped.end - 1}; free slots from ${m.bootInfo.empty.start}.`);
const untyped = m.bootInfo.untyped.start + m.bootInfo.untypedList.findIndex((u) => u.sizeBits >= 20);
const u = cap(untyped) as { paddr: number; sizeBits: number };
console.log(`Using the untyped in slot ${untyped}: ${hex(u.paddr)}, 2^${u.sizeBits} bytes.\n`);

const retype = (type: Parameters<typeof objectTypeNumber>[0], size: number, dest: number, count: number) =>
  callLibsel4(s, T, "seL4_Untyped_Retype", untyped as CPtr, { root: CNODE, type: objectTypeNumber(type), size_bits: size, node_index: 0, node_depth: 0, node_offset: dest, num_objects: count });

step("Retype a CNode of 2^4 slots into slot 100", retype("seL4_CapTableObject", 4, 100, 1));
step("Retype three 4 KiB frames into slots 101-103", retype("seL4_ARM_SmallPageObject", 0, 101, 3));
step("Retype a page table into slot 104", retype("seL4_ARM_PageTableObject", 0, 104, 1));
for (const i of [100, 101, 102, 103, 104]) {
  const c = cap(i);
  console.log(`    slot ${i}: ${c.type} at ${"paddr" in c ? hex(c.paddr) : "-"}`);
}
step("Map the frame in slot 101 at 0x10000000: no page table covers it yet", callLibsel4(s, T, "seL4_ARM_Page_Map", 101 as CPtr, { vspace: INITIAL_CAP_SLOTS.InitThreadVSpace, vaddr: 0x10000000, rights: 3, attr: 3 }));
step("Map the page table at 0x10000000", callLibsel4(s, T, "seL4_ARM_PageTable_Map", 104 as CPtr, { vspace: INITIAL_CAP_SLOTS.InitThreadVSpace, vaddr: 0x10000000, attr: 3 }));
step("Map the frame again", callLibsel4(s, T, "seL4_ARM_Page_Map", 101 as CPtr, { vspace: INITIAL_CAP_SLOTS.InitThreadVSpace, vaddr: 0x10000000, rights: 3, attr: 3 }));
step("Copy the frame cap into slot 105 (a copy starts unmapped)", callLibsel4(s, T, "seL4_CNode_Copy", CNODE as CPtr, { dest_index: 105, dest_depth: 32, src_root: CNODE, src_index: 101, src_depth: 32, rights: 15 }));
step("Map the copy at 0x10001000: the same frame, twice", callLibsel4(s, T, "seL4_ARM_Page_Map", 105 as CPtr, { vspace: INITIAL_CAP_SLOTS.InitThreadVSpace, vaddr: 0x10001000, rights: 2, attr: 3 }));
const pd = (cap(INITIAL_CAP_SLOTS.InitThreadVSpace) as { paddr: PhysAddr }).paddr;
for (const v of [0x10000010, 0x10001010]) {
  const r = resolve(s, pd, v as VirtAddr);
  console.log(`    resolve ${hex(v)} -> ${r.mapped ? `${hex(r.paddr)} (${r.rights}, entry at ${hex(r.slot)})` : `nothing (${r.level})`}`);
}
step("Delete the copy: its own mapping goes with it", callLibsel4(s, T, "seL4_CNode_Delete", CNODE as CPtr, { index: 105, depth: 32 }));
const after = resolve(s, pd, 0x10001010 as VirtAddr);
console.log(`    resolve 0x10001010 -> ${after.mapped ? hex(after.paddr) : `nothing (${after.level})`}`);
step("Revoke the untyped: every object made from it is destroyed", callLibsel4(s, T, "seL4_CNode_Revoke", CNODE as CPtr, { index: untyped, depth: 32 }));
console.log(`    slot 101 now holds: ${cap(101).type}; 0x10000010 resolves: ${resolve(s, pd, 0x10000010 as VirtAddr).mapped}`);
