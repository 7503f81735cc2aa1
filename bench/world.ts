/**
 * The benchmark's ARM32 world (a booted machine with n live mappings and spare objects for each
 * measured operation), shared by bench/run.ts and the single-operation drivers (bench/retype.ts).
 */
import type { CPtr } from "../src/model/addresses.ts";
import { bootMinimal } from "../src/boot/minimal.ts";
import { INITIAL_CAP_SLOTS } from "../src/boot/initialCaps.ts";
import { invoke } from "../src/invocations/dispatch.ts";
import type { InvocationLabel } from "../src/model/labels.ts";
import { objectTypeNumber, type ObjectTypeName } from "../src/arch/aarch32/objectTypes.ts";
import { capAt } from "../src/kernel/cspace.ts";

const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
const PD = INITIAL_CAP_SLOTS.InitThreadVSpace;

/** A booted machine with `n` live 4 KiB mappings (n copies of one frame cap, each mapped once). */
export function buildWorld(n: number) {
  const m = bootMinimal({
    ram: [{ base: 0, size: 512 * 2 ** 20 }],
    cnodeSizeBits: 21,
  });
  const T = m.initThread;
  let s = m.state;
  const call = (cptr: number, label: InvocationLabel, args: number[], extra: number[] = []) => {
    const r = invoke(s, T, cptr as CPtr, {
      label,
      args,
      extraCaps: extra as CPtr[],
    });
    if (r.reply.kind !== "ok") throw new Error(`bench setup: ${label} failed: ${JSON.stringify(r.reply)}`);
    s = r.state;
  };
  const untypeds = m.bootInfo.untypedList
    .map((u, i) => ({ ...u, slot: m.bootInfo.untyped.start + i }))
    .sort((a, b) => b.sizeBits - a.sizeBits);
  const big = untypeds[0]!.slot;
  const retype = (type: ObjectTypeName, dest: number, count: number) =>
    call(big, "UntypedRetype", [objectTypeNumber(type), 0, 0, 0, dest, count], [CNODE]);
  let next = m.bootInfo.empty.start;
  const frame = next++;
  retype("seL4_ARM_SmallPageObject", frame, 1);
  // Four page directories of up to 2^18 mappings each keep every mapping below USER_TOP.
  const perPD = 2 ** 18;
  const pds: number[] = [PD];
  for (let i = 1; i * perPD < n; i++) {
    const pd = next++;
    retype("seL4_ARM_PageDirectoryObject", pd, 1);
    call(INITIAL_CAP_SLOTS.InitThreadASIDPool, "ARMASIDPoolAssign", [], [pd]);
    pds.push(pd);
  }
  const base = 0x10000000;
  for (let i = 0; i < n; i += 256) {
    const pt = next++;
    retype("seL4_ARM_PageTableObject", pt, 1);
    call(pt, "ARMPageTableMap", [base + (i % perPD) * 4096, 3], [pds[Math.floor(i / perPD)]!]);
  }
  for (let i = 0; i < n; i++) {
    const copy = next++;
    call(CNODE, "CNodeCopy", [copy, 32, frame, 32, 15], [CNODE]);
    call(copy, "ARMPageMap", [base + (i % perPD) * 4096, 3, 3], [pds[Math.floor(i / perPD)]!]);
  }
  // Spare objects for the measured operations: an unmapped frame copy, a page table, an empty slot.
  const spareFrame = next++;
  call(CNODE, "CNodeCopy", [spareFrame, 32, frame, 32, 15], [CNODE]);
  const sparePT = next++;
  retype("seL4_ARM_PageTableObject", sparePT, 1);
  const freeSlot = next++;
  // A mapped spare, for measuring unmap alone.
  const spareVaddr = 0xd0000000;
  const ptForSpare = next;
  retype("seL4_ARM_PageTableObject", ptForSpare, 1);
  call(ptForSpare, "ARMPageTableMap", [spareVaddr, 3], [PD]);
  const before = s;
  call(spareFrame, "ARMPageMap", [spareVaddr, 3, 3], [PD]);
  const mapped = s;
  const pdCap = capAt(s, T, PD);
  if (pdCap.type !== "PageDirectory")
    throw new Error("bench setup: the initial thread's VSpace slot holds no page directory cap");
  const pd = pdCap.paddr;
  return {
    m,
    T,
    unmapped: before,
    mapped,
    spareFrame,
    sparePT,
    freeSlot,
    spareVaddr,
    big,
    frame,
    pd,
  };
}
