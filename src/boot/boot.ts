import { alignUp, hex, type VirtAddr } from "../model/addresses.ts";
import { emptyKernelState } from "../model/state.ts";
import { transition } from "../model/transition.ts";
import { buildConfig, DEFAULT_CONFIG, KERNEL_PAGING_BYTES, mapKernelWindow } from "../arch/index.ts";
import { z } from "zod";
import type { FullyBootedMachine } from "./bootInfo.ts";
import { checkMemoryMap, MemoryMapSchema } from "./memoryMap.ts";
import { ApiGenerationSchema, BootError, parseBootOptions } from "./options.ts";
import { createRootserver, itLayoutOf, listRAMRegions, subtract, type UserImage } from "./rootserver.ts";

export type { FullBootInfo, FullyBootedMachine } from "./bootInfo.ts";

/**
 * The full boot's options: the memory map, the API generation the kernel implements (default
 * "current"), and whether the build has the FPU (CONFIG_HAVE_FPU: 2^10-byte TCBs with it, 2^9
 * without; default on for "current", off for "legacy", as each release's default build).
 */
export const BootOptionsSchema = MemoryMapSchema.extend({ api: ApiGenerationSchema.default(DEFAULT_CONFIG.api), fpu: z.boolean().optional() });

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
export function boot(input: BootOptions = { ram: [{ base: 0, size: 256 * 2 ** 20 }] }): FullyBootedMachine {
  const m = checkMemoryMap(parseBootOptions(BootOptionsSchema, input));
  const physBase = Math.min(...m.ram.map((r) => r.base));
  if (m.kernelImageSize < KERNEL_PAGING_BYTES) throw new BootError("kernelImageSize", `the kernel image must hold its global page directory and page table (at least ${KERNEL_PAGING_BYTES / 1024} KiB)`);
  const kernelEnd = physBase + alignUp(m.kernelImageSize, 12);

  // The root task's image sits right after the kernel image.
  const uiSize = alignUp(m.userImage.size, 12);
  const firstRegion = m.ram.find((r) => r.base === physBase)!;
  if (kernelEnd + uiSize > firstRegion.base + firstRegion.size) throw new BootError("userImage", `the user image (${hex(uiSize)} bytes) does not fit after the kernel image in ram[${m.ram.indexOf(firstRegion)}]`);
  if (m.userImage.vbase % 4096 !== 0) throw new BootError("userImage.vbase", `${hex(m.userImage.vbase)} is not 4 KiB aligned`);
  const image: UserImage = { physStart: kernelEnd, vStart: m.userImage.vbase, pages: uiSize / 4096 };
  const itEnd = itLayoutOf(image).itVReg.end;
  if (itEnd >= m.userTop) throw new BootError("userImage", `the initial thread's virtual range ends at ${hex(itEnd)}, at or above USER_TOP ${hex(m.userTop)}`);

  const config = buildConfig({ api: m.api, userTop: m.userTop as VirtAddr, ...(m.fpu !== undefined ? { fpu: m.fpu } : {}) });
  const kernel = transition(emptyKernelState(config), (s) => mapKernelWindow(s, physBase, kernelEnd));
  const free = subtract(listRAMRegions(m.ram), [[physBase, kernelEnd + uiSize]]);
  const rootserver = createRootserver(kernel, { cnodeSizeBits: m.cnodeSizeBits, image, devices: m.devices, free });
  return { ...rootserver, physBase };
}
