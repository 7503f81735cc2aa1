import { alignUp, hex } from "../model/addresses.ts";
import type { KernelState } from "../model/state.ts";
import type { FullyBootedMachine } from "./bootInfo.ts";
import { BootError } from "./options.ts";
import { createRootserver, itLayoutOf, listRAMRegions, subtract, type Interval, type UserImage } from "./rootserver.ts";

/** Physical memory as seL4's boot divides it before the root server is placed. */
export interface Freemem {
  readonly paddrTop: number;
  /** arch_init_freemem's reserved regions: the kernel image, the user image, ARM32's mode-reserved MiB; ascending */
  readonly reserved: Interval[];
  /** ndks_boot.freemem: RAM in the kernel window, less the reserved regions; ascending */
  readonly free: Interval[];
  /** everything outside ndks_boot.reserved (the reserved regions and all RAM in the window): device memory */
  readonly deviceRegions: Interval[];
}

/**
 * seL4's arch_init_freemem, init_avail_reg and init_freemem: RAM is clipped to the kernel window
 * [.., PADDR_TOP) (RAM beyond it is not free memory, and nothing reserves it, so it will be
 * device untyped); `reservedRegions` (the images, and ARM32's mode-reserved MiB) are reserved;
 * and every free region is reserved too (insert_region), so the physical reserved set ends up as
 * the reserved regions plus all RAM in the window, and device untypeds cover exactly the rest of
 * [0, 2^physBits) (2^physBits: CONFIG_PADDR_USER_DEVICE_TOP).
 */
export function initFreemem(
  paddrTop: number,
  physBits: number,
  ram: readonly { base: number; size: number }[],
  reservedRegions: readonly Interval[],
): Freemem {
  const avail = listRAMRegions(ram).flatMap(([lo, hi]): Interval[] =>
    lo >= paddrTop ? [] : [[lo, Math.min(hi, paddrTop)]],
  );
  const reserved = reservedRegions.filter(([lo, hi]) => lo < hi).sort((a, b) => a[0] - b[0]);
  return {
    paddrTop,
    reserved,
    free: subtract(avail, reserved),
    deviceRegions: subtract([[0, 2 ** physBits]], [...reserved, ...avail]),
  };
}

/** What a memory map says about the images, as every architecture's boot reads it. */
export interface ImageOptions {
  readonly ram: readonly { base: number; size: number }[];
  readonly kernelImageSize: number;
  readonly userImage: { readonly size: number; readonly vbase: number };
  readonly userTop: number;
}

/** Where boot puts the kernel and user images: physBase, the kernel image's end, the user image. */
export interface ImagePlacement {
  readonly physBase: number;
  readonly kernelEnd: number;
  readonly image: UserImage;
  /** [physBase, kernelEnd) and the user image's physical range */
  readonly images: readonly Interval[];
}

/**
 * The kernel image at the start of the lowest RAM region (physBase), the root task's image right
 * after it; refused when the user image does not fit there, is not 4 KiB aligned, or its range
 * with the IPC buffer and bootinfo frame reaches USER_TOP (try_init_kernel's check).
 */
export function placeImages(m: ImageOptions): ImagePlacement {
  const physBase = Math.min(...m.ram.map((r) => r.base));
  const kernelEnd = physBase + alignUp(m.kernelImageSize, 12);
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
  return {
    physBase,
    kernelEnd,
    image,
    images: [
      [physBase, kernelEnd],
      [kernelEnd, kernelEnd + uiSize],
    ],
  };
}

/** Boot's last step on every architecture: the root server in the free memory, and where things went. */
export function buildRootserver(
  kernel: KernelState,
  cnodeSizeBits: number,
  image: UserImage,
  physBase: number,
  mem: Freemem,
): FullyBootedMachine {
  const { rootserverMem, ...rootserver } = createRootserver(kernel, {
    cnodeSizeBits,
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
