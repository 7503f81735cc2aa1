import type { KernelSizes } from "../../model/state.ts";
import type { Aarch32FrameSize } from "../../model/caps.ts";

/**
 * Sizes and constants of seL4 on ARM 32-bit without hypervisor extensions
 * (libsel4 `sel4_arch/constants.h`, `include/object/structures.h`). Names follow libsel4.
 */
export const seL4_WordBits = 32;
export const seL4_SlotBits = 4; // a CTE is 16 bytes
/**
 * seL4_TCBBits: 10 when the kernel saves FPU state in the TCB (CONFIG_HAVE_FPU, on by default for
 * ARM32 from seL4 13.0.0: KernelAArch32FPUEnableContextSwitch), 9 without. The FPU registers
 * (264 bytes of user_fpu_state_t) change no other object's size.
 */
export const seL4_TCBBits = 10;
export const seL4_TCBBits_NoFPU = 9;
export const seL4_EndpointBits = 4;
export const seL4_NotificationBits = 4;
export const seL4_PageTableBits = 10;
export const seL4_PageTableEntryBits = 2;
export const seL4_PageTableIndexBits = 8;
export const seL4_PageDirBits = 14;
export const seL4_PageDirEntryBits = 2;
export const seL4_PageDirIndexBits = 12;
export const seL4_ASIDPoolBits = 12;
export const seL4_ASIDPoolIndexBits = 10;
export const seL4_NumASIDPoolsBits = 7;
export const seL4_MinUntypedBits = 4;
export const seL4_MaxUntypedBits = 29;
export const seL4_PageBits = 12;
/** The number of hardware ASIDs on ARMv7 (8-bit CONTEXTIDR.ASID). */
export const HW_ASID_COUNT = 256;

/** The sizes the generic kernel reads from the configuration (see KernelSizes). */
export const AARCH32_SIZES: KernelSizes = {
  wordBits: seL4_WordBits,
  slotBits: seL4_SlotBits,
  tcbBits: seL4_TCBBits,
  endpointBits: seL4_EndpointBits,
  notificationBits: seL4_NotificationBits,
  pageTableBits: seL4_PageTableBits,
  vspaceRootBits: seL4_PageDirBits,
  asidPoolBits: seL4_ASIDPoolBits,
  minUntypedBits: seL4_MinUntypedBits,
  maxUntypedBits: seL4_MaxUntypedBits,
  frameBits: {
    SmallPage: 12,
    LargePage: 16,
    Section: 20,
    SuperSection: 24,
  } satisfies Record<Aarch32FrameSize, number>,
};
