/**
 * capsim: seL4's capability object model and ARM 32-bit VSpace, as pure state transitions.
 * The public surface: boot a machine, invoke capabilities, query address spaces.
 */
export {
  vaddr,
  paddr,
  cptr,
  asid,
  hex,
  type VirtAddr,
  type PhysAddr,
  type CPtr,
  type ASID,
} from "./model/addresses.ts";
export { type SyscallError, type LookupFailure, describeError, errorReplyMRs, ERROR_CODES } from "./model/errors.ts";
export { PMap } from "./model/pmap.ts";
export { bootMinimal, type BootedMachine, type BootInfo, type RamRegion } from "./boot/minimal.ts";
export { INITIAL_CAP_SLOTS } from "./boot/initialCaps.ts";
export { invoke, invokeTraced, type TracedInvokeResult } from "./invocations/dispatch.ts";
export * as views from "./views/index.ts";
export { callLibsel4, LIBSEL4 } from "./invocations/libsel4.ts";
export type { Message, Reply, InvokeResult, Effect } from "./model/message.ts";
export type { InvocationLabel } from "./model/labels.ts";
export type { Cap, CapRights, VMRights, FrameCap, PageTableCap, PageDirectoryCap } from "./model/caps.ts";
export { getCap } from "./kernel/cdt.ts";
export { slotAddress, lookupCapAndSlot } from "./kernel/cspace.ts";
export type { KernelState, MachineConfig, ApiGeneration } from "./model/state.ts";
/** A paging structure's descriptors (`state.tableEntries`), read from its record in `state.objects`. */
export { entriesOf, changedObjects } from "./kernel/store.ts";
export { transition, transitionWithEffects, type MutableState, type TransitionResult } from "./model/transition.ts";
export {
  DEFAULT_CONFIG,
  resolveFrom as resolve,
  listDirectoryAt as listDirectory,
  listTableAt as listTable,
  decodePDE,
  decodePTE,
  encodePDE,
  encodePTE,
  mmuTranslate,
  setVMRoot,
  type ResolvedPage,
  type Unresolved,
  type Entry,
  type PDE,
  type PTE,
} from "./arch/index.ts";
export { readCapdl, parseCapdl, printCapdl, CapdlError, modelValue, type Model as CapdlModel } from "./capdl/index.ts";
export { exportCapdl, exportText as exportCapdlText, type ExportOptions, type CapdlExport } from "./capdl/export.ts";
export { toInitializerJson } from "./capdl/json.ts";
export { toDot as capdlToDot } from "./capdl/dot.ts";
export {
  importCapdl,
  refusalText,
  ImportError,
  type ImportResult,
  type ImportRefusal,
  type ImportOptions,
} from "./capdl/import.ts";
