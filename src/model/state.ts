import type { ASID, HWASID, PhysAddr, PPtr, VirtAddr } from "./addresses.ts";
import type { Brand } from "./brand.ts";
import { PMap } from "./pmap.ts";
import type { Cap, VMRights } from "./caps.ts";
import type { KernelObject, TableEntries } from "./objects.ts";
import type { FrameSize } from "./caps.ts";

/** The physical address of a capability slot (a CTE): seL4's `cte_t *`, l4v's `PPtr CTE`. */
export type SlotAddr = Brand<number, "SlotAddr">;

/**
 * A capability table entry: the cap and its place in the capability derivation tree.
 * `original` is seL4's MDB `revocable` bit (l4v's "original cap"): caps made by Retype and
 * at boot are original; copies of most caps are not, and become children of an original.
 */
export interface CTE {
  readonly cap: Cap;
  readonly parent: SlotAddr | null;
  readonly original: boolean;
  /** where seL4's MDB list holds this cap (see MDBPosition) */
  readonly position: MDBPosition;
}

/**
 * A cap's place in seL4's mapping database, the doubly linked list the kernel walks when it
 * revokes. seL4 puts every new cap right after the cap it came from (cteInsert, Retype's
 * insertNewCap), a move takes over the old cap's place, and a delete unlinks one cap without
 * reordering the rest. So a place is fully described by the place it was inserted after and
 * the moment it was inserted: later inserts after the same place come first. capsim keeps the
 * derivation tree for its fast queries and this chain for seL4's order (comparePositions).
 */
export interface MDBPosition {
  /** the place this cap was inserted right after, or null for a cap boot wrote into its slot */
  readonly after: MDBPosition | null;
  /** the insertion's number, from KernelState.mdbStamp */
  readonly stamp: number;
}

/** Which generation of seL4's ARM VSpace API the simulated kernel implements. */
export type ApiGeneration = "current" | "legacy";

/**
 * log2 of the bytes of each kind of object and of a word, for one architecture and build
 * configuration (libsel4's seL4_*Bits). The architecture fills it in; the generic kernel
 * reads sizes only from here, so it never needs to know which architecture it runs on.
 */
export interface KernelSizes {
  readonly wordBits: number;
  readonly slotBits: number;
  readonly tcbBits: number;
  readonly endpointBits: number;
  readonly notificationBits: number;
  readonly pageTableBits: number;
  /** the root of an address space: ARM32's page directory (seL4_PageDirBits) */
  readonly vspaceRootBits: number;
  readonly asidPoolBits: number;
  readonly minUntypedBits: number;
  readonly maxUntypedBits: number;
  /** log2 of each frame size's bytes, for the sizes this architecture has (read it with frameSizeBits) */
  readonly frameBits: Readonly<Partial<Record<FrameSize, number>>>;
}

/**
 * log2 of the bytes of a frame of `size` under these sizes. A size the architecture lacks is
 * a capsim bug (no frame of that size can exist there), so it throws.
 */
export function frameSizeBits(sizes: KernelSizes, size: FrameSize): number {
  const bits = sizes.frameBits[size];
  if (bits === undefined) throw new Error(`capsim internal error: this architecture has no ${size} frames`);
  return bits;
}

/** The architectures capsim models. */
export type ArchName = "aarch32" | "aarch64";

/** The kernel's build-time configuration that the model depends on. */
export interface MachineConfig {
  readonly arch: ArchName;
  readonly sizes: KernelSizes;
  /**
   * current: seL4 16.0.0, whose VSpace API dates from 11.0.0 (Map also remaps, no Page_Remap,
   * the stale-mapping check of the cache operations is 16.0.0's) and whose object type numbers
   * from 13.0.0; legacy: seL4 10.1.1 (Page_Remap, 10.x's Map order and numbering).
   */
  readonly api: ApiGeneration;
  /** seL4_UserTop (USER_TOP, = PPTR_BASE): the first virtual address user mappings may not reach. */
  readonly userTop: VirtAddr;
}

/** One cached translation (a TLB line), tagged by hardware ASID unless global. */
export interface TLBEntry {
  /** the virtual base of the page this line translates */
  readonly vbase: VirtAddr;
  readonly pbase: PhysAddr;
  readonly size: FrameSize;
  readonly rights: VMRights;
  readonly executeNever: boolean;
  readonly cacheable: boolean;
  /** kernel-window lines are global: they match every hardware ASID */
  readonly global: boolean;
  /** the hardware ASID the line is tagged with (ignored when global) */
  readonly hwASID: HWASID;
}

/** What a table walk found for a page, as every architecture's resolve reports it. */
export interface WalkedPage {
  readonly vbase: VirtAddr;
  readonly frame: PhysAddr;
  readonly size: FrameSize;
  readonly rights: VMRights;
  readonly attributes: { readonly executeNever: boolean; readonly cacheable: boolean };
  readonly global: boolean;
}

/** The TLB line a walk fills for `page` under hardware ASID `hwASID`. */
export function tlbLineOf(page: WalkedPage, hwASID: HWASID): TLBEntry {
  return {
    vbase: page.vbase,
    pbase: page.frame,
    size: page.size,
    rights: page.rights,
    executeNever: page.attributes.executeNever,
    cacheable: page.attributes.cacheable,
    global: page.global,
    hwASID,
  };
}

/** The address space the MMU is using now: TTBR0 and CONTEXTIDR.ASID. */
export interface LoadedVSpace {
  readonly pd: PPtr<"VSpaceRoot">;
  readonly hwASID: HWASID;
}

/**
 * The whole simulated machine: kernel objects, capability slots and the ARM MMU state.
 * Every large store is a PMap (persistent, O(depth) updates); a transition replaces the
 * few stores it changes and shares the rest with the previous state.
 */
export interface KernelState {
  readonly config: MachineConfig;
  /** every live kernel object, by its physical address */
  readonly objects: PMap<PhysAddr, KernelObject>;
  /**
   * The descriptors of every live paging structure, keyed by tableKey (its address in KiB, the
   * smallest table alignment, so keys stay small and dense): kept apart from the records so
   * that a map or unmap writes one persistent path here and leaves the object store alone.
   * A table has its key from its creation to its deletion, however empty it is.
   */
  readonly tableEntries: PMap<number, TableEntries>;
  /** every non-null capability, by the physical address of its slot (CNode slots and TCB slots alike) */
  readonly ctes: PMap<SlotAddr, CTE>;
  /** how many caps have been inserted: the next MDBPosition's stamp */
  readonly mdbStamp: number;
  /** the capability derivation tree's child sets: parent slot -> its children's slots */
  readonly cdtChildren: PMap<SlotAddr, PMap<SlotAddr, true>>;
  /** how many caps name each object: lets isFinalCapability answer in O(depth) */
  readonly capCount: PMap<PhysAddr, number>;
  /** armKSASIDTable: ASID-table index (the high 7 bits of an ASID) -> ASID pool */
  readonly asidTable: PMap<number, PPtr<"ASIDPool">>;
  /** armKSHWASIDTable: hardware ASID -> the seL4 ASID using it */
  readonly hwASIDTable: PMap<HWASID, ASID>;
  /** armKSNextASID: the round-robin victim pointer for hardware-ASID stealing */
  readonly nextHWASID: HWASID;
  /** armKSASIDMap: seL4 ASID -> hardware ASID currently stored for it */
  readonly asidMap: PMap<ASID, HWASID>;
  /** the TLB: lines keyed by tlbKey (hardware ASID and virtual page number) */
  readonly tlb: PMap<number, TLBEntry>;
  /** physical memory contents by 4 KiB page number; an absent page reads as zero */
  readonly memory: PMap<number, Uint8Array>;
  /** armKSGlobalPD: the kernel's own page directory (null before boot builds one) */
  readonly globalPD: PPtr<"VSpaceRoot"> | null;
  /** the thread the kernel runs now (its TCB), or null */
  readonly currentThread: PhysAddr | null;
  /** what TTBR0/CONTEXTIDR hold now, or null before any address space is loaded */
  readonly loadedVSpace: LoadedVSpace | null;
}

/** A machine with no objects and no caps: what boot starts from. */
export function emptyKernelState(config: MachineConfig): KernelState {
  return {
    config,
    objects: PMap.empty(),
    tableEntries: PMap.empty(),
    ctes: PMap.empty(),
    mdbStamp: 0,
    cdtChildren: PMap.empty(),
    capCount: PMap.empty(),
    asidTable: PMap.empty(),
    hwASIDTable: PMap.empty(),
    nextHWASID: 0 as HWASID,
    asidMap: PMap.empty(),
    tlb: PMap.empty(),
    memory: PMap.empty(),
    globalPD: null,
    currentThread: null,
    loadedVSpace: null,
  };
}
