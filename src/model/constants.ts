/**
 * seL4 constants that every architecture shares (generic kernel configuration and ABI).
 * Sizes that depend on the architecture or its configuration are in `KernelSizes`
 * (`src/model/state.ts`), which each architecture fills in.
 */

/** CONFIG_RETYPE_FAN_OUT_LIMIT's default: the most objects one Retype may create. */
export const CONFIG_RETYPE_FAN_OUT_LIMIT = 256;
/** CONFIG_RESET_CHUNK_BITS's default: resetting an untyped clears its used memory in 2^8-byte chunks. */
export const CONFIG_RESET_CHUNK_BITS = 8;
/**
 * seL4_NumInitialCaps: the first slot of the initial CNode that boot hands out freely. 16 from
 * seL4 13.0.0 (slots 12-15 are the SMMU, MCS and SMC caps); 12 in 10.1.1 (non-MCS), whose
 * slots 0-11 are the same as today's, so the legacy boot's dynamic caps start at slot 12.
 */
export const seL4_NumInitialCaps = 16;
export const seL4_NumInitialCaps_10_1_1 = 12;

/** seL4_NumInitialCaps of the API generation the kernel implements. */
export function numInitialCaps(api: "current" | "legacy"): number {
  return api === "legacy" ? seL4_NumInitialCaps_10_1_1 : seL4_NumInitialCaps;
}
/** CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS's default (230 at 10.1.1 and 16.0.0): bootinfo's untypedList length. */
export const CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS = 230;
/** The initial thread's ASID (IT_ASID). */
export const IT_ASID = 1;
/** The TCB's own CTE slots (seL4 `tcb_cnode_index`). */
export const TCB_SLOTS = {
  tcbCTable: 0,
  tcbVTable: 1,
  tcbReply: 2,
  tcbCaller: 3,
  tcbBuffer: 4,
} as const;
export type TCBSlotName = keyof typeof TCB_SLOTS;
/** 1 MiB: a section, the span of one ARM32 directory slot, and the unit memory maps are given in. */
export const MiB = 2 ** 20;
/** 1 KiB and 4 KiB, for sizes written in bytes. */
export const KiB = 2 ** 10;
