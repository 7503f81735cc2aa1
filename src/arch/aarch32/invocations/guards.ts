import { hex, isAligned, type ASID, type PPtr, type VirtAddr } from "../../../model/addresses.ts";
import { alignmentError, failedLookup, invalidCapability, type SyscallError } from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import type { Cap, FrameSize, PageDirectoryCap } from "../../../model/caps.ts";
import { frameBits } from "../objectTypes.ts";
import { findPDForASID } from "../asid.ts";
import type { KernelState } from "../../../model/state.ts";
import type { ExtraCap } from "../../../model/message.ts";

/** A page directory cap that has an ASID: what seL4 calls a valid VSpace root. */
export type AssignedPDCap = PageDirectoryCap & { readonly mappedASID: ASID };

/** seL4's isValidVTableRoot: on ARM32, a page directory cap with an ASID. */
export function isValidVTableRoot(cap: Cap): cap is AssignedPDCap {
  return cap.type === "PageDirectory" && cap.mappedASID !== null;
}

/** What isValidVTableRoot asks for, in words, for error messages outside the architecture. */
export const VTABLE_ROOT_DESCRIPTION = "on ARM32, a page directory cap with an ASID";

/** seL4's isValidVTableRoot check on an extra cap: a page directory cap with an ASID, else InvalidCapability `capNumber`. */
export function validPDCap(extra: ExtraCap | undefined, capNumber: number): Result<AssignedPDCap, SyscallError> {
  const cap = extra?.cap;
  if (cap === undefined || cap.type !== "PageDirectory")
    return err(
      invalidCapability(
        capNumber,
        `extra cap ${capNumber - 1} must be a page directory cap, not ${cap?.type ?? "missing"}`,
      ),
    );
  // The cap itself, not a copy: it is immutable, and the check narrows its type.
  if (!isValidVTableRoot(cap))
    return err(
      invalidCapability(capNumber, "the page directory has no ASID: assign it one with ASIDPool_Assign first"),
    );
  return ok(cap);
}

/** findPDForASID as decoders report it: FailedLookup (not the source) with InvalidRoot. */
export function findPDForASIDOrFail(s: KernelState, a: ASID): Result<PPtr<"VSpaceRoot">, SyscallError> {
  const pd = findPDForASID(s, a);
  return pd.ok
    ? pd
    : err(failedLookup(false, pd.error, `ASID ${a} names no page directory any more (its pool or its entry has gone)`));
}

/**
 * The two checks every ARM32 decoder makes on a page directory cap with an ASID, one after the
 * other: findPDForASID (FailedLookup when the ASID names nothing), then that the directory the
 * ASID names is the one the cap names (InvalidCapability `capNumber` when the cap is stale).
 * Gives the directory.
 */
export function findPDForVSpaceCap(
  s: KernelState,
  cap: AssignedPDCap,
  capNumber: number,
  checks?: string[],
): Result<PPtr<"VSpaceRoot">, SyscallError> {
  checks?.push("findPDForASID");
  const found = findPDForASIDOrFail(s, cap.mappedASID);
  if (!found.ok) return found;
  checks?.push("the page directory is the one its ASID names");
  if (found.value === cap.paddr) return found;
  return err(
    invalidCapability(
      capNumber,
      `ASID ${cap.mappedASID} now names the page directory at ${hex(found.value)}, not this one at ${hex(cap.paddr)}: the cap is stale`,
    ),
  );
}

const ALIGNED: Result<void, SyscallError> = ok(undefined);

/** seL4's checkVPAlignment: a frame is mapped only at a multiple of its size, else AlignmentError. */
export function checkVPAlignment(size: FrameSize, vaddr: VirtAddr): Result<void, SyscallError> {
  const bits = frameBits(size);
  return isAligned(vaddr, bits)
    ? ALIGNED
    : err(alignmentError(`${hex(vaddr)} is not aligned to the ${size}'s size (2^${bits} bytes)`));
}
