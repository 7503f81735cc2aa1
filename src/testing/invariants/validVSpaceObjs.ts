import { hex } from "../../model/addresses.ts";
import type { KernelState } from "../../model/state.ts";
import { byArch, type InvariantCheck, type StateChange } from "./change.ts";
import { reachedSlot, rootsWithASIDs, tableRefsOf, walkFrom, type Reached } from "./paging64.ts";
import { violation, type Invariant, type Violation } from "./violation.ts";

/*
 * valid_vspace_objs on AArch64 (l4v AARCH64 ArchInvariants_AI, valid_vspace_obj with valid_pte):
 * every table the walk from an ASID reaches in the user region holds only entries valid at its
 * level: a table descriptor (levels 0-2) names a page table; a block (levels 1, 2) or a 4 KiB
 * page (level 3) names a frame object of that size; nothing else but the invalid word (seL4
 * writes no block at level 0, no table at level 3, no reserved encoding). That each ASID names a
 * VSpace (l4v's ASIDPool case) is valid_asid_map's. On ARM32 capsim states this part of l4v's
 * valid_vspace_objs through valid_objs and unique_table_refs; this invariant checks nothing there.
 */

/** valid_vspace_objs for one reachable entry. */
export function entryValid(s: KernelState, r: Reached): Violation | undefined {
  const e = r.entry;
  // Rendered only for a violation: this rule runs on every reachable entry after every step.
  const where = (): string => `${hex(r.table)}[${r.index}] (level ${r.level}, ${hex(r.vref)})`;
  if (e.kind === "Invalid") {
    if (r.word === 0n) return undefined;
    return violation(
      "valid_vspace_objs",
      `${where()} holds 0x${r.word.toString(16)}, no entry seL4 writes at level ${r.level}`,
      {
        table: r.table,
        index: r.index,
        level: r.level,
        word: `0x${r.word.toString(16)}`,
      },
    );
  }
  const o = s.objects.get(e.paddr);
  if (e.kind === "Table" ? o?.type === "PageTable64" : o?.type === "Frame" && o.size === e.size) return undefined;
  const wanted = e.kind === "Table" ? "a page table" : `a ${e.size} frame`;
  const found = o === undefined ? "nothing" : o.type === "Frame" ? `a ${o.size} frame` : `a ${o.type}`;
  return violation("valid_vspace_objs", `${where()} names ${found} at ${hex(e.paddr)}; it should name ${wanted}`, {
    table: r.table,
    index: r.index,
    level: r.level,
    object: e.paddr,
    found: o?.type ?? null,
  });
}

function check(s: KernelState, visit: (r: (r: Reached) => void) => void, out: Violation[]): Violation[] {
  visit((r) => {
    const v = entryValid(s, r);
    if (v !== undefined) out.push(v);
  });
  return out;
}

const validVSpaceObjs64: Invariant = (s) =>
  check(
    s,
    (rule) => {
      for (const root of rootsWithASIDs(s).keys()) walkFrom(s, root, 0, 0, rule);
    },
    [],
  );

/**
 * The changed slots the walk reaches (a table linked in: everything below it). A changed ASID
 * table or pool, or a frame or page table destroyed or replaced (which some slot may still
 * name), checks everything.
 */
function validVSpaceObjs64Delta(c: StateChange, out: Violation[]): void {
  const s = c.after;
  const refs = tableRefsOf(s, c);
  const lost = c.objects.some((a) => {
    const was = c.before.objects.get(a);
    const now = c.after.objects.get(a);
    if (was?.type === "Frame") return now?.type !== "Frame" || now.size !== was.size;
    return was?.type === "PageTable64" && now?.type !== "PageTable64";
  });
  if (c.asidTableTouched || lost) {
    out.push(...validVSpaceObjs64(s));
    return;
  }
  check(
    s,
    (rule) => {
      for (const e of c.entries64) {
        if (e.after === undefined) continue;
        for (const { at } of reachedSlot(s, refs, e.table, e.index, e.after)) {
          rule(at);
          if (at.entry.kind === "Table" && at.level < 3)
            walkFrom(s, at.entry.paddr, (at.level + 1) as Reached["level"], at.vref, rule);
        }
      }
    },
    out,
  );
}

export const VALID_VSPACE_OBJS: InvariantCheck = byArch("valid_vspace_objs", {
  aarch32: { full: () => [], delta: () => {} },
  aarch64: { full: validVSpaceObjs64, delta: validVSpaceObjs64Delta },
});

/** valid_vspace_objs in the form of the machine's architecture (none on ARM32). */
export const validVSpaceObjs: Invariant = VALID_VSPACE_OBJS.full;
