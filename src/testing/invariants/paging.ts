import type { ASID, PhysAddr } from "../../model/addresses.ts";
import type { FrameSize } from "../../model/caps.ts";
import { MiB } from "../../model/constants.ts";
import { PMap } from "../../model/pmap.ts";
import type { KernelState } from "../../model/state.ts";
import { aarch64, ASID_POOL_SIZE, decodePDE, decodePTE, frameBits } from "../../arch/index.ts";
import type { StateChange } from "./change.ts";
import { entriesOf } from "../../kernel/store.ts";

/*
 * What the paging invariants share: where user mappings end, the pages a table maps, and which
 * ASIDs name each page directory.
 */

/** ASIDs per pool on the machine's architecture (1024 on ARM32, 512 on AArch64). */
export const asidPoolSizeOf = (s: KernelState): number =>
  s.config.arch === "aarch64" ? aarch64.ASID_POOL_SIZE : ASID_POOL_SIZE;

/** The number of page-directory slots below USER_TOP. */
export const userSlotsOf = (s: KernelState): number => Math.floor(s.config.userTop / MiB);

/** One page as the tables map it: its virtual base (the page's own alignment), frame and size. */
export interface Leaf {
  readonly vbase: number;
  readonly frame: PhysAddr;
  readonly size: FrameSize;
}

/** The leaf of a page entry met at virtual address `vaddr` (a large page or supersection fills 16 entries; each gives the same leaf). */
export const leafAt = (vaddr: number, frame: PhysAddr, size: FrameSize): Leaf => ({
  vbase: vaddr - (vaddr % 2 ** frameBits(size)),
  frame,
  size,
});

/** The pages a page table maps, at the addresses they have when it sits in directory slot `pdIndex`. */
export function tableLeaves(s: KernelState, pt: PhysAddr, pdIndex: number): Leaf[] {
  const t = s.objects.get(pt);
  if (t?.type !== "PageTable") return [];
  const out: Leaf[] = [];
  for (const [j, w] of entriesOf(s, t)) {
    const e = decodePTE(w);
    if (e.kind === "Page") out.push(leafAt(pdIndex * MiB + j * 4096, e.paddr, e.size));
  }
  return out;
}

/** Every page a directory maps below USER_TOP, directly or through its page tables. */
export function directoryLeaves(s: KernelState, pd: PhysAddr): Leaf[] {
  const d = s.objects.get(pd);
  if (d?.type !== "PageDirectory") return [];
  const out: Leaf[] = [];
  for (const [i, w] of entriesOf(s, d).range(0, userSlotsOf(s))) {
    const e = decodePDE(w);
    if (e.kind === "Page") out.push(leafAt(i * MiB, e.paddr, e.size));
    else if (e.kind === "Table") out.push(...tableLeaves(s, e.paddr, i));
  }
  return out;
}

// Keyed by the ASID table; an entry holds while every pool it was built from is unchanged.
const asidsCache = new WeakMap<
  object,
  {
    readonly pools: readonly unknown[];
    readonly map: ReadonlyMap<PhysAddr, readonly ASID[]>;
  }
>();

/**
 * The ASIDs that name each page directory (each VSpace, on AArch64), through the ASID table and its pools (more than one
 * only in a broken state). Kept per ASID table, so consecutive states usually share it.
 */
export function asidsOfPD(s: KernelState): ReadonlyMap<PhysAddr, readonly ASID[]> {
  const hit = asidsCache.get(s.asidTable);
  if (hit !== undefined) {
    let i = 0;
    let same = true;
    for (const [, pool] of s.asidTable) if (s.objects.get(pool) !== hit.pools[i++]) same = false;
    if (same) return hit.map;
  }
  const map = new Map<PhysAddr, ASID[]>();
  const pools: unknown[] = [];
  const poolSize = asidPoolSizeOf(s);
  for (const [index, pool] of s.asidTable) {
    const o = s.objects.get(pool);
    pools.push(o);
    if (o?.type !== "ASIDPool") continue;
    for (const [low, pd] of o.entries) {
      const asid = (index * poolSize + low) as ASID;
      const named = map.get(pd);
      if (named) named.push(asid);
      else map.set(pd, [asid]);
    }
  }
  asidsCache.set(s.asidTable, { pools, map });
  return map;
}

/** A slot of a page directory or page table (of a VSpace or page table on AArch64). */
export interface TableSlot {
  readonly table: PhysAddr;
  readonly index: number;
}

/** page table -> the slots whose table descriptor names it (one, unless the state is broken). */
export type TableRefs = PMap<PhysAddr, readonly TableSlot[]>;

/** The references after slot `index` of `table` stopped naming table `was` and started naming `now` (either may be none). */
export function moveRef(
  refs: TableRefs,
  table: PhysAddr,
  index: number,
  was: PhysAddr | undefined,
  now: PhysAddr | undefined,
): TableRefs {
  if (was !== undefined) {
    const rest = (refs.get(was) ?? []).filter((r) => r.table !== table || r.index !== index);
    refs = rest.length > 0 ? refs.set(was, rest) : refs.delete(was);
  }
  return now === undefined ? refs : refs.set(now, [...(refs.get(now) ?? []), { table, index }]);
}

// Keyed by the entries store: the references change only with some table's entries.
const refsCache32 = new WeakMap<object, TableRefs>();

/** The page table a directory entry word names, if it names one. */
function tableOfPDE(word: number | undefined): PhysAddr | undefined {
  if (word === undefined) return undefined;
  const e = decodePDE(word);
  return e.kind === "Table" ? e.paddr : undefined;
}

/**
 * Every page table's references from directory slots below USER_TOP, in any directory: a
 * persistent index kept per entries store, so that valid_vs_lookup finds where a changed table
 * sits and unique_table_refs counts a newly linked table's references without a scan. From
 * those of the state before `change` and its changed entries, when given.
 */
export function tableRefsOf32(s: KernelState, change?: StateChange): TableRefs {
  const cached = refsCache32.get(s.tableEntries);
  if (cached) return cached;
  const userSlots = userSlotsOf(s);
  let refs: TableRefs;
  if (change) {
    refs = tableRefsOf32(change.before);
    for (const e of change.entries)
      if (e.type === "PageDirectory" && e.index < userSlots)
        refs = moveRef(refs, e.table, e.index, tableOfPDE(e.before), tableOfPDE(e.after));
  } else {
    refs = PMap.empty();
    for (const [addr, o] of s.objects) {
      if (o.type !== "PageDirectory") continue;
      for (const [i, w] of entriesOf(s, o).range(0, userSlots)) refs = moveRef(refs, addr, i, undefined, tableOfPDE(w));
    }
  }
  refsCache32.set(s.tableEntries, refs);
  return refs;
}
