import { bitField, hex, type ASID, type PhysAddr, type PPtr, type VirtAddr } from "./addresses.ts";
import type { KernelObject } from "./objects.ts";
import type { KernelState } from "./state.ts";

/**
 * What an architecture tells the teaching views (src/views/): how it splits a virtual address,
 * how its walk reads entry after entry, what each bit of a descriptor means and which seL4
 * attribute or right put it there. Plain JSON-able data throughout, so the CLI prints it and
 * the web page draws it from the same records. Descriptor words are given as hex strings, since
 * AArch64's are 64 bits wide.
 */

/** A run of bits of an address or a descriptor, hi..lo inclusive. */
export interface BitField {
  readonly name: string;
  readonly hi: number;
  readonly lo: number;
  /** the field's value (an address field keeps its bits in place: the base it names) */
  readonly value: number;
  /** what the value means, in words */
  readonly meaning: string;
  /** the seL4 attribute, right or cap field this value came from, when one did */
  readonly from?: string;
}

/** One way the MMU can read an address: the fields it takes and the page size it ends in. */
export interface AddressForm {
  /** the frame size this form maps (SmallPage, Section, ...) */
  readonly form: string;
  readonly pageBytes: number;
  readonly fields: readonly BitField[];
}

/** One descriptor word, decoded field by field. */
export interface DescriptorView {
  /** the structure holding it (PageDirectory, PageTable, VSpace, PageTable at level N) */
  readonly structure: string;
  readonly word: string;
  /** Invalid, Table, or the frame size it maps */
  readonly kind: string;
  /** the entry in short, as `show` prints it: "SmallPage @0x1000 ReadWrite XN" */
  readonly summary: string;
  /** the entry in plain words, as the page's grids print it: "4K page -> 0x1000, RW, XN, cacheable" */
  readonly words: string;
  readonly fields: readonly BitField[];
  /** what a valid entry points at: the next table, or the frame's base */
  readonly target?: PhysAddr;
}

/** One entry the walk read. */
export interface WalkEntry {
  /** the structure read: its name and ARM level (ARM32: 1 the directory, 2 the table; AArch64: 0..3) */
  readonly structure: string;
  readonly level: number;
  readonly table: PhysAddr;
  readonly index: number;
  /** the kernel-physical address of the entry */
  readonly slot: PhysAddr;
  readonly descriptor: DescriptorView;
}

/** How the walk ended: the translation, or the fault and why. */
export type WalkEnd =
  | {
      readonly kind: "translation";
      readonly paddr: PhysAddr;
      readonly frame: PhysAddr;
      readonly vbase: VirtAddr;
      readonly size: string;
      readonly pageBytes: number;
      readonly rights: string;
      readonly executeNever: boolean;
      readonly cacheable: boolean;
      readonly global: boolean;
    }
  | {
      readonly kind: "fault";
      /** the structure whose entry was invalid */
      readonly structure: string;
      readonly level: number;
      readonly reason: string;
    };

/** The walk of one address, entry by entry. */
export interface WalkView {
  readonly vaddr: VirtAddr;
  readonly root: PhysAddr;
  readonly entries: readonly WalkEntry[];
  readonly end: WalkEnd;
}

/** A table pointer or mapping an entry holds, for the views that follow the tables. */
export interface EntryLink {
  readonly index: number;
  /** how many consecutive slots hold it (16 for ARM32's large pages and supersections) */
  readonly count: number;
  readonly kind: "Table" | "Page";
  readonly paddr: PhysAddr;
  /** the first virtual address the entry covers, as an offset inside the table's span */
  readonly vaddrOffset: number;
}

/** The architecture's part of the teaching views. */
/** Where a walk that ends in a page lands: the frame, its size and the page's virtual base. */
export interface MappedPage {
  readonly frame: PhysAddr;
  readonly size: string;
  readonly vbase: VirtAddr;
}

export interface ArchTeaching {
  /** the forms an address can be read in (ARM32: page, large page, section, supersection) */
  addressForms(v: VirtAddr): readonly AddressForm[];
  /** the walk from a VSpace root, entry by entry */
  walk(s: KernelState, root: PPtr<"VSpaceRoot">, v: VirtAddr): WalkView;
  /** the page the walk ends in (the architecture's resolve), or undefined at a fault: walk's end without its descriptors */
  pageAt(s: KernelState, root: PPtr<"VSpaceRoot">, v: VirtAddr): MappedPage | undefined;
  /** the descriptor at one slot of a paging structure, decoded */
  describeEntry(s: KernelState, table: PhysAddr, index: number, level: number): DescriptorView;
  /** whether an object is one of its paging structures, and at which level a root sits */
  isPagingStructure(o: KernelObject): boolean;
  isRoot(o: KernelObject): boolean;
  /** the valid entries of a paging structure read at `level`: table pointers and mappings */
  links(s: KernelState, table: PhysAddr, level: number): readonly EntryLink[];
  /** the level of a VSpace root (ARM32: 1, the page directory; AArch64: 0) */
  readonly rootLevel: number;
  /** the bits of virtual space one entry of a structure at `level` covers */
  spanBits(level: number): number;
  /** the VSpace root an ASID names (findPDForASID / findVSpaceForASID), or undefined */
  rootForASID(s: KernelState, a: ASID): PPtr<"VSpaceRoot"> | undefined;
  /** ASIDs per pool */
  readonly asidPoolSize: number;
  /** what seL4 calls a VSpace root here, in words ("page directory", "VSpace") */
  readonly rootName: string;
  /** the deepest level, whose entries map only pages (ARM32: 2; AArch64: 3) */
  readonly leafLevel: number;
  /** how many entries a structure at `level` holds */
  entriesAt(level: number): number;
  /** the structure's name at `level`, as the walk names it */
  structureName(level: number): string;
  /** what the root's slots at or above seL4's USER_TOP hold ("kernel window" on ARM32) */
  readonly aboveUserTop: string;
}

/** Bits hi..lo of `x` (any non-negative integer below 2^53). */
export function bitsOf(x: number, hi: number, lo: number): number {
  return bitField(x, lo, hi - lo + 1);
}

/** A field of an address or a 32-bit half of a word: its bits hi..lo, with its meaning. */
export function fieldOf(x: number, hi: number, lo: number, name: string, meaning: string, from?: string): BitField {
  return { name, hi, lo, value: bitsOf(x, hi, lo), meaning, ...(from !== undefined ? { from } : {}) };
}

/** What either architecture's resolve gives for a mapped address, as the walk's translation. */
export function translationEnd(r: {
  readonly paddr: PhysAddr;
  readonly frame: PhysAddr;
  readonly vbase: VirtAddr;
  readonly size: string;
  readonly pageSize: number;
  readonly rights: string;
  readonly attributes: { readonly executeNever: boolean; readonly cacheable: boolean };
  readonly global: boolean;
}): WalkEnd {
  return {
    kind: "translation",
    paddr: r.paddr,
    frame: r.frame,
    vbase: r.vbase,
    size: r.size,
    pageBytes: r.pageSize,
    rights: r.rights.replace(/^VM/, ""),
    executeNever: r.attributes.executeNever,
    cacheable: r.attributes.cacheable,
    global: r.global,
  };
}

/** Either architecture's decoded entry, as far as its summary needs it. */
export type SummarisedEntry =
  | { readonly kind: "Invalid" }
  | { readonly kind: "Table"; readonly paddr: PhysAddr }
  | {
      readonly kind: "Page";
      readonly size: string;
      readonly paddr: PhysAddr;
      readonly rights: string;
      readonly attributes: { readonly executeNever: boolean; readonly cacheable: boolean };
      readonly global: boolean;
    };

/** The two ways an entry is said: short as `show` prints it, or in plain words as the page's grids do. */
export type SummaryStyle = "short" | "words";

const RIGHTS_WORDS: Readonly<Record<string, string>> = {
  VMReadWrite: "RW",
  VMReadOnly: "RO",
  VMKernelOnly: "kernel only",
  VMNoAccess: "no access",
};

/**
 * An entry said in one of two styles. Short: "SmallPage @0x1000 ReadWrite XN"; words: "4K page
 * -> 0x1000, RW, XN, cacheable", with the frame size named by the architecture's `sizeWords`
 * (a LargePage is 64 KiB on ARM32 and 2 MiB on AArch64).
 */
export function entrySummary(
  e: SummarisedEntry,
  style: SummaryStyle = "short",
  sizeWords: Readonly<Record<string, string>> = {},
): string {
  if (e.kind === "Invalid") return "invalid";
  if (e.kind === "Table") return style === "short" ? `page table @${hex(e.paddr)}` : `page table -> ${hex(e.paddr)}`;
  const a = e.attributes;
  if (style === "short")
    return `${e.size} @${hex(e.paddr)} ${e.rights.replace(/^VM/, "")}${a.executeNever ? " XN" : ""}${a.cacheable ? "" : " uncached"}${e.global ? " global" : ""}`;
  return [
    `${sizeWords[e.size] ?? e.size} -> ${hex(e.paddr)}`,
    RIGHTS_WORDS[e.rights] ?? e.rights,
    ...(a.executeNever ? ["XN"] : []),
    a.cacheable ? "cacheable" : "uncached",
    ...(e.global ? ["global"] : []),
  ].join(", ");
}
