/**
 * Sizes and constants of seL4 on ARM 32-bit without hypervisor extensions
 * (libsel4 `sel4_arch/constants.h`, `include/object/structures.h`). Names follow libsel4.
 */
export const seL4_WordBits = 32;
export const seL4_SlotBits = 4; // a CTE is 16 bytes
export const seL4_TCBBits = 9; // without FPU state
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
/** CONFIG_RETYPE_FAN_OUT_LIMIT's default: the most objects one Retype may create. */
export const CONFIG_RETYPE_FAN_OUT_LIMIT = 256;
/** CONFIG_RESET_CHUNK_BITS's default: resetting an untyped clears its used memory in 2^8-byte chunks. */
export const CONFIG_RESET_CHUNK_BITS = 8;
/** seL4_NumInitialCaps: the first slot of the initial CNode that boot hands out freely. */
export const seL4_NumInitialCaps = 16;
/** The number of hardware ASIDs on ARMv7 (8-bit CONTEXTIDR.ASID). */
export const HW_ASID_COUNT = 256;
/** The initial thread's ASID (IT_ASID). */
export const IT_ASID = 1;
/** The TCB's own CTE slots (seL4 `tcb_cnode_index`). */
export const TCB_SLOTS = { tcbCTable: 0, tcbVTable: 1, tcbReply: 2, tcbCaller: 3, tcbBuffer: 4 } as const;
export type TCBSlotName = keyof typeof TCB_SLOTS;
