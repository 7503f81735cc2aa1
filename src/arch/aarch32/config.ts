import type { VirtAddr } from "../../model/addresses.ts";
import type { ApiGeneration, MachineConfig } from "../../model/state.ts";
import { AARCH32_SIZES, seL4_TCBBits, seL4_TCBBits_NoFPU } from "./constants.ts";

/** ARM 32-bit's default configuration: current API, FPU on, USER_TOP 0xe0000000 (imx6, zynq7000, ...). */
export const AARCH32_DEFAULT_CONFIG: MachineConfig = {
  arch: "aarch32",
  sizes: AARCH32_SIZES,
  api: "current",
  userTop: 0xe0000000 as VirtAddr,
};

/** The build options a boot may choose; each left out takes its default. */
export interface BuildOptions {
  readonly api?: ApiGeneration;
  /**
   * CONFIG_HAVE_FPU. Default: on for the current API (seL4 16.0.0's default ARM32 build), off for
   * the legacy one: 10.1.1's FPU option depended on KernelVerificationBuild being off, and that
   * defaulted on, so its out-of-the-box build had no FPU and 2^9-byte TCBs.
   */
  readonly fpu?: boolean;
  readonly userTop?: VirtAddr;
}

/** Whether a build has the FPU when the boot does not say (see BuildOptions.fpu). */
export function defaultFPU(api: ApiGeneration): boolean {
  return api === "current";
}

/** The MachineConfig of an ARM32 build: the FPU setting decides seL4_TCBBits, the only size it changes. */
export function aarch32Config(o: BuildOptions = {}): MachineConfig {
  const api = o.api ?? AARCH32_DEFAULT_CONFIG.api;
  const fpu = o.fpu ?? defaultFPU(api);
  return {
    ...AARCH32_DEFAULT_CONFIG,
    api,
    userTop: o.userTop ?? AARCH32_DEFAULT_CONFIG.userTop,
    sizes: {
      ...AARCH32_SIZES,
      tcbBits: fpu ? seL4_TCBBits : seL4_TCBBits_NoFPU,
    },
  };
}
