import { hex, type PhysAddr, type PPtr, type VirtAddr } from "../model/addresses.ts";
import type { Cap } from "../model/caps.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import type { KernelObject } from "../model/objects.ts";
import type { AddressForm, DescriptorView, WalkView } from "../model/teaching.ts";
import { teachingOf } from "../arch/index.ts";
import { capText } from "./text.ts";

/**
 * The VSpace views: an address split into table indices, the walk entry by entry, a descriptor
 * word bit by bit, the paging structures reachable from each root, the tables no root reaches
 * any more, and the caps whose mapping record no longer matches the tables. Pure functions of a
 * state; every result is plain JSON-able data.
 */

/** An address read every way the architecture can read it (one form per frame size). */
export interface AddressSplit {
  readonly vaddr: VirtAddr;
  readonly arch: string;
  readonly forms: readonly AddressForm[];
}

export function addressSplit(s: KernelState, v: VirtAddr): AddressSplit {
  return { vaddr: v, arch: s.config.arch, forms: teachingOf(s.config).addressForms(v) };
}

/** The walk from a VSpace root (a page directory on ARM32), with the split of the form it ended in. */
export interface WalkWithSplit extends WalkView {
  /** the form the walk read the address in: the translation's size, or the smallest form at a fault */
  readonly split: AddressForm;
}

export function walkView(s: KernelState, root: PPtr<"VSpaceRoot">, v: VirtAddr): WalkWithSplit {
  const t = teachingOf(s.config);
  const w = t.walk(s, root, v);
  const forms = t.addressForms(v);
  const size = w.end.kind === "translation" ? w.end.size : undefined;
  const split = forms.find((f) => f.form === size) ?? (forms[0] as AddressForm);
  return { ...w, split };
}

/** A paging structure and the level the tables put it at. */
export interface TableNode {
  readonly paddr: PhysAddr;
  readonly type: string;
  readonly level: number;
  /** the VSpace roots whose walks reach it */
  readonly roots: readonly PhysAddr[];
}

/**
 * Every paging structure a VSpace root reaches through table entries, with its level. A root is
 * its own entry. A table reached from two roots is listed once, with both roots.
 */
export function reachableTables(s: KernelState): Map<PhysAddr, TableNode> {
  const t = teachingOf(s.config);
  const found = new Map<PhysAddr, TableNode>();
  for (const o of s.objects.values()) {
    if (!t.isRoot(o)) continue;
    const stack: [PhysAddr, number][] = [[o.paddr, t.rootLevel]];
    while (stack.length > 0) {
      const [paddr, level] = stack.pop() as [PhysAddr, number];
      const seen = found.get(paddr);
      if (seen !== undefined) {
        if (!seen.roots.includes(o.paddr)) found.set(paddr, { ...seen, roots: [...seen.roots, o.paddr] });
        continue;
      }
      const obj = s.objects.get(paddr);
      if (obj === undefined || !t.isPagingStructure(obj)) continue;
      found.set(paddr, { paddr, type: obj.type, level, roots: [o.paddr] });
      // A leaf table's entries map only pages: listing them (256 a table on ARM32) would find no table.
      if (level >= t.leafLevel) continue;
      for (const l of t.links(s, paddr, level)) if (l.kind === "Table") stack.push([l.paddr, level + 1]);
    }
  }
  return found;
}

/** A page table no VSpace root reaches any more, and why that matters. */
export interface OrphanedTable {
  readonly paddr: PhysAddr;
  readonly type: string;
  /** how many valid entries it still holds */
  readonly validEntries: number;
  /** the caps that name it, with what they record */
  readonly caps: readonly { readonly slot: SlotAddr; readonly text: string }[];
  readonly why: string;
}

/**
 * Paging structures (not roots) that no root's walk reaches, yet still matter: they hold valid
 * entries, or a cap says they are mapped. seL4 leaves them so when a page directory is deleted
 * under its page tables, or an ASID pool goes with the ASIDs that named the directories.
 */
export function orphanedTables(s: KernelState): OrphanedTable[] {
  const t = teachingOf(s.config);
  const reached = reachableTables(s);
  const unreached: KernelObject[] = [];
  for (const o of s.objects.values())
    if (t.isPagingStructure(o) && !t.isRoot(o) && !reached.has(o.paddr)) unreached.push(o);
  // Most machines have none: then no pass over every cap (10^5 of them at 10^5 mappings) is needed.
  if (unreached.length === 0) return [];
  const capsOf = new Map<PhysAddr, { slot: SlotAddr; text: string; mapped: boolean }[]>();
  for (const [slot, cte] of s.ctes.entries()) {
    const c = cte.cap;
    if (c.type !== "PageTable") continue;
    const list = capsOf.get(c.paddr) ?? [];
    list.push({ slot, text: capText(c), mapped: c.mapping !== null });
    capsOf.set(c.paddr, list);
  }
  const out: OrphanedTable[] = [];
  for (const o of unreached) {
    const caps = capsOf.get(o.paddr) ?? [];
    const validEntries = t.links(s, o.paddr, t.rootLevel + 1).reduce((n, l) => n + l.count, 0);
    const claimed = caps.some((c) => c.mapped);
    if (validEntries === 0 && !claimed) continue;
    out.push({
      paddr: o.paddr,
      type: o.type,
      validEntries,
      caps: caps.map(({ slot, text }) => ({ slot, text })),
      why: `no VSpace root points at it${validEntries > 0 ? `, yet it holds ${validEntries} valid ${validEntries === 1 ? "entry" : "entries"}` : ""}${claimed ? ", yet a cap to it records a mapping" : ""}`,
    });
  }
  return out;
}

/** A cap whose record of where it is mapped (or which ASID it has) the tables no longer bear out. */
export interface StaleCap {
  readonly slot: SlotAddr;
  readonly text: string;
  readonly why: string;
}

/**
 * Caps whose mapping record no longer matches the tables: a frame or page-table cap whose entry
 * was overwritten or cleared behind it, or whose ASID names no directory (or another one) now; a
 * directory cap whose ASID was freed or reused. seL4 does not clean these records up; its
 * decoders check them again where it matters (Page_Map's findPDForASID, the 16.0.0 flush check).
 * The caps in the slots of `except` are left out (each judgement walks the tables).
 */
export function staleCaps(s: KernelState, except: { has(slot: number): boolean } = new Set()): StaleCap[] {
  const out: StaleCap[] = [];
  for (const [slot, cte] of s.ctes.entries()) {
    // A caller that has already judged some caps (show, for its CSpace listing) passes their slots.
    if (except.has(slot)) continue;
    const why = staleMapping(s, cte.cap);
    if (why !== undefined) out.push({ slot, text: capText(cte.cap), why });
  }
  return out;
}

/**
 * Whether a cap's mapping record still matches the tables: undefined when it does, else why not.
 * A frame cap's record holds when the walk of its address ends in this frame at this size; a
 * page-table cap's when the walk of its address passes through this table; a VSpace root's
 * ASID when the ASID still names this root.
 */
export function staleMapping(s: KernelState, cap: Cap): string | undefined {
  const t = teachingOf(s.config);
  if (cap.type === "PageDirectory" || cap.type === "VSpace") {
    if (cap.mappedASID === null) return undefined;
    const found = t.rootForASID(s, cap.mappedASID);
    if (found === cap.paddr) return undefined;
    return `ASID ${cap.mappedASID} ${found === undefined ? `names no ${t.rootName} any more` : `names the ${t.rootName} at ${hex(found)} now`}`;
  }
  if ((cap.type !== "Frame" && cap.type !== "PageTable") || cap.mapping === null) return undefined;
  const { asid, vaddr } = cap.mapping;
  const root = t.rootForASID(s, asid);
  if (root === undefined) return `ASID ${asid} names no ${t.rootName} any more`;
  if (cap.type === "PageTable")
    return t
      .walk(s, root, vaddr)
      .entries.some((e) => e.descriptor.kind === "Table" && e.descriptor.target === cap.paddr)
      ? undefined
      : `no entry on the walk of ${hex(vaddr)} in ASID ${asid} points at this table any more`;
  // A frame needs only where the walk ends (the teaching walk's descriptors cost 10x more: show judges every cap).
  const end = t.pageAt(s, root, vaddr);
  if (end === undefined) return `nothing is mapped at ${hex(vaddr)} in ASID ${asid} any more`;
  if (end.frame === cap.paddr && end.size === cap.size && end.vbase === vaddr) return undefined;
  return `the tables map ${end.size} @${hex(end.frame)} at ${hex(vaddr)} now, not this frame`;
}

/** The descriptor at one slot of a paging structure, decoded, at the level the tables put it. */
export function descriptorAt(s: KernelState, table: PhysAddr, index: number): DescriptorView {
  const t = teachingOf(s.config);
  const o = s.objects.get(table);
  if (o === undefined || !t.isPagingStructure(o)) throw new RangeError(`${hex(table)} is not a paging structure`);
  const level = t.isRoot(o) ? t.rootLevel : (reachableTables(s).get(table)?.level ?? t.rootLevel + 1);
  return t.describeEntry(s, table, index, level);
}
