import type { CPtr, PhysAddr, VirtAddr } from "../model/addresses.ts";
import { wordFromCapRights } from "../model/caps.ts";
import { MiB, numInitialCaps } from "../model/constants.ts";
import { describeError } from "../model/errors.ts";
import type { KernelSizes, KernelState, MachineConfig, SlotAddr } from "../model/state.ts";
import { getCap, hasChildren } from "../kernel/cdt.ts";
import { slotAddress } from "../kernel/cspace.ts";
import { entriesOf } from "../kernel/store.ts";
import { callLibsel4 } from "../invocations/libsel4.ts";
import { aarch64, archOf, ASID_POOL_SIZE, DEFAULT_CONFIGS, resolve } from "../arch/index.ts";
import type { AnyObjectTypeName } from "../model/objectTypes.ts";
import { boot, type BootOptions, type FullyBootedMachine } from "../boot/boot.ts";
import { INITIAL_CAP_SLOTS } from "../boot/initialCaps.ts";
import { CapdlError, type Pos } from "./lexer.ts";
import { BOOT_NAMES } from "./export.ts";
import {
  capObj,
  compareObjID,
  hasSlots,
  idKey,
  RIGHT_G,
  RIGHT_P,
  RIGHT_R,
  RIGHT_W,
  showID,
  capRefKey,
  type Cap,
  type CapRef,
  type KObject,
  type Model,
  type ObjEntry,
  type ObjID,
} from "./model.ts";

/**
 * Import by replay (ARM32): boot a machine, bind the spec's boot objects (the reserved `init_…`
 * names that export writes) to the booted ones, then build the rest with real invocations in
 * the order rust-sel4's capDL initializer uses, each through the normal dispatcher so every
 * seL4 check applies: create objects with Untyped_Retype (covers in order, filler untypeds up
 * to a paddr), make ASID pools in asid_high order, assign ASIDs and compare them with the
 * spec's, map page tables then frames (each frame through a fresh copy), give TCBs their
 * CSpace and VSpace (TCB_SetSpace, the TCB invocation capsim models), and fill CNodes by mint
 * (or move, for a frame cap that names its mapping). The replay stops at the first invocation
 * seL4 refuses. Every step is also a scenario step, so the replay can be written as a
 * scenario file that `capsim run` steps through to the same state.
 */

/** One step of the replay, in the scenario file format (SCENARIOS.md). */
export type ScenarioStep =
  | { retype: { type: AnyObjectTypeName; as: string; from: string; size_bits?: number }; note?: string }
  | { copy: { from: string; as: string }; note?: string }
  | { invoke: string; cap: string; args: Record<string, string | number | string[]>; note?: string };

export interface ImportStep {
  readonly step: ScenarioStep;
  /** The spec text that asked for it. */
  readonly pos: Pos | null;
  /** What it does, for people. */
  readonly what: string;
}

export interface ImportRefusal {
  /** 1-based step number in `steps`. */
  readonly step: number;
  readonly what: string;
  /** seL4's error with its fields, or what capsim found wrong. */
  readonly error: string;
  readonly pos: Pos | null;
  /** "seL4": the kernel refused, or would hand out something else than the spec says; "capsim": capsim cannot replay it. */
  readonly by: "seL4" | "capsim";
}

export interface ImportResult {
  readonly machine: FullyBootedMachine;
  readonly bootOptions: BootOptions;
  readonly state: KernelState;
  readonly steps: readonly ImportStep[];
  readonly refusal: ImportRefusal | null;
  readonly notes: readonly string[];
}

export interface ImportOptions {
  /** The machine to boot (default: RAM from 0 large enough for every paddr in the spec, at least 256 MiB). */
  readonly boot?: BootOptions;
}

const CNODE_SLOT = INITIAL_CAP_SLOTS.InitThreadCNode;
const ALL = 0xf;
const ATTR = { PageCacheable: 1, ParityEnabled: 2, ExecuteNever: 4 } as const;

/** The frame object type of each size (log2 bytes), by architecture. */
const FRAME_TYPES: Readonly<Record<"arm11" | "aarch64", Readonly<Record<number, AnyObjectTypeName>>>> = {
  arm11: {
    12: "seL4_ARM_SmallPageObject",
    16: "seL4_ARM_LargePageObject",
    20: "seL4_ARM_SectionObject",
    24: "seL4_ARM_SuperSectionObject",
  },
  aarch64: { 12: "seL4_ARM_SmallPageObject", 21: "seL4_ARM_LargePageObject", 30: "seL4_ARM_HugePageObject" },
};

/** Where a scenario's AArch64 machine has its RAM by default (qemu-arm-virt's), and how much at least. */
const AARCH64_RAM_BASE = 0x40000000;
const AARCH64_MIN_RAM = 1024 * MiB;

/** Why a spec cannot be replayed at all (before any invocation). */
export class ImportError extends CapdlError {}

function rightsLetters(r: number, keep: number): string {
  const k = r & keep;
  return `${k & RIGHT_R ? "R" : ""}${k & RIGHT_W ? "W" : ""}${k & RIGHT_G ? "G" : ""}${k & RIGHT_P ? "P" : ""}`;
}

function rightsFromLetters(s: string): number {
  return wordFromCapRights({
    read: s.includes("R"),
    write: s.includes("W"),
    grant: s.includes("G"),
    grantReply: s.includes("P"),
  });
}

/**
 * The default machine for a spec: on ARM32 RAM from 0 that holds every paddr it names (at
 * least 256 MiB); on AArch64 RAM from 0x40000000 (from 0 if the spec names lower addresses)
 * up to its highest paddr (at least 1 GiB, what an AArch64 scenario boots by default).
 */
export function bootOptionsFor(m: Model): BootOptions {
  const room = roomFor(m);
  if (m.arch === "aarch64") {
    let low = AARCH64_RAM_BASE;
    let top = AARCH64_RAM_BASE + Math.max(AARCH64_MIN_RAM, room);
    for (const { id, obj } of m.objects.values()) {
      if (id.name.startsWith("init_")) continue;
      const span = paddrSpan(obj);
      if (!span) continue;
      low = Math.min(low, span.paddr < AARCH64_RAM_BASE ? 0 : low);
      top = Math.max(top, Math.ceil(span.end / (1024 * MiB)) * 1024 * MiB);
    }
    return { arch: "aarch64", ram: [{ base: low, size: top - low }] };
  }
  let top = Math.max(256 * MiB, room);
  for (const { id, obj } of m.objects.values()) {
    // Boot objects are bound to the booted ones, not made: they do not size the machine.
    if (id.name.startsWith("init_")) continue;
    const end = paddrSpan(obj)?.end ?? 0;
    top = Math.max(top, Math.ceil(end / (16 * MiB)) * 16 * MiB);
  }
  return { ram: [{ base: 0, size: Math.min(top, 0xf0000000) }] };
}

/**
 * RAM that holds the objects a spec makes from boot untypeds without a paddr: a power of two at
 * least twice their total and four times the largest (boot splits RAM into aligned untypeds, the
 * kernel's image taking the first), so that each fits in one boot untyped.
 */
function roomFor(m: Model): number {
  const covered = new Set<string>();
  for (const c of m.covers.values()) for (const x of c.children) covered.add(idKey(x));
  const { bitsOf } = specSizes(
    m,
    DEFAULT_CONFIGS[m.arch === "aarch64" ? "aarch64" : "aarch32"],
    (id) => id.name.startsWith("init_"),
    skipped,
  );
  let total = 0;
  let largest = 0;
  for (const { id, obj } of m.objects.values()) {
    if (id.name.startsWith("init_") || covered.has(idKey(id)) || skipped(obj) || paddrSpan(obj)) continue;
    const bytes = 2 ** (bitsOf(obj) ?? 0);
    total += bytes;
    largest = Math.max(largest, bytes);
  }
  return 2 ** Math.ceil(Math.log2(Math.max(2 * total, 4 * largest, 1)));
}

/** The physical range an object with a `paddr:` takes, if the spec gives one (and a size). */
function paddrSpan(obj: KObject): { paddr: number; end: number } | null {
  if (obj.kind === "ut" && obj.paddr !== null && obj.bits !== null)
    return { paddr: obj.paddr, end: obj.paddr + 2 ** obj.bits };
  if (obj.kind === "frame" && obj.paddr !== null) return { paddr: obj.paddr, end: obj.paddr + 2 ** obj.sizeBits };
  return null;
}

/** A slot of a spec's paging structure, as a loader's walk from a VSpace root meets it. */
interface TableRow {
  readonly cap: Cap;
  /** the level of the table or page it maps (a frame's is its table's + 1; 1 on ARM32 is the page table) */
  readonly level: number;
  readonly vaddr: number;
  readonly container: ObjID;
  readonly slot: number;
  readonly pos: Pos | null;
}

/** The low address bit each level's index starts at: ARM32's directory and table, AArch64's four levels. */
const LEVEL_SHIFTS: Readonly<Record<"arm11" | "aarch64", readonly number[]>> = {
  arm11: [20, 12],
  aarch64: [0, 1, 2, 3].map((l) => aarch64.uptLevelShift(aarch64.UPT_LEVELS - 1 - l)),
};

/** Every slot reachable from a spec's VSpace root, depth first in slot order (the C loader's init_level_* walk). */
function tableRows(m: Model, root: ObjEntry): TableRow[] {
  const shifts = LEVEL_SHIFTS[m.arch === "aarch64" ? "aarch64" : "arm11"];
  const out: TableRow[] = [];
  const seen = new Set<string>();
  const walk = (table: ObjEntry, level: number, base: number): void => {
    if (!hasSlots(table.obj) || seen.has(idKey(table.id))) return;
    seen.add(idKey(table.id));
    for (const [slot, sl] of [...table.obj.slots.entries()].sort((a, b) => a[0] - b[0])) {
      const vaddr = base + slot * 2 ** (shifts[level] ?? 0);
      out.push({ cap: sl.cap, level: level + 1, vaddr, container: table.id, slot, pos: sl.pos });
      const child = capObj(sl.cap);
      const ce = child && sl.cap.kind !== "frame" ? m.objects.get(idKey(child)) : undefined;
      if (ce && level + 1 < shifts.length) walk(ce, level + 1, vaddr);
    }
  };
  walk(root, 0, 0);
  return out;
}

/** Interrupt objects, which capsim does not model: left out of an import. */
const skipped = (o: KObject): boolean =>
  (o.kind === "cnode" && o.bits === 0) || o.kind === "arm_irq" || o.kind === "arm_sgi_signal";

/**
 * What Retype makes a capDL object (other than an untyped) as on `arch`: the libsel4 object type
 * and the size_bits it passes (a CNode's radix; an ASID pool is made as untyped memory of the
 * pool's size, which MakePool then turns into a pool). A string is why the architecture has no
 * such object; undefined, a kind capsim does not create. Both the replay's create steps and the
 * spec's sizes (through the architecture's getObjectSize) read it.
 */
function madeAs(
  o: KObject,
  arch: Model["arch"],
  sizes: KernelSizes,
): { readonly type: AnyObjectTypeName; readonly size?: number } | string | undefined {
  const a64 = arch === "aarch64";
  switch (o.kind) {
    case "frame": {
      const type = FRAME_TYPES[a64 ? "aarch64" : "arm11"][o.sizeBits];
      if (type) return { type };
      return a64
        ? `AArch64 has no ${o.sizeBits}-bit frames (4k, 2M, 1024M)`
        : `ARM32 has no ${o.sizeBits}-bit frames (4k, 64k, 1M, 16M)`;
    }
    case "cnode":
      return { type: "seL4_CapTableObject", size: o.bits };
    case "tcb":
      return { type: "seL4_TCBObject" };
    case "ep":
      return { type: "seL4_EndpointObject" };
    case "notification":
      return { type: "seL4_NotificationObject" };
    case "pgd":
      // seL4 16's AArch64 VSpace root (seL4_ARM_PageGlobalDirectoryObject is libsel4's old name
      // for it). The capDL check refuses a pgd in an arm11 spec before any of this runs.
      return a64 ? { type: "seL4_ARM_VSpaceObject" } : "ARM32 has no pgd (its VSpace root is a pd)";
    case "pd":
      return { type: a64 ? "seL4_ARM_PageTableObject" : "seL4_ARM_PageDirectoryObject" };
    case "pud":
    case "pt":
      // One PageTable object type serves AArch64's levels 1-3: PageTable_Map's walk picks the level.
      return { type: "seL4_ARM_PageTableObject" };
    case "asid_pool":
      return { type: "seL4_UntypedObject", size: sizes.asidPoolBits };
    default:
      return undefined;
  }
}

/**
 * The size (log2 bytes) of each object of a spec on a machine with these sizes. capDL lets an
 * untyped that covers objects leave out its size (example-arm.cdl's rm_ut); no Retype can make
 * one without a size, so capsim gives it the least size that holds its cover in cover order,
 * each object at its alignment (a choice of capsim's, stated in a note).
 */
function specSizes(
  m: Model,
  config: MachineConfig,
  isBound: (id: ObjID) => boolean,
  isSkipped: (o: KObject) => boolean,
): { bitsOf: (o: KObject) => number | null; notes: string[] } {
  const sizes = config.sizes;
  const notes: string[] = [];
  const unsizedBits = new Map<KObject, number>();
  const bitsOf = (o: KObject): number | null => {
    if (o.kind === "ut") return o.bits ?? unsizedBits.get(o) ?? null;
    const made = madeAs(o, m.arch, sizes);
    if (made === undefined) return null;
    // A frame of a size the architecture lacks takes the size the spec gives it, so that the
    // rest is laid out as before and its create step is the one that refuses it.
    if (typeof made === "string") return o.kind === "frame" ? o.sizeBits : null;
    return archOf(config).objectSizeBitsOfType(sizes, made.type, made.size ?? 0);
  };
  const sizeUnsized = (e: ObjEntry, seen: Set<string>): number | null => {
    if (e.obj.kind !== "ut" || e.obj.bits !== null) return bitsOf(e.obj);
    const known = unsizedBits.get(e.obj);
    if (known !== undefined || seen.has(idKey(e.id))) return known ?? null;
    seen.add(idKey(e.id));
    let end = 0;
    for (const child of m.covers.get(idKey(e.id))?.children ?? []) {
      const ce = m.objects.get(idKey(child));
      if (!ce || isBound(child) || isSkipped(ce.obj)) continue;
      const b = sizeUnsized(ce, seen);
      if (b === null) return null;
      end = Math.ceil(end / 2 ** b) * 2 ** b + 2 ** b;
    }
    if (end === 0) return null;
    const bits = Math.max(sizes.minUntypedBits, Math.ceil(Math.log2(end)));
    unsizedBits.set(e.obj, bits);
    notes.push(
      `${showID(e.id)}: capDL gives this untyped no size; capsim makes it ${bits} bits, the least that holds its cover`,
    );
    return bits;
  };
  for (const e of [...m.objects.values()].sort((a, b) => compareObjID(a.id, b.id)))
    if (e.obj.kind === "ut" && e.obj.bits === null) sizeUnsized(e, new Set());
  return { bitsOf, notes };
}

/** Replays the steps against a machine, as the scenario runner would. */
class Replay {
  readonly names = new Map<string, number>();
  private nextFree: number;
  state: KernelState;
  readonly steps: ImportStep[] = [];
  refusal: ImportRefusal | null = null;

  constructor(readonly machine: FullyBootedMachine) {
    this.state = machine.state;
    const wellKnown = numInitialCaps(machine.state.config.api);
    for (const [n, slot] of Object.entries(INITIAL_CAP_SLOTS))
      if (n !== "Null" && slot < wellKnown) this.names.set(n, slot);
    machine.bootInfo.untypedList.forEach((_, i) => this.names.set(`untyped[${i}]`, machine.bootInfo.untyped.start + i));
    this.nextFree = machine.bootInfo.empty.start;
  }

  private slot(name: string): number {
    const s = this.names.get(name);
    if (s === undefined) throw new Error(`capsim internal error: import names no slot ${name}`);
    return s;
  }
  private newSlot(name: string): number {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    if (this.nextFree >= this.machine.bootInfo.empty.end)
      throw new ImportError(
        "the initial CNode has no free slot left",
        null,
        "boot with a larger initial CNode (--boot with cnodeSizeBits)",
      );
    this.names.set(name, this.nextFree);
    return this.nextFree++;
  }
  /** A name not used yet, for a new slot. */
  fresh(base: string): string {
    let n = base;
    for (let i = 2; this.names.has(n); i++) n = `${base}~${i}`;
    return n;
  }
  slotAddr(name: string): SlotAddr {
    return slotAddress(this.state, this.rootCNode(), this.slot(name));
  }
  capAt(name: string): ReturnType<typeof getCap> {
    return getCap(this.state, this.slotAddr(name));
  }
  rootCNode(): PhysAddr {
    const c = getCap(this.state, slotAddress(this.state, this.machine.initThread, 0));
    if (c.type !== "CNode") throw new Error("capsim internal error: the initial thread has no CSpace root");
    return c.paddr;
  }

  /** Run one step; false when seL4 refused it (the refusal is recorded and the state kept). */
  run(step: ScenarioStep, what: string, pos: Pos | null): boolean {
    if (this.refusal) return false;
    // A slot of the initial CNode is named by the whole word, as a scenario names it.
    const WORD_DEPTH = this.state.config.sizes.wordBits;
    this.steps.push({ step, what, pos });
    let fn: string;
    let service: number;
    const params: Record<string, number> = {};
    if ("retype" in step) {
      const r = step.retype;
      fn = "seL4_Untyped_Retype";
      service = this.slot(r.from);
      Object.assign(params, {
        root: CNODE_SLOT,
        type: archOf(this.state.config).objectTypeNumber(r.type, this.state.config.api),
        size_bits: r.size_bits ?? 0,
        node_index: 0,
        node_depth: 0,
        node_offset: this.newSlot(r.as),
        num_objects: 1,
      });
    } else if ("copy" in step) {
      fn = "seL4_CNode_Copy";
      service = CNODE_SLOT;
      const src = this.slot(step.copy.from);
      Object.assign(params, {
        dest_index: this.newSlot(step.copy.as),
        dest_depth: WORD_DEPTH,
        src_root: CNODE_SLOT,
        src_index: src,
        src_depth: WORD_DEPTH,
        rights: ALL,
        badge: 0,
      });
    } else {
      fn = step.invoke;
      service = this.slot(step.cap);
      for (const [k, v] of Object.entries(step.args)) {
        if (k === "src" && typeof v === "string")
          Object.assign(params, { src_root: CNODE_SLOT, src_index: this.slot(v), src_depth: WORD_DEPTH });
        else if (k === "dest" && typeof v === "string")
          Object.assign(
            params,
            fn === "seL4_ARM_ASIDControl_MakePool"
              ? { root: CNODE_SLOT, index: this.newSlot(v), depth: WORD_DEPTH }
              : fn === "seL4_CNode_Delete"
                ? { index: this.slot(v), depth: WORD_DEPTH }
                : { dest_index: this.newSlot(v), dest_depth: WORD_DEPTH },
          );
        else if (k === "rights" && typeof v === "string") params.rights = rightsFromLetters(v);
        else if (k === "attr" && Array.isArray(v))
          params.attr = v.reduce((w, a) => w | (ATTR[a as keyof typeof ATTR] ?? 0), 0);
        else if (typeof v === "string") params[k] = this.slot(v);
        else if (typeof v === "number") params[k] = v;
      }
    }
    const result = callLibsel4(this.state, this.machine.initThread, fn, service as CPtr, params);
    const reply = result.reply;
    if (reply.kind === "ok") {
      this.state = result.state;
      return true;
    }
    this.refusal = {
      step: this.steps.length,
      what,
      error:
        reply.kind === "error"
          ? describeError(reply.error)
          : reply.kind === "notModelled"
            ? `not modelled by capsim: ${reply.why}`
            : `a cap fault: ${JSON.stringify(reply.fault)}`,
      pos,
      by: reply.kind === "error" ? "seL4" : "capsim",
    };
    return false;
  }

  /** A refusal that is capsim's finding about the spec, not an seL4 error (a placement or an ASID seL4 would not give). */
  refuse(what: string, error: string, pos: Pos | null, by: "seL4" | "capsim" = "seL4"): false {
    if (!this.refusal) this.refusal = { step: this.steps.length, what, error, pos, by };
    return false;
  }
}

export function importCapdl(m: Model, opts: ImportOptions = {}): ImportResult {
  const arch = m.arch;
  if (arch !== "arm11" && arch !== "aarch64")
    throw new ImportError(
      `capsim imports arm11 and aarch64 specs only, not ${m.arch}`,
      null,
      "capsim models 32-bit ARM (arm11) and AArch64",
    );
  const a64 = arch === "aarch64";
  const bootA64 = opts.boot !== undefined && "arch" in opts.boot && opts.boot.arch === "aarch64";
  if (opts.boot !== undefined && bootA64 !== a64)
    throw new ImportError(
      a64
        ? "the spec is aarch64 but the boot options describe a 32-bit ARM machine"
        : "the spec is arm11 (32-bit ARM) but the boot options describe an aarch64 machine",
      null,
      a64
        ? "give --boot a scenario with `arch: aarch64`, or leave --boot out"
        : "give --boot a scenario without `arch: aarch64`, or leave --boot out",
    );
  const bootOptions = opts.boot ?? bootOptionsFor(m);
  const machine = boot(bootOptions);
  const r = new Replay(machine);
  const notes: string[] = [];
  const sizes = machine.state.config.sizes;
  const entries = [...m.objects.values()].sort((a, b) => compareObjID(a.id, b.id));
  const entry = (id: ObjID): ObjEntry | undefined => m.objects.get(idKey(id));

  // Bind the boot objects: each reserved name stands for a booted object's cap.
  const capName = new Map<string, string>();
  const bound = new Set<string>();
  const bind = (key: string, name: string): void => {
    capName.set(key, name);
    bound.add(key);
  };
  // A spec that describes the whole root CNode (an export: its init_cnode holds the root task's
  // TCB) and has no init_asid_pool says the root task's pool was deleted: a pool of its at
  // asid_high 0 is one made after that (seL4 hands out the freed index 0), not the boot pool.
  const rootSpec = entries.find((e) => e.id.name === BOOT_NAMES.cnode && e.id.index === null);
  const wholeRoot =
    rootSpec !== undefined &&
    hasSlots(rootSpec.obj) &&
    [...rootSpec.obj.slots.values()].some((sl) => capObj(sl.cap)?.name === BOOT_NAMES.tcb);
  const bootPoolNamed = entries.some((e) => e.id.name === BOOT_NAMES.asidPool);
  // Such a spec is a snapshot of a running system (an export), not a loader's input: where an
  // index or a low ASID below a spec's is free (its pool or root was deleted), import takes it
  // first with a filler and deletes the filler afterwards, so that seL4's first-free rule hands
  // out what the snapshot says. Any other spec is replayed as the loaders would, which cannot
  // leave such a gap: seL4 hands out another index or ASID, and import refuses.
  const snapshot = wholeRoot;
  for (const e of entries) {
    const n = e.id.name;
    const k = idKey(e.id);
    if (e.id.index !== null) continue;
    if (n === BOOT_NAMES.cnode) bind(k, "InitThreadCNode");
    else if (n === BOOT_NAMES.tcb) bind(k, "InitThreadTCB");
    else if (n === (a64 ? BOOT_NAMES.vspace64 : BOOT_NAMES.vspace)) bind(k, "InitThreadVSpace");
    else if (n === BOOT_NAMES.ipcBuffer) bind(k, "InitThreadIPCBuffer");
    else if (n === BOOT_NAMES.bootInfo) bind(k, "BootInfoFrame");
    else if (
      n === BOOT_NAMES.asidPool ||
      (e.obj.kind === "asid_pool" && e.obj.asidHigh === 0 && !(wholeRoot && !bootPoolNamed))
    )
      bind(k, "InitThreadASIDPool");
    else if (n.startsWith(BOOT_NAMES.untyped)) {
      const i = Number(n.slice(BOOT_NAMES.untyped.length));
      if (Number.isInteger(i) && i < machine.bootInfo.untypedList.length) bind(k, `untyped[${i}]`);
    } else if (n.startsWith(BOOT_NAMES.imageFrame) || n.startsWith(BOOT_NAMES.imagePT)) {
      const frame = n.startsWith(BOOT_NAMES.imageFrame);
      const i = Number(n.slice((frame ? BOOT_NAMES.imageFrame : BOOT_NAMES.imagePT).length));
      const region = frame ? machine.bootInfo.userImageFrames : machine.bootInfo.userImagePaging;
      if (Number.isInteger(i) && region.start + i < region.end) {
        r.names.set(n, region.start + i);
        bind(k, n);
      }
    }
  }
  const nameOf = (id: ObjID): string => capName.get(idKey(id)) ?? showID(id);

  for (const e of entries)
    if (skipped(e.obj))
      notes.push(
        `${showID(e.id)}: an interrupt object; capsim models no interrupts (no IRQControl_Get, IRQHandler_SetNotification), so it and the caps to it are left out; the rest of the spec is replayed`,
      );
  if (m.irqNode.size > 0)
    notes.push(
      `irq maps: ${m.irqNode.size} entr${m.irqNode.size === 1 ? "y" : "ies"} left out (capsim models no interrupts: IRQControl_Get is not modelled)`,
    );

  // --- objects ---------------------------------------------------------------------------------
  const covered = new Set<string>();
  for (const c of m.covers.values()) for (const x of c.children) covered.add(idKey(x));
  const pools: ObjEntry[] = [];
  const utCap = (name: string): { paddr: number; bits: number; freeIndex: number } | null => {
    const c = r.capAt(name);
    // seL4 resets an untyped with no children on its next Retype (boot untypeds start "full").
    const freeIndex = c.type === "Untyped" && hasChildren(r.state, r.slotAddr(name)) ? c.freeIndex : 0;
    return c.type === "Untyped" ? { paddr: c.paddr, bits: c.sizeBits, freeIndex } : null;
  };
  const sized = specSizes(m, machine.state.config, (id) => bound.has(idKey(id)), skipped);
  notes.push(...sized.notes);
  const objBits = sized.bitsOf;
  /** Filler untypeds move `from`'s watermark up to `target` (rust-sel4's initializer does the same). */
  const fillTo = (from: string, target: number, pos: Pos | null): boolean => {
    for (let n = 0; ; n++) {
      const u = utCap(from);
      if (!u) return false;
      const at = u.paddr + u.freeIndex;
      if (at >= target) return true;
      let k = sizes.minUntypedBits;
      while (k + 1 <= sizes.maxUntypedBits && at % 2 ** (k + 1) === 0 && at + 2 ** (k + 1) <= target) k++;
      if (at % 2 ** k !== 0 || at + 2 ** k > target) {
        // The watermark sits where no untyped of the smallest size can step exactly; let seL4 align the next one.
        k = sizes.minUntypedBits;
      }
      const name = r.fresh(`filler@0x${at.toString(16)}`);
      if (
        !r.run(
          { retype: { type: "seL4_UntypedObject", as: name, from, size_bits: k } },
          `retype a ${k}-bit filler untyped from ${from} to reach 0x${target.toString(16)}`,
          pos,
        )
      )
        return false;
      if (n > 4096) return r.refuse("fillers", "capsim gave up moving the watermark", pos, "capsim");
    }
  };
  const create = (e: ObjEntry, from: string, parent?: ObjEntry): boolean => {
    const o = e.obj;
    // A pool that fills an untyped of the pool's size is made from that untyped itself (MakePool
    // retypes it whole), as an ASID pool's memory is in seL4 and as the C loader makes it.
    if (
      o.kind === "asid_pool" &&
      parent?.obj.kind === "ut" &&
      parent.obj.bits === sizes.asidPoolBits &&
      m.covers.get(idKey(parent.id))?.children.length === 1
    ) {
      pools.push(e);
      capName.set(idKey(e.id), from);
      return true;
    }
    const name = r.fresh(showID(e.id));
    capName.set(idKey(e.id), name);
    const pos = e.pos;
    const paddr = o.kind === "frame" || o.kind === "ut" ? o.paddr : null;
    if (paddr !== null && !fillTo(from, paddr, pos)) return false;
    let type: AnyObjectTypeName;
    let size: number | undefined;
    if (o.kind === "ut") {
      const bits = objBits(o);
      if (bits === null)
        return r.refuse(
          `create ${showID(e.id)}`,
          "capDL gives this untyped no size and no cover to size it by; capsim cannot make it",
          pos,
          "capsim",
        );
      type = "seL4_UntypedObject";
      size = bits;
    } else {
      const made = madeAs(o, arch, sizes);
      if (made === undefined)
        return r.refuse(`create ${showID(e.id)}`, `capsim cannot create a ${o.kind} object`, pos, "capsim");
      if (typeof made === "string") return r.refuse(`create ${showID(e.id)}`, made, pos);
      ({ type, size } = made);
      if (o.kind === "asid_pool") {
        // The pool's memory, made into a pool by MakePool later.
        pools.push(e);
        capName.set(idKey(e.id), r.fresh(`${showID(e.id)}_memory`));
      }
    }
    const as = capName.get(idKey(e.id)) ?? name;
    const ok = r.run(
      { retype: { type, as, from, ...(size !== undefined ? { size_bits: size } : {}) } },
      `seL4_Untyped_Retype(${from}, ${type}${size !== undefined ? `, size_bits=${size}` : ""}) -> ${as}`,
      pos,
    );
    if (!ok) return false;
    if (paddr !== null) {
      const c = r.capAt(as);
      const got = c.type === "Untyped" || c.type === "Frame" ? c.paddr : null;
      if (got !== paddr)
        return r.refuse(
          `create ${showID(e.id)}`,
          `seL4 placed it at 0x${(got ?? 0).toString(16)}, the spec says paddr 0x${paddr.toString(16)} (the untyped's watermark was past it)`,
          pos,
        );
    }
    // What this untyped covers, in cover order.
    if (o.kind === "ut") {
      for (const child of m.covers.get(idKey(e.id))?.children ?? []) {
        const ce = entry(child);
        if (!ce || bound.has(idKey(child)) || skipped(ce.obj)) continue;
        if (!create(ce, as, e)) return false;
      }
    }
    return true;
  };
  const roots = entries.filter((e) => !covered.has(idKey(e.id)) && !bound.has(idKey(e.id)) && !skipped(e.obj));
  const boundUntypeds = entries.filter((e) => bound.has(idKey(e.id)) && e.obj.kind === "ut");
  // Bound untypeds first: what they cover is carved out of them.
  const ordered = [
    ...roots
      .filter((e) => (e.obj.kind === "ut" || e.obj.kind === "frame") && e.obj.paddr !== null)
      .sort((a, b) => paddrOf(a) - paddrOf(b)),
    ...roots
      .filter((e) => !((e.obj.kind === "ut" || e.obj.kind === "frame") && e.obj.paddr !== null))
      .sort((a, b) => (objBits(b.obj) ?? 0) - (objBits(a.obj) ?? 0) || compareObjID(a.id, b.id)),
  ];
  let going = true;
  for (const u of boundUntypeds) {
    if (!going) break;
    for (const child of m.covers.get(idKey(u.id))?.children ?? []) {
      const ce = entry(child);
      if (!ce || bound.has(idKey(child)) || skipped(ce.obj)) continue;
      if (!create(ce, nameOf(u.id))) {
        going = false;
        break;
      }
    }
  }
  for (const e of ordered) {
    if (!going) break;
    const from = sourceFor(e);
    if (from === null) {
      r.refuse(
        `create ${showID(e.id)}`,
        `no boot untyped of this machine holds ${paddrOf(e) >= 0 ? `paddr 0x${paddrOf(e).toString(16)}` : "it"} (boot a machine whose memory map has it: --boot SCENARIO)`,
        e.pos,
        "capsim",
      );
      going = false;
      break;
    }
    going = create(e, from);
  }
  function paddrOf(e: ObjEntry): number {
    return (e.obj.kind === "ut" || e.obj.kind === "frame") && e.obj.paddr !== null ? e.obj.paddr : -1;
  }
  /** The boot untyped to take a root object from: the one holding its paddr, else the first RAM one with room. */
  function sourceFor(e: ObjEntry): string | null {
    const list = machine.bootInfo.untypedList;
    const bits = objBits(e.obj) ?? 0;
    const p = paddrOf(e);
    const order = list
      .map((u, i) => ({ u, i, cap: utCap(`untyped[${i}]`) }))
      .sort((a, b) => b.u.sizeBits - a.u.sizeBits || a.i - b.i);
    for (const { u, i, cap } of order) {
      if (!cap) continue;
      if (p >= 0) {
        if (u.paddr <= p && p + 2 ** bits <= u.paddr + 2 ** u.sizeBits) return `untyped[${i}]`;
        continue;
      }
      if (u.isDevice) continue;
      const at = Math.ceil((cap.paddr + cap.freeIndex) / 2 ** bits) * 2 ** bits;
      if (at + 2 ** bits <= cap.paddr + 2 ** cap.bits) return `untyped[${i}]`;
    }
    if (p >= 0) return null;
    const ram = order.find((o) => !o.u.isDevice);
    return ram ? `untyped[${ram.i}]` : null;
  }

  // --- ASIDs: which root goes to which pool ----------------------------------------------------
  /** The VSpace root's kind: ARM32's page directory, AArch64's level-0 table. */
  const rootKind = a64 ? "pgd" : "pd";
  const poolSize = a64 ? aarch64.ASID_POOL_SIZE : ASID_POOL_SIZE;
  const expectedASID = new Map<string, { asid: readonly [number, number]; pos: Pos | null }>();
  for (const e of entries)
    if (hasSlots(e.obj))
      for (const s of e.obj.slots.values())
        if (s.cap.kind === rootKind && s.cap.asid && !expectedASID.has(idKey(s.cap.obj)))
          expectedASID.set(idKey(s.cap.obj), { asid: s.cap.asid, pos: s.pos });
  interface Assignment {
    readonly pd: ObjID;
    readonly pool: ObjID | null;
    readonly low: number | null;
    readonly high: number | null;
    readonly pos: Pos | null;
  }
  const inPoolOrder: Assignment[] = [];
  const inPool = new Set<string>();
  for (const e of entries) {
    if (e.obj.kind !== "asid_pool") continue;
    for (const [low, s] of [...e.obj.slots.entries()].sort((a, b) => a[0] - b[0])) {
      const pd = capObj(s.cap);
      if (!pd || inPool.has(idKey(pd))) continue;
      inPool.add(idKey(pd));
      inPoolOrder.push({ pd, pool: e.id, low, high: e.obj.asidHigh, pos: s.pos });
    }
  }
  // A root in no pool goes to the root task's pool, as both loaders do.
  const noPoolOrder: Assignment[] = entries
    .filter((e) => e.obj.kind === rootKind && !inPool.has(idKey(e.id)))
    .map((e) => ({ pd: e.id, pool: null, low: null, high: null, pos: e.pos }));
  /** Roots made only to take a low ASID below a spec's root (whose own was freed): deleted once all are assigned. */
  const rootFillers: string[] = [];
  /** The low ASID ASIDPool_Assign would hand out next in this pool (seL4 never hands out ASID 0). */
  const nextLow = (pool: string): number => {
    const c = r.capAt(pool);
    const p = c.type === "ASIDPool" ? r.state.objects.get(c.paddr) : undefined;
    if (c.type !== "ASIDPool" || p?.type !== "ASIDPool") return poolSize;
    let i = 0;
    while (i < poolSize && (c.asidBase + i === 0 || p.entries.has(i))) i++;
    return i;
  };
  const assign = (a: Assignment): boolean => {
    if (bound.has(idKey(a.pd))) return true;
    const pool = a.pool ? nameOf(a.pool) : "InitThreadASIDPool";
    const pdName = nameOf(a.pd);
    // A low ASID below the spec's that is free: its root was deleted (deleteASID). Take it with a filler root.
    for (let at = nextLow(pool); snapshot && a.low !== null && at < a.low; at = nextLow(pool)) {
      const filler = r.fresh(`${rootKind}_filler@${at}`);
      const entry = m.objects.get(idKey(a.pd));
      const from = entry ? sourceFor(entry) : null;
      const type = a64 ? "seL4_ARM_VSpaceObject" : "seL4_ARM_PageDirectoryObject";
      if (
        from === null ||
        !r.run({ retype: { type, as: filler, from } }, `seL4_Untyped_Retype(${from}, ${type}) -> ${filler}`, a.pos) ||
        !r.run(
          { invoke: "seL4_ARM_ASIDPool_Assign", cap: pool, args: { vspace: filler } },
          `seL4_ARM_ASIDPool_Assign(${pool}, vspace=${filler}): a filler for low ASID ${at}, deleted once the roots have theirs`,
          a.pos,
        )
      )
        return false;
      rootFillers.push(filler);
    }
    if (
      !r.run(
        { invoke: "seL4_ARM_ASIDPool_Assign", cap: pool, args: { vspace: pdName } },
        `seL4_ARM_ASIDPool_Assign(${pool}, vspace=${pdName})`,
        a.pos,
      )
    )
      return false;
    const c = r.capAt(pdName);
    const got = (c.type === "PageDirectory" || c.type === "VSpace") && c.mappedASID !== null ? c.mappedASID : -1;
    const gotPair: readonly [number, number] = [Math.floor(got / poolSize), got % poolSize];
    const want = a.low !== null && a.high !== null ? ([a.high, a.low] as const) : null;
    const fromCap = expectedASID.get(idKey(a.pd));
    for (const w of [want ? { asid: want, pos: a.pos } : null, fromCap ?? null])
      if (w && (w.asid[0] !== gotPair[0] || w.asid[1] !== gotPair[1]))
        return r.refuse(
          `seL4_ARM_ASIDPool_Assign(${pool}, vspace=${pdName})`,
          `capDL accepts ASID (0x${w.asid[0].toString(16)}, 0x${w.asid[1].toString(16)}) for ${showID(a.pd)}; seL4 hands out the first free ASID, (0x${gotPair[0].toString(16)}, 0x${gotPair[1].toString(16)})`,
          w.pos,
        );
    return true;
  };

  // --- ASID pools, in asid_high order (seL4 gives the first free pool index) ---------------------
  // A pool made at asid_high 0 after the root task's pool was deleted (see the binding above):
  // the roots in no pool take their ASIDs from the root task's pool first, then that pool is
  // deleted (deleteASIDPool frees index 0 and leaves those roots, and the root task's own VSpace,
  // dead, as in seL4), and MakePool hands index 0 out again.
  const remade = pools.some((p) => highOf(p) === 0);
  if (going && remade) {
    for (const a of noPoolOrder) if (going) going = assign(a);
    if (going)
      going = r.run(
        { invoke: "seL4_CNode_Delete", cap: "InitThreadCNode", args: { dest: "InitThreadASIDPool" } },
        "seL4_CNode_Delete(InitThreadCNode, InitThreadASIDPool): the spec's pool at asid_high 0 was made after the root task's was deleted",
        pools.find((p) => highOf(p) === 0)?.pos ?? null,
      );
  }
  // Indexes in the ASID table: the root task's pool holds 0 until it is deleted.
  const taken = new Set<number>(remade ? [] : [0]);
  const firstFree = (): number => {
    let i = 0;
    while (taken.has(i)) i++;
    return i;
  };
  /** Pools made only to take an index below a spec's pool (whose own was freed): deleted once all are made. */
  const fillers: string[] = [];
  const makePool = (memory: string, name: string, what: string, pos: Pos | null): boolean => {
    const ok = r.run(
      { invoke: "seL4_ARM_ASIDControl_MakePool", cap: "ASIDControl", args: { untyped: memory, dest: name } },
      `seL4_ARM_ASIDControl_MakePool(ASIDControl, untyped=${memory}) -> ${name}${what}`,
      pos,
    );
    if (ok) taken.add(firstFree());
    return ok;
  };
  if (going) {
    const byHigh = [...pools].sort((a, b) => highOf(a) - highOf(b) || compareObjID(a.id, b.id));
    for (const p of byHigh) {
      if (!going) break;
      const want = highOf(p);
      // An index below the spec's that is free: a pool there was deleted. Take it with a filler pool.
      while (going && snapshot && want !== Infinity && firstFree() < want) {
        const at = firstFree();
        const memory = r.fresh(`asid_pool_filler@${at}_memory`);
        const name = r.fresh(`asid_pool_filler@${at}`);
        const from = sourceFor(p);
        going =
          from !== null &&
          r.run(
            { retype: { type: "seL4_UntypedObject", as: memory, from, size_bits: sizes.asidPoolBits } },
            `seL4_Untyped_Retype(${from}, seL4_UntypedObject, size_bits=${sizes.asidPoolBits}) -> ${memory}`,
            p.pos,
          ) &&
          makePool(memory, name, `: a filler at index ${at}, deleted once the pools are made`, p.pos);
        fillers.push(name, memory);
      }
      if (!going) break;
      const got = firstFree();
      if (want !== Infinity && want !== got) {
        going = r.refuse(
          `seL4_ARM_ASIDControl_MakePool for ${showID(p.id)}`,
          `capDL accepts asid_high ${want}; seL4 hands out the first free pool index, which is ${got}`,
          p.pos,
        );
        break;
      }
      const mem = nameOf(p.id);
      const name = r.fresh(showID(p.id));
      going = makePool(mem, name, "", p.pos);
      capName.set(idKey(p.id), name);
    }
    for (const f of fillers)
      if (going && r.capAt(f).type !== "Null")
        going = r.run(
          { invoke: "seL4_CNode_Delete", cap: "InitThreadCNode", args: { dest: f } },
          `seL4_CNode_Delete(InitThreadCNode, ${f}): the filler's index is free in the spec`,
          null,
        );
  }
  function highOf(e: ObjEntry): number {
    return e.obj.kind === "asid_pool" && e.obj.asidHigh !== null ? e.obj.asidHigh : Infinity;
  }

  // --- ASIDs -------------------------------------------------------------------------------------
  for (const a of [...inPoolOrder, ...(remade ? [] : noPoolOrder)]) if (going) going = assign(a);
  for (const f of rootFillers)
    if (going)
      going = r.run(
        { invoke: "seL4_CNode_Delete", cap: "InitThreadCNode", args: { dest: f } },
        `seL4_CNode_Delete(InitThreadCNode, ${f}): the filler's low ASID is free in the spec (deleteASID frees it)`,
        null,
      );

  // --- mappings: page tables, then frames, each frame through a fresh copy -------------------------
  const mappingCopy = new Map<string, string>();
  const attrsOf = (c: Cap & { kind: "frame" }): string[] => [
    ...(c.cached ? ["PageCacheable"] : []),
    "ParityEnabled",
    ...(c.rights & RIGHT_G ? [] : ["ExecuteNever"]),
  ];
  // A frame cap with `asid:` but no `mapping:` (AArch64's 1 GiB pages: capDL cannot name a pud
  // slot) stands for the one mapping of its frame in the VSpace with that ASID, if there is one.
  const rootOfASID = new Map<string, ObjEntry>();
  for (const e of entries)
    if (e.obj.kind === "asid_pool" && e.obj.asidHigh !== null)
      for (const [low, sl] of e.obj.slots) {
        const root = capObj(sl.cap);
        const re = root ? entry(root) : undefined;
        if (re) rootOfASID.set(`${e.obj.asidHigh},${low}`, re);
      }
  const rowsOfRoot = new Map<string, TableRow[]>();
  // Where several CNode caps to one frame have the same `asid:` and no `mapping:` (a 1 GiB frame
  // mapped more than once in one VSpace), capDL does not say which cap makes which mapping: they
  // take the frame's mappings there in address order, the caps in CNode and slot order.
  const asidOnly = new Map<string, Cap[]>();
  const asidOnlyKey = (c: Cap & { kind: "frame" }): string => `${String(c.asid)}|${idKey(c.obj)}`;
  for (const e of entries)
    if (e.obj.kind === "cnode" && hasSlots(e.obj))
      for (const [, sl] of [...e.obj.slots.entries()].sort((a, b) => a[0] - b[0]))
        if (sl.cap.kind === "frame" && sl.cap.asid && !sl.cap.mapping) {
          const group = asidOnly.get(asidOnlyKey(sl.cap)) ?? [];
          group.push(sl.cap);
          asidOnly.set(asidOnlyKey(sl.cap), group);
        }
  const mappingOf = (c: Cap & { kind: "frame" }): { obj: ObjID; slot: number } | null => {
    if (c.mapping || !c.asid) return c.mapping;
    const root = rootOfASID.get(`${c.asid[0]},${c.asid[1]}`);
    if (!root) return null;
    const rows = rowsOfRoot.get(idKey(root.id)) ?? tableRows(m, root);
    rowsOfRoot.set(idKey(root.id), rows);
    const hits = rows.filter((w) => w.cap.kind === "frame" && idKey(w.cap.obj) === idKey(c.obj));
    const nth = asidOnly.get(asidOnlyKey(c))?.indexOf(c) ?? -1;
    const hit = nth >= 0 ? hits[nth] : hits.length === 1 ? hits[0] : undefined;
    return hit ? { obj: hit.container, slot: hit.slot } : null;
  };
  // Where the root CNode of the spec holds a frame only as mapped caps, the original cap itself
  // does one of those mappings (as the root task's own caps are); every other mapping is a copy's.
  const rootEntry = entries.find((e) => e.id.name === BOOT_NAMES.cnode && e.id.index === null);
  const rootCaps = rootEntry && hasSlots(rootEntry.obj) ? [...rootEntry.obj.slots.values()].map((s) => s.cap) : [];
  /** Mappings a cap of the spec's root CNode makes by itself (no copy): mapping key -> that cap's replay name. */
  const originalMaps = new Map<string, () => string>();
  const byOriginalFrame = new Set<string>();
  // With a cdt section, the original of each object in the root CNode is the cap whose parent is
  // not a cap to the same object (an untyped's child, or no parent): a mapped original maps.
  const specCap = (ref: CapRef): Cap | undefined => {
    const o = entry(ref.obj)?.obj;
    return o && hasSlots(o) ? o.slots.get(ref.slot)?.cap : undefined;
  };
  const sameObject = (a: Cap | undefined, b: Cap | undefined): boolean => {
    const x = a ? capObj(a) : null;
    const y = b ? capObj(b) : null;
    return x !== null && y !== null && idKey(x) === idKey(y);
  };
  /** The spec's cdt parent of a slot when it holds a cap to the same object (a copy's source). */
  const copiedFrom = (ref: CapRef): CapRef | null => {
    const parent = m.cdt.get(capRefKey(ref))?.parent;
    return parent && sameObject(specCap(parent), specCap(ref)) ? parent : null;
  };
  const originalSlot = new Map<string, number>();
  if (rootEntry && hasSlots(rootEntry.obj) && m.cdt.size > 0)
    for (const [slot, sl] of [...rootEntry.obj.slots.entries()].sort((a, b) => a[0] - b[0])) {
      const target = capObj(sl.cap);
      if (target && !originalSlot.has(idKey(target)) && !copiedFrom({ obj: rootEntry.id, slot }))
        originalSlot.set(idKey(target), slot);
    }
  for (const [key, slot] of originalSlot) {
    const c = rootEntry && hasSlots(rootEntry.obj) ? rootEntry.obj.slots.get(slot)?.cap : undefined;
    const mapping = c?.kind === "frame" ? mappingOf(c) : null;
    byOriginalFrame.add(key);
    const target = c ? capObj(c) : null;
    if (mapping && target) originalMaps.set(`${key}>${idKey(mapping.obj)}#${mapping.slot}`, () => nameOf(target));
  }
  for (const c of rootCaps) {
    const mapping = c.kind === "frame" ? mappingOf(c) : null;
    if (c.kind !== "frame" || !mapping || byOriginalFrame.has(idKey(c.obj))) continue;
    if (rootCaps.some((d) => d.kind === "frame" && !mappingOf(d) && idKey(d.obj) === idKey(c.obj))) continue;
    byOriginalFrame.add(idKey(c.obj));
    originalMaps.set(`${idKey(c.obj)}>${idKey(mapping.obj)}#${mapping.slot}`, () => nameOf(c.obj));
  }
  // Caps of one object in the root CNode whose cdt parents are no caps to it (siblings under the
  // untyped: their common parent cap was deleted, and seL4 moved its children up). Retype makes
  // one such cap; the replay mints one from it per sibling, with the sibling's rights and badge,
  // and deletes the Retype's cap, so that all of them are the untyped's children. Only objects
  // whose caps seL4 can derive before they are mapped or assigned (not tables or roots).
  const siblingNames = new Map<string, string>();
  const siblings = new Map<string, { slot: number; cap: Cap }[]>();
  if (rootEntry && hasSlots(rootEntry.obj) && m.cdt.size > 0)
    for (const [slot, sl] of [...rootEntry.obj.slots.entries()].sort((a, b) => a[0] - b[0])) {
      const target = capObj(sl.cap);
      const kind = target ? entry(target)?.obj.kind : undefined;
      if (!target || bound.has(idKey(target)) || copiedFrom({ obj: rootEntry.id, slot })) continue;
      if (kind !== "frame" && kind !== "ep" && kind !== "notification" && kind !== "tcb") continue;
      const group = siblings.get(idKey(target)) ?? [];
      group.push({ slot, cap: sl.cap });
      siblings.set(idKey(target), group);
    }
  for (const [key, group] of siblings) {
    const first = group[0];
    if (!going || !rootEntry || group.length < 2 || !first) continue;
    const target = capObj(first.cap);
    if (!target) continue;
    const base = nameOf(target);
    for (const { slot, cap } of group) {
      const name = r.fresh(base);
      const { rights, badge } = mintArgs(cap);
      going =
        going &&
        r.run(
          { invoke: "seL4_CNode_Mint", cap: "InitThreadCNode", args: { dest: name, src: base, rights, badge } },
          `seL4_CNode_Mint(InitThreadCNode) <- ${base} rights ${rights || "none"} badge ${badge}: slot ${slot}, a sibling under the untyped`,
          rootEntry.pos,
        );
      siblingNames.set(capRefKey({ obj: rootEntry.id, slot }), name);
      const mapping = cap.kind === "frame" ? mappingOf(cap) : null;
      if (mapping) originalMaps.set(`${key}>${idKey(mapping.obj)}#${mapping.slot}`, () => name);
    }
    going =
      going &&
      r.run(
        { invoke: "seL4_CNode_Delete", cap: "InitThreadCNode", args: { dest: base } },
        `seL4_CNode_Delete(InitThreadCNode, ${base}): its children become the untyped's`,
        rootEntry.pos,
      );
    capName.set(key, siblingNames.get(capRefKey({ obj: rootEntry.id, slot: first.slot })) ?? base);
  }
  const mapFrame = (
    c: Cap & { kind: "frame" },
    pd: string,
    vaddr: number,
    container: ObjID,
    slot: number,
    pos: Pos | null,
  ): boolean => {
    const frame = nameOf(c.obj);
    const mapsItself = originalMaps.get(`${idKey(c.obj)}>${idKey(container)}#${slot}`);
    const byOriginal = mapsItself !== undefined;
    const copy = mapsItself ? mapsItself() : r.fresh(`${frame}@0x${vaddr.toString(16)}`);
    if (!byOriginal && !r.run({ copy: { from: frame, as: copy } }, `seL4_CNode_Copy(${frame}) -> ${copy}`, pos))
      return false;
    // The C loader upgrades write-only to read-write: seL4 would make it kernel-only.
    const rights = c.rights & RIGHT_W ? "RW" : c.rights & RIGHT_R ? "R" : "";
    const attr = attrsOf(c);
    mappingCopy.set(`${idKey(container)}#${slot}`, copy);
    return r.run(
      { invoke: "seL4_ARM_Page_Map", cap: copy, args: { vspace: pd, vaddr, rights, attr } },
      `seL4_ARM_Page_Map(${copy}, ${pd}, vaddr=0x${vaddr.toString(16)}, ${rights || "no rights"}, ${attr.join("|")})`,
      pos,
    );
  };
  const pds = a64 ? [] : entries.filter((e) => e.obj.kind === "pd");
  /** In a bound (booted) directory, what boot mapped already is there: only the rest is replayed. */
  const present = (pd: ObjEntry, vaddr: number, table: boolean): boolean => {
    if (!bound.has(idKey(pd.id))) return false;
    const c = r.capAt(nameOf(pd.id));
    if (c.type !== "PageDirectory") return false;
    if (table) {
      const pdo = r.state.objects.get(c.paddr);
      return pdo?.type === "PageDirectory" && entriesOf(r.state, pdo).get(Math.floor(vaddr / 2 ** 20)) !== undefined;
    }
    return resolve(r.state, c.paddr, vaddr as VirtAddr).mapped;
  };
  for (const pd of pds) {
    if (!going || !hasSlots(pd.obj)) continue;
    const pdName = nameOf(pd.id);
    for (const [slot, s] of [...pd.obj.slots.entries()].sort((a, b) => a[0] - b[0])) {
      if (!going) break;
      const vaddr = slot * 2 ** 20;
      if (present(pd, vaddr, s.cap.kind === "pt")) continue;
      if (s.cap.kind === "pt") {
        const pt = nameOf(s.cap.obj);
        going = r.run(
          {
            invoke: "seL4_ARM_PageTable_Map",
            cap: pt,
            args: { vspace: pdName, vaddr, attr: ["PageCacheable", "ParityEnabled"] },
          },
          `seL4_ARM_PageTable_Map(${pt}, ${pdName}, vaddr=0x${vaddr.toString(16)})`,
          s.pos,
        );
      } else if (s.cap.kind === "frame") going = mapFrame(s.cap, pdName, vaddr, pd.id, slot, s.pos);
    }
  }
  for (const pd of pds) {
    if (!going || !hasSlots(pd.obj)) continue;
    const pdName = nameOf(pd.id);
    for (const [pdSlot, s] of [...pd.obj.slots.entries()].sort((a, b) => a[0] - b[0])) {
      if (!going) break;
      if (s.cap.kind !== "pt") continue;
      const pt = entry(s.cap.obj);
      if (!pt || !hasSlots(pt.obj)) continue;
      for (const [ptSlot, fs] of [...pt.obj.slots.entries()].sort((a, b) => a[0] - b[0])) {
        if (!going) break;
        const vaddr = pdSlot * 2 ** 20 + ptSlot * 2 ** 12;
        if (fs.cap.kind === "frame" && !present(pd, vaddr, false))
          going = mapFrame(fs.cap, pdName, vaddr, pt.id, ptSlot, fs.pos);
      }
    }
  }

  if (a64) going = going && mapAarch64();
  /**
   * AArch64, as the C loader's init_level_0..3 walk each VSpace: the tables in the walk's
   * order (each parent before its children, so that PageTable_Map's walk puts each table at
   * the level the spec gives it), then the frames in the same order.
   */
  function mapAarch64(): boolean {
    /** In a bound (booted) VSpace, what boot mapped already is there: only the rest is replayed. */
    const present = (root: ObjEntry, row: TableRow): boolean => {
      if (!bound.has(idKey(root.id))) return false;
      const c = r.capAt(nameOf(root.id));
      if (c.type !== "VSpace") return false;
      const v = row.vaddr as VirtAddr;
      return row.cap.kind === "frame"
        ? aarch64.resolve(r.state, c.paddr, v).mapped
        : aarch64.lookupPTSlot(r.state, c.paddr, v).level >= row.level;
    };
    for (const root of entries.filter((e) => e.obj.kind === "pgd")) {
      const rows = tableRows(m, root);
      const vs = nameOf(root.id);
      for (const row of rows.filter((w) => w.cap.kind !== "frame")) {
        const table = capObj(row.cap);
        if (!table || present(root, row)) continue;
        const pt = nameOf(table);
        if (
          !r.run(
            {
              invoke: "seL4_ARM_PageTable_Map",
              cap: pt,
              args: { vspace: vs, vaddr: row.vaddr, attr: ["PageCacheable", "ParityEnabled"] },
            },
            `seL4_ARM_PageTable_Map(${pt}, ${vs}, vaddr=0x${row.vaddr.toString(16)}) as the level-${row.level} ${row.cap.kind}`,
            row.pos,
          )
        )
          return false;
      }
      for (const row of rows) {
        if (row.cap.kind !== "frame" || present(root, row)) continue;
        if (!mapFrame(row.cap, vs, row.vaddr, row.container, row.slot, row.pos)) return false;
      }
    }
    return true;
  }

  /**
   * libsel4's seL4_CNode_CapData_new(guard, guardSize): 32-bit layout guard << 8 | size << 3,
   * 64-bit layout guard << 6 | size (shared_types.bf of each word size).
   */
  function cnodeCapData(guard: number, guardSize: number): number {
    return a64 ? guard * 64 + guardSize : guard * 256 + guardSize * 8;
  }
  /** CNode_Mint's rights and badge word for a spec's cap: a frame's VM rights, a badge, or a CNode's guard. */
  function mintArgs(c: Cap): { rights: string; badge: number } {
    return {
      rights: "rights" in c ? rightsLetters(c.rights, c.kind === "frame" ? RIGHT_R | RIGHT_W : ALL) : "RWGP",
      badge: "badge" in c ? c.badge : c.kind === "cnode" ? cnodeCapData(c.guard, c.guardSize) : 0,
    };
  }

  // --- TCBs: the CSpace and VSpace roots (capsim models TCB_SetSpace, not Configure) ---------------
  // The C loader's TCB_Configure(fault_ep, cspace, cspace data, vspace, vspace data, ipc buffer
  // addr, ipc buffer frame) sets what SetSpace sets plus the IPC buffer; SetSchedParams,
  // WriteRegisters, SetAffinity, BindNotification and Resume follow. capsim models only
  // SetSpace among the TCB invocations, so the rest is named in one note per TCB.
  for (const e of entries) {
    if (!going || e.obj.kind !== "tcb" || bound.has(idKey(e.id))) continue;
    const cs = e.obj.slots.get(0);
    const vs = e.obj.slots.get(1);
    const x = e.obj.extra;
    const unset = [
      ...(e.obj.slots.has(4) || (x && x.addr !== 0) ? ["its IPC buffer (slot 4 and addr:; TCB_SetIPCBuffer)"] : []),
      ...(x && (x.prio !== null || x.maxPrio !== null) ? ["prio/max_prio (TCB_SetSchedParams)"] : []),
      ...(x && (x.ip !== null || x.sp !== null) ? ["ip/sp (TCB_WriteRegisters)"] : []),
      ...(e.obj.init.length > 0 ? ["init: arguments (TCB_WriteRegisters)"] : []),
      ...(e.obj.slots.has(8) ? ["its bound notification (TCB_BindNotification)"] : []),
      ...(e.obj.dom !== 0 ? ["dom: (DomainSet_Set)"] : []),
      ...(x?.resume ? ["resume: (TCB_Resume)"] : []),
    ];
    if (unset.length > 0) notes.push(`${showID(e.id)}: capsim models TCB_SetSpace only; not set: ${unset.join(", ")}`);
    if (!cs || !vs || cs.cap.kind !== "cnode" || vs.cap.kind !== rootKind) {
      if (cs || vs)
        notes.push(
          `${showID(e.id)}: no SetSpace (it needs both a cspace CNode and a vspace ${rootKind}; the C loader then sets the IPC buffer alone)`,
        );
      continue;
    }
    const tcb = nameOf(e.id);
    const data = cnodeCapData(cs.cap.guard, cs.cap.guardSize);
    going = r.run(
      {
        invoke: "seL4_TCB_SetSpace",
        cap: tcb,
        args: {
          fault_ep: e.obj.faultEp ?? 0,
          cspace_root: nameOf(cs.cap.obj),
          cspace_root_data: data,
          vspace_root: nameOf(vs.cap.obj),
          vspace_root_data: 0,
        },
      },
      `seL4_TCB_SetSpace(${tcb}, cspace=${nameOf(cs.cap.obj)} guard ${cs.cap.guard}/${cs.cap.guardSize}, vspace=${nameOf(vs.cap.obj)})`,
      cs.pos,
    );
  }

  // --- CNodes: mint from the originals; a frame cap that names its mapping takes the mapping's copy --
  const claimed = new Set<string>();
  /** The replay's name of each root-CNode slot of the spec that it filled, for caps derived from it. */
  const slotName = new Map<string, string>();
  const controlName: Readonly<Record<string, string>> = {
    asid_control: "ASIDControl",
    irq_control: "IRQControl",
    domain: "Domain",
  };
  // The root CNode first (its caps are the ones others derive from), and in each CNode a cap's
  // cdt parent before it.
  const copyDepth = (ref: CapRef): number => {
    let d = 0;
    for (let p = copiedFrom(ref); p && d < 64; p = copiedFrom(p)) d++;
    return d;
  };
  for (const e of [...entries].sort((a, b) => Number(bound.has(idKey(b.id))) - Number(bound.has(idKey(a.id))))) {
    if (!going || e.obj.kind !== "cnode" || e.obj.bits === 0) continue;
    const isRoot = bound.has(idKey(e.id));
    const cn = nameOf(e.id);
    const bits = e.obj.bits;
    const ordered = [...e.obj.slots.entries()]
      .map(([slot, sl]) => ({ slot, sl, depth: copyDepth({ obj: e.id, slot }) }))
      .sort((a, b) => a.depth - b.depth || a.slot - b.slot);
    for (const { slot, sl: s } of ordered) {
      if (!going) break;
      const ref = capRefKey({ obj: e.id, slot });
      const c = s.cap;
      const target = capObj(c);
      if (target && (!entry(target) || skipped((entry(target) as ObjEntry).obj))) continue;
      if (c.kind === "sched_control" || c.kind === "io_space_master" || c.kind === "null") continue;
      const dest = (n: string): Record<string, string | number> =>
        isRoot ? { dest: r.fresh(n) } : { dest_index: slot, dest_depth: bits };
      const mapping = c.kind === "frame" ? mappingOf(c) : null;
      if (mapping) {
        const copy = mappingCopy.get(`${idKey(mapping.obj)}#${mapping.slot}`);
        if (copy && !claimed.has(copy)) {
          claimed.add(copy);
          slotName.set(ref, copy);
          if (isRoot) continue; // the mapping's copy already sits in the root CNode
          going = r.run(
            { invoke: "seL4_CNode_Move", cap: cn, args: { ...dest(copy), src: copy } },
            `seL4_CNode_Move(${cn}, slot ${slot}) <- ${copy}`,
            s.pos,
          );
          continue;
        }
      }
      const original = target ? nameOf(target) : (controlName[c.kind] ?? "");
      if (!original) continue;
      const sibling = siblingNames.get(ref);
      if (isRoot && sibling && !claimed.has(sibling)) {
        claimed.add(sibling);
        slotName.set(ref, sibling);
        continue;
      }
      if (isRoot) {
        // The root CNode holds the originals already: one cap per object is there (the spec's
        // original by its cdt, else the first plain cap); extra caps are minted.
        const plain = !("badge" in c && c.badge) && !(c.kind === "cnode" && (c.guard || c.guardSize));
        if (bound.has(target ? idKey(target) : "") && r.names.get(original) === slot) continue;
        const known = target ? originalSlot.get(idKey(target)) : undefined;
        if (known === undefined ? plain && !claimed.has(original) : known === slot && !claimed.has(original)) {
          claimed.add(original);
          slotName.set(ref, original);
          continue;
        }
      }
      // A copy is derived from its cdt parent where the replay has that cap by name (a root-CNode slot).
      const parent = copiedFrom({ obj: e.id, slot });
      const src = (parent && slotName.get(capRefKey(parent))) || original;
      const { rights, badge } = mintArgs(c);
      const move = c.kind === "irq_control";
      const to = dest(src);
      if (typeof to.dest === "string") slotName.set(ref, to.dest);
      going = r.run(
        move
          ? { invoke: "seL4_CNode_Move", cap: cn, args: { ...to, src } }
          : { invoke: "seL4_CNode_Mint", cap: cn, args: { ...to, src, rights, badge } },
        `${move ? "seL4_CNode_Move" : "seL4_CNode_Mint"}(${cn}, slot ${slot}) <- ${src}${move ? "" : ` rights ${rights || "none"} badge ${badge}`}`,
        s.pos,
      );
    }
  }
  // A spec that describes the whole root CNode (an export: it holds the root task's TCB) and
  // holds no cap to a boot object the booted root CNode has: that cap was deleted; delete it too
  // (last, as nothing above derives from it).
  const held = new Set<string>();
  if (rootEntry && hasSlots(rootEntry.obj))
    for (const sl of rootEntry.obj.slots.values()) {
      const t = capObj(sl.cap);
      held.add(t ? idKey(t) : sl.cap.kind);
    }
  const tcbKey = [...bound].find((k) => capName.get(k) === "InitThreadTCB");
  if (going && rootEntry && tcbKey !== undefined && held.has(tcbKey)) {
    const specKeyOf = new Map<string, string>();
    for (const k of bound) specKeyOf.set(capName.get(k) ?? "", k);
    for (const [kind, name] of Object.entries(controlName)) specKeyOf.set(name, kind);
    const bootSlots = [...r.names]
      .filter(([, slot]) => slot < machine.bootInfo.empty.start)
      .sort((a, b) => a[1] - b[1]);
    for (const [name, slot] of bootSlots) {
      if (!going) break;
      const key = specKeyOf.get(name);
      if (slot === CNODE_SLOT || r.capAt(name).type === "Null" || (key !== undefined && held.has(key))) continue;
      going = r.run(
        { invoke: "seL4_CNode_Delete", cap: "InitThreadCNode", args: { dest: name } },
        `seL4_CNode_Delete(InitThreadCNode, ${name}): the spec's root CNode holds no cap to it`,
        rootEntry.pos,
      );
    }
  }
  if (m.cdt.size > 0)
    notes.push(
      "cdt: originals come from Retype; a root-CNode cap whose cdt parent is a cap to the same object is minted from that cap, others from the original",
    );

  return { machine, bootOptions, state: r.state, steps: r.steps, refusal: r.refusal, notes };
}

/** The report of a refusal, for people: the step, the invocation, seL4's answer and the spec line. */
export function refusalText(res: ImportResult, file = ""): string {
  const f = res.refusal;
  if (!f) return "";
  const where = f.pos ? `${file ? `${file}:` : ""}line ${f.pos.line}, column ${f.pos.column}` : file || "the spec";
  const verdict =
    f.by === "seL4" ? "capDL accepts this; seL4 refuses it." : "capDL accepts this; capsim cannot replay it.";
  return `step ${f.step}: ${f.what}\n  ${f.error}\n  from ${where}\n${verdict}`;
}
