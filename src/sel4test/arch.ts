import type { Scenario } from "../scenario/load.ts";

/**
 * What the generated sel4test test needs to know about one architecture: libsel4's names for its
 * VSpace root, seL4_UserTop as the scenario assumes it, and how the test learns the kernel's.
 * The rest of the generator is architecture-independent: message words, labels and extra caps
 * come from libsel4's table, and CNode slots are addressed with depth seL4_WordBits, which is
 * what the test CNode's guard needs on both (32 on ARM32; 64 on AArch64, where depth 32 gives
 * GuardMismatch: ../shared/REAL-KERNEL-NOTES.md).
 */
export interface Sel4testArch {
  readonly name: "aarch32" | "aarch64";
  /** libsel4's object type of a VSpace root: the scenario's InitThreadVSpace is a fresh one of these */
  readonly vspaceRootType: string;
  /** how the scenario's userTop is written: ARM32's is exclusive (the first kernel address), AArch64's inclusive */
  readonly userTopMeaning: string;
  /** seL4_UserTop as capsim boots it when the scenario does not say */
  readonly defaultUserTop: bigint;
  /** the C function (in the file's helpers) that finds this kernel's value */
  readonly userTopProbe: string;
  /** the CPP condition under which the test is compiled */
  readonly cppCondition: string;
  /** the libsel4 functions whose first word argument is a virtual address in the named VSpace */
  readonly mappingCalls: readonly string[];
  /** the libsel4 functions invoked on a VSpace root with a start address */
  readonly vspaceCacheCalls: readonly string[];
}

export const AARCH32: Sel4testArch = {
  name: "aarch32",
  vspaceRootType: "seL4_ARM_PageDirectoryObject",
  userTopMeaning: "the first address of the kernel's window",
  defaultUserTop: 0xe0000000n,
  userTopProbe: "capsim_user_top_aarch32",
  cppCondition: "defined(CONFIG_ARCH_AARCH32)",
  mappingCalls: ["seL4_ARM_PageTable_Map", "seL4_ARM_Page_Map"],
  vspaceCacheCalls: [
    "seL4_ARM_PageDirectory_Clean_Data",
    "seL4_ARM_PageDirectory_Invalidate_Data",
    "seL4_ARM_PageDirectory_CleanInvalidate_Data",
    "seL4_ARM_PageDirectory_Unify_Instruction",
  ],
};

/**
 * AArch64, for when scenarios can say `arch: aarch64`: libsel4 defines seL4_UserTop there
 * (inclusive), so the test reads the constant instead of probing.
 */
export const AARCH64: Sel4testArch = {
  name: "aarch64",
  vspaceRootType: "seL4_ARM_VSpaceObject",
  userTopMeaning: "the last user address (inclusive)",
  defaultUserTop: 0x00007fffffffffffn,
  userTopProbe: "capsim_user_top_aarch64",
  cppCondition: "defined(CONFIG_ARCH_AARCH64)",
  mappingCalls: ["seL4_ARM_PageTable_Map", "seL4_ARM_Page_Map"],
  vspaceCacheCalls: [
    "seL4_ARM_VSpace_Clean_Data",
    "seL4_ARM_VSpace_Invalidate_Data",
    "seL4_ARM_VSpace_CleanInvalidate_Data",
    "seL4_ARM_VSpace_Unify_Instruction",
  ],
};

/** The architecture a scenario boots. The header admits only aarch32 until AArch64 boots. */
export function archOfScenario(sc: Scenario): Sel4testArch {
  const arch: string = sc.header.arch ?? "aarch32";
  return arch === "aarch64" ? AARCH64 : AARCH32;
}

/** seL4_UserTop as the scenario assumes it. */
export function scenarioUserTop(sc: Scenario, arch: Sel4testArch): bigint {
  const given = sc.header.boot?.userTop;
  return given !== undefined ? BigInt(given) : arch.defaultUserTop;
}
