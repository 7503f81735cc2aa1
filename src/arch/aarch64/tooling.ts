/**
 * AArch64's facts for tooling outside `src/arch/` (the invariants, the fuzz world, the
 * benchmark), re-exported by `arch/index.ts` as the namespace `aarch64`: the ASID layout, the
 * descriptor codec, the walk, the TLB's line keys and the object types. Nothing here is new
 * behaviour; it names what the kernel code already uses.
 */
export { ASID_POOL_SIZE, ASID_TABLE_SIZE, findVSpaceForASID } from "./asid.ts";
export {
  decodePTE,
  descriptorAddress,
  encodePTE,
  frameSizeAtLevel,
  INVALID_WORD,
  isDescriptorWord,
  isGlobalLeafWord,
  isTableWord,
  isValidWord,
  type Level,
  type PTE,
  type PageAttributes,
} from "./entries.ts";
export { listTable, lookupPTSlot, resolve, uptIndex, type ResolvedPage, type Unresolved } from "./walk.ts";
export { GLOBAL_TLB_TAG, LINES_PER_ASID, tlbKey } from "./tlb.ts";
export { seL4_UserTop, UPT_LEVELS, uptLevelShift } from "./constants.ts";
export { OBJECT_TYPES, frameBits, frameSizeOfType, objectTypeNumber, type ObjectTypeName } from "./objectTypes.ts";
