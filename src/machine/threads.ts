import type { PhysAddr } from "../model/addresses.ts";
import type { KernelState } from "../model/state.ts";
import {
  transitionWithEffects,
  type TransitionResult,
} from "../model/transition.ts";
import { archOf } from "../arch/index.ts";

/**
 * seL4's switchToThread on ARM (Arch_switchToThread -> setVMRoot): the thread becomes current
 * and its address space is loaded with its hardware ASID, or the global directory when its
 * VSpace root is not a page directory with a live ASID.
 */
export function switchToThread(
  s: KernelState,
  tcb: PhysAddr,
): TransitionResult {
  return transitionWithEffects(s, (d) => {
    d.currentThread = tcb;
    archOf(d.config).setVMRoot(d, tcb);
  });
}
