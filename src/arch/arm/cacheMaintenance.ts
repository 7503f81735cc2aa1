import { alignDown, hex, pow2, type ASID, type PhysAddr, type VirtAddr } from "../../model/addresses.ts";
import type { Cap, FrameCap, MappingRecord } from "../../model/caps.ts";
import {
  illegalOperation,
  invalidArgument,
  rangeError,
  truncatedMessage,
  type SyscallError,
} from "../../model/errors.ts";
import type { InvocationLabel } from "../../model/labels.ts";
import type { DecodeContext } from "../../model/message.ts";
import { err, ok, type Result } from "../../model/result.ts";
import type { KernelState } from "../../model/state.ts";
import type { MutableState } from "../../model/transition.ts";

/*
 * The cache maintenance invocations both ARM architectures share (seL4's src/arch/arm: the labels,
 * doFlush's four operations). Each architecture's vspace.c decodes them in its own order, so what
 * lives here is what is the same in both: the label tables, the opening checks, the one-page range
 * rule and what the operation leaves behind for the learner.
 */

export type CacheOperation = "Clean_Data" | "Invalidate_Data" | "CleanInvalidate_Data" | "Unify_Instruction";

type FlushLabels = Partial<Record<InvocationLabel, CacheOperation>>;

export const FRAME_FLUSH_LABELS: FlushLabels = {
  ARMPageClean_Data: "Clean_Data",
  ARMPageInvalidate_Data: "Invalidate_Data",
  ARMPageCleanInvalidate_Data: "CleanInvalidate_Data",
  ARMPageUnify_Instruction: "Unify_Instruction",
};

/** ARM32's page directory labels (libsel4's ARMPD*). */
export const PD_FLUSH_LABELS: FlushLabels = {
  ARMPDClean_Data: "Clean_Data",
  ARMPDInvalidate_Data: "Invalidate_Data",
  ARMPDCleanInvalidate_Data: "CleanInvalidate_Data",
  ARMPDUnify_Instruction: "Unify_Instruction",
};

/** AArch64's VSpace root labels (libsel4 16's ARMVSpace*). */
export const VSPACE_FLUSH_LABELS: FlushLabels = {
  ARMVSpaceClean_Data: "Clean_Data",
  ARMVSpaceInvalidate_Data: "Invalidate_Data",
  ARMVSpaceCleanInvalidate_Data: "CleanInvalidate_Data",
  ARMVSpaceUnify_Instruction: "Unify_Instruction",
};

/**
 * The operation a label names, if it names one. An own-property lookup: a label arrives as a
 * string from JavaScript callers, and "toString" must not find Object.prototype's function.
 */
function cacheOperationOf(table: FlushLabels, label: InvocationLabel): CacheOperation | undefined {
  return Object.hasOwn(table, label) ? table[label] : undefined;
}

/** A flush's operation and its two message words (start and end, end exclusive) once the opening checks pass. */
export interface FlushRequest {
  readonly operation: CacheOperation;
  readonly start: number;
  readonly end: number;
}

/** A frame flush's request, with the mapping the cap records and the root its ASID names. */
export interface FrameFlushRequest<Root> extends FlushRequest {
  readonly mapping: MappingRecord;
  readonly root: Root;
}

/** How an architecture finds the root a mapped frame's ASID names (findPDForASID / findVSpaceForASID). */
export interface RootForASID<Root> {
  readonly check: string;
  readonly find: (state: KernelState, asid: ASID) => Result<Root, SyscallError>;
}

/**
 * The checks both architectures' frame flush decoders open with, in seL4's order: the label, two
 * message words, a mapped cap, its ASID's root, end > start. What follows (the offsets inside the
 * frame, the stale-mapping check) comes in a different order on each architecture.
 */
export function decodeFrameFlushRequest<Root>(
  ctx: DecodeContext<FrameCap>,
  rootForASID: RootForASID<Root>,
): Result<FrameFlushRequest<Root>, SyscallError> {
  const operation = cacheOperationOf(FRAME_FLUSH_LABELS, ctx.label);
  const checks = ctx.checks;
  checks?.push("invocation label");
  if (operation === undefined) return err(illegalOperation(`${ctx.label} is not an invocation of a frame cap`));
  const { args, state, cap } = ctx;
  checks?.push("message length");
  if (args.length < 2) return err(truncatedMessage(`Page_${operation} needs 2 message words (start and end offsets)`));
  checks?.push("the frame cap is mapped");
  const mapping = cap.mapping;
  if (mapping === null)
    return err(
      illegalOperation(`Page_${operation} needs a mapped frame: the cache works on the mapping's virtual addresses`),
    );
  checks?.push(rootForASID.check);
  const root = rootForASID.find(state, mapping.asid);
  if (!root.ok) return root;
  const [start, end] = args as [number, number];
  checks?.push("end > start");
  if (end <= start)
    return err(invalidArgument(1, `the end offset ${hex(end)} must be greater than the start offset ${hex(start)}`));
  return ok({ operation, start, end, mapping, root: root.value });
}

/** Offsets inside the frame: seL4's `start >= pageSize || end > pageSize` check, InvalidArgument 0. */
export function checkOffsetsInsideFrame(
  request: FlushRequest,
  frameSizeBits: number,
  sizeName: string,
): Result<void, SyscallError> {
  const pageSize = pow2(frameSizeBits);
  if (request.start >= pageSize || request.end > pageSize)
    return err(invalidArgument(0, `offsets must lie inside the ${sizeName} (${hex(pageSize)} bytes)`));
  return ok(undefined);
}

/**
 * The opening checks of a root's flush (decodeARMPageDirectoryInvocation on ARM32,
 * decodeARMVSpaceRootInvocation on AArch64): the label, two message words, end > start.
 * `root` names the cap in messages and `prefix` the invocation ("PageDirectory", "VSpace").
 */
export function decodeRootFlushRequest<C extends Cap>(
  ctx: DecodeContext<C>,
  labels: FlushLabels,
  names: { readonly root: string; readonly prefix: string },
): Result<FlushRequest, SyscallError> {
  const operation = cacheOperationOf(labels, ctx.label);
  const checks = ctx.checks;
  checks?.push("invocation label");
  if (operation === undefined) return err(illegalOperation(`${ctx.label} is not an invocation of a ${names.root} cap`));
  const args = ctx.args;
  checks?.push("message length");
  if (args.length < 2)
    return err(truncatedMessage(`${names.prefix}_${operation} needs 2 message words (start and end)`));
  const [start, end] = args as [number, number];
  checks?.push("end > start");
  if (end <= start) return err(invalidArgument(1, `the end ${hex(end)} must be greater than the start ${hex(start)}`));
  return ok({ operation, start, end });
}

/**
 * A root flush stays inside the one page mapped at its start (both architectures:
 * ROUND_DOWN(start) = ROUND_DOWN(end - 1) at the page's size, else RangeError with the page's
 * last byte as the maximum). Gives the page's base.
 */
export function checkFlushInsidePage(
  request: FlushRequest,
  pageBits: number,
  sizeName: string,
): Result<number, SyscallError> {
  const { start, end } = request;
  const base = alignDown(start, pageBits);
  if (alignDown(end - 1, pageBits) !== base)
    return err(
      rangeError(
        start,
        base + pow2(pageBits) - 1,
        `the range crosses the end of the ${sizeName} mapped at ${hex(base)}: flush one page at a time`,
      ),
    );
  return ok(base);
}

/** The range a flush works on, [vstart, vend] inclusive (seL4 passes end - 1), from physical pstart. */
export interface CacheMaintenance {
  readonly operation: CacheOperation;
  readonly vstart: VirtAddr;
  readonly vend: VirtAddr;
  readonly pstart: PhysAddr;
}

/** The cache itself is not modelled: the operation is recorded for the learner. */
export function recordCacheMaintenance(s: MutableState, c: CacheMaintenance): void {
  s.effects.push({
    kind: "cacheMaintenance",
    operation: c.operation,
    vstart: c.vstart,
    vend: c.vend,
    pstart: c.pstart,
    why: `${c.operation} of ${hex(c.vstart)}..${hex(c.vend)}`,
  });
}

/** A root flush whose start has no page mapped succeeds doing nothing: nothing of it can be cached. */
export function noteNothingToFlush(s: MutableState): readonly number[] {
  s.effects.push({ kind: "note", text: "nothing is mapped at the start of the range: there is nothing to flush" });
  return [];
}
