import type { Cap } from "../../model/caps.ts";
import { AARCH32_DEFAULT_CONFIG } from "./config.ts";
import { finaliseArchCap } from "./finalise.ts";
import { AARCH32_FAMILIES, type Aarch32Invocation } from "./invocations/index.ts";
import { isValidVTableRoot, VTABLE_ROOT_DESCRIPTION } from "./invocations/guards.ts";
import {
  frameSizeOfType,
  OBJECT_TYPE_COUNT,
  OBJECT_TYPES,
  objectTypeByNumber,
  objectTypeNumber,
} from "./objectTypes.ts";
import { createObject, objectSizeBitsOfType } from "./objects.ts";
import { setVMRoot } from "./vmRoot.ts";

export { AARCH32_DEFAULT_CONFIG, type Aarch32Invocation };

/**
 * ARM32's entry points for code that serves every architecture (arch/index.ts's `Arch`). A
 * plain record of functions: `archOf(config).x(...)` is one property load more than a direct call.
 */
export const AARCH32_ARCH = {
  name: "aarch32",
  objectTypes: OBJECT_TYPES,
  objectTypeAliases: {},
  objectTypeCount: OBJECT_TYPE_COUNT,
  objectTypeByNumber,
  objectTypeNumber,
  objectSizeBitsOfType,
  createObject,
  frameSizeOfType,
  families: AARCH32_FAMILIES,
  isValidVTableRoot: (cap: Cap): boolean => isValidVTableRoot(cap),
  vtableRootDescription: VTABLE_ROOT_DESCRIPTION,
  finaliseArchCap,
  setVMRoot,
  capTypes: ["Frame", "PageTable", "PageDirectory", "ASIDPool", "ASIDControl"],
} as const;

/** The architecture's part of building the initial thread (arch/index.ts's `ArchBoot`). */
export * as AARCH32_BOOT from "./boot.ts";
