import { hex, type ASID, type PhysAddr, type PPtr, type VirtAddr } from "../../../model/addresses.ts";
import { invalidCapability, type SyscallError } from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import type { FrameCap } from "../../../model/caps.ts";
import type { MutableState } from "../../../model/transition.ts";
import type { DecodeContext } from "../../../model/message.ts";
import {
  checkOffsetsInsideFrame,
  decodeFrameFlushRequest,
  recordCacheMaintenance,
  type CacheMaintenance,
  type RootForASID,
} from "../../arm/cacheMaintenance.ts";
import { frameBits } from "../objectTypes.ts";
import { resolveVAddr } from "../walk.ts";
import { setVMRoot, setVMRootForFlush } from "../vmRoot.ts";
import { findPDForASIDOrFail } from "./guards.ts";

/**
 * A cache maintenance operation over [vstart, vend] (inclusive, as seL4's decoders pass
 * end - 1), starting at physical pstart, in the address space of directory `pd` and ASID `asid`.
 */
export interface PageFlushInvocation extends CacheMaintenance {
  readonly kind: "PageFlush";
  readonly pd: PPtr<"VSpaceRoot">;
  readonly asid: ASID;
}

const PD_FOR_ASID: RootForASID<PPtr<"VSpaceRoot">> = { check: "findPDForASID", find: findPDForASIDOrFail };

/**
 * seL4's page cache operations (decodeARMFrameInvocation, flush labels). MR0 = start offset,
 * MR1 = end offset (exclusive), both inside the frame. The frame must be mapped through a live
 * ASID. seL4 16.0.0 added a check that the mapping the cap records still holds this frame, before
 * the offsets (AArch64 checks them the other way round); the legacy (10.x) API, like 11.0-15.0,
 * has no such check.
 */
export function decodePageFlush(ctx: DecodeContext<FrameCap>): Result<PageFlushInvocation, SyscallError> {
  const request = decodeFrameFlushRequest(ctx, PD_FOR_ASID);
  if (!request.ok) return request;
  const { state, cap, checks } = ctx;
  const { operation, start, end, mapping, root: pd } = request.value;
  if (state.config.api === "current") {
    checks?.push("the cap's mapping still holds this frame (resolveVAddr)");
    const now = resolveVAddr(state, pd, mapping.vaddr);
    if (now === undefined || now.size !== cap.size || now.frame !== cap.paddr) {
      return err(
        invalidCapability(
          0,
          `the mapping this cap records at ${hex(mapping.vaddr)} no longer holds this frame (it was unmapped or replaced): the cap is stale`,
        ),
      );
    }
  }
  checks?.push("offsets inside the frame");
  const inside = checkOffsetsInsideFrame(request.value, frameBits(cap.size), cap.size);
  if (!inside.ok) return inside;
  return ok({
    kind: "PageFlush",
    operation,
    pd,
    asid: mapping.asid,
    vstart: (mapping.vaddr + start) as VirtAddr,
    vend: (mapping.vaddr + end - 1) as VirtAddr,
    pstart: (cap.paddr + start) as PhysAddr,
  });
}

/**
 * seL4's performPageFlush and performPDFlush (vspace.c, the same at 10.1.1 and 16.0.0): the
 * cache operation works on virtual addresses, so seL4 switches to the target address space
 * (setVMRootForFlush, which may allocate a hardware ASID), does it, and switches back. It does
 * all this only when start < end in its inclusive terms: a one-byte range does nothing at all.
 * The cache itself is not modelled; the operation is recorded for the learner.
 */
export function performPageFlush(s: MutableState, inv: PageFlushInvocation): readonly number[] {
  if (!(inv.vstart < inv.vend)) {
    s.effects.push({
      kind: "note",
      text: `seL4 flushes only ranges longer than one byte: ${inv.operation} of ${hex(inv.vstart)} alone does nothing`,
    });
    return [];
  }
  const rootSwitched = setVMRootForFlush(s, inv.pd, inv.asid);
  recordCacheMaintenance(s, inv);
  if (rootSwitched) setVMRoot(s, s.currentThread);
  return [];
}
