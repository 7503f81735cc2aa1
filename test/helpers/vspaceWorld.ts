import fc from "fast-check";
import type { PhysAddr, VirtAddr } from "../../src/model/addresses.ts";
import { getCap } from "../../src/kernel/cdt.ts";
import { slotAddress } from "../../src/kernel/cspace.ts";
import { callLibsel4 } from "../../src/invocations/libsel4.ts";
import type { InvokeResult } from "../../src/model/message.ts";
import { transition } from "../../src/model/transition.ts";
import { mmuTranslate } from "../../src/arch/aarch32/mmu.ts";
import { setVMRoot } from "../../src/arch/aarch32/vmRoot.ts";
import { frameSizeBits, type KernelState } from "../../src/model/state.ts";
import { bootTestMachine, CNODE, retype, SLOT, bigUntyped } from "./machine.ts";
import type { BootedMachine } from "../../src/boot/minimal.ts";

/**
 * A small world for random VSpace sequences: the initial PD plus a second one with an ASID,
 * frames of every size, page tables, spare slots for copies. Operations name caps by index
 * into these lists, so every generated call reaches deep checks.
 */
export interface World {
  readonly m: BootedMachine;
  readonly state: KernelState;
  readonly frames: number[];
  readonly tables: number[];
  readonly pds: number[];
  readonly spare: number[];
}

export function makeWorld(): World {
  const m = bootTestMachine();
  const u = bigUntyped(m, 26);
  let s = m.state;
  const at = (st: KernelState) => ({ state: st, initThread: m.initThread });
  s = retype(at(s), u, "seL4_ARM_SmallPageObject", 0, 100, 6);
  s = retype(at(s), u, "seL4_ARM_LargePageObject", 0, 106, 3);
  s = retype(at(s), u, "seL4_ARM_SectionObject", 0, 109, 3);
  s = retype(at(s), u, "seL4_ARM_SuperSectionObject", 0, 112, 2);
  s = retype(at(s), u, "seL4_ARM_PageTableObject", 0, 120, 4);
  s = retype(at(s), u, "seL4_ARM_PageDirectoryObject", 0, 130, 1);
  const assigned = callLibsel4(s, m.initThread, "seL4_ARM_ASIDPool_Assign", SLOT.InitThreadASIDPool as never, { vspace: 130 });
  s = assigned.state;
  return { m, state: s, frames: [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113], tables: [120, 121, 122, 123], pds: [SLOT.InitThreadVSpace, 130], spare: [140, 141, 142, 143, 144, 145] };
}

export type Op =
  | { op: "mapPT"; t: number; pd: number; vaddr: number }
  | { op: "unmapPT"; t: number }
  | { op: "map"; f: number; pd: number; slotIndex: number; misalign: boolean; rights: number }
  | { op: "unmap"; f: number }
  | { op: "copy"; f: number; to: number }
  | { op: "delete"; slot: number }
  | { op: "touch"; vaddr: number }
  | { op: "switch" };

/** Virtual addresses in a small window, so that operations collide often. */
const vaddrArb = fc.oneof(
  fc.integer({ min: 0, max: 63 }).map((i) => 0x10000000 + i * 0x10000),
  fc.integer({ min: 0, max: 7 }).map((i) => 0x10000000 + i * 0x100000),
  fc.integer({ min: 0, max: 3 }).map((i) => 0x11000000 + i * 0x1000000),
  fc.constantFrom(0xdff00000, 0xe0000000, 0x10000123),
);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("mapPT" as const), t: fc.nat(3), pd: fc.nat(1), vaddr: vaddrArb }),
  fc.record({ op: fc.constant("unmapPT" as const), t: fc.nat(3) }),
  fc.record({ op: fc.constant("map" as const), f: fc.nat(19), pd: fc.nat(1), slotIndex: fc.nat(7), misalign: fc.nat(9).map((n) => n === 0), rights: fc.constantFrom(3, 2, 1, 0xf) }),
  fc.record({ op: fc.constant("map" as const), f: fc.nat(13), pd: fc.constant(0), slotIndex: fc.nat(3), misalign: fc.constant(false), rights: fc.constant(3) }),
  fc.record({ op: fc.constant("unmap" as const), f: fc.nat(19) }),
  fc.record({ op: fc.constant("copy" as const), f: fc.nat(13), to: fc.nat(5) }),
  fc.record({ op: fc.constant("delete" as const), slot: fc.integer({ min: 14, max: 19 }) }),
  
  fc.record({ op: fc.constant("touch" as const), vaddr: vaddrArb.map((v) => v + 0x40) }),
  fc.constant({ op: "switch" as const }),
);

/** Apply one operation; queries return a result with the state they leave. */
export function apply(w: World, s: KernelState, o: Op): InvokeResult | { state: KernelState } {
  const t = w.m.initThread;
  const frameSlot = (i: number) => [...w.frames, ...w.spare][i % (w.frames.length + w.spare.length)] as number;
  switch (o.op) {
    case "mapPT":
      return callLibsel4(s, t, "seL4_ARM_PageTable_Map", w.tables[o.t] as never, { vspace: w.pds[o.pd] as number, vaddr: o.vaddr, attr: 3 });
    case "unmapPT":
      return callLibsel4(s, t, "seL4_ARM_PageTable_Unmap", w.tables[o.t] as never, {});
    case "map": {
      // Frames of each size are mapped at aligned addresses of their size in a window that
      // overlaps the page tables' megabytes, so that sizes collide; a few are misaligned.
      const slot = frameSlot(o.f);
      const cap = getCap(s, slotAddress(cnodeOf(w, s), slot));
      const size = cap.type === "Frame" ? 2 ** frameSizeBits(s.config.sizes, cap.size) : 0x1000;
      const vaddr = 0x10000000 + o.slotIndex * size + (o.misalign ? 0x800 : 0);
      return callLibsel4(s, t, "seL4_ARM_Page_Map", slot as never, { vspace: w.pds[o.pd] as number, vaddr, rights: o.rights, attr: 3 });
    }
    case "unmap":
      return callLibsel4(s, t, "seL4_ARM_Page_Unmap", frameSlot(o.f) as never, {});
    case "copy":
      return callLibsel4(s, t, "seL4_CNode_Copy", CNODE as never, { dest_index: w.spare[o.to] as number, dest_depth: 32, src_root: CNODE, src_index: w.frames[o.f] as number, src_depth: 32, rights: 0xf });
    case "delete":
      return callLibsel4(s, t, "seL4_CNode_Delete", CNODE as never, { index: frameSlot(o.slot), depth: 32 });
    case "touch":
      return { state: mmuTranslate(s, o.vaddr as VirtAddr).state };
    case "switch":
      return { state: transition(s, (d) => setVMRoot(d, t)) };
  }
}

function cnodeOf(w: World, s: KernelState): PhysAddr {
  return (getCap(s, slotAddress(w.m.initThread, 0)) as { paddr: PhysAddr }).paddr;
}

/** The page directory a PD cap slot names. */
export function pdAt(w: World, s: KernelState, slot: number): PhysAddr {
  const cap = getCap(s, slotAddress(getCap(s, slotAddress(w.m.initThread, 0)).type === "CNode" ? (getCap(s, slotAddress(w.m.initThread, 0)) as { paddr: PhysAddr }).paddr : (0 as PhysAddr), slot));
  return (cap as { paddr: PhysAddr }).paddr;
}
