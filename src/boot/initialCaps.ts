/**
 * seL4's well-known slots of the initial thread's CNode (libsel4 `seL4_RootCNodeCapSlots`),
 * by the names scenario files use (without the `seL4_Cap` prefix).
 */
export const INITIAL_CAP_SLOTS = {
  Null: 0,
  InitThreadTCB: 1,
  InitThreadCNode: 2,
  InitThreadVSpace: 3,
  IRQControl: 4,
  ASIDControl: 5,
  InitThreadASIDPool: 6,
  IOPortControl: 7,
  IOSpace: 8,
  BootInfoFrame: 9,
  InitThreadIPCBuffer: 10,
  Domain: 11,
  SMMUSIDControl: 12,
  SMMUCBControl: 13,
  InitThreadSC: 14,
  SMC: 15,
} as const;

export type InitialCapName = keyof typeof INITIAL_CAP_SLOTS;
