/**
 * capsim/testing: what property testers import: the invariant checkers (each named after the
 * l4v invariant it follows), an incremental check, fast-check arbitraries, a world of objects to
 * fuzz over, and model-based commands for fc.commands / fc.modelRun.
 */
export {
  INVARIANTS,
  INVARIANT_CHECKS,
  StateChange,
  type InvariantCheck,
  checkAll,
  validCaps,
  pspaceAligned,
  pspaceDistinct,
  cdtChildrenInsideParents,
  untypedChildrenInside,
  validASIDMap,
  uniqueTableRefs,
  noUserMappingAboveUserTop,
  validVSLookup,
  validVSpaceObjs,
  tlbConsistent,
  descriptorsRoundTrip,
  equalKernelMappings,
  validObjs,
  validObject,
  validASIDTable,
  mdbChildrenLinked,
  childLinkViolations,
  childLinkViolation,
  untypedChildViolations,
  capCountMatches,
  violation,
  type Invariant,
  type Violation,
  type ViolationDetails,
} from "./invariants.ts";
export { capsInsideSlots, slotViolations } from "./invariants/capsInsideSlots.ts";
export { untypedInc } from "./invariants/untypedInc.ts";
export { validMappingRecords, mappingRecordViolations } from "./invariants/validMappingRecords.ts";
export { checkTouched, touchedInvariants } from "./incremental.ts";
/** A paging structure's descriptors, and the objects two states differ in (entries included), for invariants of one's own. */
export { entriesOf, changedObjects } from "../kernel/store.ts";
export {
  vaddrArbitrary,
  rightsWordArbitrary,
  vmRightsArbitrary,
  attributesArbitrary,
  attributesWordArbitrary,
  objectTypeArbitrary,
  fuzzOpArbitrary,
  type VaddrConstraints,
  type FuzzOpConstraints,
} from "./arbitraries.ts";
export { buildFuzzWorld, applyFuzzOp, fuzzOpToStep, type FuzzWorld, type FuzzOp, type NamedSlot } from "./world.ts";
export {
  CapsimCommand,
  capsimCommands,
  modelRunSetup,
  InvariantViolation,
  type Model,
  type RealMachine,
} from "./commands.ts";
export { concreteMappings, type MappingModel } from "./model.ts";
export {
  invocationArbitrary,
  resolveInvocation,
  applyInvocation,
  cspaceCensus,
  type LiveInvocation,
  type InvocationArg,
  type InvocationConstraints,
} from "./invocations.ts";
