import { hex, isAligned, type ASID, type PPtr, type VirtAddr } from "../../../model/addresses.ts";
import { alignmentError, invalidCapability, type SyscallError } from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import type { Aarch64FrameSize, Cap, VSpaceCap } from "../../../model/caps.ts";
import type { KernelState } from "../../../model/state.ts";
import { findVSpaceForASIDOrFail } from "../asid.ts";
import { frameBits } from "../objectTypes.ts";

/** A VSpace cap with an ASID: what seL4 calls a valid native root. */
export type AssignedVSpaceCap = VSpaceCap & { readonly mappedASID: ASID };

/** seL4's isValidNativeRoot (V64): a VSpace cap with capVSIsMapped. A page-table cap never is. */
export function isValidNativeRoot(cap: Cap | undefined): cap is AssignedVSpaceCap {
  return cap !== undefined && cap.type === "VSpace" && cap.mappedASID !== null;
}

/** isValidNativeRoot on cap `capNumber`, else InvalidCapability `capNumber`. */
export function validVSpaceCap(cap: Cap | undefined, capNumber: number): Result<AssignedVSpaceCap, SyscallError> {
  if (cap === undefined || cap.type !== "VSpace")
    return err(invalidCapability(capNumber, `cap ${capNumber} must be a VSpace cap, not ${cap?.type ?? "missing"}`));
  if (cap.mappedASID === null)
    return err(invalidCapability(capNumber, "the VSpace has no ASID: assign it one with ASIDPool_Assign first"));
  return ok({ type: "VSpace", paddr: cap.paddr, mappedASID: cap.mappedASID });
}

/**
 * The two checks every AArch64 decoder makes on an assigned VSpace cap, in order:
 * findVSpaceForASID (FailedLookup), then that the ASID still names this VSpace (InvalidCapability).
 */
export function findVSpaceForCap(
  s: KernelState,
  cap: AssignedVSpaceCap,
  capNumber: number,
  checks?: string[],
): Result<PPtr<"VSpaceRoot">, SyscallError> {
  checks?.push("findVSpaceForASID");
  const found = findVSpaceForASIDOrFail(s, cap.mappedASID);
  if (!found.ok) return found;
  checks?.push("the VSpace is the one its ASID names");
  if (found.value === cap.paddr) return found;
  return err(
    invalidCapability(
      capNumber,
      `ASID ${cap.mappedASID} now names the VSpace at ${hex(found.value)}, not this one at ${hex(cap.paddr)}: the cap is stale`,
    ),
  );
}

/** seL4's checkVPAlignment: a frame is mapped only at a multiple of its size. */
export function checkVPAlignment(size: Aarch64FrameSize, vaddr: VirtAddr): Result<void, SyscallError> {
  const bits = frameBits(size);
  return isAligned(vaddr, bits)
    ? ok(undefined)
    : err(alignmentError(`${hex(vaddr)} is not aligned to the ${size}'s size (2^${bits} bytes)`));
}
