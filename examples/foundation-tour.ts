/**
 * A guided tour of capsim's foundation, in plain TypeScript: boot a machine, carve objects out
 * of untyped memory, copy, map, delete and revoke caps, and watch the physical addresses.
 * Run it with `npm run example`.
 */
import {
  callLibsel4,
  describeError,
  hex,
  INITIAL_CAP_SLOTS,
  resolve,
  type Cap,
  type CPtr,
  type InvokeResult,
  type KernelState,
  type VirtAddr,
} from "../src/index.ts";
import { capAt } from "../src/kernel/cspace.ts";
import { boot } from "../src/boot/index.ts";
import { objectTypeNumber, type ObjectTypeName } from "../src/arch/aarch32/objectTypes.ts";

const say = (text = "") => console.log(text);
const heading = (text: string) => say(`\n== ${text} ==`);

// ---------------------------------------------------------------------------------------------
heading("1. Boot");
const ram = { base: 0x10000000, size: 64 * 2 ** 20 };
const m = boot({ ram: [ram] });
const T = m.initThread;
let s: KernelState = m.state;
const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
const VSPACE = INITIAL_CAP_SLOTS.InitThreadVSpace;
const cap = (slot: number): Cap => capAt(s, T, slot);
const where = (c: Cap) => ("paddr" in c ? hex(c.paddr) : "-");

say(
  `RAM: ${hex(ram.base)}..${hex(ram.base + ram.size)} (64 MiB). The kernel and the initial thread's objects take the start;`,
);
say(
  `the rest is handed to the initial thread as ${m.bootInfo.untypedList.length} untyped caps in slots ${m.bootInfo.untyped.start}..${m.bootInfo.untyped.end - 1}:`,
);
m.bootInfo.untypedList.forEach((u, i) =>
  say(`    slot ${m.bootInfo.untyped.start + i}: ${hex(u.paddr)}, 2^${u.sizeBits} bytes`),
);
say(`Each block is a power of two, aligned to its own size. Free slots start at ${m.bootInfo.empty.start}.`);

const U = m.bootInfo.untyped.start + m.bootInfo.untypedList.findIndex((u) => u.sizeBits >= 20);
const untyped = () => {
  const c = cap(U);
  if (c.type !== "Untyped") throw new Error(`slot ${U} no longer holds an untyped cap`);
  return c;
};
const { paddr: base, sizeBits } = untyped();
const freeIndex = () => untyped().freeIndex;
say(`\nWe use the untyped in slot ${U}: 2^${sizeBits} bytes at ${hex(base)}.`);

function step(what: string, r: InvokeResult): boolean {
  s = r.state;
  say(`\n> ${what}`);
  if (r.reply.kind === "ok") say(`  ok${r.reply.mrs.length ? ` -> ${r.reply.mrs.map(hex).join(", ")}` : ""}`);
  else if (r.reply.kind === "error") say(`  the kernel says: ${describeError(r.reply.error)}`);
  else say("  cap fault");
  return r.reply.kind === "ok";
}
const retype = (type: ObjectTypeName, sizeBits: number, dest: number, count: number) =>
  callLibsel4(s, T, "seL4_Untyped_Retype", U as CPtr, {
    root: CNODE,
    type: objectTypeNumber(type),
    size_bits: sizeBits,
    node_index: 0,
    node_depth: 0,
    node_offset: dest,
    num_objects: count,
  });
function showSlots(first: number, count: number): void {
  for (let i = first; i < first + count; i++) {
    const c = cap(i);
    const offset = "paddr" in c ? ` = untyped base + ${hex(c.paddr - base)}` : "";
    say(`    slot ${i}: ${c.type}${"size" in c ? ` (${c.size})` : ""} at ${where(c)}${offset}`);
  }
  say(`    the untyped's free index is now ${hex(freeIndex())}`);
}

// ---------------------------------------------------------------------------------------------
heading("2. Retype: objects are placed one after another, each aligned to its own size");
step("Retype one endpoint (16 bytes) into slot 100", retype("seL4_EndpointObject", 0, 100, 1));
showSlots(100, 1);
step(
  "Retype a CNode of 2^4 slots (16 slots x 16 bytes = 256 bytes) into slot 101",
  retype("seL4_CapTableObject", 4, 101, 1),
);
say("  (the free index was 0x10; a 256-byte object must start on a 256-byte boundary, so it goes to 0x100)");
showSlots(101, 1);
step("Retype three 4 KiB frames into slots 102-104", retype("seL4_ARM_SmallPageObject", 0, 102, 3));
say("  (aligned up to the next 4 KiB boundary: the bytes in between stay unused until the untyped is reset)");
showSlots(102, 3);
step("Retype a page table (1 KiB) into slot 105", retype("seL4_ARM_PageTableObject", 0, 105, 1));
showSlots(105, 1);

// ---------------------------------------------------------------------------------------------
heading("3. Two mistakes, and what the kernel answers");
step("Retype an endpoint into slot 102, which already holds a frame", retype("seL4_EndpointObject", 0, 102, 1));
const sections = 2 ** (sizeBits - 20);
step(
  `Retype ${sections} sections of 1 MiB (the whole untyped's worth) after some memory was handed out`,
  retype("seL4_ARM_SectionObject", 0, 106, sections),
);
say(
  `  (memoryLeft = 2^${sizeBits} - ${hex(freeIndex())}: the bytes after the free index. A failed call changes nothing at all.)`,
);

// ---------------------------------------------------------------------------------------------
heading("4. Map, copy, delete");
const va = 0x10000000;
step(
  `Map the frame in slot 102 at ${hex(va)}: no page table covers that address yet`,
  callLibsel4(s, T, "seL4_ARM_Page_Map", 102 as CPtr, {
    vspace: VSPACE,
    vaddr: va,
    rights: 3,
    attr: 3,
  }),
);
step(
  `Map the page table at ${hex(va)}`,
  callLibsel4(s, T, "seL4_ARM_PageTable_Map", 105 as CPtr, {
    vspace: VSPACE,
    vaddr: va,
    attr: 3,
  }),
);
step(
  "Map the frame again",
  callLibsel4(s, T, "seL4_ARM_Page_Map", 102 as CPtr, {
    vspace: VSPACE,
    vaddr: va,
    rights: 3,
    attr: 3,
  }),
);
step(
  "Copy the frame cap into slot 110 (a cap tracks one mapping, so the copy starts unmapped)",
  callLibsel4(s, T, "seL4_CNode_Copy", CNODE as CPtr, {
    dest_index: 110,
    dest_depth: 32,
    src_root: CNODE,
    src_index: 102,
    src_depth: 32,
    rights: 15,
  }),
);
step(
  `Map the copy read-only at ${hex(va + 0x1000)}: one frame, two virtual addresses`,
  callLibsel4(s, T, "seL4_ARM_Page_Map", 110 as CPtr, {
    vspace: VSPACE,
    vaddr: va + 0x1000,
    rights: 2,
    attr: 3,
  }),
);
const vspace = cap(VSPACE);
if (vspace.type !== "PageDirectory") throw new Error(`slot ${VSPACE} no longer holds a page directory cap`);
const pd = vspace.paddr;
const show = (v: number) => {
  const r = resolve(s, pd, v as VirtAddr);
  say(
    `    ${hex(v)} -> ${r.mapped ? `physical ${hex(r.paddr)} (${r.rights}; the entry is at ${hex(r.slot)}, inside the page table)` : `nothing (the walk stops at the ${r.level})`}`,
  );
};
show(va + 0x10);
show(va + 0x1010);
step(
  "Delete the copy: its mapping goes with it",
  callLibsel4(s, T, "seL4_CNode_Delete", CNODE as CPtr, {
    index: 110,
    depth: 32,
  }),
);
show(va + 0x1010);
show(va + 0x10);

// ---------------------------------------------------------------------------------------------
heading("5. Revoke and reuse");
step(
  "Revoke the untyped: every object made from it is destroyed",
  callLibsel4(s, T, "seL4_CNode_Revoke", CNODE as CPtr, {
    index: U,
    depth: 32,
  }),
);
say(`    slots 100-105 now hold: ${[100, 101, 102, 103, 104, 105].map((i) => cap(i).type).join(", ")}`);
show(va + 0x10);
say(`    the untyped's free index still says ${hex(freeIndex())}, but it has no children left...`);
step("Retype a 1 MiB section into slot 100", retype("seL4_ARM_SectionObject", 0, 100, 1));
say("  ...so the kernel reset it (cleared the memory it had handed out) and started again from its base:");
showSlots(100, 1);
