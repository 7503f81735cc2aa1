import type { Cap } from "../../model/caps.ts";
import { AARCH64_FAMILIES, type Aarch64Invocation } from "./invocations/index.ts";
import { finaliseArchCap } from "./finalise.ts";
import { setVMRoot } from "./vmRoot.ts";
import { isValidNativeRoot } from "./invocations/guards.ts";
import { AARCH64_DEFAULT_CONFIG } from "./config.ts";
import {
  frameSizeOfType,
  OBJECT_TYPE_ALIASES,
  OBJECT_TYPE_COUNT,
  OBJECT_TYPES,
  objectTypeByNumber,
  objectTypeNumber,
} from "./objectTypes.ts";
import { createObject, objectSizeBitsOfType } from "./objects.ts";

export { AARCH64_DEFAULT_CONFIG };

export type { Aarch64Invocation };

/** AArch64's entry points for code that serves every architecture (arch/index.ts's `Arch`). */
export const AARCH64_ARCH = {
  name: "aarch64",
  objectTypes: OBJECT_TYPES,
  objectTypeAliases: OBJECT_TYPE_ALIASES,
  objectTypeCount: OBJECT_TYPE_COUNT,
  objectTypeByNumber,
  objectTypeNumber,
  objectSizeBitsOfType,
  createObject,
  frameSizeOfType,
  families: AARCH64_FAMILIES,
  isValidVTableRoot: (cap: Cap): boolean => isValidNativeRoot(cap),
  vtableRootDescription: "on AArch64, a VSpace cap with an ASID",
  finaliseArchCap,
  setVMRoot,
  capTypes: ["Frame", "PageTable", "VSpace", "ASIDPool", "ASIDControl"],
} as const;

/** The architecture's part of building the initial thread (arch/index.ts's `ArchBoot`). */
export * as AARCH64_BOOT from "./boot.ts";
