import { hex } from "../../model/addresses.ts";
import type { CTE, KernelState, SlotAddr } from "../../model/state.ts";
import { sameRegionAs } from "../../kernel/regions.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

/** valid_mdb for one slot: its parent slot holds a cap that covers this one, and lists it as a child. */
export function parentCovers(s: KernelState, slot: SlotAddr, cte: CTE): Violation | undefined {
  if (cte.parent === null) return undefined;
  const parent = s.ctes.get(cte.parent);
  if (parent === undefined)
    return violation("valid_mdb", `slot ${hex(slot)}'s parent ${hex(cte.parent)} is empty`, {
      slot,
      parent: cte.parent,
    });
  // An ASID pool is made from an untyped without being inside it as an object of its size.
  if (
    !sameRegionAs(s.config.sizes, parent.cap, cte.cap) &&
    !(parent.cap.type === "Untyped" && cte.cap.type === "ASIDPool")
  ) {
    return violation(
      "valid_mdb",
      `slot ${hex(slot)} (${cte.cap.type}) is not inside its parent ${parent.cap.type} at ${hex(cte.parent)}`,
      {
        slot,
        capType: cte.cap.type,
        parent: cte.parent,
        parentType: parent.cap.type,
      },
    );
  }
  if (!s.cdtChildren.get(cte.parent)?.has(slot))
    return violation("valid_mdb", `slot ${hex(slot)} is missing from its parent's child set`, {
      slot,
      parent: cte.parent,
    });
  return undefined;
}

/** l4v valid_mdb (descendants_range): every derived cap lies inside what its parent covers. */
export const cdtChildrenInsideParents: Invariant = (s) => collect(s.ctes, ([slot, cte]) => parentCovers(s, slot, cte));

/** The changed slots against their parents. */
const validMdbDelta = (c: StateChange, out: Violation[]): void => {
  collect(c.cteEntries, ([slot, cte]) => parentCovers(c.after, slot, cte), out);
};

export const VALID_MDB: InvariantCheck = {
  name: "valid_mdb",
  full: cdtChildrenInsideParents,
  delta: validMdbDelta,
};
