import type { CPtr, PhysAddr, VirtAddr } from "../model/addresses.ts";
import { boot } from "../boot/boot.ts";
import type { BootedMachine } from "../boot/minimal.ts";
import { INITIAL_CAP_SLOTS } from "../boot/initialCaps.ts";
import { getCap } from "../kernel/cdt.ts";
import { rootCNodeOf, slotAddress } from "../kernel/cspace.ts";
import { callLibsel4 } from "../invocations/libsel4.ts";
import type { InvokeResult } from "../model/message.ts";
import type { ArchName, KernelState } from "../model/state.ts";
import { objectTypeNumber, type ObjectTypeName } from "../arch/index.ts";
import { frameBits } from "../arch/index.ts";
import { userRead } from "../machine/access.ts";
import { switchToThread } from "../machine/threads.ts";
import { applyFuzzOp64, buildFuzzWorld64, frameSlotAt, fuzzOpToStep64, type Aarch64Slots } from "./world64.ts";

/**
 * A booted machine with a fixed cast of objects for random VSpace invocations: frames of every
 * size, page tables, a second page directory with an ASID, and spare slots for copies. Random
 * operations name them by index ("the k-th frame cap"), so that generated calls reach deep checks.
 * On AArch64 (world64.ts) also VSpaces to assign, ASID pools and MakePool's untypeds.
 */
export interface FuzzWorld {
  readonly arch: ArchName;
  readonly machine: BootedMachine;
  readonly state: KernelState;
  /** each named cap: its scenario name and its slot */
  readonly frames: readonly NamedSlot[];
  readonly tables: readonly NamedSlot[];
  readonly vspaces: readonly NamedSlot[];
  readonly spares: readonly NamedSlot[];
  /** the scenario steps that build this world from a fresh boot (SCENARIOS.md format) */
  readonly setupSteps: readonly Record<string, unknown>[];
  /** the AArch64 world's pools and untypeds for MakePool (absent on ARM32) */
  readonly aarch64?: Aarch64Slots;
  /** the scenario keys besides name and steps that replay this world (arch, boot), when not the default's */
  readonly scenarioHeader?: Readonly<Record<string, unknown>>;
}

export interface NamedSlot {
  readonly name: string;
  readonly slot: number;
}

/** A VSpace operation over a FuzzWorld: plain data, so it shrinks, prints and replays. */
export type FuzzOp =
  | {
      readonly op: "mapPT";
      readonly t: number;
      readonly pd: number;
      readonly vaddr: number;
    }
  | { readonly op: "unmapPT"; readonly t: number }
  | {
      readonly op: "map";
      readonly f: number;
      readonly pd: number;
      readonly slotIndex: number;
      readonly misalign: boolean;
      readonly rights: number;
      /** AArch64: in the last VSpace slot below USER_TOP rather than the first region */
      readonly top?: boolean;
    }
  | { readonly op: "unmap"; readonly f: number }
  | { readonly op: "copy"; readonly f: number; readonly to: number }
  | { readonly op: "delete"; readonly f: number }
  /** a one-byte user read at `vaddr`: it fills the TLB, so that tlb_consistent has lines to check */
  | { readonly op: "touch"; readonly vaddr: number }
  | { readonly op: "switch" }
  // AArch64 only (world64.ts):
  /** CNode_Revoke of the k-th frame-cap slot: its copies go, each unmapping its page */
  | { readonly op: "revoke"; readonly f: number }
  /** CNode_Delete of a page table, a VSpace or an ASID pool cap (unmapPageTable, deleteASID, deleteASIDPool) */
  | { readonly op: "deleteCap"; readonly what: "table" | "vspace" | "pool"; readonly i: number }
  | { readonly op: "assign"; readonly pd: number; readonly pool: number }
  | { readonly op: "makePool"; readonly u: number }
  /** a frame cache operation (kind: Clean, Invalidate, CleanInvalidate, Unify) over offsets [start, end) */
  | { readonly op: "cache"; readonly f: number; readonly kind: number; readonly start: number; readonly end: number }
  /** a VSpace cache operation over addresses [start, end) */
  | { readonly op: "vcache"; readonly pd: number; readonly kind: number; readonly start: number; readonly end: number };

const FRAME_PLAN: readonly [ObjectTypeName, number][] = [
  ["seL4_ARM_SuperSectionObject", 2],
  ["seL4_ARM_SectionObject", 3],
  ["seL4_ARM_LargePageObject", 3],
  ["seL4_ARM_SmallPageObject", 6],
];

/** Boot a machine and build the world by real invocations (ARM32 unless `arch` says otherwise). */
export function buildFuzzWorld(c: { readonly arch?: ArchName } = {}): FuzzWorld {
  if (c.arch === "aarch64") return buildFuzzWorld64();
  return buildFuzzWorld32();
}

function buildFuzzWorld32(): FuzzWorld {
  // The same boot as a scenario file's default, so that a printed scenario replays exactly.
  const machine = boot({ ram: [{ base: 0, size: 256 * 2 ** 20 }] });
  const T = machine.initThread;
  const uIndex = machine.bootInfo.untypedList.findIndex((u) => u.sizeBits >= 26 && !u.isDevice);
  const untyped = machine.bootInfo.untyped.start + uIndex;
  let s = machine.state;
  let next = machine.bootInfo.empty.start;
  const setupSteps: Record<string, unknown>[] = [];
  const ok = (r: InvokeResult) => {
    if (r.reply.kind !== "ok")
      throw new Error(`capsim internal error: building the fuzz world failed: ${JSON.stringify(r.reply)}`);
    s = r.state;
  };
  const make = (type: ObjectTypeName, prefix: string, count: number): NamedSlot[] => {
    const named = Array.from({ length: count }, (_, i) => ({
      name: `${prefix}${i}`,
      slot: next + i,
    }));
    ok(
      callLibsel4(s, T, "seL4_Untyped_Retype", untyped as CPtr, {
        root: INITIAL_CAP_SLOTS.InitThreadCNode,
        type: objectTypeNumber(type),
        size_bits: 0,
        node_index: 0,
        node_depth: 0,
        node_offset: next,
        num_objects: count,
      }),
    );
    setupSteps.push({
      retype: {
        type,
        count,
        as: named.map((n) => n.name),
        from: `untyped[${uIndex}]`,
      },
    });
    next += count;
    return named;
  };
  const frames: NamedSlot[] = [];
  for (const [type, count] of FRAME_PLAN)
    frames.push(...make(type, `${type.replace(/^seL4_ARM_|Object$/g, "").toLowerCase()}`, count));
  const tables = make("seL4_ARM_PageTableObject", "pt", 4);
  const [pd1] = make("seL4_ARM_PageDirectoryObject", "pd", 1);
  ok(
    callLibsel4(s, T, "seL4_ARM_ASIDPool_Assign", INITIAL_CAP_SLOTS.InitThreadASIDPool as CPtr, { vspace: pd1!.slot }),
  );
  setupSteps.push({
    invoke: "seL4_ARM_ASIDPool_Assign",
    cap: "InitThreadASIDPool",
    args: { vspace: pd1!.name },
  });
  const spares = Array.from({ length: 6 }, (_, i) => ({
    name: `copy${i}`,
    slot: next + i,
  }));
  // Deleting an empty slot succeeds and does nothing; in a scenario it also gives the spare
  // slots their names, in the same order as here.
  for (const sp of spares) setupSteps.push({ invoke: "seL4_CNode_Delete", args: { dest: sp.name } });
  return {
    arch: "aarch32",
    machine,
    state: s,
    frames,
    tables,
    vspaces: [{ name: "InitThreadVSpace", slot: INITIAL_CAP_SLOTS.InitThreadVSpace }, pd1!],
    spares,
    setupSteps,
  };
}

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

function cnodeOf(w: FuzzWorld, s: KernelState): PhysAddr {
  const cnode = rootCNodeOf(s, w.machine.initThread);
  if (cnode === undefined) throw new Error("capsim internal error: the fuzz world's thread lost its root CNode");
  return cnode;
}

/** The virtual address a map op asks for: aligned to the frame's size in a shared window, or misaligned. */
function mapVaddr(w: FuzzWorld, s: KernelState, o: Extract<FuzzOp, { op: "map" }>): number {
  const cap = getCap(s, slotAddress(s, cnodeOf(w, s), frameSlotAt(w, o.f).slot));
  const bits = cap.type === "Frame" ? frameBits(cap.size) : 12;
  return 0x10000000 + o.slotIndex * 2 ** bits + (o.misalign ? 0x800 : 0);
}

/** Apply one operation to a state of this world. */
export function applyFuzzOp(w: FuzzWorld, s: KernelState, o: FuzzOp): { state: KernelState; result?: InvokeResult } {
  if (w.arch === "aarch64" && o.op !== "touch" && o.op !== "switch") return applyFuzzOp64(w, s, o);
  const T = w.machine.initThread;
  const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
  const inv = (name: string, cptr: number, params: Record<string, number>) => {
    const result = callLibsel4(s, T, name, cptr as CPtr, params);
    return { state: result.state, result };
  };
  switch (o.op) {
    case "mapPT":
      return inv("seL4_ARM_PageTable_Map", at(w.tables, o.t).slot, {
        vspace: at(w.vspaces, o.pd).slot,
        vaddr: o.vaddr,
        attr: 3,
      });
    case "unmapPT":
      return inv("seL4_ARM_PageTable_Unmap", at(w.tables, o.t).slot, {});
    case "map":
      return inv("seL4_ARM_Page_Map", frameSlotAt(w, o.f).slot, {
        vspace: at(w.vspaces, o.pd).slot,
        vaddr: mapVaddr(w, s, o),
        rights: o.rights,
        attr: 3,
      });
    case "unmap":
      return inv("seL4_ARM_Page_Unmap", frameSlotAt(w, o.f).slot, {});
    case "copy":
      return inv("seL4_CNode_Copy", CNODE, {
        dest_index: at(w.spares, o.to).slot,
        dest_depth: 32,
        src_root: CNODE,
        src_index: at(w.frames, o.f).slot,
        src_depth: 32,
        rights: 0xf,
      });
    case "delete":
      return inv("seL4_CNode_Delete", CNODE, {
        index: frameSlotAt(w, o.f).slot,
        depth: 32,
      });
    case "touch":
      return { state: userRead(s, o.vaddr as VirtAddr, 1).state };
    case "switch":
      return { state: switchToThread(s, T).state };
    default:
      throw new Error(`capsim internal error: the ${o.op} op is AArch64's`);
  }
}

const hexText = (n: number) => `0x${n.toString(16)}`;

/** The scenario step (SCENARIOS.md) that performs `o`, expecting what it did in the original run. */
export function fuzzOpToStep(
  w: FuzzWorld,
  s: KernelState,
  o: FuzzOp,
  result: InvokeResult | undefined,
): Record<string, unknown> {
  const reply = result?.reply;
  const expect =
    reply?.kind === "error"
      ? { error: `seL4_${reply.error.error}` }
      : reply?.kind === "notModelled"
        ? "not_modelled"
        : "ok";
  if (w.arch === "aarch64" && o.op !== "touch" && o.op !== "switch") return fuzzOpToStep64(w, s, o, expect);
  const name = (list: readonly NamedSlot[], i: number) => at(list, i).name;
  switch (o.op) {
    case "mapPT":
      return {
        invoke: "seL4_ARM_PageTable_Map",
        cap: name(w.tables, o.t),
        args: {
          vspace: name(w.vspaces, o.pd),
          vaddr: hexText(o.vaddr),
          attr: 3,
        },
        expect,
      };
    case "unmapPT":
      return {
        invoke: "seL4_ARM_PageTable_Unmap",
        cap: name(w.tables, o.t),
        expect,
      };
    case "map":
      return {
        invoke: "seL4_ARM_Page_Map",
        cap: frameSlotAt(w, o.f).name,
        args: {
          vspace: name(w.vspaces, o.pd),
          vaddr: hexText(mapVaddr(w, s, o)),
          rights: o.rights,
          attr: 3,
        },
        expect,
      };
    case "unmap":
      return {
        invoke: "seL4_ARM_Page_Unmap",
        cap: frameSlotAt(w, o.f).name,
        expect,
      };
    case "copy":
      return {
        invoke: "seL4_CNode_Copy",
        args: {
          dest: name(w.spares, o.to),
          src: name(w.frames, o.f),
          rights: 15,
        },
        expect,
      };
    case "delete":
      return {
        invoke: "seL4_CNode_Delete",
        args: { dest: frameSlotAt(w, o.f).name },
        expect,
      };
    case "touch": {
      // The read is a query, so its outcome is recomputed here rather than carried in `result`.
      const read = userRead(s, o.vaddr as VirtAddr, 1);
      return {
        read: { vaddr: hexText(o.vaddr), length: 1 },
        expect: read.ok ? "ok" : { fault: { kind: read.fault.kind, level: read.fault.level } },
      };
    }
    case "switch":
      return { switch: { thread: "InitThreadTCB" } };
    default:
      throw new Error(`capsim internal error: the ${o.op} op is AArch64's`);
  }
}

/** The virtual address type, re-exported for arbitraries. */
export type { VirtAddr };
