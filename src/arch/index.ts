/**
 * The architecture interface: everything outside `src/arch/` reaches an architecture only
 * through this module (a test checks it). Today one architecture is modelled, ARM 32-bit
 * (`arch/aarch32/`, the ARMv7 short-descriptor MMU); a second one goes beside it in its own
 * folder and is chosen here by `MachineConfig.arch`, so no other folder's logic changes.
 *
 * What an architecture supplies:
 * - its configuration and sizes (KernelSizes) and its object types with libsel4's numbers;
 * - object creation for its own types (seL4's Arch_createObject) and the global mappings a
 *   new VSpace root receives;
 * - its invocation families (decode/perform per arch cap type) and the finalisation of its caps;
 * - the walk of its paging structures (resolve, the leaf entry's slot), the descriptor codec,
 *   the TLB and the MMU, the VM root switch, the kernel window boot builds.
 */

// Configuration, sizes and object types.
export { AARCH32_DEFAULT_CONFIG as DEFAULT_CONFIG, aarch32Config as buildConfig, defaultFPU, type BuildOptions } from "./aarch32/config.ts";
export { AARCH32_SIZES } from "./aarch32/constants.ts";
export {
  FRAME_SIZE_BITS,
  FRAME_OBJECT_TYPE,
  OBJECT_TYPES,
  OBJECT_TYPE_COUNT,
  frameSizeOfType,
  objectTypeByNumber,
  objectTypeNumber,
  type ObjectTypeName,
} from "./aarch32/objectTypes.ts";
export { createObject, objectSizeBitsOfType } from "./aarch32/objects.ts";

// Invocations and finalisation of the architecture's caps.
export { AARCH32_FAMILIES as ARCH_FAMILIES, type Aarch32Invocation as ArchInvocation } from "./aarch32/invocations/index.ts";
export { isValidVTableRoot, VTABLE_ROOT_DESCRIPTION } from "./aarch32/invocations/guards.ts";
export { finaliseArchCap } from "./aarch32/finalise.ts";

// ASIDs, paging structures, the walk, the TLB and the MMU.
export { ASID_POOL_SIZE, ASID_TABLE_SIZE, findPDForASID } from "./aarch32/asid.ts";
export { decodePDE, decodePTE, encodePDE, encodePTE, type Entry, type PDE, type PTE, type PageAttributes } from "./aarch32/entries.ts";
export { copyGlobalMappings } from "./aarch32/globalMappings.ts";
export { listDirectory, listTable, resolve, type EntryRow, type ResolvedPage, type Unresolved } from "./aarch32/walk.ts";
export { GLOBAL_TLB_TAG } from "./aarch32/tlb.ts";
export { mmuTranslate } from "./aarch32/mmu.ts";
export { setVMRoot } from "./aarch32/vmRoot.ts";

// Boot: the kernel window.
export { buildKernelWindow, PPTR_TOP } from "./aarch32/kernelWindow.ts";

// Boot: the architecture's part of building the initial thread (seL4's arch boot code).
export {
  archGetNPaging,
  createItAddressSpace,
  createItASIDPool,
  createItFrameCap,
  KERNEL_PAGING_BYTES,
  mapItFrameCap,
  mapKernelWindow,
  modeReservedRegion,
  paddrTop,
  writeItASIDPool,
  type ItAddressSpace,
  type ItASIDPool,
  type VRegion,
} from "./aarch32/boot.ts";
export { seL4_PageBits } from "./aarch32/constants.ts";
