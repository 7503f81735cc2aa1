import { hex, type PhysAddr } from "../../model/addresses.ts";
import { aarch64, ASID_POOL_SIZE, ASID_TABLE_SIZE } from "../../arch/index.ts";
import { frameSizeBits } from "../../model/state.ts";
import type { Cap } from "../../model/caps.ts";
import type { KernelState, SlotAddr } from "../../model/state.ts";
import type { InvariantCheck } from "./change.ts";
import type { Invariant, Violation, ViolationDetails } from "./violation.ts";
import { joined, NONE, type FoldCache } from "./foldCache.ts";

const violation = (message: string, details: ViolationDetails): Violation => ({
  invariant: "valid_mapping_records",
  message,
  details,
});

/**
 * log2 of the least alignment of a mapped page table's record: on ARM32 the base of its 1 MiB
 * directory slot; on AArch64 the base of the slot that names it, 2^39, 2^30 or 2^21 (the cap does
 * not say which level, so the least).
 */
const TABLE_SPAN_BITS = { aarch32: 20, aarch64: 21 } as const;
/** How many ASIDs there are (2^17 on ARM32, 2^16 on AArch64). */
const ASID_COUNT = {
  aarch32: ASID_TABLE_SIZE * ASID_POOL_SIZE,
  aarch64: aarch64.ASID_TABLE_SIZE * aarch64.ASID_POOL_SIZE,
} as const;

/**
 * l4v valid_cap for a mapped frame or page-table cap (ARM's `Some (asid, vref)` case): the ASID
 * is a real one (not 0, below 2^17; 2^16 on AArch64) and the recorded address is an integer
 * aligned to what is mapped and below USER_TOP, so below 2^32 (on AArch64 at most its inclusive
 * seL4_UserTop). A record is not required to be one the tables still
 * hold: seL4 leaves it in place when the page table or the directory under it goes away (a
 * stale cap, which Page_Map and the flushes of 16.0.0 check for); valid_vs_lookup covers the
 * other direction (every entry the tables hold is recorded by a cap). Page_Map at a vaddr of
 * 2^32 or more broke this: the entry went to the address mod 2^32, the record kept the rest.
 */
export function mappingRecordViolations(s: KernelState, slot: SlotAddr, cap: Cap): Violation[] {
  if ((cap.type !== "Frame" && cap.type !== "PageTable") || cap.mapping === null) return [];
  const { asid, vaddr } = cap.mapping;
  const arch = s.config.arch;
  const alignBits = cap.type === "Frame" ? frameSizeBits(s.config.sizes, cap.size) : TABLE_SPAN_BITS[arch];
  const asidOK = Number.isInteger(asid) && asid > 0 && asid < ASID_COUNT[arch];
  // USER_TOP is exclusive on ARM32 and the last user address on AArch64.
  const belowTop = arch === "aarch64" ? vaddr <= s.config.userTop : vaddr < s.config.userTop;
  const vaddrOK = Number.isSafeInteger(vaddr) && vaddr >= 0 && vaddr % 2 ** alignBits === 0 && belowTop;
  if (asidOK && vaddrOK) return [];
  const shown = (n: number) => (Number.isSafeInteger(n) ? hex(n) : String(n));
  return [
    violation(
      `slot ${hex(slot)}: the ${cap.type} cap records a mapping at ${shown(vaddr)} in ASID ${asid}; a record is a live ASID and a ${2 ** alignBits}-aligned address below USER_TOP (${hex(s.config.userTop)})`,
      { slot, capType: cap.type, asid, vaddr, object: cap.paddr as PhysAddr },
    ),
  ];
}

/** Every frame and page-table cap's mapping record is one seL4 could hold. */
export const validMappingRecords: Invariant = (s) =>
  [...s.ctes].flatMap(([slot, cte]) => mappingRecordViolations(s, slot, cte.cap));

/** Per machine configuration (the rule reads only the cap, its slot and the configuration). */
const recordCaches = new WeakMap<object, FoldCache<readonly Violation[]>>();

/** validMappingRecords with each slot subtree's violations from the fold cache (checkAllCached). */
const validMappingRecordsCached: Invariant = (s) => {
  // On AArch64 the caches measured no gain over the plain check (docs/performance.md, "Round five").
  if (s.config.arch === "aarch64") return validMappingRecords(s);
  let cache = recordCaches.get(s.config);
  if (cache === undefined) recordCaches.set(s.config, (cache = new WeakMap()));
  const found = s.ctes.fold<readonly Violation[]>(
    (slot, cte) => {
      const v = mappingRecordViolations(s, slot, cte.cap);
      return v.length === 0 ? NONE : v;
    },
    joined,
    NONE,
    cache,
  );
  return [...found];
};

/** The same, for the slots a transition changed (a record changes only with its cap). */
export function validMappingRecordsTouched(after: KernelState, changedCtes: readonly SlotAddr[]): Violation[] {
  return changedCtes.flatMap((slot) => {
    const cte = after.ctes.get(slot);
    return cte === undefined ? [] : mappingRecordViolations(after, slot, cte.cap);
  });
}

export const VALID_MAPPING_RECORDS: InvariantCheck = {
  name: "valid_mapping_records",
  full: validMappingRecords,
  cached: validMappingRecordsCached,
  delta: (change, out) => void out.push(...validMappingRecordsTouched(change.after, change.ctes)),
};
