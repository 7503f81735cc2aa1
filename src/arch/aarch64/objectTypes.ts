import type { Aarch64FrameSize, FrameSize } from "../../model/caps.ts";
import type { AnyObjectTypeName } from "../../model/objectTypes.ts";
import { frameSizeBits, type ApiGeneration } from "../../model/state.ts";
import { AARCH64_SIZES } from "./constants.ts";

/**
 * seL4's object types on AArch64 by libsel4 16.0.0's names and numbers (non-MCS, no hypervisor):
 * the generic types 0-4 (objecttype.h), then the aarch64 mode types HugePage 5 and VSpace 6
 * (sel4_arch/objecttype.h), then the ARM types SmallPage 7, LargePage 8, PageTable 9
 * (arch/objecttype.h; VCPU 10 only with hypervisor support).
 */
export const OBJECT_TYPES = [
  "seL4_UntypedObject",
  "seL4_TCBObject",
  "seL4_EndpointObject",
  "seL4_NotificationObject",
  "seL4_CapTableObject",
  "seL4_ARM_HugePageObject",
  "seL4_ARM_VSpaceObject",
  "seL4_ARM_SmallPageObject",
  "seL4_ARM_LargePageObject",
  "seL4_ARM_PageTableObject",
] as const satisfies readonly AnyObjectTypeName[];

export type ObjectTypeName = (typeof OBJECT_TYPES)[number];

/**
 * The old names libsel4 16.0.0's aarch64 deprecated.h keeps for these types (the configuration
 * without hypervisor support): the PGD is the VSpace, the PUD and PD are page tables.
 */
export const OBJECT_TYPE_ALIASES: Readonly<Record<string, ObjectTypeName>> = {
  seL4_ARM_PageGlobalDirectoryObject: "seL4_ARM_VSpaceObject",
  seL4_ARM_PageUpperDirectoryObject: "seL4_ARM_PageTableObject",
  seL4_ARM_PageDirectoryObject: "seL4_ARM_PageTableObject",
};

/** seL4_ObjectTypeCount. */
export const OBJECT_TYPE_COUNT = OBJECT_TYPES.length;

/**
 * The libsel4 number of a type, or -1. AArch64 has one numbering: `api: legacy` is refused at
 * configuration time (config.ts), so the generation is not consulted.
 */
export const objectTypeNumber = (t: AnyObjectTypeName, _api: ApiGeneration = "current"): number =>
  (OBJECT_TYPES as readonly AnyObjectTypeName[]).indexOf(t);

/** The object type with this libsel4 number, or undefined. */
export const objectTypeByNumber = (n: number, _api: ApiGeneration = "current"): ObjectTypeName | undefined =>
  OBJECT_TYPES[n];

/** The frame object type that makes frames of each size. */
export const FRAME_OBJECT_TYPE: Readonly<Record<Aarch64FrameSize, ObjectTypeName>> = {
  SmallPage: "seL4_ARM_SmallPageObject",
  LargePage: "seL4_ARM_LargePageObject",
  HugePage: "seL4_ARM_HugePageObject",
};

/** The frame size an object type makes, or undefined when it makes no frame. */
export function frameSizeOfType(t: AnyObjectTypeName): Aarch64FrameSize | undefined {
  switch (t) {
    case "seL4_ARM_SmallPageObject":
      return "SmallPage";
    case "seL4_ARM_LargePageObject":
      return "LargePage";
    case "seL4_ARM_HugePageObject":
      return "HugePage";
    default:
      return undefined;
  }
}

/** log2 of a frame's bytes on AArch64 (12, 21, 30); ARM32's Section sizes cannot occur here. */
export const frameBits = (size: FrameSize): number => frameSizeBits(AARCH64_SIZES, size);

/** A frame size as AArch64 knows it; ARM32's Section sizes cannot occur on AArch64 (a capsim bug). */
export function aarch64FrameSize(size: FrameSize): Aarch64FrameSize {
  if (size === "Section" || size === "SuperSection")
    throw new Error(`capsim internal error: AArch64 has no ${size} frames`);
  return size;
}
