import { hex, type ASID, type PPtr } from "../../model/addresses.ts";
import type { LookupFailure } from "../../model/errors.ts";
import { err, ok, type Result } from "../../model/result.ts";
import { seL4_ASIDPoolIndexBits, seL4_NumASIDPoolsBits } from "./constants.ts";
import type { KernelState } from "../../model/state.ts";
import { getObjectOfType } from "../../kernel/store.ts";

/** The number of ASIDs one pool holds (2^asidLowBits). */
export const ASID_POOL_SIZE = 2 ** seL4_ASIDPoolIndexBits;
/** The number of pools the ASID table holds (2^asidHighBits). */
export const ASID_TABLE_SIZE = 2 ** seL4_NumASIDPoolsBits;

/** seL4's ASID_HIGH: the ASID table index that picks an ASID's pool. */
export const asidHigh = (a: ASID): number => Math.floor(a / ASID_POOL_SIZE);
/** seL4's ASID_LOW: the index of an ASID inside its pool. */
export const asidLow = (a: ASID): number => a % ASID_POOL_SIZE;

/** The pool (its physical address) that the ASID table holds for `a`, or undefined. */
export function poolForASID(s: KernelState, a: ASID): PPtr<"ASIDPool"> | undefined {
  return s.asidTable.get(asidHigh(a));
}

/**
 * seL4's findPDForASID (src/arch/arm/32/kernel/vspace.c): the page directory an ASID names,
 * or the lookup failure InvalidRoot when the ASID table has no pool for it or the pool's
 * entry is empty.
 */
export function findPDForASID(s: KernelState, a: ASID): Result<PPtr<"VSpaceRoot">, LookupFailure> {
  const poolAddr = poolForASID(s, a);
  if (poolAddr === undefined) return err({ kind: "InvalidRoot" });
  const pool = getObjectOfType(s, poolAddr, "ASIDPool");
  if (pool === undefined)
    throw new Error(`capsim internal error: ASID table names ${hex(poolAddr)}, which is not an ASID pool`);
  const pd = pool.entries.get(asidLow(a));
  return pd === undefined ? err({ kind: "InvalidRoot" }) : ok(pd);
}
