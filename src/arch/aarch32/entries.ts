import type { PhysAddr, PPtr } from "../../model/addresses.ts";
import type { VMRights } from "../../model/caps.ts";
import type { FrameSize } from "../../model/caps.ts";

/**
 * The entry model. Paging structures hold the 32-bit ARMv7 short-descriptor words the MMU
 * reads (seL4 structures.bf `pde` and `pte`); this module is the one place that turns a word
 * into exactly one of Invalid, Table or Page, and back. Descriptors are 32-bit hardware
 * words, so plain 32-bit bit operations (with `>>> 0` to stay unsigned) are exact here.
 */

/** The memory attributes of a mapping (seL4_ARM_VMAttributes). */
export interface PageAttributes {
  readonly cacheable: boolean;
  /** the P (ECC) bit: held by section-sized entries and page-table pointers only */
  readonly parityEnabled: boolean;
  readonly executeNever: boolean;
}

export interface InvalidEntry {
  readonly kind: "Invalid";
}

/** A page-directory entry that points at a page table (seL4's pde_coarse). */
export interface TableEntry {
  readonly kind: "Table";
  readonly paddr: PPtr<"PageTable">;
  readonly parityEnabled: boolean;
}

/** An entry that maps a frame of one of the sizes its level can hold. */
export interface PageEntry<S extends FrameSize = FrameSize> {
  readonly kind: "Page";
  readonly size: S;
  readonly paddr: PhysAddr;
  readonly rights: VMRights;
  readonly attributes: PageAttributes;
  /** kernel-window entries are global (nG = 0); user entries are not */
  readonly global: boolean;
}

/** The sizes a page-directory entry maps (pde_section, with the supersection bit or not). */
export type PDFrameSize = "Section" | "SuperSection";
/** The sizes a page-table entry maps (pte_small and pte_large). */
export type PTFrameSize = "SmallPage" | "LargePage";

/** A page-directory entry: seL4's pde_t. A directory can hold a table pointer, a table cannot. */
export type PDE = InvalidEntry | TableEntry | PageEntry<PDFrameSize>;
/** A page-table entry: seL4's pte_t. */
export type PTE = InvalidEntry | PageEntry<PTFrameSize>;
/** An entry of either level. */
export type Entry = PDE | PTE;

export const INVALID_ENTRY: InvalidEntry = { kind: "Invalid" };

/** seL4_ARM_VMAttributes word: bit 0 PageCacheable, bit 1 ParityEnabled, bit 2 ExecuteNever. */
export function attributesFromWord(w: number): PageAttributes {
  return {
    cacheable: (w & 1) !== 0,
    parityEnabled: (w & 2) !== 0,
    executeNever: (w & 4) !== 0,
  };
}

const AP_OF: Readonly<Record<VMRights, number>> = {
  VMNoAccess: 0,
  VMKernelOnly: 1,
  VMReadOnly: 2,
  VMReadWrite: 3,
};
const RIGHTS_OF: readonly VMRights[] = ["VMNoAccess", "VMKernelOnly", "VMReadOnly", "VMReadWrite"];

// Memory type (seL4 makeUserPDE/PTE): cacheable is TEX=0b101 with B=1 (write-back), otherwise
// strongly ordered (TEX=0, C=0, B=0) and shareable.
const CACHEABLE_TEX = 5;

/** Decode a page-directory word (the walk's first level). */
export function decodePDE(word: number): PDE {
  const w = word >>> 0;
  switch (w & 3) {
    case 1:
      return {
        kind: "Table",
        paddr: ((w & 0xfffffc00) >>> 0) as PPtr<"PageTable">,
        parityEnabled: ((w >>> 9) & 1) === 1,
      };
    case 2: {
      const superSection = ((w >>> 18) & 1) === 1;
      const tex = (w >>> 12) & 7;
      return {
        kind: "Page",
        size: superSection ? "SuperSection" : "Section",
        paddr: ((superSection ? w & 0xff000000 : w & 0xfff00000) >>> 0) as PhysAddr,
        rights: RIGHTS_OF[(w >>> 10) & 3] as VMRights,
        attributes: {
          cacheable: tex === CACHEABLE_TEX && (w & 4) !== 0,
          parityEnabled: ((w >>> 9) & 1) === 1,
          executeNever: ((w >>> 4) & 1) === 1,
        },
        global: ((w >>> 17) & 1) === 0,
      };
    }
    default:
      // 0 is invalid; 3 is reserved and never written. An invalid word with the stored-hardware-ASID
      // bits (slot 4080) is still invalid to the walk.
      return INVALID_ENTRY;
  }
}

/** Decode a page-table word (the walk's second level). */
export function decodePTE(word: number): PTE {
  const w = word >>> 0;
  if ((w & 2) !== 0) {
    const tex = (w >>> 6) & 7;
    return {
      kind: "Page",
      size: "SmallPage",
      paddr: ((w & 0xfffff000) >>> 0) as PhysAddr,
      rights: RIGHTS_OF[(w >>> 4) & 3] as VMRights,
      attributes: {
        cacheable: tex === CACHEABLE_TEX && (w & 4) !== 0,
        parityEnabled: false,
        executeNever: (w & 1) === 1,
      },
      global: ((w >>> 11) & 1) === 0,
    };
  }
  if ((w & 1) !== 0) {
    const tex = (w >>> 12) & 7;
    return {
      kind: "Page",
      size: "LargePage",
      paddr: ((w & 0xffff0000) >>> 0) as PhysAddr,
      rights: RIGHTS_OF[(w >>> 4) & 3] as VMRights,
      attributes: {
        cacheable: tex === CACHEABLE_TEX && (w & 4) !== 0,
        parityEnabled: false,
        executeNever: ((w >>> 15) & 1) === 1,
      },
      global: ((w >>> 11) & 1) === 0,
    };
  }
  return INVALID_ENTRY;
}

/** seL4's makeUserPDE (and the kernel window's global sections): encode a directory entry. */
export function encodePDE(e: PDE): number {
  switch (e.kind) {
    case "Invalid":
      return 0;
    case "Table":
      return ((e.paddr & 0xfffffc00) | (e.parityEnabled ? 1 << 9 : 0) | 1) >>> 0;
    case "Page": {
      const a = e.attributes;
      const mem = a.cacheable ? (CACHEABLE_TEX << 12) | (1 << 2) : 1 << 16;
      return (
        ((e.size === "SuperSection" ? (e.paddr & 0xff000000) | (1 << 18) : e.paddr & 0xfff00000) |
          (e.global ? 0 : 1 << 17) |
          mem |
          (AP_OF[e.rights] << 10) |
          (a.parityEnabled ? 1 << 9 : 0) |
          (a.executeNever ? 1 << 4 : 0) |
          2) >>>
        0
      );
    }
  }
}

/** seL4's makeUserPTE: encode a page-table entry (small and large pages have no parity bit). */
export function encodePTE(e: PTE): number {
  switch (e.kind) {
    case "Invalid":
      return 0;
    case "Page": {
      const a = e.attributes;
      const ng = e.global ? 0 : 1 << 11;
      const ap = AP_OF[e.rights] << 4;
      if (e.size === "SmallPage") {
        const mem = a.cacheable ? (CACHEABLE_TEX << 6) | (1 << 2) : 1 << 10;
        return ((e.paddr & 0xfffff000) | ng | mem | ap | 2 | (a.executeNever ? 1 : 0)) >>> 0;
      }
      const mem = a.cacheable ? (CACHEABLE_TEX << 12) | (1 << 2) : 1 << 10;
      return ((e.paddr & 0xffff0000) | (a.executeNever ? 1 << 15 : 0) | ng | mem | ap | 1) >>> 0;
    }
  }
}
