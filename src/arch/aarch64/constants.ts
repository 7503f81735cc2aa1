import type { Aarch64FrameSize } from "../../model/caps.ts";
import type { KernelSizes } from "../../model/state.ts";

/**
 * Sizes and constants of seL4 16.0.0 on AArch64: 4 KiB granule, 48-bit virtual addresses, four
 * translation levels, no hypervisor (the kernel in EL1, users on TTBR0_EL1), not MCS
 * (libsel4 `sel4_arch/constants.h` for aarch64; kernel `arch/64/mode/machine/hardware.h`).
 * Names follow libsel4 and the kernel.
 */
export const seL4_WordBits = 64;
export const seL4_SlotBits = 5; // a CTE is 32 bytes
export const seL4_TCBBits = 11;
export const seL4_EndpointBits = 4;
export const seL4_NotificationBits = 5;
export const seL4_PageTableBits = 12;
export const seL4_PageTableEntryBits = 3;
export const seL4_PageTableIndexBits = 9;
export const seL4_VSpaceBits = 12;
export const seL4_VSpaceIndexBits = 9;
export const seL4_ASIDPoolBits = 12;
/** asidLowBits: 512 ASIDs per pool */
export const seL4_ASIDPoolIndexBits = 9;
/** asidHighBits: 128 pools */
export const seL4_NumASIDPoolsBits = 7;
export const seL4_MinUntypedBits = 4;
export const seL4_MaxUntypedBits = 47;
export const seL4_PageBits = 12;
export const seL4_LargePageBits = 21;
export const seL4_HugePageBits = 30;
export const seL4_IPCBufferSizeBits = 10;

/** UPT_LEVELS: translation levels of a user VSpace (0 = the VSpace root ... 3 = 4 KiB pages). */
export const UPT_LEVELS = 4;
/** UPT_LEVEL_SHIFT(n) for the seL4 level n (3 = root ... 0 = last): 9 * n + 12, the low bit a level indexes. */
export const uptLevelShift = (n: number): number => 9 * n + 12;

/**
 * seL4_UserTop (= USER_TOP, seL4_UserVSpaceTop from 16.0.0): the LAST user address, inclusive.
 * Every AArch64 check compares with `>` (unlike ARM32, whose USER_TOP is exclusive).
 */
export const seL4_UserTop = 0x00007fffffffffff;

/** The sizes the generic kernel reads from the configuration (see KernelSizes). */
export const AARCH64_SIZES: KernelSizes = {
  wordBits: seL4_WordBits,
  slotBits: seL4_SlotBits,
  tcbBits: seL4_TCBBits,
  endpointBits: seL4_EndpointBits,
  notificationBits: seL4_NotificationBits,
  pageTableBits: seL4_PageTableBits,
  vspaceRootBits: seL4_VSpaceBits,
  asidPoolBits: seL4_ASIDPoolBits,
  minUntypedBits: seL4_MinUntypedBits,
  maxUntypedBits: seL4_MaxUntypedBits,
  frameBits: {
    SmallPage: seL4_PageBits,
    LargePage: seL4_LargePageBits,
    HugePage: seL4_HugePageBits,
  } satisfies Record<Aarch64FrameSize, number>,
};
