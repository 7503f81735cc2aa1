import type { KernelState } from "../objects/state.ts";
import { INVARIANTS, type Violation } from "./invariants.ts";

/**
 * Which invariants a transition can have broken, judged by which stores it touched: a store
 * that is the very same PMap as before was not changed (structural sharing makes this O(1)).
 * Unchanged stores' invariants still hold, so only the others are re-checked.
 */
const READS: Readonly<Record<string, readonly (keyof KernelState)[]>> = {
  valid_caps: ["ctes", "objects"],
  pspace_distinct: ["objects"],
  valid_mdb: ["ctes", "cdtChildren"],
  untyped_children_inside: ["ctes", "cdtChildren"],
  valid_asid_map: ["asidTable", "objects"],
  unique_table_refs: ["objects"],
  kernel_mappings: ["objects"],
  valid_vs_lookup: ["ctes", "objects", "asidTable"],
  tlb_consistent: ["tlb", "objects", "hwASIDTable", "asidTable", "globalPD"],
  descriptors_round_trip: ["objects"],
  equal_kernel_mappings: ["objects", "globalPD"],
};

/** The invariants whose inputs differ between two states. */
export function touchedInvariants(before: KernelState, after: KernelState): string[] {
  return Object.keys(INVARIANTS).filter((name) => (READS[name] ?? Object.keys(after)).some((k) => before[k as keyof KernelState] !== after[k as keyof KernelState]));
}

/** Check only the invariants a transition could have broken; none when the state is unchanged. */
export function checkTouched(before: KernelState, after: KernelState): Violation[] {
  if (before === after) return [];
  return touchedInvariants(before, after).flatMap((name) => (INVARIANTS[name] as (s: KernelState) => Violation[])(after));
}
