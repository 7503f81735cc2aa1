import type { VirtAddr } from "../../model/addresses.ts";
import type { MachineConfig } from "../../model/state.ts";
import { AARCH32_SIZES } from "./constants.ts";

/** ARM 32-bit's default configuration: current API, USER_TOP 0xe0000000 (imx6, zynq7000, ...). */
export const AARCH32_DEFAULT_CONFIG: MachineConfig = {
  arch: "aarch32",
  sizes: AARCH32_SIZES,
  api: "current",
  userTop: 0xe0000000 as VirtAddr,
};
