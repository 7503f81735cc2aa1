import { hex, type PhysAddr, type VirtAddr } from "../../../model/addresses.ts";
import type { InvocationLabel } from "../../../model/labels.ts";
import type { MutableState } from "../../../model/transition.ts";

export type CacheOperation =
  | "Clean_Data"
  | "Invalidate_Data"
  | "CleanInvalidate_Data"
  | "Unify_Instruction";

/**
 * A cache maintenance operation over the user range [vstart, vend] (inclusive) of ASID `asid`,
 * starting at physical pstart (performPageFlush / performVSpaceFlush). seL4 switches TTBR0 to the
 * VSpace for the duration (setVMRootForFlush) and back; the loaded root is the same afterwards.
 */
export interface Aarch64FlushInvocation {
  readonly kind: "Aarch64Flush";
  readonly operation: CacheOperation;
  readonly vstart: VirtAddr;
  readonly vend: VirtAddr;
  readonly pstart: PhysAddr;
}

export const PAGE_FLUSH_LABELS: Partial<
  Record<InvocationLabel, CacheOperation>
> = {
  ARMPageClean_Data: "Clean_Data",
  ARMPageInvalidate_Data: "Invalidate_Data",
  ARMPageCleanInvalidate_Data: "CleanInvalidate_Data",
  ARMPageUnify_Instruction: "Unify_Instruction",
};

export const VSPACE_FLUSH_LABELS: Partial<
  Record<InvocationLabel, CacheOperation>
> = {
  ARMVSpaceClean_Data: "Clean_Data",
  ARMVSpaceInvalidate_Data: "Invalidate_Data",
  ARMVSpaceCleanInvalidate_Data: "CleanInvalidate_Data",
  ARMVSpaceUnify_Instruction: "Unify_Instruction",
};

/** The cache operation changes no modelled state; it is recorded for the learner. */
export function performFlush(
  s: MutableState,
  inv: Aarch64FlushInvocation,
): readonly number[] {
  s.effects.push({
    kind: "cacheMaintenance",
    operation: inv.operation,
    vstart: inv.vstart,
    vend: inv.vend,
    pstart: inv.pstart,
    why: `${inv.operation} of ${hex(inv.vstart)}..${hex(inv.vend)}`,
  });
  return [];
}
