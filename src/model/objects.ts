import type { PhysAddr, PPtr, VirtAddr } from "./addresses.ts";
import type { PMap } from "./pmap.ts";
import type { FrameSize } from "./caps.ts";
import type { Brand } from "./brand.ts";

/**
 * The kernel objects that live in the object store, each at its physical address.
 *
 * Records are immutable. A paging structure's record holds only its type and address: its
 * descriptors live in `KernelState.tableEntries` (read them with `entriesOf`), so that writing
 * a descriptor copies one persistent path (that table's words) rather than also a new record
 * and its path in the object store. Those words are sparse: only the slots whose hardware
 * descriptor is not the all-zero invalid word are kept, keyed by slot index, so a new page
 * directory costs nothing for its 4096 empty slots. They are the words the MMU would read;
 * each architecture's `entries.ts` is the one place that decodes them.
 *
 * Untyped memory is not an object record: as in seL4, an untyped region exists only through
 * its capabilities (which carry the region and its free index), and the objects retyped
 * from it are the records here.
 */
export interface CNodeObject {
  readonly type: "CNode";
  readonly paddr: PhysAddr;
  /** log2 of the number of slots. The slots themselves are CTEs in `KernelState.ctes`. */
  readonly radixBits: number;
}

export interface TCBObject {
  readonly type: "TCB";
  readonly paddr: PhysAddr;
  /** tcbIPCBuffer: the IPC buffer's user virtual address. */
  readonly ipcBuffer: VirtAddr;
}

export interface EndpointObject {
  readonly type: "Endpoint";
  readonly paddr: PhysAddr;
}

export interface NotificationObject {
  readonly type: "Notification";
  readonly paddr: PhysAddr;
}

/** A 16 KiB ARM page directory: 4096 descriptors, each for 1 MiB of virtual space. */
export interface PageDirectoryObject {
  readonly type: "PageDirectory";
  readonly paddr: PPtr<"VSpaceRoot">;
}

/** A 1 KiB ARM page table: 256 descriptors, each for 4 KiB of virtual space. */
export interface PageTableObject {
  readonly type: "PageTable";
  readonly paddr: PPtr<"PageTable">;
}

/**
 * An AArch64 descriptor word: 64 bits, held as a bigint so that no bit is ever rounded away
 * (a JS number keeps only 53). The brand keeps other bigints out of paging structures;
 * `arch/aarch64/entries.ts` is the only place that makes or reads one.
 */
export type PTEWord = Brand<bigint, "PTEWord">;

/** AArch64's VSpace root (level 0): 512 descriptors of 8 bytes, each for 512 GiB. */
export interface VSpaceObject {
  readonly type: "VSpace";
  readonly paddr: PPtr<"VSpaceRoot">;
}

/**
 * AArch64's page table: 512 descriptors of 8 bytes. One object type serves levels 1, 2 and 3
 * (seL4 13.0.0 on); the level is where PageTable_Map put it, not a property of the object.
 * Named apart from ARM32's PageTable record because its words are 64-bit.
 */
export interface PageTable64Object {
  readonly type: "PageTable64";
  readonly paddr: PPtr<"PageTable">;
}

/** A frame of physical memory that can be mapped. Its contents are physical memory. */
export interface FrameObject {
  readonly type: "Frame";
  readonly paddr: PPtr<"Frame">;
  readonly size: FrameSize;
  readonly isDevice: boolean;
}

/** A 4 KiB ASID pool: 1024 entries, each empty or naming a page directory. */
export interface ASIDPoolObject {
  readonly type: "ASIDPool";
  readonly paddr: PPtr<"ASIDPool">;
  /** index (the low 10 bits of an ASID) -> page directory */
  readonly entries: PMap<number, PPtr<"VSpaceRoot">>;
}

/** ARM32's paging structures, whose descriptors are 32-bit words held as numbers. */
export type Table32Object = PageDirectoryObject | PageTableObject;

/** AArch64's paging structures, whose descriptors are 64-bit PTEWords. */
export type Table64Object = VSpaceObject | PageTable64Object;

/** Every paging structure: the objects with an entry in `KernelState.tableEntries`. */
export type TableObject = Table32Object | Table64Object;

/** An ARM32 table's descriptors: slot index -> raw word (only non-zero words are stored). */
export type TableEntries32 = PMap<number, number>;

/** An AArch64 table's descriptors: slot index -> word (only non-zero words are stored). */
export type TableEntries64 = PMap<number, PTEWord>;

/** One table's descriptors, of either architecture. */
export type TableEntries = TableEntries32 | TableEntries64;

export type KernelObject =
  | CNodeObject
  | TCBObject
  | EndpointObject
  | NotificationObject
  | PageDirectoryObject
  | PageTableObject
  | VSpaceObject
  | PageTable64Object
  | FrameObject
  | ASIDPoolObject;

export type KernelObjectType = KernelObject["type"];

/** The object record of a given type. */
export type ObjectOfType<T extends KernelObjectType> = Extract<KernelObject, { type: T }>;
