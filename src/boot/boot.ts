import { MiB } from "../model/constants.ts";
import { hex, type VirtAddr } from "../model/addresses.ts";
import { emptyKernelState } from "../model/state.ts";
import { transition } from "../model/transition.ts";
import {
  buildConfig,
  DEFAULT_CONFIG,
  KERNEL_PAGING_BYTES,
  mapKernelWindow,
  modeReservedRegion,
  paddrTop,
} from "../arch/index.ts";
import { z } from "zod";
import type { FullyBootedMachine } from "./bootInfo.ts";
import { bootAarch64, isAarch64BootOptions, type Aarch64BootOptions } from "./aarch64.ts";
import { buildRootserver, initFreemem, placeImages } from "./freemem.ts";
import { checkMemoryMap, MemoryMapSchema } from "./memoryMap.ts";
import { ApiGenerationSchema, BootError, parseBootOptions } from "./options.ts";

export type { FullBootInfo, FullyBootedMachine, PhysicalLayout } from "./bootInfo.ts";

/**
 * The full boot's options on ARM32 (`arch` absent or `aarch32`): the memory map, the API
 * generation the kernel implements (default "current"), and whether the build has the FPU
 * (CONFIG_HAVE_FPU: 2^10-byte TCBs with it, 2^9 without; default on for "current", off for
 * "legacy", as each release's default build). AArch64's are in aarch64.ts.
 */
export const BootOptionsSchema = MemoryMapSchema.extend({
  arch: z.literal("aarch32").optional(),
  api: ApiGenerationSchema.default(DEFAULT_CONFIG.api),
  fpu: z.boolean().optional(),
});

export type BootOptions = z.input<typeof BootOptionsSchema> | Aarch64BootOptions;

/**
 * Boot from a memory map, as seL4 does (src/arch/arm/kernel/boot.c, src/kernel/boot.c, and the
 * architecture's vspace.c); `arch: aarch64` boots AArch64 (aarch64.ts), otherwise ARM32:
 * 1. validate the options (zod, then the memory map's own rules) and list the RAM regions;
 * 2. build the kernel's global page directory: the window onto physical memory from physBase;
 * 3. place the root task's image after the kernel image;
 * 4. build the root server in the RAM left (src/boot/rootserver.ts): its objects, its VSpace with
 *    the image mapped, its caps in seL4's slot order, the untypeds and bootinfo.
 */
export function boot(input: BootOptions = { ram: [{ base: 0, size: 256 * MiB }] }): FullyBootedMachine {
  if (isAarch64BootOptions(input)) return bootAarch64(input);
  const m = checkMemoryMap(parseBootOptions(BootOptionsSchema, input));
  if (m.kernelImageSize < KERNEL_PAGING_BYTES)
    throw new BootError(
      "kernelImageSize",
      `the kernel image must hold its global page directory and page table (at least ${KERNEL_PAGING_BYTES / 1024} KiB)`,
    );
  const { physBase, kernelEnd, image, images } = placeImages(m);

  const config = buildConfig({
    api: m.api,
    userTop: m.userTop as VirtAddr,
    ...(m.fpu !== undefined ? { fpu: m.fpu } : {}),
  });
  const kernel = transition(emptyKernelState(config), (s) => mapKernelWindow(s, physBase, kernelEnd));
  // ARM32's mode-reserved MiB: the kernel window address every page directory uses for its hardware ASID.
  const mode = modeReservedRegion(physBase, m.userTop);
  for (const [lo, hi] of images) {
    if (lo < mode[1] && mode[0] < hi)
      throw new BootError(
        "userTop",
        `with USER_TOP ${hex(m.userTop)} the MiB seL4 reserves at kernel address 0xff000000 (physical ${hex(mode[0])}) overlaps the kernel or user image`,
      );
  }
  const mem = initFreemem(paddrTop(physBase, m.userTop), 32, m.ram, [...images, mode]);
  return buildRootserver(kernel, m.cnodeSizeBits, image, physBase, mem);
}
