import { bitField, type PhysAddr, type PPtr, type VirtAddr } from "../../model/addresses.ts";
import type { LookupFailure } from "../../model/errors.ts";
import { err, ok, type Result } from "../../model/result.ts";
import type { VMRights } from "../../model/caps.ts";
import { seL4_PageDirEntryBits, seL4_PageDirIndexBits, seL4_PageTableIndexBits } from "./constants.ts";
import type { KernelState } from "../../model/state.ts";
import { entriesAt, entriesOf, objectOfType } from "../../kernel/store.ts";
import type { Aarch32FrameSize, FrameSize } from "../../model/caps.ts";
import { frameBits } from "./objectTypes.ts";
import { decodePDE, decodePTE, type Entry, type PageAttributes } from "./entries.ts";

/** A slot of a paging structure: the table's physical address and the entry's index. */
export interface TableSlot {
  readonly table: PhysAddr;
  readonly index: number;
}

/** How many consecutive slots a page of this size fills (16 for LargePage and SuperSection). */
export const SLOTS_PER_PAGE: Readonly<Record<Aarch32FrameSize, number>> = {
  SmallPage: 1,
  LargePage: 16,
  Section: 1,
  SuperSection: 16,
};

/** The kernel-physical address of a table slot: table base + index * 4. */
export function slotPhysAddr(slot: TableSlot): PhysAddr {
  return (slot.table + slot.index * 2 ** seL4_PageDirEntryBits) as PhysAddr;
}

/** seL4's lookupPDSlot: the directory slot for `v` (its top 12 bits). Never fails. */
export function lookupPDSlot(pd: PPtr<"VSpaceRoot">, v: VirtAddr): TableSlot {
  return { table: pd, index: bitField(v, 20, seL4_PageDirIndexBits) };
}

/** The raw word in a directory slot (0 when absent). */
export function readPDEWord(s: KernelState, slot: TableSlot): number {
  return entriesAt(s, slot.table, "aarch32").get(slot.index) ?? 0;
}
/** The raw word in a page-table slot (0 when absent). */
export function readPTEWord(s: KernelState, slot: TableSlot): number {
  return entriesAt(s, slot.table, "aarch32").get(slot.index) ?? 0;
}
/** The decoded entry in a directory slot. */
export const readPDE = (s: KernelState, slot: TableSlot): Entry => decodePDE(readPDEWord(s, slot));
/** The decoded entry in a page-table slot. */
export const readPTE = (s: KernelState, slot: TableSlot): Entry => decodePTE(readPTEWord(s, slot));

/**
 * seL4's lookupPTSlot: the page-table slot for `v`, through the directory entry for `v`. When
 * that entry is not a page table, the lookup fails with MissingCapability, 20 bits left (the
 * bits a page table would have resolved): the FailedLookup that Page_Map reports.
 */
export function lookupPTSlot(s: KernelState, pd: PPtr<"VSpaceRoot">, v: VirtAddr): Result<TableSlot, LookupFailure> {
  const pde = readPDE(s, lookupPDSlot(pd, v));
  if (pde.kind !== "Table") return err({ kind: "MissingCapability", bitsLeft: 20 });
  return ok({
    table: pde.paddr,
    index: bitField(v, 12, seL4_PageTableIndexBits),
  });
}

/** What the MMU finds for a virtual address: the page, its entry and where that entry lives. */
export interface ResolvedPage {
  readonly mapped: true;
  /** the translated physical address of `vaddr` */
  readonly paddr: PhysAddr;
  /** the physical base of the frame */
  readonly frame: PhysAddr;
  readonly size: FrameSize;
  readonly pageSize: number;
  /** the virtual base of the page */
  readonly vbase: VirtAddr;
  readonly rights: VMRights;
  readonly attributes: PageAttributes;
  readonly global: boolean;
  /** the kernel-physical address of the entry the MMU reads for `vaddr` (of a 16-slot page, the one `vaddr` indexes) */
  readonly slot: PhysAddr;
  /** the kernel-physical address of the first entry of the page (differs from slot only for 16-slot pages) */
  readonly firstSlot: PhysAddr;
}

/** Nothing is mapped: `level` names the structure whose entry was invalid. */
export interface Unresolved {
  readonly mapped: false;
  readonly level: "PageDirectory" | "PageTable";
}

function firstOfGroup(slot: TableSlot, size: Aarch32FrameSize): TableSlot {
  const n = SLOTS_PER_PAGE[size];
  return { table: slot.table, index: slot.index - (slot.index % n) };
}

/**
 * Translate `vaddr` as the MMU's table walk would, starting from page directory `pd`
 * (the design notes' "resolve VA to PA"): the physical address, the page and the slot
 * holding its leaf entry, or the level where the walk found an invalid entry.
 */
export function resolve(s: KernelState, pd: PPtr<"VSpaceRoot">, vaddr: VirtAddr): ResolvedPage | Unresolved {
  const pdSlot = lookupPDSlot(pd, vaddr);
  const pde = readPDE(s, pdSlot);
  let leaf: Entry;
  let slot: TableSlot;
  if (pde.kind === "Invalid") return { mapped: false, level: "PageDirectory" };
  if (pde.kind === "Table") {
    slot = {
      table: pde.paddr,
      index: bitField(vaddr, 12, seL4_PageTableIndexBits),
    };
    leaf = readPTE(s, slot);
    if (leaf.kind !== "Page") return { mapped: false, level: "PageTable" };
  } else {
    slot = pdSlot;
    leaf = pde;
  }
  if (leaf.kind !== "Page") return { mapped: false, level: "PageTable" };
  const bits = frameBits(leaf.size);
  const offset = vaddr % 2 ** bits;
  return {
    mapped: true,
    paddr: (leaf.paddr + offset) as PhysAddr,
    frame: leaf.paddr,
    size: leaf.size,
    pageSize: 2 ** bits,
    vbase: (vaddr - offset) as VirtAddr,
    rights: leaf.rights,
    attributes: leaf.attributes,
    global: leaf.global,
    slot: slotPhysAddr(slot),
    firstSlot: slotPhysAddr(firstOfGroup(slot, leaf.size)),
  };
}

/** seL4's resolveVAddr: the size and frame base of what is mapped at `v`, or undefined. */
export function resolveVAddr(
  s: KernelState,
  pd: PPtr<"VSpaceRoot">,
  v: VirtAddr,
): { size: FrameSize; frame: PhysAddr } | undefined {
  const r = resolve(s, pd, v);
  return r.mapped ? { size: r.size, frame: r.frame } : undefined;
}

/** One row of a table listing: a valid entry, or a 16-slot page collapsed into one row. */
export interface EntryRow {
  readonly index: number;
  /** how many consecutive slots hold this entry */
  readonly count: number;
  /** the kernel-physical address of the first slot */
  readonly slot: PhysAddr;
  /** the first virtual address the row covers (directory rows: index << 20; table rows: offset inside the 1 MiB) */
  readonly vaddrOffset: number;
  readonly entry: Entry;
  readonly word: number;
}

function listEntries(
  entries: Iterable<[number, number]>,
  table: PhysAddr,
  decode: (w: number) => Entry,
  spanBits: number,
): EntryRow[] {
  const rows: EntryRow[] = [];
  for (const [index, word] of entries) {
    const entry = decode(word);
    if (entry.kind === "Invalid") continue;
    const last = rows[rows.length - 1];
    const groupSize = entry.kind === "Page" ? SLOTS_PER_PAGE[entry.size] : 1;
    if (last && groupSize > 1 && last.word === word && last.index + last.count === index && last.count < groupSize) {
      rows[rows.length - 1] = { ...last, count: last.count + 1 };
      continue;
    }
    rows.push({
      index,
      count: 1,
      slot: slotPhysAddr({ table, index }),
      vaddrOffset: index * 2 ** spanBits,
      entry,
      word,
    });
  }
  return rows;
}

/** The valid entries of a page directory, decoded, in slot order. */
export function listDirectory(s: KernelState, pd: PPtr<"VSpaceRoot">): EntryRow[] {
  return listEntries(entriesOf(s, objectOfType(s, pd, "PageDirectory")).entries(), pd, decodePDE, 20);
}

/** The valid entries of a page table, decoded, in slot order. */
export function listTable(s: KernelState, pt: PPtr<"PageTable">): EntryRow[] {
  return listEntries(entriesOf(s, objectOfType(s, pt, "PageTable")).entries(), pt, decodePTE, 12);
}
