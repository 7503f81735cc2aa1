import { hex } from "../../model/addresses.ts";
import type { KernelState, SlotAddr } from "../../model/state.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

/** mdb_cte_at for one parent slot: if the derivation tree lists children under it, it holds a cap. */
export function parentHoldsCap(s: KernelState, parent: SlotAddr): Violation | undefined {
  if ((s.cdtChildren.get(parent)?.size ?? 0) === 0 || s.ctes.has(parent)) return undefined;
  return violation("mdb_cte_at", `slot ${hex(parent)} is empty but the derivation tree still lists children under it`, {
    slot: parent,
  });
}

/** mdb_cte_at for one link: if the tree lists `child` under `parent`, the child's slot holds a cap naming that parent. */
export function childLinkViolation(s: KernelState, parent: SlotAddr, child: SlotAddr): Violation[] {
  if (!s.cdtChildren.get(parent)?.has(child)) return [];
  const cte = s.ctes.get(child);
  if (cte?.parent === parent) return [];
  return [
    violation(
      "mdb_cte_at",
      `the derivation tree lists slot ${hex(child)} under ${hex(parent)}, but that slot ${cte ? `has parent ${cte.parent === null ? "none" : hex(cte.parent)}` : "is empty"}`,
      { slot: child, parent, actualParent: cte?.parent ?? null },
    ),
  ];
}

/** The mdb_cte_at violations of one parent's child set. */
export function childLinkViolations(s: KernelState, parent: SlotAddr): Violation[] {
  const empty = parentHoldsCap(s, parent);
  const out = empty ? [empty] : [];
  for (const child of s.cdtChildren.get(parent)?.keys() ?? []) out.push(...childLinkViolation(s, parent, child));
  return out;
}

/**
 * l4v valid_mdb (mdb_cte_at), the parent-to-child direction: every slot the derivation tree
 * lists as a parent holds a cap, and every child it lists holds a cap that names it as parent.
 */
export const mdbChildrenLinked: Invariant = (s) => [...s.cdtChildren.keys()].flatMap((p) => childLinkViolations(s, p));

/** The parents whose child sets or slots changed, and the links that may have. */
const mdbCteAtDelta = (c: StateChange, out: Violation[]): void => {
  collect(c.childSets, (p) => parentHoldsCap(c.after, p), out);
  collect(c.ctes, (slot) => (c.childSets.includes(slot) ? undefined : parentHoldsCap(c.after, slot)), out);
  for (const [p, child] of c.links) out.push(...childLinkViolation(c.after, p, child));
};

export const MDB_CTE_AT: InvariantCheck = {
  name: "mdb_cte_at",
  full: mdbChildrenLinked,
  delta: mdbCteAtDelta,
};
