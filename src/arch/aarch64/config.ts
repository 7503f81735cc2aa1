import type { VirtAddr } from "../../model/addresses.ts";
import type { MachineConfig } from "../../model/state.ts";
import { AARCH64_SIZES, seL4_UserTop } from "./constants.ts";

/**
 * AArch64's default configuration: seL4 16.0.0 (the only API generation modelled on AArch64:
 * 13.0.0 to 16.0.0 share one VSpace model), USER_TOP 0x00007fffffffffff inclusive.
 */
export const AARCH64_DEFAULT_CONFIG: MachineConfig = {
  arch: "aarch64",
  sizes: AARCH64_SIZES,
  api: "current",
  userTop: seL4_UserTop as VirtAddr,
};

/**
 * Why `api: legacy` is refused on AArch64: seL4 before 13.0.0 had four paging object types and
 * other rules (a different program, not a switch), which capsim does not model.
 */
/**
 * Why `hypervisor: true` is refused. The reference sheet gives the hypervisor layout's sizes, but
 * a faithful model needs more than sizes: the stage-2 walk and descriptors, VMIDs, the EL2 kernel
 * window, the VCPU object and the decode paths that differ. Until those are modelled, the boot
 * says what is missing rather than run a machine that only looks like a hypervisor build.
 */
export const AARCH64_HYPERVISOR_REFUSAL =
  "hypervisor: true (CONFIG_ARM_HYPERVISOR_SUPPORT) is not modelled: seL4 16.0.0 then runs in EL2 and user VSpaces are stage-2 tables over 40-bit IPAs (3 levels from an 8 KiB root of 1024 entries, seL4_VSpaceBits 13, USER_TOP 0xffffffffff; 4 levels and USER_TOP 0xfffffffffff with a 44-bit PA), with stage-2 descriptors (S2AP, MemAttr, XN), 8-bit VMIDs allocated and stolen at context switch and kept in the ASID pool entries, the kernel window at 0x8000000000 behind TTBR0_EL2, the VCPU object (type 10) and its invocations, frame flushes through the kernel window, and IPA translation of faults; capsim models the configuration without hypervisor support only";

export const AARCH64_LEGACY_REFUSAL =
  "api: legacy is not modelled on aarch64: seL4 10.x-12.x had four AArch64 paging object types (PGD, PUD, PD, PT) with other rules; capsim models seL4 13.0.0-16.0.0 (api: current)";
