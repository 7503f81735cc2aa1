import { hex, pow2 } from "../../model/addresses.ts";
import type { KernelState, SlotAddr } from "../../model/state.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { violation, type Invariant, type Violation } from "./violation.ts";

/*
 * l4v's untyped_inc, in the part that keeps two untyped caps from handing out the same bytes:
 * an untyped cap's free part, [base + free index, end), never overlaps an untyped cap derived
 * from it. Retype moves the free index past each untyped it makes, and copying an untyped cap
 * marks the source full (setUntypedCapAsFull), so only the copy hands out its memory. A copy
 * that left the source's free index alone broke this, and then two live objects could share
 * memory (the second one replacing the first in the object store, where no other invariant
 * sees it when both are frames).
 */

/**
 * The untyped caps derived from the one in `slot`, at any depth, and whether `slot` is among its
 * own descendants. The tree seL4 keeps has no cycle, but a hand-broken state may: each slot is
 * visited once, so the walk ends either way.
 */
function untypedDescendants(s: KernelState, slot: SlotAddr): { readonly untyped: SlotAddr[]; readonly cycle: boolean } {
  const untyped: SlotAddr[] = [];
  const seen = new Set<SlotAddr>([slot]);
  let cycle = false;
  const stack = [...(s.cdtChildren.get(slot)?.keys() ?? [])];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (next === slot) cycle = true;
    if (seen.has(next)) continue;
    seen.add(next);
    if (s.ctes.get(next)?.cap.type === "Untyped") untyped.push(next);
    stack.push(...(s.cdtChildren.get(next)?.keys() ?? []));
  }
  return { untyped, cycle };
}

function cycleViolation(slot: SlotAddr): Violation {
  return violation(
    "untyped_inc",
    `the untyped at slot ${hex(slot)} is derived from itself: the derivation tree has a cycle through it`,
    { slot, cycle: true },
  );
}

/** untyped_inc for one pair: the free part of the untyped at `ancestor` stays clear of the untyped at `descendant`. */
function pairViolations(s: KernelState, ancestor: SlotAddr, descendant: SlotAddr): Violation[] {
  const a = s.ctes.get(ancestor)?.cap;
  const d = s.ctes.get(descendant)?.cap;
  if (a?.type !== "Untyped" || d?.type !== "Untyped") return [];
  const freeStart = a.paddr + a.freeIndex;
  const end = a.paddr + pow2(a.sizeBits);
  const dEnd = d.paddr + pow2(d.sizeBits);
  if (freeStart >= end || dEnd <= freeStart || d.paddr >= end) return [];
  return [
    violation(
      "untyped_inc",
      `the untyped at slot ${hex(ancestor)} may still hand out [${hex(freeStart)}, ${hex(end)}), which overlaps the untyped derived from it at slot ${hex(descendant)} [${hex(d.paddr)}, ${hex(dEnd)})`,
      { slot: ancestor, descendant, freeStart, end, descendantBase: d.paddr, descendantEnd: dEnd },
    ),
  ];
}

function ancestorViolations(s: KernelState, slot: SlotAddr): Violation[] {
  const { untyped, cycle } = untypedDescendants(s, slot);
  const out = untyped.flatMap((d) => pairViolations(s, slot, d));
  if (cycle) out.push(cycleViolation(slot));
  return out;
}

/** No untyped cap may hand out memory an untyped cap derived from it covers. */
export const untypedInc: Invariant = (s) =>
  [...s.ctes].flatMap(([slot, cte]) => (cte.cap.type === "Untyped" ? ancestorViolations(s, slot) : []));

/** For each changed untyped cap: against its untyped descendants, and as a descendant of its untyped ancestors. */
const untypedIncDelta = (c: StateChange, out: Violation[]): void => {
  for (const [slot, cte] of c.cteEntries) {
    if (cte.cap.type !== "Untyped") continue;
    out.push(...ancestorViolations(c.after, slot));
    // The ancestors, each once: a parent chain that loops (a hand-broken state) ends where it meets itself.
    const seen = new Set<SlotAddr>([slot]);
    for (let p = cte.parent; p !== null && !seen.has(p); p = c.after.ctes.get(p)?.parent ?? null) {
      seen.add(p);
      out.push(...pairViolations(c.after, p, slot));
    }
  }
};

export const UNTYPED_INC: InvariantCheck = { name: "untyped_inc", full: untypedInc, delta: untypedIncDelta };
