import { hex, type PhysAddr } from "../../model/addresses.ts";
import { capObjectAddress, type Cap } from "../../model/caps.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

/** cap_count for one object: the count capsim keeps equals the number of caps naming it. */
export function countMatches(object: number, caps: number, count: number): Violation | undefined {
  if (caps === count) return undefined;
  return violation("cap_count", `${caps} caps name the object at ${hex(object)}, but the cap count says ${count}`, {
    object,
    caps,
    count,
  });
}

/**
 * capsim's count of caps per object (what isFinalCapability reads, so what decides whether a
 * delete finalises the object) equals the number of caps in slots that name the object.
 */
export const capCountMatches: Invariant = (s) => {
  const counted = new Map<number, number>();
  for (const cte of s.ctes.values()) {
    const addr = capObjectAddress(cte.cap);
    if (addr !== undefined) counted.set(addr, (counted.get(addr) ?? 0) + 1);
  }
  return collect(new Set<number>([...counted.keys(), ...s.capCount.keys()]), (addr) =>
    countMatches(addr, counted.get(addr) ?? 0, s.capCount.get(addr as PhysAddr) ?? 0),
  );
};

/** Adds `by` to the change of the object `cap` names, if it names one. */
function tally(change: Map<number, number>, cap: Cap | undefined, by: number): void {
  const addr = cap && capObjectAddress(cap);
  if (addr !== undefined) change.set(addr, (change.get(addr) ?? 0) + by);
}

/** The count's change per object equals the change in the caps naming it (the count was right before). */
const capCountDelta = (c: StateChange, out: Violation[]): void => {
  const change = new Map<number, number>();
  for (const slot of c.ctes) {
    tally(change, c.before.ctes.get(slot)?.cap, -1);
    tally(change, c.after.ctes.get(slot)?.cap, +1);
  }
  for (const addr of c.before.capCount.changedKeys(c.after.capCount)) if (!change.has(addr)) change.set(addr, 0);
  collect(
    change,
    ([addr, delta]) => {
      const was = c.before.capCount.get(addr as PhysAddr) ?? 0;
      return countMatches(addr, was + delta, c.after.capCount.get(addr as PhysAddr) ?? 0);
    },
    out,
  );
};

export const CAP_COUNT: InvariantCheck = {
  name: "cap_count",
  full: capCountMatches,
  delta: capCountDelta,
};
