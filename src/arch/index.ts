/**
 * The architecture interface: everything outside `src/arch/` reaches an architecture only
 * through this module (a test checks it). Two architectures sit beside each other: ARM 32-bit
 * (`arch/aarch32/`, the ARMv7 short-descriptor MMU) and AArch64 (`arch/aarch64/`, VMSAv8-64
 * with a 4 KiB granule). Code that serves both reaches an architecture through `archOf(config)`,
 * which picks the record of `MachineConfig.arch`; the named exports further down are ARM32's
 * own and serve ARM32-only tooling (the invariants, `show`, the ARM32 boot).
 *
 * What an architecture supplies:
 * - its configuration and sizes (KernelSizes) and its object types with libsel4's numbers;
 * - object creation for its own types (seL4's Arch_createObject) and the global mappings a
 *   new VSpace root receives;
 * - its invocation families (decode/perform per arch cap type) and the finalisation of its caps;
 * - the walk of its paging structures (resolve, the leaf entry's slot), the descriptor codec,
 *   the TLB and the MMU, the VM root switch, the kernel window boot builds.
 */

import { hex, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import {
  listDirectory,
  listTable,
  resolve,
  type EntryRow,
  type ResolvedPage,
  type Unresolved,
} from "./aarch32/walk.ts";
import type { Cap, FrameCap, FrameSize } from "../model/caps.ts";
import type { FamilyTable } from "../model/family.ts";
import type { AnyObjectTypeName } from "../model/objectTypes.ts";
import type { ApiGeneration, ArchName, KernelSizes, KernelState, MachineConfig, SlotAddr } from "../model/state.ts";
import type { MutableState } from "../model/transition.ts";
import type { NewObject } from "../kernel/create.ts";
import * as a32 from "./aarch32/index.ts";
import * as a64 from "./aarch64/index.ts";
import type { VRegion } from "./aarch32/boot.ts";
import type { ArchTeaching } from "../model/teaching.ts";
import { AARCH32_TEACHING } from "./aarch32/teaching.ts";
import { AARCH64_TEACHING } from "./aarch64/teaching.ts";

/** Every decoded invocation of an architecture's caps (the trace format of a reply). */
export type ArchInvocation = a32.Aarch32Invocation | a64.Aarch64Invocation;

/**
 * What generic code (Retype, TCB_SetSpace, finalisation, thread switch) asks of the running
 * architecture: seL4's Arch_* entry points. One record per architecture, chosen by
 * `archOf(config)`; a lookup of one property, so ARM32's hot path pays nothing measurable.
 */
export interface Arch {
  readonly name: ArchName;
  /** the object types in the current API's numbering (seL4_ObjectType) */
  readonly objectTypes: readonly AnyObjectTypeName[];
  /** libsel4's deprecated names of some of them (deprecated.h), each naming the type it stands for */
  readonly objectTypeAliases: Readonly<Record<string, AnyObjectTypeName>>;
  /** seL4_ObjectTypeCount: Retype refuses numbers at or above it (InvalidArgument 0) */
  readonly objectTypeCount: number;
  objectTypeByNumber(n: number, api: ApiGeneration): AnyObjectTypeName | undefined;
  /** the libsel4 number of a type, or -1 when this architecture has no such type */
  objectTypeNumber(t: AnyObjectTypeName, api: ApiGeneration): number;
  /** getObjectSize with Arch_getObjectSize */
  objectSizeBitsOfType(sizes: KernelSizes, t: AnyObjectTypeName, userSize: number): number;
  /** createObject with Arch_createObject */
  createObject(s: KernelState, t: AnyObjectTypeName, paddr: PhysAddr, userSize: number, isDevice: boolean): NewObject;
  /** the frame size a type makes, or undefined when it makes no frame */
  frameSizeOfType(t: AnyObjectTypeName): FrameSize | undefined;
  /** decodeARMMMUInvocation: the decoder of each of its cap types */
  readonly families: FamilyTable<ArchInvocation>;
  /** isValidVTableRoot */
  isValidVTableRoot(cap: Cap): boolean;
  /** what isValidVTableRoot asks for, in words */
  readonly vtableRootDescription: string;
  /** Arch_finaliseCap for its caps */
  finaliseArchCap(s: MutableState, cap: Cap, slot: SlotAddr, isFinal: boolean): void;
  /** setVMRoot: load the address space of `tcb` (or the fallback root when it has none) */
  setVMRoot(s: MutableState, tcb: PhysAddr | null): void;
  /** the cap types whose finalisation is the architecture's (the ones its families decode) */
  readonly capTypes: readonly Cap["type"][];
}

const ARCHES: Readonly<Record<ArchName, Arch>> = {
  aarch32: a32.AARCH32_ARCH,
  aarch64: a64.AARCH64_ARCH,
};

/** The architecture a machine runs: the record of `config.arch`. */
export function archOf(config: MachineConfig): Arch {
  return ARCHES[config.arch];
}

/**
 * The architecture's part of building the initial thread (seL4's arch boot code), which the
 * generic steps of src/boot/rootserver.ts call in seL4's order. Each returns caps rather than
 * writing slots: which slot each cap gets is the generic boot's business.
 */
export interface ArchBoot {
  /** arch_get_n_paging: how many page tables the initial thread's range needs */
  archGetNPaging(itVReg: VRegion): number;
  /** create_it_address_space: the VSpace root (assigned IT_ASID) and its page tables, in slot order */
  createItAddressSpace(
    s: MutableState,
    vspace: PhysAddr,
    paging: readonly PhysAddr[],
    itVReg: VRegion | null,
  ): { readonly vspaceCap: Cap; readonly pagingCaps: readonly Cap[] };
  /** create_it_frame_cap: a 4 KiB frame recorded as mapped in IT_ASID */
  createItFrameCap(s: MutableState, pptr: PhysAddr, vptr: VirtAddr): FrameCap;
  /** map_it_frame_cap: its entry in the initial VSpace */
  mapItFrameCap(s: MutableState, vspace: PhysAddr, cap: FrameCap, executable: boolean): void;
  /** create_it_asid_pool: the initial pool and ASID control */
  createItASIDPool(s: MutableState, pool: PhysAddr): { readonly asidPoolCap: Cap; readonly asidControlCap: Cap };
  /** write_it_asid_pool */
  writeItASIDPool(s: MutableState, pool: PhysAddr, vspace: PhysAddr): void;
}

const ARCH_BOOTS: Readonly<Record<ArchName, ArchBoot>> = {
  aarch32: a32.AARCH32_BOOT,
  aarch64: a64.AARCH64_BOOT,
};

/** The boot code of the architecture a machine runs. */
export function archBootOf(config: MachineConfig): ArchBoot {
  return ARCH_BOOTS[config.arch];
}

/** The object type libsel4 names `name` on this machine's architecture, aliases included; undefined if none. */
export function objectTypeNamed(config: MachineConfig, name: string): AnyObjectTypeName | undefined {
  const arch = archOf(config);
  const own = arch.objectTypes.find((t) => t === name);
  if (own !== undefined) return own;
  return Object.hasOwn(arch.objectTypeAliases, name) ? arch.objectTypeAliases[name] : undefined;
}

/** Every name of an object type on this machine's architecture: libsel4's names, then its aliases. */
export function objectTypeNames(config: MachineConfig): readonly string[] {
  const arch = archOf(config);
  return [...arch.objectTypes, ...Object.keys(arch.objectTypeAliases)];
}

const TEACHING: Readonly<Record<ArchName, ArchTeaching>> = {
  aarch32: AARCH32_TEACHING,
  aarch64: AARCH64_TEACHING,
};

/** The architecture's part of the teaching views (src/views/): address split, walk, descriptor fields. */
export function teachingOf(config: MachineConfig): ArchTeaching {
  return TEACHING[config.arch];
}

/** The default configuration of each architecture. */
export const DEFAULT_CONFIGS: Readonly<Record<ArchName, MachineConfig>> = {
  aarch32: a32.AARCH32_DEFAULT_CONFIG,
  aarch64: a64.AARCH64_DEFAULT_CONFIG,
};

// ARM32's own exports, for ARM32-only tooling.
// Configuration, sizes and object types.
export {
  AARCH32_DEFAULT_CONFIG as DEFAULT_CONFIG,
  aarch32Config as buildConfig,
  defaultFPU,
  type BuildOptions,
} from "./aarch32/config.ts";
export { AARCH32_SIZES } from "./aarch32/constants.ts";
export {
  FRAME_SIZE_BITS,
  frameBits,
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
export { isValidVTableRoot, VTABLE_ROOT_DESCRIPTION } from "./aarch32/invocations/guards.ts";
export { finaliseArchCap } from "./aarch32/finalise.ts";

// ASIDs, paging structures, the walk, the TLB and the MMU.
export { ASID_POOL_SIZE, ASID_TABLE_SIZE, findPDForASID } from "./aarch32/asid.ts";
export {
  decodePDE,
  decodePTE,
  encodePDE,
  encodePTE,
  type Entry,
  type PDE,
  type PTE,
  type PageAttributes,
} from "./aarch32/entries.ts";
export { copyGlobalMappings } from "./aarch32/globalMappings.ts";
export { listDirectory, listTable, resolve, type EntryRow, type ResolvedPage, type Unresolved };
export { GLOBAL_TLB_TAG } from "./aarch32/tlb.ts";
/*
 * The package's resolve, listDirectory and listTable (src/index.ts) take an address of any kind, a
 * caller's number, and check what lives there first; capsim's own code passes typed pointers.
 */
/** `resolve` from whatever `pd` holds: where no page directory lives, nothing is mapped (the first entry read is invalid). */
export function resolveFrom(s: KernelState, pd: PhysAddr, vaddr: VirtAddr): ResolvedPage | Unresolved {
  const o = s.objects.get(pd);
  return o?.type === "PageDirectory" ? resolve(s, o.paddr, vaddr) : { mapped: false, level: "PageDirectory" };
}
/** `listDirectory` of the page directory at `pd`; a RangeError when none lives there. */
export function listDirectoryAt(s: KernelState, pd: PhysAddr): EntryRow[] {
  const o = s.objects.get(pd);
  if (o?.type !== "PageDirectory") throw new RangeError(`no page directory lives at ${hex(pd)}`);
  return listDirectory(s, o.paddr);
}
/** `listTable` of the page table at `pt`; a RangeError when none lives there. */
export function listTableAt(s: KernelState, pt: PhysAddr): EntryRow[] {
  const o = s.objects.get(pt);
  if (o?.type !== "PageTable") throw new RangeError(`no ARM32 page table lives at ${hex(pt)}`);
  return listTable(s, o.paddr);
}

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

// AArch64's own exports, for the AArch64 boot and tooling.
export { AARCH64_DEFAULT_CONFIG } from "./aarch64/config.ts";
export { AARCH64_HYPERVISOR_REFUSAL, AARCH64_LEGACY_REFUSAL } from "./aarch64/config.ts";
export { seL4_UserTop as AARCH64_USER_TOP } from "./aarch64/constants.ts";
export {
  KERNEL_PAGING_BYTES as AARCH64_KERNEL_PAGING_BYTES,
  mapKernelWindow as aarch64MapKernelWindow,
  PADDR_TOP as AARCH64_PADDR_TOP,
  PADDR_USER_DEVICE_TOP as AARCH64_PADDR_USER_DEVICE_TOP,
} from "./aarch64/boot.ts";
export { findVSpaceForASID } from "./aarch64/asid.ts";
export {
  resolve as resolveAarch64,
  listTable as listTableAarch64,
  tableLevel as aarch64TableLevel,
  walkVSpace,
  type VSpaceRow,
} from "./aarch64/walk.ts";
export { decodePTE as decodePTE64, type PTE as PTE64, type Level as Aarch64Level } from "./aarch64/entries.ts";
export { translateUserAccess as translateUserAccessAarch64, dataAbortESR } from "./aarch64/mmu.ts";
export {
  kernelTablesOf as aarch64KernelTablesOf,
  kernelTranslate as aarch64KernelTranslate,
  ptrFromPAddr as aarch64PtrFromPAddr,
  PPTR_BASE as AARCH64_PPTR_BASE,
} from "./aarch64/kernelWindow.ts";

// AArch64's facts for tooling (the invariants, the fuzz world, the benchmark), as one namespace.
export * as aarch64 from "./aarch64/tooling.ts";
