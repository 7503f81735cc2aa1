import { hex, type PhysAddr } from "../../model/addresses.ts";
import { MiB } from "../../model/constants.ts";
import { decodePDE } from "../../arch/index.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { userSlotsOf } from "./paging.ts";
import {
  collect,
  violation,
  type Invariant,
  type Violation,
} from "./violation.ts";

/** kernel_mappings for one directory entry at or above USER_TOP: it is the kernel's (global) or not a page. */
export function kernelOwnsEntry(
  pd: PhysAddr,
  index: number,
  word: number,
): Violation | undefined {
  const e = decodePDE(word);
  if (e.kind !== "Page" || e.global) return undefined;
  return violation(
    "kernel_mappings",
    `page directory ${hex(pd)} maps user memory at ${hex(index * MiB)}, above USER_TOP`,
    { pd, index, vaddr: index * MiB, frame: e.paddr },
  );
}

/** No user mapping at or above USER_TOP: every directory entry from USER_TOP up is the kernel's (global) or empty. */
export const noUserMappingAboveUserTop: Invariant = (s) =>
  [...s.objects].flatMap(([pd, o]) =>
    o.type === "PageDirectory"
      ? collect(o.entries.range(userSlotsOf(s), 4096), ([i, w]) =>
          kernelOwnsEntry(pd, i, w),
        )
      : [],
  );

/** The changed directory entries at or above USER_TOP. */
const kernelMappingsDelta = (c: StateChange, out: Violation[]): void => {
  const userSlots = userSlotsOf(c.after);
  collect(
    c.entries,
    (e) =>
      e.type === "PageDirectory" &&
      e.index >= userSlots &&
      e.after !== undefined
        ? kernelOwnsEntry(e.table, e.index, e.after)
        : undefined,
    out,
  );
};

export const KERNEL_MAPPINGS: InvariantCheck = {
  name: "kernel_mappings",
  full: noUserMappingAboveUserTop,
  delta: kernelMappingsDelta,
};
