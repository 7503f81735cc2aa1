import { hex } from "../../model/addresses.ts";
import { aarch64, decodePDE } from "../../arch/index.ts";
import type { PhysAddr } from "../../model/addresses.ts";
import { entriesOf } from "../../kernel/store.ts";
import { byArch, type InvariantCheck, type StateChange } from "./change.ts";
import { tableRefsOf32, userSlotsOf } from "./paging.ts";
import { reachedSlot, rootsWithASIDs, tableRefsOf, walkFrom, type Reached, type TableSlot } from "./paging64.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

/** Each page table is pointed at by at most one directory entry (l4v's unique table references). */
const uniqueTableRefs32: Invariant = (s) => {
  const seen = new Map<number, string>();
  const out: Violation[] = [];
  for (const [pd, o] of s.objects) {
    if (o.type !== "PageDirectory") continue;
    for (const [i, w] of entriesOf(s, o).range(0, userSlotsOf(s))) {
      const e = decodePDE(w);
      if (e.kind !== "Table") continue;
      const here = `${hex(pd)}[${i}]`;
      const other = seen.get(e.paddr);
      if (other !== undefined)
        out.push(
          violation("unique_table_refs", `page table ${hex(e.paddr)} is mapped at ${other} and ${here}`, {
            pt: e.paddr,
            pd,
            index: i,
            other,
          }),
        );
      seen.set(e.paddr, here);
    }
  }
  return out;
};

/** A page table linked into a directory slot below USER_TOP: named there alone (the kept index counts the others). */
const uniqueTableRefsDelta = (c: StateChange, out: Violation[]): void => {
  const userSlots = userSlotsOf(c.after);
  const refs = tableRefsOf32(c.after, c);
  for (const e of c.entries) {
    if (e.type !== "PageDirectory" || e.index >= userSlots || e.after === undefined) continue;
    const pde = decodePDE(e.after);
    if (pde.kind !== "Table") continue;
    const other = (refs.get(pde.paddr) ?? []).find((r) => r.table !== e.table || r.index !== e.index);
    if (other !== undefined)
      out.push(
        violation(
          "unique_table_refs",
          `page table ${hex(pde.paddr)} is mapped at ${hex(other.table)}[${other.index}] and ${hex(e.table)}[${e.index}]`,
          { pt: pde.paddr, pd: e.table, index: e.index, other: `${hex(other.table)}[${other.index}]` },
        ),
      );
  }
};

/** The AArch64 form for one page table: at most one slot the walk reaches names it. */
function namedOnce(pt: PhysAddr, slots: readonly TableSlot[]): Violation | undefined {
  if (slots.length <= 1) return undefined;
  const at = slots.map((r) => `${hex(r.table)}[${r.index}]`);
  return violation("unique_table_refs", `page table ${hex(pt)} is named at ${at.join(" and ")}`, {
    pt,
    slots: at.join(","),
  });
}

/**
 * The AArch64 form counts only the slots the walk from an ASID reaches: when an ASID goes
 * (deleteASID, deleteASIDPool) seL4 leaves its VSpace's entries, and a page table unmapped
 * through its cap then may be mapped again elsewhere while the unreachable VSpace still names it
 * (harmless: that VSpace can never have an ASID again). Counted afresh by walking; the delta
 * reads the kept index.
 */
const uniqueTableRefs64: Invariant = (s) => {
  const named = new Map<PhysAddr, TableSlot[]>();
  const seen = new Set<string>();
  for (const root of rootsWithASIDs(s).keys())
    walkFrom(s, root, 0, 0, (r) => {
      const key = `${r.table}:${r.index}`;
      if (r.entry.kind !== "Table" || seen.has(key)) return;
      seen.add(key);
      named.set(r.entry.paddr, [...(named.get(r.entry.paddr) ?? []), { table: r.table, index: r.index }]);
    });
  return collect(named, ([pt, slots]) => namedOnce(pt, slots));
};

/**
 * The page tables a changed slot the walk reaches now names, and those below it (a table linked
 * in may bring tables named elsewhere too); everything when the ASID table or a pool changed.
 */
const uniqueTableRefs64Delta = (c: StateChange, out: Violation[]): void => {
  const s = c.after;
  const refs = tableRefsOf(s, c);
  if (c.asidTableTouched) {
    out.push(...uniqueTableRefs64(s));
    return;
  }
  const targets = new Set<PhysAddr>();
  for (const e of c.entries64) {
    if (e.after === undefined || !aarch64.isTableWord(e.after)) continue;
    for (const { at } of reachedSlot(s, refs, e.table, e.index, e.after)) {
      if (at.entry.kind !== "Table") continue;
      targets.add(at.entry.paddr);
      if (at.level < 2)
        walkFrom(s, at.entry.paddr, (at.level + 1) as Reached["level"], at.vref, (r) => {
          if (r.entry.kind === "Table") targets.add(r.entry.paddr);
        });
    }
  }
  for (const pt of targets) {
    const reached = (refs.get(pt) ?? []).filter((r) => {
      const w = s.objects.get(r.table);
      const word = w?.type === "VSpace" || w?.type === "PageTable64" ? entriesOf(s, w).get(r.index) : undefined;
      return word !== undefined && reachedSlot(s, refs, r.table, r.index, word).length > 0;
    });
    const v = namedOnce(pt, reached);
    if (v !== undefined) out.push(v);
  }
};

export const UNIQUE_TABLE_REFS: InvariantCheck = byArch("unique_table_refs", {
  aarch32: { full: uniqueTableRefs32, delta: uniqueTableRefsDelta },
  aarch64: { full: uniqueTableRefs64, delta: uniqueTableRefs64Delta },
});

/** Each page table is named by at most one entry (ARM32: directory entry; AArch64: slot of any level). */
export const uniqueTableRefs: Invariant = UNIQUE_TABLE_REFS.full;
