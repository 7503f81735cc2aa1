import { hex, pow2, type ASID, type PhysAddr, type VirtAddr } from "../../../model/addresses.ts";
import {
  illegalOperation,
  invalidArgument,
  invalidCapability,
  truncatedMessage,
  type SyscallError,
} from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import type { FrameCap } from "../../../model/caps.ts";
import type { MutableState } from "../../../model/transition.ts";
import { frameBits } from "../objectTypes.ts";
import { resolveVAddr } from "../walk.ts";
import { setVMRoot, setVMRootForFlush } from "../vmRoot.ts";
import type { InvocationLabel } from "../../../model/labels.ts";
import type { DecodeContext } from "../../../model/message.ts";
import { findPDForASIDOrFail } from "./guards.ts";

export type CacheOperation = "Clean_Data" | "Invalidate_Data" | "CleanInvalidate_Data" | "Unify_Instruction";

/**
 * A cache maintenance operation over [vstart, vend] (inclusive, as seL4's decoders pass
 * end - 1), starting at physical pstart, in the address space of directory `pd` and ASID `asid`.
 */
export interface PageFlushInvocation {
  readonly kind: "PageFlush";
  readonly operation: CacheOperation;
  readonly pd: PhysAddr;
  readonly asid: ASID;
  readonly vstart: VirtAddr;
  readonly vend: VirtAddr;
  readonly pstart: PhysAddr;
}

const PAGE_FLUSH_LABELS: Partial<Record<InvocationLabel, CacheOperation>> = {
  ARMPageClean_Data: "Clean_Data",
  ARMPageInvalidate_Data: "Invalidate_Data",
  ARMPageCleanInvalidate_Data: "CleanInvalidate_Data",
  ARMPageUnify_Instruction: "Unify_Instruction",
};

/**
 * seL4's page cache operations (decodeARMFrameInvocation, flush labels). MR0 = start offset,
 * MR1 = end offset (exclusive), both inside the frame. The frame must be mapped through a live
 * ASID. seL4 16.0.0 added a check that the mapping the cap records still holds this frame; the
 * legacy (10.x) API, like 11.0-15.0, has no such check.
 */
export function decodePageFlush(ctx: DecodeContext<FrameCap>): Result<PageFlushInvocation, SyscallError> {
  // An own-property lookup: a label such as "toString" must not find Object.prototype's function.
  const operation = Object.hasOwn(PAGE_FLUSH_LABELS, ctx.label) ? PAGE_FLUSH_LABELS[ctx.label] : undefined;
  const checks = ctx.checks;
  checks?.push("invocation label");
  if (operation === undefined) return err(illegalOperation(`${ctx.label} is not an invocation of a frame cap`));
  const { args, state, cap } = ctx;
  checks?.push("message length");
  if (args.length < 2) return err(truncatedMessage(`Page_${operation} needs 2 message words (start and end offsets)`));
  checks?.push("the frame cap is mapped");
  if (cap.mapping === null)
    return err(
      illegalOperation(`Page_${operation} needs a mapped frame: the cache works on the mapping's virtual addresses`),
    );
  checks?.push("findPDForASID");
  const pd = findPDForASIDOrFail(state, cap.mapping.asid);
  if (!pd.ok) return pd;
  const [start, end] = args as [number, number];
  checks?.push("end > start");
  if (end <= start)
    return err(invalidArgument(1, `the end offset ${hex(end)} must be greater than the start offset ${hex(start)}`));
  if (state.config.api === "current") {
    checks?.push("the cap's mapping still holds this frame (resolveVAddr)");
    const now = resolveVAddr(state, pd.value, cap.mapping.vaddr);
    if (now === undefined || now.size !== cap.size || now.frame !== cap.paddr) {
      return err(
        invalidCapability(
          0,
          `the mapping this cap records at ${hex(cap.mapping.vaddr)} no longer holds this frame (it was unmapped or replaced): the cap is stale`,
        ),
      );
    }
  }
  const pageSize = pow2(frameBits(cap.size));
  checks?.push("offsets inside the frame");
  if (start >= pageSize || end > pageSize)
    return err(invalidArgument(0, `offsets must lie inside the ${cap.size} (${hex(pageSize)} bytes)`));
  return ok({
    kind: "PageFlush",
    operation,
    pd: pd.value,
    asid: cap.mapping.asid,
    vstart: (cap.mapping.vaddr + start) as VirtAddr,
    vend: (cap.mapping.vaddr + end - 1) as VirtAddr,
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
  s.effects.push({
    kind: "cacheMaintenance",
    operation: inv.operation,
    vstart: inv.vstart,
    vend: inv.vend,
    pstart: inv.pstart,
    why: `${inv.operation} of ${hex(inv.vstart)}..${hex(inv.vend)}`,
  });
  if (rootSwitched) setVMRoot(s, s.currentThread);
  return [];
}
