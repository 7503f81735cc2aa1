import { FRAME_SIZES, type Aarch32FrameSize, type FrameSize } from "../../model/caps.ts";
import { frameSizeBits, type ApiGeneration } from "../../model/state.ts";
import type { AnyObjectTypeName } from "../../model/objectTypes.ts";
import { AARCH32_SIZES } from "./constants.ts";
/**
 * seL4's object types, by the names and numbers libsel4 gives them on ARM 32-bit from 13.0.0 on
 * (non-MCS, no hypervisor: libsel4 `objecttype.h` and its arm/aarch32 parts), which is what the
 * current API models.
 */
export const OBJECT_TYPES = [
  "seL4_UntypedObject",
  "seL4_TCBObject",
  "seL4_EndpointObject",
  "seL4_NotificationObject",
  "seL4_CapTableObject",
  "seL4_ARM_PageDirectoryObject",
  "seL4_ARM_SmallPageObject",
  "seL4_ARM_LargePageObject",
  "seL4_ARM_SectionObject",
  "seL4_ARM_SuperSectionObject",
  "seL4_ARM_PageTableObject",
] as const satisfies readonly AnyObjectTypeName[];

export type ObjectTypeName = (typeof OBJECT_TYPES)[number];

/** seL4_ObjectTypeCount: type numbers at or above this are InvalidArgument 0 for Retype. */
export const OBJECT_TYPE_COUNT = OBJECT_TYPES.length;

/**
 * The numbering of seL4 10.1.1 to 12.1.0, which the legacy API models: the page directory came
 * last among the ARM types until 13.0.0 moved it into the aarch32 mode enum, ahead of the pages.
 * Object type numbers are ABI: a Retype with number 5 makes a page directory on one kernel and
 * a small page on the other.
 */
const LEGACY_OBJECT_TYPES: readonly ObjectTypeName[] = [
  "seL4_UntypedObject",
  "seL4_TCBObject",
  "seL4_EndpointObject",
  "seL4_NotificationObject",
  "seL4_CapTableObject",
  "seL4_ARM_SmallPageObject",
  "seL4_ARM_LargePageObject",
  "seL4_ARM_SectionObject",
  "seL4_ARM_SuperSectionObject",
  "seL4_ARM_PageTableObject",
  "seL4_ARM_PageDirectoryObject",
];

const NUMBERING: Readonly<Record<ApiGeneration, readonly ObjectTypeName[]>> = {
  current: OBJECT_TYPES,
  legacy: LEGACY_OBJECT_TYPES,
};

/** The libsel4 number of an object type, in the numbering of an API generation (current by default). */
export const objectTypeNumber = (t: AnyObjectTypeName, api: ApiGeneration = "current"): number =>
  (NUMBERING[api] as readonly AnyObjectTypeName[]).indexOf(t);

/** The object type with this libsel4 number in an API generation's numbering, or undefined. */
export const objectTypeByNumber = (n: number, api: ApiGeneration = "current"): ObjectTypeName | undefined =>
  NUMBERING[api][n];

/** The four frame sizes of ARM 32-bit, smallest first. */

/** log2 of each frame size's bytes (seL4_PageBits, seL4_LargePageBits, seL4_SectionBits, seL4_SuperSectionBits). */
export const FRAME_SIZE_BITS: Readonly<Record<Aarch32FrameSize, number>> = {
  SmallPage: 12,
  LargePage: 16,
  Section: 20,
  SuperSection: 24,
};

/** log2 of a frame's bytes; AArch64's HugePage cannot occur on ARM32 (frameSizeBits throws). */
export const frameBits = (size: FrameSize): number => frameSizeBits(AARCH32_SIZES, size);

/** The frame object type that makes frames of this size. */
export const FRAME_OBJECT_TYPE: Readonly<Record<Aarch32FrameSize, ObjectTypeName>> = {
  SmallPage: "seL4_ARM_SmallPageObject",
  LargePage: "seL4_ARM_LargePageObject",
  Section: "seL4_ARM_SectionObject",
  SuperSection: "seL4_ARM_SuperSectionObject",
};

// A map rather than a search of FRAME_SIZES: Retype asks once in decode and once in perform.
const FRAME_SIZE_OF_TYPE: ReadonlyMap<AnyObjectTypeName, Aarch32FrameSize> = new Map(
  FRAME_SIZES.map((s) => [FRAME_OBJECT_TYPE[s], s]),
);

/** The frame size an object type makes, or undefined when it makes no frame. */
export function frameSizeOfType(t: AnyObjectTypeName): Aarch32FrameSize | undefined {
  return FRAME_SIZE_OF_TYPE.get(t);
}
