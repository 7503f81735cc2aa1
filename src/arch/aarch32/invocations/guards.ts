import { hex, type ASID, type PhysAddr } from "../../../model/addresses.ts";
import { failedLookup, invalidCapability, type SyscallError } from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import type { PageDirectoryCap } from "../../../model/caps.ts";
import { findPDForASID } from "../asid.ts";
import type { KernelState } from "../../../model/state.ts";
import type { ExtraCap } from "../../../model/message.ts";

/** A page directory cap that has an ASID: what seL4 calls a valid VSpace root. */
export type AssignedPDCap = PageDirectoryCap & { readonly mappedASID: ASID };

/** seL4's isValidVTableRoot check on an extra cap: a page directory cap with an ASID, else InvalidCapability `capNumber`. */
export function validPDCap(extra: ExtraCap | undefined, capNumber: number): Result<AssignedPDCap, SyscallError> {
  const cap = extra?.cap;
  if (cap === undefined || cap.type !== "PageDirectory") return err(invalidCapability(capNumber, `extra cap ${capNumber - 1} must be a page directory cap, not ${cap?.type ?? "missing"}`));
  if (cap.mappedASID === null) return err(invalidCapability(capNumber, "the page directory has no ASID: assign it one with ASIDPool_Assign first"));
  return ok(cap as AssignedPDCap);
}

/** findPDForASID as decoders report it: FailedLookup (not the source) with InvalidRoot. */
export function findPDForASIDOrFail(s: KernelState, a: ASID): Result<PhysAddr, SyscallError> {
  const pd = findPDForASID(s, a);
  return pd.ok ? pd : err(failedLookup(false, pd.error, `ASID ${a} names no page directory any more (its pool or its entry has gone)`));
}

/** The check after findPDForASID: the directory the ASID names must be the one the cap names. */
export function ensurePDMatches(found: PhysAddr, cap: AssignedPDCap, capNumber: number): SyscallError | undefined {
  return found === cap.paddr ? undefined : invalidCapability(capNumber, `ASID ${cap.mappedASID} now names the page directory at ${hex(found)}, not this one at ${hex(cap.paddr)}: the cap is stale`);
}
