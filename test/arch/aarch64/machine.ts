import type { CPtr, PhysAddr } from "../../../src/model/addresses.ts";
import { invoke } from "../../../src/invocations/dispatch.ts";
import type { InvocationLabel } from "../../../src/model/labels.ts";
import type { InvokeResult } from "../../../src/model/message.ts";
import type { KernelState } from "../../../src/model/state.ts";
import { objectTypeNumber, type ObjectTypeName } from "../../../src/arch/aarch64/objectTypes.ts";
import { HAND_BUILT_64, handBuiltAarch64Machine } from "../../../src/testing/machine64.ts";
import { expectOk } from "../../helpers/machine.ts";

/** The hand-built AArch64 machine (src/testing/machine64.ts) until AArch64 boot exists. */
export const CNODE = HAND_BUILT_64.cnode;
export const ASID_CONTROL = HAND_BUILT_64.asidControl;
export const ASID_POOL = HAND_BUILT_64.asidPool;
export const UNTYPED = HAND_BUILT_64.untyped;
export const UNTYPED_BASE = HAND_BUILT_64.untypedBase;

export interface Machine {
  readonly state: KernelState;
  readonly thread: PhysAddr;
}

export function aarch64Machine(): Machine {
  const m = handBuiltAarch64Machine();
  return { state: m.state, thread: m.initThread };
}

export function call(
  m: Machine,
  cptr: number,
  label: InvocationLabel,
  args: number[] = [],
  extraCaps: number[] = [],
): InvokeResult {
  return invoke(m.state, m.thread, cptr as CPtr, {
    label,
    args,
    extraCaps: extraCaps as CPtr[],
  });
}

/** Calls and asserts success; the machine with the new state. */
export function ok(
  m: Machine,
  cptr: number,
  label: InvocationLabel,
  args: number[] = [],
  extraCaps: number[] = [],
): Machine {
  const r = call(m, cptr, label, args, extraCaps);
  expectOk(r);
  return { state: r.state, thread: m.thread };
}

/** Retype `count` objects into slots from `dest`. */
export function retype(m: Machine, type: ObjectTypeName, dest: number, count = 1, untyped = UNTYPED): Machine {
  return ok(m, untyped, "UntypedRetype", [objectTypeNumber(type), 0, 0, 0, dest, count], [CNODE]);
}

/** A machine with a VSpace in slot 20 assigned ASID 1, page tables in 30.., small pages in 40.., large in 50.., huge in 60. */
export function withVSpace(): Machine {
  let m = aarch64Machine();
  m = retype(m, "seL4_ARM_HugePageObject", 60, 2);
  m = retype(m, "seL4_ARM_VSpaceObject", 20, 2);
  m = retype(m, "seL4_ARM_PageTableObject", 30, 6);
  m = retype(m, "seL4_ARM_SmallPageObject", 40, 4);
  m = retype(m, "seL4_ARM_LargePageObject", 50, 2);
  return ok(m, ASID_POOL, "ARMASIDPoolAssign", [], [20]);
}
