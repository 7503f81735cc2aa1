import { hex, type PhysAddr } from "../../model/addresses.ts";
import type { KernelObject } from "../../model/objects.ts";
import type { KernelState } from "../../model/state.ts";
import { ASID_POOL_SIZE, ASID_TABLE_SIZE } from "../../arch/index.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

/** How many entries each kind of table has (PD 4096, PT 256, ASID pool 1024). */
const TABLE_ENTRIES: Partial<Record<KernelObject["type"], number>> = {
  PageDirectory: 4096,
  PageTable: 256,
  ASIDPool: ASID_POOL_SIZE,
};

/** valid_objs for one table entry: it sits at an index the table has, and holds a 32-bit word. */
function tableEntryViolation(
  addr: PhysAddr,
  type: KernelObject["type"],
  size: number,
  i: number,
  v: number,
): Violation | undefined {
  const wordOK = Number.isInteger(v) && v >= 0 && v < 2 ** 32;
  if (Number.isInteger(i) && i >= 0 && i < size && wordOK) return undefined;
  return violation(
    "valid_objs",
    `${type} ${hex(addr)} has entry [${i}] = ${v}; it has ${size} entries of 32-bit words`,
    {
      object: addr,
      type,
      index: i,
      value: v,
    },
  );
}

/** valid_objs for one object: its table entries sit at indices it has, and hold 32-bit words. */
export function validObject(addr: PhysAddr, o: KernelObject): Violation[] {
  const size = TABLE_ENTRIES[o.type];
  if (size === undefined || !("entries" in o)) return [];
  return collect(o.entries as Iterable<[number, number]>, ([i, v]) => tableEntryViolation(addr, o.type, size, i, v));
}

/** valid_asid_table: the ASID table's indices are pool numbers, and each names a live ASID pool. */
export function validASIDTable(s: KernelState): Violation[] {
  return collect(s.asidTable, ([index, pool]) => {
    const o = s.objects.get(pool);
    if (index >= 0 && index < ASID_TABLE_SIZE && o?.type === "ASIDPool") return undefined;
    return violation(
      "valid_objs",
      `ASID table entry ${index} names ${o ? `a ${o.type}` : "nothing"} at ${hex(pool)}; it should name a live ASID pool`,
      { index, object: pool, found: o?.type ?? null },
    );
  });
}

/** l4v valid_objs (the parts capsim's records can break): well-formed tables, and a valid ASID table. */
export const validObjs: Invariant = (s) => [
  ...[...s.objects].flatMap(([addr, o]) => validObject(addr, o)),
  ...validASIDTable(s),
];

/**
 * The changed entries of page directories and tables (a table's creation changes all of its
 * entries); every other changed object whole; the ASID table when it or a pool changed.
 */
const validObjsDelta = (c: StateChange, out: Violation[]): void => {
  for (const [addr, o] of c.objectEntries)
    if (o.type !== "PageDirectory" && o.type !== "PageTable") out.push(...validObject(addr, o));
  for (const e of c.entries) {
    if (e.after === undefined) continue;
    const v = tableEntryViolation(e.table, e.type, TABLE_ENTRIES[e.type] ?? 0, e.index, e.after);
    if (v !== undefined) out.push(v);
  }
  if (c.asidTableTouched) out.push(...validASIDTable(c.after));
};

export const VALID_OBJS: InvariantCheck = {
  name: "valid_objs",
  full: validObjs,
  delta: validObjsDelta,
};
