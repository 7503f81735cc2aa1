import { hex, pow2, type PhysAddr } from "../../model/addresses.ts";
import type { KernelObject } from "../../model/objects.ts";
import type { KernelState } from "../../model/state.ts";
import { objectSizeBits } from "../../kernel/store.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { violation, type Invariant, type Violation } from "./violation.ts";

const endOf = (s: KernelState, addr: PhysAddr, o: KernelObject): number =>
  addr + pow2(objectSizeBits(s.config.sizes, o));

/** The violation of an object that starts inside an earlier one. */
const overlap = (
  addr: PhysAddr,
  o: KernelObject,
  earlier: PhysAddr,
  e: KernelObject,
): Violation =>
  violation(
    "pspace_distinct",
    `${o.type} at ${hex(addr)} overlaps ${e.type} at ${hex(earlier)}`,
    { object: addr, type: o.type, other: earlier, otherType: e.type },
  );

/**
 * pspace_distinct for one object: no other object starts inside it. Every overlap has an
 * object starting inside another, so applying this to every object finds them all.
 */
export function objectsInside(
  s: KernelState,
  addr: PhysAddr,
  o: KernelObject,
  out: Violation[] = [],
): Violation[] {
  for (const [next, n] of s.objects.range(addr + 1, endOf(s, addr, o)))
    out.push(overlap(next, n, addr, o));
  return out;
}

/** l4v pspace_distinct: no two objects overlap. */
export const pspaceDistinct: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [addr, o] of s.objects) objectsInside(s, addr, o, out);
  return out;
};

/**
 * Each changed object, and whether it starts inside the nearest object below it. No farther one
 * can reach it unchecked: that one would reach past the nearest one too, which is either changed
 * (and checked here as itself) or was there before, when no two objects overlapped.
 */
const pspaceDistinctDelta = (c: StateChange, out: Violation[]): void => {
  const s = c.after;
  for (const [addr, o] of c.objectEntries) {
    const below = s.objects.floor(addr - 1);
    if (below !== undefined && endOf(s, below[0], below[1]) > addr)
      out.push(overlap(addr, o, below[0], below[1]));
    objectsInside(s, addr, o, out);
  }
};

export const PSPACE_DISTINCT: InvariantCheck = {
  name: "pspace_distinct",
  full: pspaceDistinct,
  delta: pspaceDistinctDelta,
};
