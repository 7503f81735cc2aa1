import { bitField, type PhysAddr, type PPtr, type VirtAddr } from "../../model/addresses.ts";
import type { Aarch64FrameSize, VMRights } from "../../model/caps.ts";
import type { PTEWord } from "../../model/objects.ts";
import type { KernelState } from "../../model/state.ts";
import { entriesAt, entriesOf, getObject } from "../../kernel/store.ts";
import { seL4_PageTableEntryBits, seL4_PageTableIndexBits, uptLevelShift, UPT_LEVELS } from "./constants.ts";
import { decodePTE, INVALID_WORD, type Level, type PageAttributes, type PTE } from "./entries.ts";

/** A slot of a paging structure: the table's physical address and the entry's index. */
export interface TableSlot {
  readonly table: PhysAddr;
  readonly index: number;
}

/** The kernel-physical address of a slot: table base + index * 8. */
export function slotPhysAddr(slot: TableSlot): PhysAddr {
  return (slot.table + slot.index * 2 ** seL4_PageTableEntryBits) as PhysAddr;
}

/** The stored word of a slot of a VSpace or page table (the invalid word when absent). */
export function readPTEWord(s: KernelState, slot: TableSlot): PTEWord {
  return entriesAt(s, slot.table, "aarch64").get(slot.index) ?? INVALID_WORD;
}

/** GET_UPT_INDEX: the index the table at ARM level `level` takes from `v`. */
export const uptIndex = (v: VirtAddr, level: Level): number =>
  bitField(v, uptLevelShift(UPT_LEVELS - 1 - level), seL4_PageTableIndexBits);

/** What seL4's lookupPTSlot returns: the slot where the walk stopped and the bits it maps. */
export interface PTSlot {
  readonly slot: TableSlot;
  /** 39, 30, 21 or 12: the size (log2) of what the slot maps or could map */
  readonly ptBitsLeft: number;
  /** the ARM level of the table holding the slot (0 = the VSpace) */
  readonly level: Level;
  readonly pte: PTE;
}

/**
 * seL4's lookupPTSlot (V64): from the VSpace root, descend while the slot holds a table and a
 * level is left. Never fails: the slot may be invalid or hold a page, and `ptBitsLeft` tells
 * which level it is on (the bitsLeft of Page_Map's FailedLookup).
 */
export function lookupPTSlot(s: KernelState, vspace: PPtr<"VSpaceRoot">, v: VirtAddr): PTSlot {
  let level: Level = 0;
  let slot: TableSlot = { table: vspace, index: uptIndex(v, 0) };
  let pte = decodePTE(readPTEWord(s, slot), 0);
  while (pte.kind === "Table" && level < 3) {
    level = (level + 1) as Level;
    slot = { table: pte.paddr, index: uptIndex(v, level) };
    pte = decodePTE(readPTEWord(s, slot), level);
  }
  return {
    slot,
    ptBitsLeft: uptLevelShift(UPT_LEVELS - 1 - level),
    level,
    pte,
  };
}

/** What the MMU finds for a virtual address: the page, its entry and where that entry lives. */
export interface ResolvedPage {
  readonly mapped: true;
  /** the translated physical address of `vaddr` */
  readonly paddr: PhysAddr;
  /** the physical base of the frame */
  readonly frame: PhysAddr;
  readonly size: Aarch64FrameSize;
  readonly pageSize: number;
  readonly vbase: VirtAddr;
  readonly rights: VMRights;
  readonly attributes: PageAttributes;
  readonly global: boolean;
  /** the kernel-physical address of the level-3, level-2 or level-1 entry that maps the page */
  readonly slot: PhysAddr;
  readonly level: Level;
}

/** Nothing is mapped: the structure whose entry was invalid, by name and ARM level. */
export interface Unresolved {
  readonly mapped: false;
  readonly level: "VSpace" | "PageTable";
  readonly armLevel: Level;
}

/** Translate `vaddr` as the MMU's stage-1 walk from `vspace` would. */
export function resolve(s: KernelState, vspace: PPtr<"VSpaceRoot">, vaddr: VirtAddr): ResolvedPage | Unresolved {
  const found = lookupPTSlot(s, vspace, vaddr);
  const e = found.pte;
  if (e.kind !== "Page")
    return {
      mapped: false,
      level: found.level === 0 ? "VSpace" : "PageTable",
      armLevel: found.level,
    };
  const pageSize = 2 ** found.ptBitsLeft;
  const offset = vaddr % pageSize;
  return {
    mapped: true,
    paddr: (e.paddr + offset) as PhysAddr,
    frame: e.paddr,
    size: e.size,
    pageSize,
    vbase: (vaddr - offset) as VirtAddr,
    rights: e.rights,
    attributes: e.attributes,
    global: e.global,
    slot: slotPhysAddr(found.slot),
    level: found.level,
  };
}

/** The valid entries of a VSpace or page table in slot order, decoded at `level`. */
export function listTable(
  s: KernelState,
  table: PhysAddr,
  level: Level,
): { index: number; slot: PhysAddr; word: PTEWord; entry: PTE }[] {
  const o = getObject(s, table);
  if (o === undefined || (o.type !== "VSpace" && o.type !== "PageTable64")) return [];
  const rows: { index: number; slot: PhysAddr; word: PTEWord; entry: PTE }[] = [];
  for (const [index, word] of entriesOf(s, o).entries())
    rows.push({
      index,
      slot: slotPhysAddr({ table, index }),
      word,
      entry: decodePTE(word, level),
    });
  return rows;
}

/** A valid entry of a user VSpace found by walkVSpace: the virtual base it covers, its level and row. */
export interface VSpaceRow {
  readonly vbase: VirtAddr;
  readonly level: Level;
  readonly table: PhysAddr;
  readonly index: number;
  readonly entry: PTE;
}

/** Every valid entry reachable from the VSpace at `root`, depth first in address order (for views). */
export function walkVSpace(s: KernelState, root: PPtr<"VSpaceRoot">): VSpaceRow[] {
  const rows: VSpaceRow[] = [];
  const visit = (table: PhysAddr, level: Level, base: number) => {
    for (const r of listTable(s, table, level)) {
      const vbase = (base + r.index * 2 ** uptLevelShift(UPT_LEVELS - 1 - level)) as VirtAddr;
      rows.push({ vbase, level, table, index: r.index, entry: r.entry });
      if (r.entry.kind === "Table" && level < 3) visit(r.entry.paddr, (level + 1) as Level, vbase);
    }
  };
  visit(root, 0, 0);
  return rows;
}

/** The level a page table sits at under some VSpace of the state, or undefined when no VSpace reaches it. */
export function tableLevel(s: KernelState, table: PhysAddr): Level | undefined {
  for (const o of s.objects.values()) {
    if (o.type !== "VSpace") continue;
    const row = walkVSpace(s, o.paddr).find((r) => r.entry.kind === "Table" && r.entry.paddr === table);
    if (row !== undefined) return (row.level + 1) as Level;
  }
  return undefined;
}
