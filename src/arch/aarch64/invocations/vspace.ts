import { hex, type PhysAddr, type VirtAddr } from "../../../model/addresses.ts";
import { illegalOperation, type SyscallError } from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import type { VSpaceCap } from "../../../model/caps.ts";
import type { MutableState } from "../../../model/transition.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext } from "../../../model/message.ts";
import {
  checkFlushInsidePage,
  decodeRootFlushRequest,
  noteNothingToFlush,
  recordCacheMaintenance,
  VSPACE_FLUSH_LABELS,
} from "../../arm/cacheMaintenance.ts";
import { lookupPTSlot } from "../walk.ts";
import type { Aarch64FlushInvocation } from "./flush.ts";
import { findVSpaceForCap, validVSpaceCap } from "./guards.ts";

/** A VSpace cache operation: a flush, or nothing when no page is mapped at the start. */
export type VSpaceInvocation = Aarch64FlushInvocation | { readonly kind: "VSpaceFlushNothing" };

/**
 * seL4's decodeARMVSpaceRootInvocation (V64): cache maintenance over [MR0, MR1). Only `end` is
 * tested against USER_TOP (inclusive, so the last user byte cannot be named); a hole at `start`
 * is success doing nothing; the range must stay inside the page mapped at `start`.
 */
export function decodeVSpaceInvocation(ctx: DecodeContext<VSpaceCap>): Result<VSpaceInvocation, SyscallError> {
  const request = decodeRootFlushRequest(ctx, VSPACE_FLUSH_LABELS, { root: "VSpace", prefix: "VSpace" });
  if (!request.ok) return request;
  const { state, checks } = ctx;
  const { operation, start, end } = request.value;
  const userTop = state.config.userTop;
  checks?.push("the end at most USER_TOP");
  if (end > userTop) return err(illegalOperation(`the end ${hex(end)} is above USER_TOP (${hex(userTop)})`));
  checks?.push("the VSpace has an ASID");
  const vspaceCap = validVSpaceCap(ctx.cap, 0);
  if (!vspaceCap.ok) return vspaceCap;
  const root = findVSpaceForCap(state, vspaceCap.value, 0, checks);
  if (!root.ok) return root;
  checks?.push("something is mapped at start (lookupPTSlot; else nothing to do)");
  const found = lookupPTSlot(state, root.value, start as VirtAddr);
  if (found.pte.kind !== "Page") return ok({ kind: "VSpaceFlushNothing" });
  checks?.push("the range inside the page mapped at start");
  const base = checkFlushInsidePage(request.value, found.ptBitsLeft, found.pte.size);
  if (!base.ok) return base;
  if (operation === "Invalidate_Data") checks?.push("Invalidate_Data needs a read-write mapping");
  if (operation === "Invalidate_Data" && found.pte.rights !== "VMReadWrite")
    return err(illegalOperation("Invalidate_Data needs a read-write mapping at the start of the range"));
  return ok({
    kind: "Aarch64Flush",
    operation,
    vstart: start as VirtAddr,
    vend: (end - 1) as VirtAddr,
    pstart: (found.pte.paddr + (start - base.value)) as PhysAddr,
  });
}

export function performVSpaceInvocation(s: MutableState, inv: VSpaceInvocation): readonly number[] {
  if (inv.kind === "VSpaceFlushNothing") return noteNothingToFlush(s);
  recordCacheMaintenance(s, inv);
  return [];
}

export const vspaceFamily: InvocationFamily<VSpaceCap, VSpaceInvocation> = {
  decode: decodeVSpaceInvocation,
  perform: performVSpaceInvocation,
};
