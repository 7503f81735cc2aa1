/**
 * The names of seL4's object types on every architecture capsim models (libsel4's
 * seL4_ObjectType names). Only names: which of them an architecture has, and their numbers,
 * are the architecture's (`arch/<name>/objectTypes.ts`). Generic code holds a name of this
 * union and hands it back to the architecture that produced it; an architecture given a name
 * it lacks treats it as a capsim bug.
 */
export type GenericObjectTypeName =
  | "seL4_UntypedObject"
  | "seL4_TCBObject"
  | "seL4_EndpointObject"
  | "seL4_NotificationObject"
  | "seL4_CapTableObject";

/** ARM 32-bit's own types (libsel4 arch/objecttype.h and sel4_arch/objecttype.h for aarch32). */
export type Aarch32ArchObjectTypeName =
  | "seL4_ARM_PageDirectoryObject"
  | "seL4_ARM_SmallPageObject"
  | "seL4_ARM_LargePageObject"
  | "seL4_ARM_SectionObject"
  | "seL4_ARM_SuperSectionObject"
  | "seL4_ARM_PageTableObject";

/** AArch64's own types (libsel4 16 sel4_arch/objecttype.h for aarch64 and arch/objecttype.h). */
export type Aarch64ArchObjectTypeName =
  | "seL4_ARM_HugePageObject"
  | "seL4_ARM_VSpaceObject"
  | "seL4_ARM_SmallPageObject"
  | "seL4_ARM_LargePageObject"
  | "seL4_ARM_PageTableObject";

/** An object type name of any modelled architecture. */
export type AnyObjectTypeName =
  GenericObjectTypeName | Aarch32ArchObjectTypeName | Aarch64ArchObjectTypeName;
