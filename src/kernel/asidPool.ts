import { asid as toASID, type ASID, type PPtr } from "../model/addresses.ts";
import { deleteFirst, failedLookup, invalidCapability, type SyscallError } from "../model/errors.ts";
import { err, ok, type Result } from "../model/result.ts";
import type { ASIDControlCap, ASIDPoolCap } from "../model/caps.ts";
import { IT_ASID } from "../model/constants.ts";
import { PMap } from "../model/pmap.ts";
import type { KernelState } from "../model/state.ts";
import type { MutableState } from "../model/transition.ts";
import { objectOfType, putObject } from "./store.ts";

/**
 * What ASIDPool_Assign checks of the pool cap, the same on every ARM architecture (seL4's
 * decodeARMMMUInvocation, pool case): the ASID table still holds a pool at the cap's index
 * (else FailedLookup), the very pool the cap names (else InvalidCapability 0, the cap is
 * stale), and the pool has a free ASID; the lowest free one is handed out, never ASID 0.
 * `what` names the VSpace root kind for the DeleteFirst message.
 */
export function findFreeASIDInPool(
  s: KernelState,
  cap: ASIDPoolCap,
  poolSize: number,
  what: string,
  checks?: string[],
): Result<ASID, SyscallError> {
  checks?.push("the ASID table holds a pool for the cap's ASIDs");
  const inTable = s.asidTable.get(Math.floor(cap.asidBase / poolSize));
  if (inTable === undefined)
    return err(failedLookup(false, { kind: "InvalidRoot" }, "the ASID table no longer holds this pool"));
  checks?.push("that pool is the cap's pool");
  if (inTable !== cap.paddr)
    return err(invalidCapability(0, "the ASID table slot of this cap's ASIDs holds another pool: the cap is stale"));
  const pool = objectOfType(s, cap.paddr, "ASIDPool");
  checks?.push("a free ASID in the pool");
  for (let i = 0; i < poolSize; i++) {
    if (cap.asidBase + i !== 0 && !pool.entries.has(i)) return ok(toASID(cap.asidBase + i));
  }
  return err(deleteFirst(`all ${poolSize} ASIDs of this pool are in use: delete a ${what} that has one`));
}

/** ASIDPool_Assign's perform, the pool part: the ASID's entry names the VSpace root. */
export function writeASIDPoolEntry(
  s: MutableState,
  pool: PPtr<"ASIDPool">,
  poolSize: number,
  a: ASID,
  root: PPtr<"VSpaceRoot">,
): void {
  const p = objectOfType(s, pool, "ASIDPool");
  putObject(s, { type: "ASIDPool", paddr: p.paddr, entries: p.entries.set(a % poolSize, root) });
}

/** The caps seL4's create_it_asid_pool hands out: the initial pool (base 0) and ASID control. */
export interface ItASIDPool {
  readonly asidPoolCap: ASIDPoolCap;
  readonly asidControlCap: ASIDControlCap;
}

/** seL4's create_it_asid_pool, the same on every ARM architecture: an empty pool covering ASIDs from 0, and ASID control. */
export function createItASIDPool(s: MutableState, pool: PPtr<"ASIDPool">): ItASIDPool {
  putObject(s, { type: "ASIDPool", paddr: pool, entries: PMap.empty() });
  return {
    asidPoolCap: { type: "ASIDPool", paddr: pool, asidBase: toASID(0) },
    asidControlCap: { type: "ASIDControl" },
  };
}

/** seL4's write_it_asid_pool: the initial VSpace root under IT_ASID, and the pool in the ASID table. */
export function writeItASIDPool(
  s: MutableState,
  pool: PPtr<"ASIDPool">,
  poolSize: number,
  root: PPtr<"VSpaceRoot">,
): void {
  writeASIDPoolEntry(s, pool, poolSize, toASID(IT_ASID), root);
  s.asidTable = s.asidTable.set(Math.floor(IT_ASID / poolSize), pool);
}
