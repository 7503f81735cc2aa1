import type { ASID, PhysAddr } from "../../model/addresses.ts";
import type { FrameSize } from "../../model/caps.ts";
import { MiB } from "../../model/constants.ts";
import type { KernelState } from "../../model/state.ts";
import { aarch64, ASID_POOL_SIZE, decodePDE, decodePTE, frameBits } from "../../arch/index.ts";

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
  for (const [j, w] of t.entries) {
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
  for (const [i, w] of d.entries.range(0, userSlotsOf(s))) {
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
