import { asid as toASID, type ASID, type PPtr } from "../../model/addresses.ts";
import type { MutableState } from "../../model/transition.ts";
import { getObjectOfType, putObject } from "../../kernel/store.ts";
import { invalidateTLBByASID } from "./tlb.ts";
import { setVMRoot } from "./vmRoot.ts";
import { asidHigh, asidLow, ASID_POOL_SIZE } from "./asid.ts";
import { invalidateASIDEntry } from "./hwASID.ts";

/**
 * seL4's deleteASID: when the last cap to a page directory with an ASID goes, and the pool
 * still maps that ASID to this directory: flush its TLB lines (flushSpace), release its hardware
 * ASID, empty the pool entry, and reload the current thread's address space. The directory's
 * entries stay as they are, and caps that recorded mappings through the ASID go stale.
 */
export function deleteASID(s: MutableState, a: ASID, pd: PPtr<"VSpaceRoot">): void {
  const poolAddr = s.asidTable.get(asidHigh(a));
  if (poolAddr === undefined) return;
  const pool = getObjectOfType(s, poolAddr, "ASIDPool");
  if (pool === undefined || pool.entries.get(asidLow(a)) !== pd) return;
  invalidateTLBByASID(s, a, `ASID ${a} was deleted with its page directory`);
  invalidateASIDEntry(s, a);
  putObject(s, { ...pool, entries: pool.entries.delete(asidLow(a)) });
  setVMRoot(s, s.currentThread);
}

/**
 * seL4's deleteASIDPool: when the last cap to a pool goes, and the ASID table still holds it:
 * flush and release every ASID in it, empty the table slot, reload the current address space.
 */
export function deleteASIDPool(s: MutableState, base: ASID, pool: PPtr<"ASIDPool">): void {
  if (s.asidTable.get(asidHigh(base)) !== pool) return;
  const obj = getObjectOfType(s, pool, "ASIDPool");
  for (const [low] of obj?.entries.entries() ?? []) {
    const a = toASID(asidHigh(base) * ASID_POOL_SIZE + low);
    invalidateTLBByASID(s, a, `ASID ${a} was deleted with its pool`);
    invalidateASIDEntry(s, a);
  }
  s.asidTable = s.asidTable.delete(asidHigh(base));
  setVMRoot(s, s.currentThread);
}
