import { hex, type PhysAddr, type VirtAddr } from "../../../model/addresses.ts";
import { illegalOperation, invalidCapability, type SyscallError } from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import type { PageDirectoryCap } from "../../../model/caps.ts";
import type { MutableState } from "../../../model/transition.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext } from "../../../model/message.ts";
import {
  checkFlushInsidePage,
  decodeRootFlushRequest,
  noteNothingToFlush,
  PD_FLUSH_LABELS,
} from "../../arm/cacheMaintenance.ts";
import { frameBits } from "../objectTypes.ts";
import { resolveVAddr } from "../walk.ts";
import { findPDForVSpaceCap, validPDCap } from "./guards.ts";
import { performPageFlush, type PageFlushInvocation } from "./pageFlush.ts";

/** A PD cache operation: the same flush record as a frame's, or nothing when nothing is mapped at start. */
export type PageDirectoryInvocation = PageFlushInvocation | { readonly kind: "PageDirectoryFlushNothing" };

/**
 * seL4's decodeARMPageDirectoryInvocation: cache maintenance over [MR0, MR1) of the directory's
 * address space. The range must lie below USER_TOP and inside the one frame mapped at its start;
 * when nothing is mapped at the start there is nothing cached, and the call succeeds doing nothing.
 */
export function decodePageDirectoryInvocation(
  ctx: DecodeContext<PageDirectoryCap>,
): Result<PageDirectoryInvocation, SyscallError> {
  const request = decodeRootFlushRequest(ctx, PD_FLUSH_LABELS, { root: "page directory", prefix: "PageDirectory" });
  if (!request.ok) return request;
  const { state, checks } = ctx;
  const { operation, start, end } = request.value;
  const userTop = state.config.userTop;
  checks?.push("the range below USER_TOP");
  if (start >= userTop || end > userTop)
    return err(illegalOperation(`the range must lie below USER_TOP (${hex(userTop)})`));
  checks?.push("the page directory has an ASID");
  const pdCap = validPDCap({ cap: ctx.cap, slot: ctx.slot }, 0);
  if (!pdCap.ok) return err(invalidCapability(0, "this page directory has no ASID: assign it one first"));
  const found = findPDForVSpaceCap(state, pdCap.value, 0, checks);
  if (!found.ok) return found;
  checks?.push("something is mapped at start (resolveVAddr; else nothing to do)");
  const page = resolveVAddr(state, found.value, start as VirtAddr);
  if (page === undefined) return ok({ kind: "PageDirectoryFlushNothing" });
  checks?.push("the range inside the frame mapped at start");
  const base = checkFlushInsidePage(request.value, frameBits(page.size), page.size);
  if (!base.ok) return base;
  return ok({
    kind: "PageFlush",
    operation,
    pd: found.value,
    asid: pdCap.value.mappedASID,
    vstart: start as VirtAddr,
    vend: (end - 1) as VirtAddr,
    pstart: (page.frame + (start - base.value)) as PhysAddr,
  });
}

export function performPageDirectoryInvocation(s: MutableState, inv: PageDirectoryInvocation): readonly number[] {
  return inv.kind === "PageDirectoryFlushNothing" ? noteNothingToFlush(s) : performPageFlush(s, inv);
}

export const pageDirectoryFamily: InvocationFamily<PageDirectoryCap, PageDirectoryInvocation> = {
  decode: decodePageDirectoryInvocation,
  perform: performPageDirectoryInvocation,
};
