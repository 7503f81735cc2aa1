import { MiB } from "../model/constants.ts";
import { alignUp, hex, type VirtAddr } from "../model/addresses.ts";
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
import { checkMemoryMap, MemoryMapSchema } from "./memoryMap.ts";
import { ApiGenerationSchema, BootError, parseBootOptions } from "./options.ts";
import { createRootserver, itLayoutOf, listRAMRegions, subtract, type Interval, type UserImage } from "./rootserver.ts";

export type { FullBootInfo, FullyBootedMachine, PhysicalLayout } from "./bootInfo.ts";

/** The 32-bit physical address space's end: device untypeds run up to it (CONFIG_PADDR_USER_DEVICE_TOP). */
const PHYS_TOP = 2 ** 32;

/**
 * The full boot's options: the memory map, the API generation the kernel implements (default
 * "current"), and whether the build has the FPU (CONFIG_HAVE_FPU: 2^10-byte TCBs with it, 2^9
 * without; default on for "current", off for "legacy", as each release's default build).
 */
export const BootOptionsSchema = MemoryMapSchema.extend({
  api: ApiGenerationSchema.default(DEFAULT_CONFIG.api),
  fpu: z.boolean().optional(),
});

export type BootOptions = z.input<typeof BootOptionsSchema>;

/**
 * Boot from a memory map, as seL4 does on 32-bit ARM (src/arch/arm/kernel/boot.c, src/kernel/boot.c,
 * src/arch/arm/32/kernel/vspace.c):
 * 1. validate the options (zod, then the memory map's own rules) and list the RAM regions;
 * 2. build the kernel's global page directory: the window onto physical memory from physBase;
 * 3. place the root task's image after the kernel image;
 * 4. build the root server in the RAM left (src/boot/rootserver.ts): its objects, its VSpace with
 *    the image mapped, its caps in seL4's slot order, the untypeds and bootinfo.
 */
export function boot(input: BootOptions = { ram: [{ base: 0, size: 256 * MiB }] }): FullyBootedMachine {
  const m = checkMemoryMap(parseBootOptions(BootOptionsSchema, input));
  const physBase = Math.min(...m.ram.map((r) => r.base));
  if (m.kernelImageSize < KERNEL_PAGING_BYTES)
    throw new BootError(
      "kernelImageSize",
      `the kernel image must hold its global page directory and page table (at least ${KERNEL_PAGING_BYTES / 1024} KiB)`,
    );
  const kernelEnd = physBase + alignUp(m.kernelImageSize, 12);

  // The root task's image sits right after the kernel image.
  const uiSize = alignUp(m.userImage.size, 12);
  const firstRegion = m.ram.find((r) => r.base === physBase)!;
  if (kernelEnd + uiSize > firstRegion.base + firstRegion.size)
    throw new BootError(
      "userImage",
      `the user image (${hex(uiSize)} bytes) does not fit after the kernel image in ram[${m.ram.indexOf(firstRegion)}]`,
    );
  if (m.userImage.vbase % 4096 !== 0)
    throw new BootError("userImage.vbase", `${hex(m.userImage.vbase)} is not 4 KiB aligned`);
  const image: UserImage = {
    physStart: kernelEnd,
    vStart: m.userImage.vbase,
    pages: uiSize / 4096,
  };
  const itEnd = itLayoutOf(image).itVReg.end;
  if (itEnd >= m.userTop)
    throw new BootError(
      "userImage",
      `the initial thread's virtual range ends at ${hex(itEnd)}, at or above USER_TOP ${hex(m.userTop)}`,
    );

  const config = buildConfig({
    api: m.api,
    userTop: m.userTop as VirtAddr,
    ...(m.fpu !== undefined ? { fpu: m.fpu } : {}),
  });
  const kernel = transition(emptyKernelState(config), (s) => mapKernelWindow(s, physBase, kernelEnd));
  const mem = initFreemem(physBase, m.userTop, m.ram, [
    [physBase, kernelEnd],
    [kernelEnd, kernelEnd + uiSize],
  ]);
  const { rootserverMem, ...rootserver } = createRootserver(kernel, {
    cnodeSizeBits: m.cnodeSizeBits,
    image,
    deviceRegions: mem.deviceRegions,
    bootMemReuse: [physBase, physBase],
    free: mem.free,
  });
  return {
    ...rootserver,
    physBase,
    layout: {
      paddrTop: mem.paddrTop,
      reserved: mem.reserved,
      rootserver: rootserverMem,
    },
  };
}

/** Physical memory as seL4's boot divides it before the root server is placed. */
interface Freemem {
  readonly paddrTop: number;
  /** arch_init_freemem's reserved regions: the kernel image, the user image, the mode-reserved MiB; ascending */
  readonly reserved: Interval[];
  /** ndks_boot.freemem: RAM in the kernel window, less the reserved regions; ascending */
  readonly free: Interval[];
  /** everything outside ndks_boot.reserved (the reserved regions and all RAM in the window): device memory */
  readonly deviceRegions: Interval[];
}

/**
 * seL4's arch_init_freemem, init_avail_reg and init_freemem: RAM is clipped to the kernel window
 * [physBase, PADDR_TOP) (RAM beyond it is not free memory, and nothing reserves it, so it will be
 * device untyped); the images and ARM32's mode-reserved MiB are reserved; and every free region
 * is reserved too (insert_region), so the physical reserved set ends up as the reserved regions
 * plus all RAM in the window, and device untypeds cover exactly the rest of [0, 2^32).
 */
function initFreemem(
  physBase: number,
  userTop: number,
  ram: readonly { base: number; size: number }[],
  images: readonly Interval[],
): Freemem {
  const top = paddrTop(physBase, userTop);
  const mode = modeReservedRegion(physBase, userTop);
  for (const [lo, hi] of images) {
    if (lo < mode[1] && mode[0] < hi)
      throw new BootError(
        "userTop",
        `with USER_TOP ${hex(userTop)} the MiB seL4 reserves at kernel address 0xff000000 (physical ${hex(mode[0])}) overlaps the kernel or user image`,
      );
  }
  const avail = listRAMRegions(ram).flatMap(([lo, hi]): Interval[] => (lo >= top ? [] : [[lo, Math.min(hi, top)]]));
  const reserved = [...images, mode].filter(([lo, hi]) => lo < hi).sort((a, b) => a[0] - b[0]);
  return {
    paddrTop: top,
    reserved,
    free: subtract(avail, reserved),
    deviceRegions: subtract([[0, PHYS_TOP]], [...reserved, ...avail]),
  };
}
