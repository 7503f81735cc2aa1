import type { ASID, PhysAddr, PPtr, VirtAddr } from "./addresses.ts";

/**
 * Capability records, one variant per seL4 cap type (include/object/structures.bf and its
 * ARM 32-bit part; l4v `SEL4/Object/Structures.lhs` and `.../ARM.lhs`). Fields keep
 * l4v's meaning; mapping information uses l4v's `Maybe (ASID, VPtr)` shape (`mapping`).
 */

/** The frame sizes of ARM 32-bit, smallest first (seL4's vm_page_size names). */
export const FRAME_SIZES = ["SmallPage", "LargePage", "Section", "SuperSection"] as const;
/** ARM 32-bit's frame sizes: 4 KiB, 64 KiB, 1 MiB, 16 MiB. */
export type Aarch32FrameSize = (typeof FRAME_SIZES)[number];
/** AArch64's frame sizes, smallest first (seL4's ARMSmallPage, ARMLargePage, ARMHugePage): 4 KiB, 2 MiB, 1 GiB. */
export const AARCH64_FRAME_SIZES = ["SmallPage", "LargePage", "HugePage"] as const;
export type Aarch64FrameSize = (typeof AARCH64_FRAME_SIZES)[number];
/**
 * A frame size name of any architecture. A name does not fix a size: a LargePage is 64 KiB on
 * ARM32 and 2 MiB on AArch64, so bytes come from the configuration (`frameSizeBits`).
 */
export type FrameSize = Aarch32FrameSize | Aarch64FrameSize;

/** seL4_CapRights: the rights word of endpoint-like caps and the mask of Copy/Mint/Map. */
export interface CapRights {
  readonly read: boolean;
  readonly write: boolean;
  readonly grant: boolean;
  readonly grantReply: boolean;
}

export const ALL_RIGHTS: CapRights = {
  read: true,
  write: true,
  grant: true,
  grantReply: true,
};

/** The seL4_CapRights word: bit0 write, bit1 read, bit2 grant, bit3 grant-reply. */
export function capRightsFromWord(w: number): CapRights {
  return {
    write: (w & 1) !== 0,
    read: (w & 2) !== 0,
    grant: (w & 4) !== 0,
    grantReply: (w & 8) !== 0,
  };
}

/** The seL4_CapRights word of a rights record. */
export function wordFromCapRights(r: CapRights): number {
  return (r.write ? 1 : 0) | (r.read ? 2 : 0) | (r.grant ? 4 : 0) | (r.grantReply ? 8 : 0);
}

/** The rights a frame cap grants to its mappings (seL4 `vm_rights`; AArch64 has no VMNoAccess). */
export type VMRights = "VMNoAccess" | "VMKernelOnly" | "VMReadOnly" | "VMReadWrite";

/** Where a frame or page table is mapped: l4v's `capVPMappedAddress` / `capPTMappedAddress`. */
export interface MappingRecord {
  readonly asid: ASID;
  readonly vaddr: VirtAddr;
}

export interface NullCap {
  readonly type: "Null";
}
export interface UntypedCap {
  readonly type: "Untyped";
  readonly paddr: PhysAddr;
  readonly sizeBits: number;
  readonly isDevice: boolean;
  /** Bytes from the start of the region that are (or may be) in use: seL4's capFreeIndex, in bytes. */
  readonly freeIndex: number;
}
export interface CNodeCap {
  readonly type: "CNode";
  readonly paddr: PhysAddr;
  readonly radixBits: number;
  readonly guardSize: number;
  readonly guard: number;
}
export interface TCBCap {
  readonly type: "TCB";
  readonly paddr: PhysAddr;
}
export interface EndpointCap {
  readonly type: "Endpoint";
  readonly paddr: PhysAddr;
  readonly badge: number;
  readonly rights: CapRights;
}
export interface NotificationCap {
  readonly type: "Notification";
  readonly paddr: PhysAddr;
  readonly badge: number;
  readonly rights: CapRights;
}
export interface FrameCap {
  readonly type: "Frame";
  readonly paddr: PPtr<"Frame">;
  readonly size: FrameSize;
  readonly vmRights: VMRights;
  readonly isDevice: boolean;
  /** The one mapping this cap tracks (null when unmapped: seL4's mapped ASID 0). */
  readonly mapping: MappingRecord | null;
}
/**
 * A frame cap with its mapping record replaced. Field by field rather than a spread: every
 * frame cap then has one shape, which keeps the map/unmap path monomorphic (README, Performance).
 */
export function frameCapWithMapping(cap: FrameCap, mapping: MappingRecord | null): FrameCap {
  return {
    type: "Frame",
    paddr: cap.paddr,
    size: cap.size,
    vmRights: cap.vmRights,
    isDevice: cap.isDevice,
    mapping,
  };
}
export interface PageTableCap {
  readonly type: "PageTable";
  readonly paddr: PPtr<"PageTable">;
  /** Where the table is mapped; the vaddr is the 1 MiB-aligned base of its directory slot. */
  readonly mapping: MappingRecord | null;
}
export interface PageDirectoryCap {
  readonly type: "PageDirectory";
  readonly paddr: PPtr<"VSpaceRoot">;
  /** The ASID assigned to this directory (seL4's capPDIsMapped / capPDMappedASID), or null. */
  readonly mappedASID: ASID | null;
}
/**
 * AArch64's VSpace root (seL4's vspace_cap): the level-0 table. A cap type of its own rather than
 * ARM32's PageDirectory cap, as in seL4, so that output and checks name what the kernel names;
 * the shape is the same (the ASID ASIDPool_Assign gave it, or null).
 */
export interface VSpaceCap {
  readonly type: "VSpace";
  readonly paddr: PPtr<"VSpaceRoot">;
  /** capVSIsMapped / capVSMappedASID: the ASID assigned to this VSpace, or null */
  readonly mappedASID: ASID | null;
}
export interface ASIDControlCap {
  readonly type: "ASIDControl";
}
/**
 * seL4's IRQ control cap (boot puts it in slot 4): it names no object. capsim models no
 * interrupts, so its invocations answer "not modelled"; deriving it gives the null cap, so it
 * cannot be copied (seL4's deriveCap).
 */
export interface IRQControlCap {
  readonly type: "IRQControl";
}
/** seL4's domain cap (boot puts it in slot 11): it names no object; it derives as itself. */
export interface DomainCap {
  readonly type: "Domain";
}
export interface ASIDPoolCap {
  readonly type: "ASIDPool";
  readonly paddr: PPtr<"ASIDPool">;
  /** The first ASID of the pool: its ASID-table index << 10. */
  readonly asidBase: ASID;
}

export type Cap =
  | NullCap
  | UntypedCap
  | CNodeCap
  | TCBCap
  | EndpointCap
  | NotificationCap
  | FrameCap
  | PageTableCap
  | PageDirectoryCap
  | VSpaceCap
  | ASIDControlCap
  | ASIDPoolCap
  | IRQControlCap
  | DomainCap;

export type CapType = Cap["type"];
export type CapOfType<T extends CapType> = Extract<Cap, { type: T }>;

export const NULL_CAP: NullCap = { type: "Null" };

/** The caps that name no memory at all: the null cap and the global control caps. */
export type ObjectlessCap = NullCap | ASIDControlCap | IRQControlCap | DomainCap;

/** Whether a cap names no memory (so it has no paddr). */
export function isObjectlessCap(cap: Cap): cap is ObjectlessCap {
  return cap.type === "Null" || cap.type === "ASIDControl" || cap.type === "IRQControl" || cap.type === "Domain";
}

/** The physical address of the object a cap names, or undefined for caps that name none. */
export function capObjectAddress(cap: Cap): PhysAddr | undefined {
  switch (cap.type) {
    case "Null":
    case "ASIDControl":
    case "IRQControl":
    case "Domain":
    case "Untyped":
      return undefined;
    default:
      return cap.paddr;
  }
}
