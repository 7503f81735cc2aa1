import type { PhysAddr, PPtr } from "../model/addresses.ts";
import { hex } from "../model/addresses.ts";
import type {
  KernelObject,
  KernelObjectType,
  ObjectOfType,
  Table32Object,
  Table64Object,
  TableEntries,
  TableEntries32,
  TableEntries64,
  TableObject,
} from "../model/objects.ts";
import { frameSizeBits, type KernelSizes, type KernelState } from "../model/state.ts";
import type { MutableState } from "../model/transition.ts";

/** The object at `paddr`, or undefined. */
export function getObject(s: KernelState, paddr: PhysAddr): KernelObject | undefined {
  return s.objects.get(paddr);
}

/**
 * `p` as a VSpace root pointer when a page directory (ARM32) or VSpace (AArch64) lives there:
 * the checked way from an address of unknown kind (a user's argument, a map key) to a typed one.
 */
export function vspaceRootAt(s: KernelState, p: PhysAddr): PPtr<"VSpaceRoot"> | undefined {
  const o = s.objects.get(p);
  return o?.type === "PageDirectory" || o?.type === "VSpace" ? o.paddr : undefined;
}

/** `p` as a page table pointer when a page table (of either architecture) lives there. */
export function pageTableAt(s: KernelState, p: PhysAddr): PPtr<"PageTable"> | undefined {
  const o = s.objects.get(p);
  return o?.type === "PageTable" || o?.type === "PageTable64" ? o.paddr : undefined;
}

/** The object of type `type` at `paddr`, or undefined when there is none or it has another type. */
export function getObjectOfType<T extends KernelObjectType>(
  s: KernelState,
  paddr: PhysAddr,
  type: T,
): ObjectOfType<T> | undefined {
  const o = s.objects.get(paddr);
  return o !== undefined && o.type === type ? (o as ObjectOfType<T>) : undefined;
}

/**
 * The object of type `type` at `paddr`. A missing object here is a bug in capsim (a cap or
 * entry points at nothing), not a user error, so it throws.
 */
export function objectOfType<T extends KernelObjectType>(s: KernelState, paddr: PhysAddr, type: T): ObjectOfType<T> {
  const o = getObjectOfType(s, paddr, type);
  if (o === undefined) throw new Error(`capsim internal error: no ${type} object at ${hex(paddr)}`);
  return o;
}

/** Stores (or replaces) an object at its physical address. */
export function putObject(s: MutableState, o: KernelObject): void {
  s.objects = s.objects.set(o.paddr, o);
}

/**
 * Removes the object at `paddr` from the store, and a paging structure's descriptors with it:
 * a deleted table's words must not outlive it (a table later retyped at the same address
 * starts empty).
 */
export function removeObject(s: MutableState, paddr: PhysAddr): void {
  if (isTable(s.objects.get(paddr))) s.tableEntries = s.tableEntries.delete(tableKey(paddr));
  s.objects = s.objects.delete(paddr);
}

/** Whether `o` is a paging structure (a record whose descriptors are in `tableEntries`). */
export function isTable(o: KernelObject | undefined): o is TableObject {
  return o?.type === "PageTable" || o?.type === "PageDirectory" || o?.type === "VSpace" || o?.type === "PageTable64";
}

/**
 * A table's key in `tableEntries`: its address in KiB. Every table is aligned to at least
 * 1 KiB (ARM32's page table), so the division is exact and distinct tables never share a key;
 * the keys are 10 bits shorter than addresses, so the store's trie is shallower.
 */
export const tableKey = (paddr: PhysAddr): number => paddr / 1024;

/** The address of the table whose key is `key` (tableKey's inverse). */
export const tableOfKey = (key: number): PhysAddr => (key * 1024) as PhysAddr;

/**
 * A paging structure's descriptors (slot index -> word, only non-zero words). An ARM32 table's
 * words are numbers, an AArch64 table's PTEWords: the record's type says which.
 */
export function entriesOf(s: KernelState, t: Table32Object): TableEntries32;
export function entriesOf(s: KernelState, t: Table64Object): TableEntries64;
export function entriesOf(s: KernelState, t: TableObject): TableEntries;
export function entriesOf(s: KernelState, t: TableObject): TableEntries {
  return tableEntriesAt(s, t.paddr);
}

/**
 * The descriptors of the table at `paddr`, for code that knows its architecture and that a
 * table is there without reading its record (a walk, a map). No table there is a capsim bug
 * (an entry or cap points at nothing), so it throws, as objectOfType does.
 */
export function entriesAt(s: KernelState, paddr: PhysAddr, arch: "aarch32"): TableEntries32;
export function entriesAt(s: KernelState, paddr: PhysAddr, arch: "aarch64"): TableEntries64;
export function entriesAt(s: KernelState, paddr: PhysAddr, _arch: "aarch32" | "aarch64"): TableEntries {
  return tableEntriesAt(s, paddr);
}

function tableEntriesAt(s: KernelState, paddr: PhysAddr): TableEntries {
  const e = s.tableEntries.get(tableKey(paddr));
  if (e === undefined) throw new Error(`capsim internal error: no paging structure at ${hex(paddr)}`);
  return e;
}

/**
 * The paging structures whose entries differ between two states (a table created or deleted
 * included), in address order: a table's record stays the same object when its words change.
 */
export function changedTables(before: KernelState, after: KernelState): PhysAddr[] {
  return before.tableEntries.changedKeys(after.tableEntries).map(tableOfKey);
}

/**
 * The objects that differ between two states, in address order: records created, destroyed or
 * replaced, and the paging structures whose entries changed.
 */
export function changedObjects(before: KernelState, after: KernelState): readonly PhysAddr[] {
  const objects = before.objects.changedKeys(after.objects);
  if (before.tableEntries === after.tableEntries) return objects;
  // Both lists are a transition's few changes: a set and a sort cost less than a merge's code.
  return [...new Set([...objects, ...changedTables(before, after)])].sort((x, y) => x - y);
}

/** Stores a new paging structure: its record and its first descriptors. */
export function putTable(s: MutableState, t: Table32Object, entries: TableEntries32): void;
export function putTable(s: MutableState, t: Table64Object, entries: TableEntries64): void;
export function putTable(s: MutableState, t: TableObject, entries: TableEntries): void {
  putObject(s, t);
  putEntries(s, t.paddr, entries);
}

/** Stores (or replaces) the descriptors of the table at `paddr`. */
export function putEntries(s: MutableState, paddr: PhysAddr, entries: TableEntries): void {
  s.tableEntries = s.tableEntries.set(tableKey(paddr), entries);
}

/** log2 of an object's size in bytes, as seL4's getObjectSize and Arch_getObjectSize give it. */
export function objectSizeBits(sizes: KernelSizes, o: KernelObject): number {
  switch (o.type) {
    case "CNode":
      return o.radixBits + sizes.slotBits;
    case "TCB":
      return sizes.tcbBits;
    case "Endpoint":
      return sizes.endpointBits;
    case "Notification":
      return sizes.notificationBits;
    case "PageDirectory":
    case "VSpace":
      return sizes.vspaceRootBits;
    case "PageTable":
    case "PageTable64":
      return sizes.pageTableBits;
    case "Frame":
      return frameSizeBits(sizes, o.size);
    case "ASIDPool":
      return sizes.asidPoolBits;
  }
}
