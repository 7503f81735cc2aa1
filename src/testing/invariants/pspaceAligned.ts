import { hex, pow2, type PhysAddr } from "../../model/addresses.ts";
import type { KernelObject } from "../../model/objects.ts";
import type { KernelState } from "../../model/state.ts";
import { objectSizeBits } from "../../kernel/store.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import {
  collect,
  violation,
  type Invariant,
  type Violation,
} from "./violation.ts";

/** pspace_aligned for one object: it starts at a multiple of its size. */
export function objectAligned(
  s: KernelState,
  addr: PhysAddr,
  o: KernelObject,
): Violation | undefined {
  const bits = objectSizeBits(s.config.sizes, o);
  if (addr % pow2(bits) === 0) return undefined;
  return violation(
    "pspace_aligned",
    `${o.type} at ${hex(addr)} is not aligned to 2^${bits}`,
    { object: addr, type: o.type, sizeBits: bits },
  );
}

/** l4v pspace_aligned: every object starts at a multiple of its size. */
export const pspaceAligned: Invariant = (s) =>
  collect(s.objects, ([addr, o]) => objectAligned(s, addr, o));

const pspaceAlignedDelta = (c: StateChange, out: Violation[]): void => {
  collect(c.objectEntries, ([addr, o]) => objectAligned(c.after, addr, o), out);
};

export const PSPACE_ALIGNED: InvariantCheck = {
  name: "pspace_aligned",
  full: pspaceAligned,
  delta: pspaceAlignedDelta,
};
