import { hex } from "../../model/addresses.ts";
import { decodePDE } from "../../arch/index.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { userSlotsOf } from "./paging.ts";
import { violation, type Invariant, type Violation } from "./violation.ts";

/** Each page table is pointed at by at most one directory entry (l4v's unique table references). */
export const uniqueTableRefs: Invariant = (s) => {
  const seen = new Map<number, string>();
  const out: Violation[] = [];
  for (const [pd, o] of s.objects) {
    if (o.type !== "PageDirectory") continue;
    for (const [i, w] of o.entries.range(0, userSlotsOf(s))) {
      const e = decodePDE(w);
      if (e.kind !== "Table") continue;
      const here = `${hex(pd)}[${i}]`;
      const other = seen.get(e.paddr);
      if (other !== undefined)
        out.push(
          violation(
            "unique_table_refs",
            `page table ${hex(e.paddr)} is mapped at ${other} and ${here}`,
            { pt: e.paddr, pd, index: i, other },
          ),
        );
      seen.set(e.paddr, here);
    }
  }
  return out;
};

/** The whole check, only when a page table was linked into a directory below USER_TOP. */
const uniqueTableRefsDelta = (c: StateChange, out: Violation[]): void => {
  const userSlots = userSlotsOf(c.after);
  const linked = c.entries.some(
    (e) =>
      e.type === "PageDirectory" &&
      e.index < userSlots &&
      e.after !== undefined &&
      decodePDE(e.after).kind === "Table",
  );
  if (linked) out.push(...uniqueTableRefs(c.after));
};

export const UNIQUE_TABLE_REFS: InvariantCheck = {
  name: "unique_table_refs",
  full: uniqueTableRefs,
  delta: uniqueTableRefsDelta,
};
