import { hex, type PhysAddr } from "../../model/addresses.ts";
import type { KernelObject } from "../../model/objects.ts";
import type { KernelState } from "../../model/state.ts";
import { entriesOf, isTable } from "../../kernel/store.ts";
import { aarch64, ASID_POOL_SIZE, ASID_TABLE_SIZE } from "../../arch/index.ts";
import { asidPoolSizeOf } from "./paging.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";
import { cachesBy, failingKeys } from "./foldCache.ts";

/** How many entries each kind of table has (ARM32: PD 4096, PT 256; AArch64: VSpace and page table 512; an ASID pool per architecture). */
const TABLE_ENTRIES: Partial<Record<KernelObject["type"], number>> = {
  PageDirectory: 4096,
  PageTable: 256,
  VSpace: 512,
  PageTable64: 512,
};

/**
 * Whether a stored entry is a word its table holds: 64-bit descriptors in AArch64's tables,
 * 32-bit words in ARM32's, and in an ASID pool an address of `addressBits` bits.
 */
const entryWordOK = (type: KernelObject["type"], v: unknown, addressBits: number): boolean =>
  type === "VSpace" || type === "PageTable64"
    ? aarch64.isDescriptorWord(v)
    : typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 2 ** (type === "ASIDPool" ? addressBits : 32);

/** The pool size and the width of a pool's addresses on the machine's architecture. */
const poolShapeOf = (s: KernelState): [poolSize: number, addressBits: number] => [
  asidPoolSizeOf(s),
  s.config.arch === "aarch64" ? 48 : 32,
];

/** valid_objs for one table entry: it sits at an index the table has, and holds a word of the table's width. */
function tableEntryViolation(
  addr: PhysAddr,
  type: KernelObject["type"],
  size: number,
  i: number,
  v: unknown,
  addressBits: number,
): Violation | undefined {
  if (Number.isInteger(i) && i >= 0 && i < size && entryWordOK(type, v, addressBits)) return undefined;
  const bits = type === "VSpace" || type === "PageTable64" ? 64 : type === "ASIDPool" ? addressBits : 32;
  return violation(
    "valid_objs",
    `${type} ${hex(addr)} has entry [${i}] = ${String(v)}; it has ${size} entries of ${bits}-bit words`,
    { object: addr, type, index: i, value: typeof v === "number" ? v : String(v) },
  );
}

/**
 * valid_objs for one object of state `s` (which holds a paging structure's entries): its table
 * entries sit at indices it has, and hold words of its width. `poolSize` and `addressBits` are the architecture's ASID pool size and the width of the
 * addresses a pool holds (ARM32's by default).
 */
export function validObject(
  s: KernelState,
  addr: PhysAddr,
  o: KernelObject,
  poolSize: number = ASID_POOL_SIZE,
  addressBits = 32,
): Violation[] {
  const size = o.type === "ASIDPool" ? poolSize : TABLE_ENTRIES[o.type];
  const entries = o.type === "ASIDPool" ? o.entries : isTable(o) ? entriesOf(s, o) : undefined;
  if (size === undefined || entries === undefined) return [];
  return collect(entries as Iterable<[number, unknown]>, ([i, v]) =>
    tableEntryViolation(addr, o.type, size, i, v, addressBits),
  );
}

/** valid_asid_table: the ASID table's indices are pool numbers, and each names a live ASID pool. */
export function validASIDTable(s: KernelState): Violation[] {
  return collect(s.asidTable, ([index, pool]) => {
    const o = s.objects.get(pool);
    const tableSize = s.config.arch === "aarch64" ? aarch64.ASID_TABLE_SIZE : ASID_TABLE_SIZE;
    if (index >= 0 && index < tableSize && o?.type === "ASIDPool") return undefined;
    return violation(
      "valid_objs",
      `ASID table entry ${index} names ${o ? `a ${o.type}` : "nothing"} at ${hex(pool)}; it should name a live ASID pool`,
      { index, object: pool, found: o?.type ?? null },
    );
  });
}

/** l4v valid_objs (the parts capsim's records can break): well-formed tables, and a valid ASID table. */
export const validObjs: Invariant = (s) => [
  ...[...s.objects].flatMap(([addr, o]) => validObject(s, addr, o, ...poolShapeOf(s))),
  ...validASIDTable(s),
];

const tableCaches = cachesBy<readonly number[]>();

/** valid_objs as validObjs finds it, each table's failing entries from the fold cache (checkAllCached). */
const validObjsCached: Invariant = (s) => {
  // AArch64's tables are sparse (no kernel window in them): the plain check costs less than the caches.
  if (s.config.arch === "aarch64") return validObjs(s);
  const [poolSize, addressBits] = poolShapeOf(s);
  const out: Violation[] = [];
  for (const [addr, o] of s.objects) {
    if (!isTable(o)) {
      out.push(...validObject(s, addr, o, poolSize, addressBits));
      continue;
    }
    const size = TABLE_ENTRIES[o.type] ?? 0;
    const entries = entriesOf(s, o);
    const failing = failingKeys<unknown>(
      entries,
      (i, v) => tableEntryViolation(addr, o.type, size, i, v, addressBits) !== undefined,
      tableCaches(`${o.type}:${addressBits}`),
    );
    for (const i of failing) {
      const v = tableEntryViolation(addr, o.type, size, i, entries.get(i), addressBits);
      if (v !== undefined) out.push(v);
    }
  }
  out.push(...validASIDTable(s));
  return out;
};

/**
 * The changed entries of page directories and tables (a table's creation changes all of its
 * entries); every other changed object whole; the ASID table when it or a pool changed.
 */
const validObjsDelta = (c: StateChange, out: Violation[]): void => {
  const shape = poolShapeOf(c.after);
  // ARM32's tables are checked entry by entry (c.entries); every other changed object whole.
  for (const [addr, o] of c.objectEntries)
    if (o.type !== "PageDirectory" && o.type !== "PageTable") out.push(...validObject(c.after, addr, o, ...shape));
  for (const e of c.entries) {
    if (e.after === undefined) continue;
    const v = tableEntryViolation(e.table, e.type, TABLE_ENTRIES[e.type] ?? 0, e.index, e.after, shape[1]);
    if (v !== undefined) out.push(v);
  }
  if (c.asidTableTouched) out.push(...validASIDTable(c.after));
};

export const VALID_OBJS: InvariantCheck = {
  name: "valid_objs",
  full: validObjs,
  delta: validObjsDelta,
  cached: validObjsCached,
};
