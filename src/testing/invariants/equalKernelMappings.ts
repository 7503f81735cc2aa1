import { hex, type PhysAddr } from "../../model/addresses.ts";
import type { KernelObject, TableEntries32 } from "../../model/objects.ts";
import { entriesOf } from "../../kernel/store.ts";
import type { KernelState } from "../../model/state.ts";
import { byArch, type InvariantCheck, type StateChange } from "./change.ts";
import { userSlotsOf } from "./paging.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

type PageDirectory = Extract<KernelObject, { type: "PageDirectory" }>;

/** arch's PD_ASID_SLOT (not exported past arch/): the one kernel-window slot a directory does not copy from the global one. */
const PD_ASID_SLOT = 4080;

/** equal_kernel_mappings for one kernel-window slot `i` of directory `addr`, which holds `word` (undefined: empty). */
function sameKernelSlot(
  global: TableEntries32,
  addr: PhysAddr,
  i: number,
  word: number | undefined,
): Violation | undefined {
  if (i === PD_ASID_SLOT || word === global.get(i)) return undefined;
  return violation(
    "equal_kernel_mappings",
    `page directory ${hex(addr)} slot ${i} differs from the global directory's`,
    {
      pd: addr,
      index: i,
      word: word ?? 0,
      global: global.get(i) ?? 0,
    },
  );
}

/** The first kernel-window slot of directory `addr` (entries `entries`) that differs from the global directory's entries `global`; -1 for none. */
function firstDifferingSlot(
  global: TableEntries32,
  addr: PhysAddr,
  entries: TableEntries32,
  userSlots: number,
): number {
  for (let i = userSlots; i < 4096; i++) if (sameKernelSlot(global, addr, i, entries.get(i)) !== undefined) return i;
  return -1;
}

/** How a directory's first differing kernel-window slot is found: firstDifferingSlot, or its cached form. */
type FirstSlot = typeof firstDifferingSlot;

/** equal_kernel_mappings for one directory, finding its first differing slot with `firstOf`. */
const windowRule =
  (firstOf: FirstSlot) =>
  (s: KernelState, global: PageDirectory, addr: PhysAddr, o: KernelObject): Violation | undefined => {
    if (o.type !== "PageDirectory" || addr === s.globalPD) return undefined;
    const words = entriesOf(s, global);
    const entries = entriesOf(s, o);
    const first = firstOf(words, addr, entries, userSlotsOf(s));
    return first < 0 ? undefined : sameKernelSlot(words, addr, first, entries.get(first));
  };

/** equal_kernel_mappings for one directory: its slots from USER_TOP up equal the global directory's (the first that differs is reported). */
export const sameKernelWindow = windowRule(firstDifferingSlot);

/** What firstDifferingSlot found for one directory's entries, against the global directory's entries and USER_TOP's slot. */
interface WindowVerdict {
  readonly global: object;
  readonly userSlots: number;
  readonly first: number;
}

/** Keyed on a directory's entries (the value the rule reads, not the directory's record). */
const windowVerdicts = new WeakMap<object, WindowVerdict>();

/** sameKernelWindow, with each directory's verdict kept for as long as its entries and the global directory's stay the same. */
const sameKernelWindowCached = windowRule((global, addr, entries, userSlots) => {
  let known = windowVerdicts.get(entries);
  if (known === undefined || known.global !== global || known.userSlots !== userSlots) {
    known = { global, userSlots, first: firstDifferingSlot(global, addr, entries, userSlots) };
    windowVerdicts.set(entries, known);
  }
  return known.first;
});

/** Applies the rule (sameKernelWindow or its cached form) to `objects` (of any type); a missing global directory is the one violation. */
function checkDirectories(
  s: KernelState,
  objects: Iterable<readonly [PhysAddr, KernelObject]>,
  out: Violation[] = [],
  window = sameKernelWindow,
): Violation[] {
  if (s.globalPD === null) return out;
  const global = s.objects.get(s.globalPD);
  if (global?.type !== "PageDirectory")
    out.push(
      violation("equal_kernel_mappings", `the global page directory ${hex(s.globalPD)} is missing`, {
        globalPD: s.globalPD,
      }),
    );
  else collect(objects, ([addr, o]) => window(s, global, addr, o), out);
  return out;
}

/**
 * l4v valid_global_pd_mappings / equal_kernel_mappings: every page directory holds the global
 * directory's entries from USER_TOP up (except the hardware-ASID slot 4080).
 */
const equalKernelMappings32: Invariant = (s) => checkDirectories(s, s.objects);

const equalKernelMappings32Cached: Invariant = (s) => checkDirectories(s, s.objects, [], sameKernelWindowCached);

/**
 * Every directory when the global directory itself changed; else a new directory whole, and
 * only the changed kernel-window slots of one that was a directory before (checking a whole
 * window on every map costs more than the map).
 */
const equalKernelMappingsDelta = (c: StateChange, out: Violation[]): void => {
  const g = c.after.globalPD;
  if (g === null) return;
  if (c.before.globalPD !== g || c.objects.includes(g)) {
    checkDirectories(c.after, c.after.objects, out);
    return;
  }
  // Most steps change no directory: skip even the lookup of the global one then.
  if (!c.objectEntries.some(([, o]) => o.type === "PageDirectory")) return;
  checkDirectories(
    c.after,
    c.objectEntries.filter(([addr]) => c.before.objects.get(addr)?.type !== "PageDirectory"),
    out,
  );
  const global = c.after.objects.get(g);
  if (global?.type !== "PageDirectory") return;
  const userSlots = userSlotsOf(c.after);
  for (const e of c.entries) {
    if (e.type !== "PageDirectory" || e.index < userSlots || e.table === g) continue;
    if (
      c.before.objects.get(e.table)?.type !== "PageDirectory" ||
      c.after.objects.get(e.table)?.type !== "PageDirectory"
    )
      continue;
    const v = sameKernelSlot(entriesOf(c.after, global), e.table, e.index, e.after);
    if (v !== undefined) out.push(v);
  }
};

/**
 * The AArch64 form: l4v's equal_kernel_mappings is True there (no VSpace holds kernel
 * entries; kernel_mappings checks that), and its valid_global_tables takes the place: the
 * global user VSpace (armKSGlobalUserVSpace, which a thread without a VSpace runs on) is an
 * empty VSpace, so every user access on it faults.
 */
const globalVSpaceEmpty: Invariant = (s) => {
  if (s.globalPD === null) return [];
  const o = s.objects.get(s.globalPD);
  if (o?.type === "VSpace" && entriesOf(s, o).isEmpty) return [];
  return [
    violation(
      "equal_kernel_mappings",
      o?.type === "VSpace"
        ? `the global user VSpace ${hex(s.globalPD)} holds ${entriesOf(s, o).size} entries; it must stay empty`
        : `the global user VSpace ${hex(s.globalPD)} is ${o ? `a ${o.type}` : "missing"}`,
      { globalPD: s.globalPD, found: o?.type ?? null },
    ),
  ];
};

const globalVSpaceEmptyDelta = (c: StateChange, out: Violation[]): void => {
  const g = c.after.globalPD;
  if (g !== null && (c.before.globalPD !== g || c.objects.includes(g))) out.push(...globalVSpaceEmpty(c.after));
};

export const EQUAL_KERNEL_MAPPINGS: InvariantCheck = byArch("equal_kernel_mappings", {
  aarch32: { full: equalKernelMappings32, delta: equalKernelMappingsDelta, cached: equalKernelMappings32Cached },
  aarch64: { full: globalVSpaceEmpty, delta: globalVSpaceEmptyDelta },
});

/** ARM32: every directory's kernel window equals the global one; AArch64: the global user VSpace is empty. */
export const equalKernelMappings: Invariant = EQUAL_KERNEL_MAPPINGS.full;
