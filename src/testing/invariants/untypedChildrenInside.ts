import { hex, pow2 } from "../../model/addresses.ts";
import type { KernelState, SlotAddr } from "../../model/state.ts";
import { objectSizeBitsOfCap } from "../../kernel/capSize.ts";
import { isObjectlessCap } from "../../model/caps.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { violation, type Invariant, type Violation } from "./violation.ts";

/** untyped_children_inside for one child: if `parent` holds an untyped cap, the child's object lies inside it. */
export function untypedChildViolations(s: KernelState, parent: SlotAddr, child: SlotAddr): Violation[] {
  const u = s.ctes.get(parent)?.cap;
  const c = s.ctes.get(child)?.cap;
  if (u?.type !== "Untyped" || c === undefined || isObjectlessCap(c)) return [];
  const lo = u.paddr;
  const hi = lo + pow2(u.sizeBits);
  const bits = objectSizeBitsOfCap(s.config.sizes, c) ?? 0;
  if (c.paddr >= lo && c.paddr + pow2(bits) <= hi) return [];
  return [
    violation(
      "untyped_children_inside",
      `${c.type} at ${hex(c.paddr)} lies outside its untyped [${hex(lo)}, ${hex(hi)})`,
      {
        slot: child,
        capType: c.type,
        object: c.paddr,
        untypedSlot: parent,
        untypedBase: lo,
        untypedEnd: hi,
      },
    ),
  ];
}

/** The untyped_children_inside violations of one untyped's children. */
const childrenOf = (s: KernelState, slot: SlotAddr): Violation[] =>
  [...(s.cdtChildren.get(slot)?.keys() ?? [])].flatMap((child) => untypedChildViolations(s, slot, child));

/** Objects made from an untyped lie inside it. */
export const untypedChildrenInside: Invariant = (s) =>
  [...s.ctes].flatMap(([slot, cte]) => (cte.cap.type === "Untyped" ? childrenOf(s, slot) : []));

/**
 * The links that may have changed and that the tree lists (the full check reads only those);
 * and every child of an untyped cap whose range changed
 * (never in seL4, where a slot's untyped cap keeps its range; a broken transition could).
 */
const untypedChildrenInsideDelta = (c: StateChange, out: Violation[]): void => {
  for (const [p, child] of c.links)
    if (c.after.cdtChildren.get(p)?.has(child)) out.push(...untypedChildViolations(c.after, p, child));
  for (const [slot, cte] of c.cteEntries) {
    const u = cte.cap;
    const b = c.before.ctes.get(slot)?.cap;
    if (u.type === "Untyped" && (b?.type !== "Untyped" || b.paddr !== u.paddr || b.sizeBits !== u.sizeBits))
      out.push(...childrenOf(c.after, slot));
  }
};

export const UNTYPED_CHILDREN_INSIDE: InvariantCheck = {
  name: "untyped_children_inside",
  full: untypedChildrenInside,
  delta: untypedChildrenInsideDelta,
};
