/**
 * capsim: seL4's capability object model and ARM 32-bit VSpace, as pure state transitions.
 * The public surface: boot a machine, invoke capabilities, query address spaces.
 */
export { vaddr, paddr, cptr, asid, hex, type VirtAddr, type PhysAddr, type CPtr, type ASID } from "./core/addresses.ts";
export { type SyscallError, type LookupFailure, describeError, errorReplyMRs, ERROR_CODES } from "./core/errors.ts";
export { PMap } from "./core/pmap.ts";
export { bootMinimal, type BootedMachine, type BootInfo, type RamRegion } from "./boot/minimal.ts";
export { INITIAL_CAP_SLOTS } from "./boot/initialCaps.ts";
export { invoke } from "./invocations/dispatch.ts";
export { callLibsel4, LIBSEL4 } from "./invocations/libsel4.ts";
export type { Message, Reply, InvokeResult, Effect } from "./invocations/message.ts";
export type { InvocationLabel } from "./invocations/labels.ts";
export type { Cap, CapRights, VMRights, FrameCap, PageTableCap, PageDirectoryCap } from "./caps/types.ts";
export { getCap } from "./caps/cdt.ts";
export { slotAddress, lookupCapAndSlot } from "./caps/lookup.ts";
export type { KernelState, MachineConfig, ApiGeneration } from "./objects/state.ts";
export { DEFAULT_CONFIG } from "./objects/state.ts";
export { transition, setTransitionEngine, transitionEngine, type TransitionEngine, type MutableState } from "./objects/transition.ts";
export { resolve, listDirectory, listTable, type ResolvedPage, type Unresolved } from "./vspace/walk.ts";
export { decodePDE, decodePTE, encodePDE, encodePTE, type Entry } from "./vspace/entries.ts";
export { mmuTranslate } from "./vspace/mmu.ts";
export { setVMRoot } from "./vspace/vmRoot.ts";
