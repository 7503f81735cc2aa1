import { hex, type PhysAddr } from "../../model/addresses.ts";
import type { KernelObject } from "../../model/objects.ts";
import type { KernelState } from "../../model/state.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { userSlotsOf } from "./paging.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

type PageDirectory = Extract<KernelObject, { type: "PageDirectory" }>;

/** arch's PD_ASID_SLOT (not exported past arch/): the one kernel-window slot a directory does not copy from the global one. */
const PD_ASID_SLOT = 4080;

/** equal_kernel_mappings for one kernel-window slot `i` of directory `addr`, which holds `word` (undefined: empty). */
function sameKernelSlot(
  global: PageDirectory,
  addr: PhysAddr,
  i: number,
  word: number | undefined,
): Violation | undefined {
  if (i === PD_ASID_SLOT || word === global.entries.get(i)) return undefined;
  return violation(
    "equal_kernel_mappings",
    `page directory ${hex(addr)} slot ${i} differs from the global directory's`,
    {
      pd: addr,
      index: i,
      word: word ?? 0,
      global: global.entries.get(i) ?? 0,
    },
  );
}

/** equal_kernel_mappings for one directory: its slots from USER_TOP up equal the global directory's (the first that differs is reported). */
export function sameKernelWindow(
  s: KernelState,
  global: PageDirectory,
  addr: PhysAddr,
  o: KernelObject,
): Violation | undefined {
  if (o.type !== "PageDirectory" || addr === s.globalPD) return undefined;
  for (let i = userSlotsOf(s); i < 4096; i++) {
    const v = sameKernelSlot(global, addr, i, o.entries.get(i));
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Applies the rule to `objects` (of any type); a missing global directory is the one violation. */
function checkDirectories(
  s: KernelState,
  objects: Iterable<readonly [PhysAddr, KernelObject]>,
  out: Violation[] = [],
): Violation[] {
  if (s.globalPD === null) return out;
  const global = s.objects.get(s.globalPD);
  if (global?.type !== "PageDirectory")
    out.push(
      violation("equal_kernel_mappings", `the global page directory ${hex(s.globalPD)} is missing`, {
        globalPD: s.globalPD,
      }),
    );
  else collect(objects, ([addr, o]) => sameKernelWindow(s, global, addr, o), out);
  return out;
}

/**
 * l4v valid_global_pd_mappings / equal_kernel_mappings: every page directory holds the global
 * directory's entries from USER_TOP up (except the hardware-ASID slot 4080).
 */
export const equalKernelMappings: Invariant = (s) => checkDirectories(s, s.objects);

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
    const v = sameKernelSlot(global, e.table, e.index, e.after);
    if (v !== undefined) out.push(v);
  }
};

export const EQUAL_KERNEL_MAPPINGS: InvariantCheck = {
  name: "equal_kernel_mappings",
  full: equalKernelMappings,
  delta: equalKernelMappingsDelta,
};
