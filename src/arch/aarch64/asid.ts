import { hex, type ASID, type PPtr } from "../../model/addresses.ts";
import { failedLookup, type LookupFailure, type SyscallError } from "../../model/errors.ts";
import { err, ok, type Result } from "../../model/result.ts";
import type { KernelState } from "../../model/state.ts";
import { getObjectOfType } from "../../kernel/store.ts";
import { seL4_ASIDPoolIndexBits, seL4_NumASIDPoolsBits } from "./constants.ts";

/** ASIDs per pool (2^asidLowBits = 512 on AArch64). */
export const ASID_POOL_SIZE = 2 ** seL4_ASIDPoolIndexBits;
/** Pools in the ASID table (2^asidHighBits = 128). */
export const ASID_TABLE_SIZE = 2 ** seL4_NumASIDPoolsBits;

/** ASID_HIGH: the ASID-table index of an ASID's pool. */
export const asidHigh = (a: ASID): number => Math.floor(a / ASID_POOL_SIZE);
/** ASID_LOW: an ASID's index inside its pool. */
export const asidLow = (a: ASID): number => a % ASID_POOL_SIZE;

/**
 * seL4's findVSpaceForASID (V64, through findMapForASID): the VSpace an ASID names, or the
 * lookup failure InvalidRoot when its pool or its asid_map entry is missing.
 */
export function findVSpaceForASID(s: KernelState, a: ASID): Result<PPtr<"VSpaceRoot">, LookupFailure> {
  const poolAddr = s.asidTable.get(asidHigh(a));
  if (poolAddr === undefined) return err({ kind: "InvalidRoot" });
  const pool = getObjectOfType(s, poolAddr, "ASIDPool");
  if (pool === undefined)
    throw new Error(`capsim internal error: ASID table names ${hex(poolAddr)}, which is not an ASID pool`);
  const root = pool.entries.get(asidLow(a));
  return root === undefined ? err({ kind: "InvalidRoot" }) : ok(root);
}

/** findVSpaceForASID as decoders report it: FailedLookup, not the source, InvalidRoot. */
export function findVSpaceForASIDOrFail(s: KernelState, a: ASID): Result<PPtr<"VSpaceRoot">, SyscallError> {
  const r = findVSpaceForASID(s, a);
  return r.ok
    ? r
    : err(failedLookup(false, r.error, `ASID ${a} names no VSpace any more (its pool or its entry has gone)`));
}
