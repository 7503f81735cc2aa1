import { asid as toASID, type ASID, type PPtr } from "../../model/addresses.ts";
import type { Cap } from "../../model/caps.ts";
import type { SlotAddr } from "../../model/state.ts";
import { getObjectOfType, putObject, removeObject } from "../../kernel/store.ts";
import type { MutableState } from "../../model/transition.ts";
import { asidHigh, asidLow, ASID_POOL_SIZE } from "./asid.ts";
import { unmapPage, unmapPageTable } from "./mapping.ts";
import { invalidateTLBByASID } from "./tlb.ts";
import { setVMRoot } from "./vmRoot.ts";
import { aarch64FrameSize } from "./objectTypes.ts";

/**
 * seL4's deleteASID (V64): if the pool still maps `a` to this VSpace, flush the ASID from the TLB,
 * empty the entry and reload the current thread's address space. Unlike ARM32 no cache is cleaned,
 * and there is no hardware ASID to release (non-hyp). Tables and frames below stay; their caps go stale.
 */
export function deleteASID(s: MutableState, a: ASID, vspace: PPtr<"VSpaceRoot">): void {
  const poolAddr = s.asidTable.get(asidHigh(a));
  if (poolAddr === undefined) return;
  const pool = getObjectOfType(s, poolAddr, "ASIDPool");
  if (pool === undefined || pool.entries.get(asidLow(a)) !== vspace) return;
  invalidateTLBByASID(s, a, `ASID ${a} was deleted with its VSpace`);
  putObject(s, {
    type: "ASIDPool",
    paddr: pool.paddr,
    entries: pool.entries.delete(asidLow(a)),
  });
  setVMRoot(s, s.currentThread);
}

/** seL4's deleteASIDPool (V64): flush every assigned ASID of the pool, empty its table slot, reload the address space. */
export function deleteASIDPool(s: MutableState, base: ASID, pool: PPtr<"ASIDPool">): void {
  if (s.asidTable.get(asidHigh(base)) !== pool) return;
  const obj = getObjectOfType(s, pool, "ASIDPool");
  for (const [low] of obj?.entries.entries() ?? []) {
    const a = toASID(asidHigh(base) * ASID_POOL_SIZE + low);
    invalidateTLBByASID(s, a, `ASID ${a} was deleted with its pool`);
  }
  s.asidTable = s.asidTable.delete(asidHigh(base));
  setVMRoot(s, s.currentThread);
}

/**
 * AArch64's Arch_finaliseCap (OT64): a frame cap unmaps its mapping on every delete, final or not;
 * the final page-table cap unmaps the table (no zeroing); the final assigned VSpace cap releases
 * its ASID (deleteASID); the final pool cap releases the pool (deleteASIDPool).
 */
export function finaliseArchCap(s: MutableState, cap: Cap, _slot: SlotAddr, isFinal: boolean): void {
  switch (cap.type) {
    case "Frame":
      if (cap.mapping !== null)
        unmapPage(s, aarch64FrameSize(cap.size), cap.mapping.asid, cap.mapping.vaddr, cap.paddr);
      break;
    case "PageTable":
      if (isFinal && cap.mapping !== null) unmapPageTable(s, cap.mapping.asid, cap.mapping.vaddr, cap.paddr);
      break;
    case "VSpace":
      if (isFinal && cap.mappedASID !== null) deleteASID(s, cap.mappedASID, cap.paddr);
      break;
    case "ASIDPool":
      if (isFinal) deleteASIDPool(s, cap.asidBase, cap.paddr);
      break;
    default:
      return;
  }
  if (isFinal) removeObject(s, cap.paddr);
}
