import type { PhysAddr } from "../../model/addresses.ts";
import type { Cap } from "../../model/caps.ts";
import type { FamilyTable } from "../../model/family.ts";
import type { SlotAddr } from "../../model/state.ts";
import type { MutableState } from "../../model/transition.ts";
import { AARCH64_DEFAULT_CONFIG } from "./config.ts";
import { frameSizeOfType, OBJECT_TYPE_COUNT, OBJECT_TYPES, objectTypeByNumber, objectTypeNumber } from "./objectTypes.ts";
import { createObject, objectSizeBitsOfType } from "./objects.ts";

export { AARCH64_DEFAULT_CONFIG };

/** The decoded invocations of AArch64's caps. */
export type Aarch64Invocation = never;

const AARCH64_FAMILIES: FamilyTable<Aarch64Invocation> = {};

/** AArch64's entry points for code that serves every architecture (arch/index.ts's `Arch`). */
export const AARCH64_ARCH = {
  name: "aarch64",
  objectTypes: OBJECT_TYPES,
  objectTypeCount: OBJECT_TYPE_COUNT,
  objectTypeByNumber,
  objectTypeNumber,
  objectSizeBitsOfType,
  createObject,
  frameSizeOfType,
  families: AARCH64_FAMILIES,
  isValidVTableRoot: (cap: Cap): boolean => cap.type === "VSpace" && cap.mappedASID !== null,
  vtableRootDescription: "on AArch64, a VSpace cap with an ASID",
  finaliseArchCap: (_s: MutableState, _cap: Cap, _slot: SlotAddr, _isFinal: boolean): void => {},
  setVMRoot: (_s: MutableState, _tcb: PhysAddr | null): void => {},
  capTypes: ["Frame", "PageTable", "VSpace", "ASIDPool", "ASIDControl"],
} as const;
