import type { CPtr, PhysAddr } from "../model/addresses.ts";
import type { InvocationLabel } from "../model/labels.ts";
import type { InvokeResult } from "../model/message.ts";
import { frameSizeBits, type KernelState } from "../model/state.ts";
import { capAt } from "../kernel/cspace.ts";
import { invoke } from "../invocations/dispatch.ts";
import { aarch64 } from "../arch/index.ts";
import { boot } from "../boot/boot.ts";
import { INITIAL_CAP_SLOTS } from "../boot/initialCaps.ts";
import type { FuzzOp, FuzzWorld, NamedSlot } from "./world.ts";

/*
 * The AArch64 fuzz world: frames of 4 KiB, 2 MiB and 1 GiB, page tables that become level-1, -2
 * or -3 tables where they are mapped (three of them already are, in the first VSpace), three VSpaces (two with ASIDs from the start, one for
 * Assign), two 4 KiB untypeds for ASIDControl_MakePool and the slots their pools go to, and
 * spare slots for copies, on a booted AArch64 machine; its setup steps name the objects for a
 * printed scenario.
 */

/** The first user address the world maps at: VSpace slot 1 (512 GiB), so that slot 0 stays free for bad ops. */
export const REGION_LOW = 2 ** 39;
/** The last VSpace slot below USER_TOP (slot 255): mappings at the very top of the user range. */
export const REGION_TOP = 2 ** 47 - 2 ** 39;

const FRAME_PLAN: readonly [aarch64.ObjectTypeName, number][] = [
  ["seL4_ARM_HugePageObject", 2],
  ["seL4_ARM_LargePageObject", 3],
  ["seL4_ARM_SmallPageObject", 6],
];

/** The boot of the AArch64 world: 7 GiB of RAM from 1 GiB, which boot gives as untypeds of 2 GiB and less. */
export const AARCH64_WORLD_BOOT = { arch: "aarch64" as const, ram: [{ base: 0x40000000, size: 7 * 2 ** 30 }] };

/** The root CNode's depth on AArch64: its guard makes every 64-bit CPtr a slot index. */
const DEPTH = 64;
const CNODE_SLOT: NamedSlot = { name: "InitThreadCNode", slot: INITIAL_CAP_SLOTS.InitThreadCNode };
const ASID_CONTROL_SLOT: NamedSlot = { name: "ASIDControl", slot: INITIAL_CAP_SLOTS.ASIDControl };

/** The AArch64 world's slots beyond FuzzWorld's: ASID pools (the first is the initial one) and MakePool's untypeds. */
export interface Aarch64Slots {
  readonly pools: readonly NamedSlot[];
  readonly poolUntypeds: readonly NamedSlot[];
}

function call(
  s: KernelState,
  thread: PhysAddr,
  cptr: number,
  label: InvocationLabel,
  args: number[],
  extra: number[] = [],
) {
  return invoke(s, thread, cptr as CPtr, { label, args, extraCaps: extra as CPtr[] });
}

export function buildFuzzWorld64(): FuzzWorld {
  const machine = boot(AARCH64_WORLD_BOOT);
  const T = machine.initThread;
  const { untypedList, untyped: untypedSlots, empty } = machine.bootInfo;
  // The two largest RAM untypeds (2 GiB each: boot splits RAM at its alignments): the 1 GiB
  // frames fill the first, everything else comes from the second.
  const [hugeFrom, restFrom] = untypedList
    .map((u, i) => ({ u, i }))
    .filter(({ u }) => !u.isDevice)
    .sort((a, b) => b.u.sizeBits - a.u.sizeBits)
    .map(({ i }) => i);
  if (hugeFrom === undefined || restFrom === undefined)
    throw new Error("capsim internal error: the AArch64 fuzz world's boot has fewer than two RAM untypeds");
  let s = machine.state;
  let next = empty.start;
  const setupSteps: Record<string, unknown>[] = [];
  const ok = (r: InvokeResult) => {
    if (r.reply.kind !== "ok")
      throw new Error(`capsim internal error: building the AArch64 fuzz world failed: ${JSON.stringify(r.reply)}`);
    s = r.state;
  };
  const make = (type: aarch64.ObjectTypeName, prefix: string, count: number, sizeBits = 0): NamedSlot[] => {
    const uIndex = type === "seL4_ARM_HugePageObject" ? hugeFrom : restFrom;
    const untyped = untypedSlots.start + uIndex;
    const named = Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}`, slot: next + i }));
    ok(
      call(
        s,
        T,
        untyped,
        "UntypedRetype",
        [aarch64.objectTypeNumber(type), sizeBits, 0, 0, next, count],
        [CNODE_SLOT.slot],
      ),
    );
    setupSteps.push({
      retype: {
        type,
        count,
        ...(sizeBits ? { size_bits: sizeBits } : {}),
        as: named.map((n) => n.name),
        from: `untyped[${uIndex}]`,
      },
    });
    next += count;
    return named;
  };
  const frames: NamedSlot[] = [];
  for (const [type, count] of FRAME_PLAN)
    frames.push(...make(type, type.replace(/^seL4_ARM_|Object$/g, "").toLowerCase(), count));
  const tables = make("seL4_ARM_PageTableObject", "pt", 8);
  const initialPool = { name: "InitThreadASIDPool", slot: INITIAL_CAP_SLOTS.InitThreadASIDPool };
  const initialVSpace = { name: "InitThreadVSpace", slot: INITIAL_CAP_SLOTS.InitThreadVSpace };
  const more = make("seL4_ARM_VSpaceObject", "vspace", 2);
  ok(call(s, T, initialPool.slot, "ARMASIDPoolAssign", [], [more[0]!.slot]));
  setupSteps.push({ invoke: "seL4_ARM_ASIDPool_Assign", cap: initialPool.name, args: { vspace: more[0]!.name } });
  const vspaces = [initialVSpace, ...more];
  // The initial thread's VSpace gets a level-1, -2 and -3 table at REGION_LOW, so that maps of every size succeed there from the first step.
  for (const pt of tables.slice(0, 3)) {
    ok(call(s, T, pt.slot, "ARMPageTableMap", [REGION_LOW, 3], [initialVSpace.slot]));
    setupSteps.push({
      invoke: "seL4_ARM_PageTable_Map",
      cap: pt.name,
      args: { vspace: initialVSpace.name, vaddr: `0x${REGION_LOW.toString(16)}`, attr: 3 },
    });
  }
  const poolUntypeds = make("seL4_UntypedObject", "pooluntyped", 2, 12);
  const spares = Array.from({ length: 6 }, (_, i) => ({ name: `copy${i}`, slot: next + i }));
  next += spares.length;
  const madePools = Array.from({ length: 2 }, (_, i) => ({ name: `pool${i}`, slot: next + i }));
  // Deleting an empty slot succeeds and does nothing; in a scenario it also gives the slots their names.
  for (const sp of [...spares, ...madePools]) setupSteps.push({ invoke: "seL4_CNode_Delete", args: { dest: sp.name } });
  return {
    arch: "aarch64",
    machine,
    state: s,
    frames,
    tables,
    vspaces,
    spares,
    setupSteps,
    aarch64: { pools: [initialPool, ...madePools], poolUntypeds },
    scenarioHeader: { arch: "aarch64", boot: { ram: AARCH64_WORLD_BOOT.ram } },
  };
}

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

/**
 * The `i`-th (mod their number) of the frame-cap slots an op may name: the frames, then the
 * spare copies. Picked without joining the two lists: a step names one, and a fuzz step's
 * allocations are what its garbage collection costs.
 */
export function frameSlotAt(w: FuzzWorld, i: number): NamedSlot {
  const k = i % (w.frames.length + w.spares.length);
  return (k < w.frames.length ? w.frames[k] : w.spares[k - w.frames.length]) as NamedSlot;
}

const CACHE_OPS = ["Clean_Data", "Invalidate_Data", "CleanInvalidate_Data", "Unify_Instruction"] as const;

/** The virtual address a map op asks for: aligned to the frame's size in one of the two regions, or misaligned. */
export function mapVaddr64(w: FuzzWorld, s: KernelState, o: Extract<FuzzOp, { op: "map" }>): number {
  const cap = capAt(s, w.machine.initThread, frameSlotAt(w, o.f).slot);
  const bits = cap.type === "Frame" ? frameSizeBits(s.config.sizes, cap.size) : 12;
  return (o.top ? REGION_TOP : REGION_LOW) + o.slotIndex * 2 ** bits + (o.misalign ? 0x800 : 0);
}

/** An AArch64 op as the invocation it makes: the label, the invoked slot, its words and extra caps, and the libsel4 call it is. */
export interface Call64 {
  readonly label: InvocationLabel;
  readonly cap: NamedSlot;
  readonly args: readonly number[];
  readonly extra: readonly NamedSlot[];
  /** the libsel4 name and its arguments by name, for a scenario step */
  readonly libsel4: string;
  readonly named: Readonly<Record<string, string | number>>;
}

const hexText = (n: number) => `0x${n.toString(16)}`;

/** A Call64 from its parts, in the order a reader meets them. */
const made = (
  label: InvocationLabel,
  cap: NamedSlot,
  args: readonly number[],
  extra: readonly NamedSlot[],
  libsel4: string,
  named: Readonly<Record<string, string | number>> = {},
): Call64 => ({ label, cap, args, extra, libsel4, named });

/** The invocation an op makes on this world, or undefined for an op that is not one. */
export function callOf64(w: FuzzWorld, s: KernelState, o: FuzzOp): Call64 | undefined {
  const x = w.aarch64;
  if (x === undefined) throw new Error("capsim internal error: an AArch64 op on a world without AArch64 slots");
  const D = DEPTH;
  switch (o.op) {
    case "mapPT": {
      const vs = at(w.vspaces, o.pd);
      return made("ARMPageTableMap", at(w.tables, o.t), [o.vaddr, 3], [vs], "seL4_ARM_PageTable_Map", {
        vspace: vs.name,
        vaddr: hexText(o.vaddr),
        attr: 3,
      });
    }
    case "unmapPT":
      return made("ARMPageTableUnmap", at(w.tables, o.t), [], [], "seL4_ARM_PageTable_Unmap");
    case "map": {
      const vs = at(w.vspaces, o.pd);
      const vaddr = mapVaddr64(w, s, o);
      return made("ARMPageMap", frameSlotAt(w, o.f), [vaddr, o.rights, 3], [vs], "seL4_ARM_Page_Map", {
        vspace: vs.name,
        vaddr: hexText(vaddr),
        rights: o.rights,
        attr: 3,
      });
    }
    case "unmap":
      return made("ARMPageUnmap", frameSlotAt(w, o.f), [], [], "seL4_ARM_Page_Unmap");
    case "copy": {
      const dest = at(w.spares, o.to);
      const src = at(w.frames, o.f);
      return made("CNodeCopy", CNODE_SLOT, [dest.slot, D, src.slot, D, 0xf], [CNODE_SLOT], "seL4_CNode_Copy", {
        dest: dest.name,
        src: src.name,
        rights: 15,
      });
    }
    case "delete":
    case "revoke":
    case "deleteCap": {
      const target =
        o.op !== "deleteCap"
          ? frameSlotAt(w, o.f)
          : at(o.what === "table" ? w.tables : o.what === "vspace" ? w.vspaces : x.pools, o.i);
      const revoke = o.op === "revoke";
      return made(
        revoke ? "CNodeRevoke" : "CNodeDelete",
        CNODE_SLOT,
        [target.slot, D],
        [],
        revoke ? "seL4_CNode_Revoke" : "seL4_CNode_Delete",
        { dest: target.name },
      );
    }
    case "assign": {
      const vs = at(w.vspaces, o.pd);
      return made("ARMASIDPoolAssign", at(x.pools, o.pool), [], [vs], "seL4_ARM_ASIDPool_Assign", { vspace: vs.name });
    }
    case "makePool": {
      const u = at(x.poolUntypeds, o.u);
      const dest = at(x.pools.slice(1), o.u);
      return made(
        "ARMASIDControlMakePool",
        ASID_CONTROL_SLOT,
        [dest.slot, D],
        [u, CNODE_SLOT],
        "seL4_ARM_ASIDControl_MakePool",
        { untyped: u.name, dest: dest.name },
      );
    }
    case "cache":
    case "vcache": {
      const kind = at(CACHE_OPS, o.kind);
      const range = { start: hexText(o.start), end: hexText(o.end) };
      return o.op === "cache"
        ? made(`ARMPage${kind}`, frameSlotAt(w, o.f), [o.start, o.end], [], `seL4_ARM_Page_${kind}`, {
            start_offset: range.start,
            end_offset: range.end,
          })
        : made(`ARMVSpace${kind}`, at(w.vspaces, o.pd), [o.start, o.end], [], `seL4_ARM_VSpace_${kind}`, range);
    }
    case "touch":
    case "switch":
      return undefined;
  }
}

/** Apply one invocation op to a state of an AArch64 world (world.ts applies touch and switch on both architectures). */
export function applyFuzzOp64(w: FuzzWorld, s: KernelState, o: FuzzOp): { state: KernelState; result?: InvokeResult } {
  const c = callOf64(w, s, o);
  if (c === undefined) return { state: s };
  const result = call(
    s,
    w.machine.initThread,
    c.cap.slot,
    c.label,
    [...c.args],
    c.extra.map((e) => e.slot),
  );
  return { state: result.state, result };
}

/** The scenario step of an AArch64 op, expecting `expect`. */
export function fuzzOpToStep64(w: FuzzWorld, s: KernelState, o: FuzzOp, expect: unknown): Record<string, unknown> {
  const c = callOf64(w, s, o);
  if (c === undefined) throw new Error(`capsim internal error: the ${o.op} op is no invocation`);
  const cnodeOp = c.cap.slot === CNODE_SLOT.slot;
  return {
    invoke: c.libsel4,
    ...(cnodeOp ? {} : { cap: c.cap.name }),
    ...(Object.keys(c.named).length > 0 ? { args: c.named } : {}),
    expect,
  };
}
