/**
 * capsim/testing: what property testers import. Today: the invariant checkers, each named after
 * the l4v invariant it follows. (Arbitraries, model-based commands and `capsim fuzz` are issue 4's.)
 */
export {
  INVARIANTS,
  checkAll,
  validCaps,
  pspaceDistinct,
  cdtChildrenInsideParents,
  untypedChildrenInside,
  validASIDMap,
  uniqueTableRefs,
  noUserMappingAboveUserTop,
  validVSLookup,
  tlbConsistent,
  descriptorsRoundTrip,
  frameCapsResolve,
  type Invariant,
  type Violation,
} from "./invariants.ts";
