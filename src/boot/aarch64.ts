import { z } from "zod";
import { hex } from "../model/addresses.ts";
import { MiB } from "../model/constants.ts";
import { emptyKernelState } from "../model/state.ts";
import { transition } from "../model/transition.ts";
import {
  AARCH64_DEFAULT_CONFIG,
  AARCH64_KERNEL_PAGING_BYTES,
  AARCH64_HYPERVISOR_REFUSAL,
  AARCH64_LEGACY_REFUSAL,
  AARCH64_PADDR_TOP,
  AARCH64_PADDR_USER_DEVICE_TOP,
  AARCH64_USER_TOP,
  aarch64MapKernelWindow,
} from "../arch/index.ts";
import type { FullyBootedMachine } from "./bootInfo.ts";
import { buildRootserver, initFreemem, placeImages } from "./freemem.ts";
import { checkPagedRegions, MemoryMapSchema } from "./memoryMap.ts";
import { ApiGenerationSchema, BootError, parseBootOptions } from "./options.ts";

/** log2 of CONFIG_PADDR_USER_DEVICE_TOP on capsim's AArch64 machine (40-bit physical addresses). */
const PHYS_BITS = Math.log2(AARCH64_PADDR_USER_DEVICE_TOP);

/**
 * The default kernel image on AArch64: 4 MiB. seL4's AArch64 kernel keeps its 2 MiB of level-2
 * kernel-window tables (armKSGlobalKernelPDs) in its BSS, so the image is over 2 MiB.
 */
const DEFAULT_KERNEL_IMAGE = 4 * MiB;

/**
 * AArch64's boot options (`arch: aarch64`): the memory map as on ARM32, with AArch64's defaults
 * (USER_TOP seL4_UserTop, a 4 MiB kernel image); `api` is accepted only to refuse `legacy` with
 * the reason. There is no `fpu`: the FPU does not change AArch64's TCB size.
 */
export const Aarch64BootOptionsSchema = MemoryMapSchema.extend({
  arch: z.literal("aarch64"),
  api: ApiGenerationSchema.default("current"),
  kernelImageSize: z.number().int().positive().default(DEFAULT_KERNEL_IMAGE),
  userTop: z.number().int().positive().default(AARCH64_USER_TOP),
  /** CONFIG_ARM_HYPERVISOR_SUPPORT: accepted only to refuse `true` with what it would need */
  hypervisor: z.boolean().default(false),
});

export type Aarch64BootOptions = z.input<typeof Aarch64BootOptionsSchema>;

/** Whether boot options ask for AArch64 (their `arch` key). */
export function isAarch64BootOptions(input: unknown): input is Aarch64BootOptions {
  return typeof input === "object" && input !== null && "arch" in input && input.arch === "aarch64";
}

/**
 * Boot an AArch64 machine as seL4 16.0.0 does without hypervisor support (src/arch/arm/kernel/boot.c,
 * src/kernel/boot.c, src/arch/arm/64/kernel/vspace.c):
 * 1. validate the options: regions page-aligned, below 2^40 (CONFIG_PADDR_USER_DEVICE_TOP) and
 *    disjoint; the kernel image in the first RAM region and inside the kernel window; USER_TOP
 *    seL4_UserTop (fixed by the configuration);
 * 2. map_kernel_window: the kernel's tables behind TTBR1, and the empty armKSGlobalUserVSpace;
 * 3. place the root task's image after the kernel image;
 * 4. arch_init_freemem: the kernel and user images reserved (AArch64 has no mode-reserved region),
 *    RAM clipped to PADDR_TOP;
 * 5. the root server as on every architecture (rootserver.ts), with AArch64's VSpace and sizes.
 */
export function bootAarch64(input: Aarch64BootOptions): FullyBootedMachine {
  const m = parseBootOptions(Aarch64BootOptionsSchema, input);
  if (m.api === "legacy") throw new BootError("api", AARCH64_LEGACY_REFUSAL);
  if (m.hypervisor) throw new BootError("hypervisor", AARCH64_HYPERVISOR_REFUSAL);
  checkPagedRegions(m, PHYS_BITS);
  if (m.userTop !== AARCH64_USER_TOP)
    throw new BootError(
      "userTop",
      `on aarch64 USER_TOP is seL4_UserTop, ${hex(AARCH64_USER_TOP)} (the last user address, inclusive), fixed by the kernel configuration; capsim models the configuration without hypervisor support only (hypervisor: true explains why), so ${hex(m.userTop)} cannot be chosen`,
    );
  const physBase = Math.min(...m.ram.map((r) => r.base));
  const first = m.ram.find((r) => r.base === physBase)!;
  if (m.kernelImageSize < AARCH64_KERNEL_PAGING_BYTES)
    throw new BootError(
      "kernelImageSize",
      `the AArch64 kernel image must hold its kernel-window tables (at least ${hex(AARCH64_KERNEL_PAGING_BYTES)} bytes)`,
    );
  if (m.kernelImageSize > first.size)
    throw new BootError(
      "kernelImageSize",
      `the kernel image (${hex(m.kernelImageSize)} bytes) does not fit in the first RAM region (${hex(first.size)} bytes)`,
    );
  const placed = placeImages(m);
  for (const [lo, hi] of placed.images)
    if (hi > AARCH64_PADDR_TOP)
      throw new BootError(
        "ram",
        `the kernel and user images end at ${hex(hi)}, beyond PADDR_TOP ${hex(AARCH64_PADDR_TOP)}: the kernel window cannot reach them (they start at ${hex(lo)})`,
      );

  const kernel = transition(emptyKernelState(AARCH64_DEFAULT_CONFIG), (s) =>
    aarch64MapKernelWindow(s, placed.kernelEnd),
  );
  const mem = initFreemem(AARCH64_PADDR_TOP, PHYS_BITS, m.ram, placed.images);
  return buildRootserver(kernel, m.cnodeSizeBits, placed.image, physBase, mem);
}
