import { hex, type PhysAddr } from "../../model/addresses.ts";
import type { KernelObject } from "../../model/objects.ts";
import type { KernelState } from "../../model/state.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { userSlotsOf } from "./paging.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

type PageDirectory = Extract<KernelObject, { type: "PageDirectory" }>;

/** arch's PD_ASID_SLOT (not exported past arch/): the one kernel-window slot a directory does not copy from the global one. */
const PD_ASID_SLOT = 4080;

/** equal_kernel_mappings for one directory: its slots from USER_TOP up equal the global directory's (the first that differs is reported). */
export function sameKernelWindow(
  s: KernelState,
  global: PageDirectory,
  addr: PhysAddr,
  o: KernelObject,
): Violation | undefined {
  if (o.type !== "PageDirectory" || addr === s.globalPD) return undefined;
  for (let i = userSlotsOf(s); i < 4096; i++) {
    if (i !== PD_ASID_SLOT && o.entries.get(i) !== global.entries.get(i)) {
      return violation(
        "equal_kernel_mappings",
        `page directory ${hex(addr)} slot ${i} differs from the global directory's`,
        {
          pd: addr,
          index: i,
          word: o.entries.get(i) ?? 0,
          global: global.entries.get(i) ?? 0,
        },
      );
    }
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

/** The changed directories; all of them when the global directory itself changed. */
const equalKernelMappingsDelta = (c: StateChange, out: Violation[]): void => {
  const g = c.after.globalPD;
  if (g === null) return;
  if (c.before.globalPD !== g || c.objects.includes(g)) checkDirectories(c.after, c.after.objects, out);
  // Most steps change no directory: skip even the lookup of the global one then.
  else if (c.objectEntries.some(([, o]) => o.type === "PageDirectory")) checkDirectories(c.after, c.objectEntries, out);
};

export const EQUAL_KERNEL_MAPPINGS: InvariantCheck = {
  name: "equal_kernel_mappings",
  full: equalKernelMappings,
  delta: equalKernelMappingsDelta,
};
