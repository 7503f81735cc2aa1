import type { ASID, PhysAddr } from "../../model/addresses.ts";
import type { PTEWord } from "../../model/objects.ts";
import { PMap } from "../../model/pmap.ts";
import type { KernelState } from "../../model/state.ts";
import { aarch64 as A } from "../../arch/index.ts";
import type { StateChange } from "./change.ts";
import { entriesOf } from "../../kernel/store.ts";
import { asidsOfPD, moveRef, type TableRefs } from "./paging.ts";

/*
 * What the AArch64 forms of the paging invariants share: the walk from each ASID's VSpace over
 * the user half (the levels, the addresses each slot maps), and an index of which slots name
 * each page table, kept per entries store and derived from the previous state's, so that a
 * delta check finds where a changed table sits (its VSpace, level and addresses) by going up.
 */

/** log2 of what one slot of a table at ARM level `level` maps: 39, 30, 21 or 12. */
export const slotBits = (level: number): number => A.uptLevelShift(A.UPT_LEVELS - 1 - level);

/** The VSpace slots that hold user addresses (seL4_UserTop is inclusive): 256 of 512. */
export const userRootSlots = (s: KernelState): number => Math.floor(s.config.userTop / 2 ** slotBits(0)) + 1;

/** One entry met on the walk from a VSpace: the table, its level, the slot and the first address the slot maps. */
export interface Reached {
  readonly table: PhysAddr;
  readonly level: A.Level;
  readonly index: number;
  readonly word: PTEWord;
  readonly entry: A.PTE;
  readonly vref: number;
}

/**
 * Visits every entry reachable from `table`, a table at `level` whose first address is `vbase`
 * (the root's user slots only), descending into each table descriptor that names a page table.
 * A table of the wrong type for its level is not entered (the entry naming it is still visited).
 */
export function walkFrom(
  s: KernelState,
  table: PhysAddr,
  level: A.Level,
  vbase: number,
  visit: (r: Reached) => void,
): void {
  const o = s.objects.get(table);
  if (o === undefined || o.type !== (level === 0 ? "VSpace" : "PageTable64")) return;
  if (o.type !== "VSpace" && o.type !== "PageTable64") return;
  const span = 2 ** slotBits(level);
  const words = entriesOf(s, o);
  for (const [index, word] of level === 0 ? words.range(0, userRootSlots(s)) : words) {
    const entry = A.decodePTE(word, level);
    const vref = vbase + index * span;
    visit({ table, level, index, word, entry, vref });
    if (entry.kind === "Table" && level < 3) walkFrom(s, entry.paddr, (level + 1) as A.Level, vref, visit);
  }
}

/** The VSpaces the ASID pools name, with their ASIDs (more than one only in a broken state). */
export function rootsWithASIDs(s: KernelState): ReadonlyMap<PhysAddr, readonly ASID[]> {
  return asidsOfPD(s);
}

export type { TableSlot, TableRefs } from "./paging.ts";
// Keyed by the entries store: the references change only with some table's entries.
const refsCache = new WeakMap<object, TableRefs>();

/** The table a descriptor word names, if it is a table descriptor. */
const tableOfWord = (w: PTEWord | undefined): PhysAddr | undefined =>
  w !== undefined && A.isTableWord(w) ? A.descriptorAddress(w) : undefined;

/** The table references of `s`; from those of the state before `change` and its changed entries, when given. */
export function tableRefsOf(s: KernelState, change?: StateChange): TableRefs {
  const cached = refsCache.get(s.tableEntries);
  if (cached) return cached;
  let refs: TableRefs;
  if (change) {
    refs = tableRefsOf(change.before);
    for (const e of change.entries64)
      refs = moveRef(refs, e.table, e.index, tableOfWord(e.before), tableOfWord(e.after));
  } else {
    refs = PMap.empty();
    for (const [addr, o] of s.objects)
      if (o.type === "VSpace" || o.type === "PageTable64")
        for (const [i, w] of entriesOf(s, o)) refs = moveRef(refs, addr, i, undefined, tableOfWord(w));
  }
  refsCache.set(s.tableEntries, refs);
  return refs;
}

/** Where a table sits on a walk: the VSpace it is reached from, its level and the first address it maps. */
export interface Place {
  readonly root: PhysAddr;
  readonly level: A.Level;
  readonly vbase: number;
}

/**
 * Every place the walk from some VSpace reaches `table` (a VSpace is its own root at level 0):
 * up through the slots that name it, as the walk would come down (a table descriptor is
 * followed from levels 0-2 only, and from the root's user slots only).
 */
export function placesOf(s: KernelState, refs: TableRefs, table: PhysAddr, depth = 0): Place[] {
  const o = s.objects.get(table);
  if (o?.type === "VSpace") return [{ root: table, level: 0, vbase: 0 }];
  if (o?.type !== "PageTable64" || depth >= 3) return [];
  const out: Place[] = [];
  for (const r of refs.get(table) ?? [])
    for (const p of placesOf(s, refs, r.table, depth + 1)) {
      if (p.level >= 3 || (p.level === 0 && r.index >= userRootSlots(s))) continue;
      out.push({ root: p.root, level: (p.level + 1) as A.Level, vbase: p.vbase + r.index * 2 ** slotBits(p.level) });
    }
  return out;
}

/** The entry one changed slot holds after a transition, with every ASID that reaches it, each as a Reached. */
export function reachedSlot(
  s: KernelState,
  refs: TableRefs,
  table: PhysAddr,
  index: number,
  word: PTEWord,
): { readonly asids: readonly ASID[]; readonly at: Reached }[] {
  const roots = rootsWithASIDs(s);
  const out: { asids: readonly ASID[]; at: Reached }[] = [];
  for (const p of placesOf(s, refs, table)) {
    const asids = roots.get(p.root);
    if (asids === undefined || (p.level === 0 && index >= userRootSlots(s))) continue;
    out.push({
      asids,
      at: {
        table,
        level: p.level,
        index,
        word,
        entry: A.decodePTE(word, p.level),
        vref: p.vbase + index * 2 ** slotBits(p.level),
      },
    });
  }
  return out;
}

/** The VSpace ASID `a` names through the ASID table and its pool, if any (never throws, even on a broken table). */
export function rootOfASID(s: KernelState, a: number): PhysAddr | undefined {
  const pool = s.objects.get(s.asidTable.get(Math.floor(a / A.ASID_POOL_SIZE)) ?? (-1 as PhysAddr));
  return pool?.type === "ASIDPool" ? pool.entries.get(a % A.ASID_POOL_SIZE) : undefined;
}

/**
 * The entries the walk from `root` meets on the way to `vaddr`, level 0 first: it goes down
 * while an entry is a table descriptor naming a page table (never throws, even on a broken state).
 */
export function pathOf(s: KernelState, root: PhysAddr, vaddr: number): Reached[] {
  const out: Reached[] = [];
  let table = root;
  for (let level = 0; level <= 3; level++) {
    const o = s.objects.get(table);
    if (o === undefined || o.type !== (level === 0 ? "VSpace" : "PageTable64")) break;
    if (o.type !== "VSpace" && o.type !== "PageTable64") break;
    const bits = slotBits(level);
    const index = Math.floor(vaddr / 2 ** bits) % 2 ** 9;
    const word = entriesOf(s, o).get(index) ?? A.INVALID_WORD;
    const entry = A.decodePTE(word, level as A.Level);
    out.push({ table, level: level as A.Level, index, word, entry, vref: vaddr - (vaddr % 2 ** bits) });
    if (entry.kind !== "Table") break;
    table = entry.paddr;
  }
  return out;
}
