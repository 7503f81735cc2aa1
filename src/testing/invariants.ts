import type { KernelState } from "../model/state.ts";
import type { InvariantCheck } from "./invariants/change.ts";
import { CAP_COUNT } from "./invariants/capCount.ts";
import { DESCRIPTORS_ROUND_TRIP } from "./invariants/descriptorsRoundTrip.ts";
import { EQUAL_KERNEL_MAPPINGS } from "./invariants/equalKernelMappings.ts";
import { KERNEL_MAPPINGS } from "./invariants/kernelMappings.ts";
import { MDB_CTE_AT } from "./invariants/mdbCteAt.ts";
import { PSPACE_ALIGNED } from "./invariants/pspaceAligned.ts";
import { PSPACE_DISTINCT } from "./invariants/pspaceDistinct.ts";
import { TLB_CONSISTENT } from "./invariants/tlbConsistent.ts";
import { UNIQUE_TABLE_REFS } from "./invariants/uniqueTableRefs.ts";
import { UNTYPED_CHILDREN_INSIDE } from "./invariants/untypedChildrenInside.ts";
import { VALID_ASID_MAP } from "./invariants/validASIDMap.ts";
import { VALID_CAPS } from "./invariants/validCaps.ts";
import { VALID_MDB } from "./invariants/validMdb.ts";
import { VALID_OBJS } from "./invariants/validObjs.ts";
import { VALID_VS_LOOKUP } from "./invariants/validVSLookup.ts";
import { VALID_VSPACE_OBJS } from "./invariants/validVSpaceObjs.ts";
import { CAPS_INSIDE_SLOTS } from "./invariants/capsInsideSlots.ts";
import { UNTYPED_INC } from "./invariants/untypedInc.ts";
import { VALID_MAPPING_RECORDS } from "./invariants/validMappingRecords.ts";
import type { Invariant, Violation } from "./invariants/violation.ts";

/*
 * The invariants, one module each under invariants/: each states its rule for one item once,
 * and builds on it both its full check (over a state) and its delta check (over what a
 * transition changed, for checkTouched).
 */

export { violation, type Invariant, type Violation, type ViolationDetails } from "./invariants/violation.ts";
export { StateChange, type InvariantCheck } from "./invariants/change.ts";
export { validCaps } from "./invariants/validCaps.ts";
export { pspaceAligned } from "./invariants/pspaceAligned.ts";
export { pspaceDistinct } from "./invariants/pspaceDistinct.ts";
export { validObjs, validObject, validASIDTable } from "./invariants/validObjs.ts";
export { cdtChildrenInsideParents } from "./invariants/validMdb.ts";
export { mdbChildrenLinked, childLinkViolations, childLinkViolation } from "./invariants/mdbCteAt.ts";
export { capCountMatches } from "./invariants/capCount.ts";
export { untypedChildrenInside, untypedChildViolations } from "./invariants/untypedChildrenInside.ts";
export { validASIDMap } from "./invariants/validASIDMap.ts";
export { uniqueTableRefs } from "./invariants/uniqueTableRefs.ts";
export { noUserMappingAboveUserTop } from "./invariants/kernelMappings.ts";
export { validVSLookup } from "./invariants/validVSLookup.ts";
export { validVSpaceObjs } from "./invariants/validVSpaceObjs.ts";
export { tlbConsistent } from "./invariants/tlbConsistent.ts";
export { descriptorsRoundTrip } from "./invariants/descriptorsRoundTrip.ts";
export { equalKernelMappings } from "./invariants/equalKernelMappings.ts";
export { capsInsideSlots, slotViolations } from "./invariants/capsInsideSlots.ts";
export { untypedInc } from "./invariants/untypedInc.ts";
export { validMappingRecords, mappingRecordViolations } from "./invariants/validMappingRecords.ts";

/** Every invariant, as its full and delta checks, in the order checkAll reports them. */
export const INVARIANT_CHECKS: readonly InvariantCheck[] = [
  VALID_CAPS,
  PSPACE_ALIGNED,
  PSPACE_DISTINCT,
  VALID_OBJS,
  VALID_MDB,
  MDB_CTE_AT,
  CAP_COUNT,
  UNTYPED_CHILDREN_INSIDE,
  VALID_ASID_MAP,
  UNIQUE_TABLE_REFS,
  KERNEL_MAPPINGS,
  VALID_VS_LOOKUP,
  VALID_VSPACE_OBJS,
  TLB_CONSISTENT,
  DESCRIPTORS_ROUND_TRIP,
  EQUAL_KERNEL_MAPPINGS,
  CAPS_INSIDE_SLOTS,
  VALID_MAPPING_RECORDS,
  UNTYPED_INC,
];

/** Every invariant's full check, by name. */
export const INVARIANTS: Readonly<Record<string, Invariant>> = Object.fromEntries(
  INVARIANT_CHECKS.map((c) => [c.name, c.full]),
);

/** Runs every invariant; returns all violations. */
export function checkAll(s: KernelState): Violation[] {
  return INVARIANT_CHECKS.flatMap((c) => c.full(s));
}

/**
 * checkAll with the same violations in the same order, reusing per-node results of the states
 * it checked before (invariants/foldCache.ts): what the fuzz loop's sampled and closing full
 * checks run, where most of each state is shared with the world's first state.
 */
export function checkAllCached(s: KernelState): Violation[] {
  return INVARIANT_CHECKS.flatMap((c) => (c.cached ?? c.full)(s));
}
