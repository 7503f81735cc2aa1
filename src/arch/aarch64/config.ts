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
export const AARCH64_LEGACY_REFUSAL =
  "api: legacy is not modelled on aarch64: seL4 10.x-12.x had four AArch64 paging object types (PGD, PUD, PD, PT) with other rules; capsim models seL4 13.0.0-16.0.0 (api: current)";
