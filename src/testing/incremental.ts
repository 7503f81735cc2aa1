import type { KernelState } from "../model/state.ts";
import { StateChange } from "./invariants/change.ts";
import { INVARIANT_CHECKS, type Violation } from "./invariants.ts";

/**
 * Incremental invariant checking: re-check only what a transition touched. The changed slots,
 * objects, table entries and derivation-tree links are worked out once (StateChange), and each
 * invariant applies its own rule only there (its delta check, in invariants/).
 */

/** Check only the invariants and the places a transition could have broken (the state before holding them all). */
export function checkTouched(
  before: KernelState,
  after: KernelState,
): Violation[] {
  if (before === after) return [];
  const change = new StateChange(before, after);
  const out: Violation[] = [];
  for (const c of INVARIANT_CHECKS) c.delta(change, out);
  return out;
}

/** The names of the invariants (all of them are covered by checkTouched). */
export function touchedInvariants(
  before: KernelState,
  after: KernelState,
): string[] {
  return before === after ? [] : INVARIANT_CHECKS.map((c) => c.name);
}
