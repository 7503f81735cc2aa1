import { alignDown, hex, pow2, type PhysAddr, type VirtAddr } from "../../../model/addresses.ts";
import {
  illegalOperation,
  invalidArgument,
  invalidCapability,
  rangeError,
  truncatedMessage,
  type SyscallError,
} from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import type { PageDirectoryCap } from "../../../model/caps.ts";
import { frameBits } from "../objectTypes.ts";
import type { MutableState } from "../../../model/transition.ts";
import { resolveVAddr } from "../walk.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { InvocationLabel } from "../../../model/labels.ts";
import type { DecodeContext } from "../../../model/message.ts";
import { findPDForVSpaceCap, validPDCap } from "./guards.ts";
import { performPageFlush, type CacheOperation, type PageFlushInvocation } from "./pageFlush.ts";

/** A PD cache operation: the same flush record as a frame's, or nothing when nothing is mapped at start. */
export type PageDirectoryInvocation = PageFlushInvocation | { readonly kind: "PageDirectoryFlushNothing" };

const PD_FLUSH_LABELS: Partial<Record<InvocationLabel, CacheOperation>> = {
  ARMPDClean_Data: "Clean_Data",
  ARMPDInvalidate_Data: "Invalidate_Data",
  ARMPDCleanInvalidate_Data: "CleanInvalidate_Data",
  ARMPDUnify_Instruction: "Unify_Instruction",
};

/**
 * seL4's decodeARMPageDirectoryInvocation: cache maintenance over [MR0, MR1) of the directory's
 * address space. The range must lie below USER_TOP and inside the one frame mapped at its start;
 * when nothing is mapped at the start there is nothing cached, and the call succeeds doing nothing.
 */
export function decodePageDirectoryInvocation(
  ctx: DecodeContext<PageDirectoryCap>,
): Result<PageDirectoryInvocation, SyscallError> {
  // An own-property lookup: a label such as "toString" must not find Object.prototype's function.
  const operation = Object.hasOwn(PD_FLUSH_LABELS, ctx.label) ? PD_FLUSH_LABELS[ctx.label] : undefined;
  const checks = ctx.checks;
  checks?.push("invocation label");
  if (operation === undefined)
    return err(illegalOperation(`${ctx.label} is not an invocation of a page directory cap`));
  const { args, state } = ctx;
  checks?.push("message length");
  if (args.length < 2) return err(truncatedMessage(`PageDirectory_${operation} needs 2 message words (start and end)`));
  const [start, end] = args as [number, number];
  checks?.push("end > start");
  if (end <= start) return err(invalidArgument(1, `the end ${hex(end)} must be greater than the start ${hex(start)}`));
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
  const bits = frameBits(page.size);
  const base = alignDown(start, bits);
  if (alignDown(end - 1, bits) !== base) {
    return err(
      rangeError(
        start,
        base + pow2(bits) - 1,
        `the range crosses the end of the ${page.size} mapped at ${hex(base)}: flush one page at a time`,
      ),
    );
  }
  return ok({
    kind: "PageFlush",
    operation,
    pd: found.value,
    asid: pdCap.value.mappedASID,
    vstart: start as VirtAddr,
    vend: (end - 1) as VirtAddr,
    pstart: (page.frame + (start - base)) as PhysAddr,
  });
}

export function performPageDirectoryInvocation(s: MutableState, inv: PageDirectoryInvocation): readonly number[] {
  if (inv.kind === "PageDirectoryFlushNothing") {
    s.effects.push({
      kind: "note",
      text: "nothing is mapped at the start of the range: there is nothing to flush",
    });
    return [];
  }
  return performPageFlush(s, inv);
}

export const pageDirectoryFamily: InvocationFamily<PageDirectoryCap, PageDirectoryInvocation> = {
  decode: decodePageDirectoryInvocation,
  perform: performPageDirectoryInvocation,
};
