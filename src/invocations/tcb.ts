import { illegalOperation, notModelled, truncatedMessage, type DecodeError } from "../model/errors.ts";
import { err, ok, type Result } from "../model/result.ts";
import { cteInsert, getCap, slotCapLongRunningDelete } from "../kernel/cdt.ts";
import { cteDelete } from "../kernel/delete.ts";
import { deriveCap, updateCapData } from "../kernel/derive.ts";
import { slotAddress } from "../kernel/cspace.ts";
import { sameObjectAs } from "../kernel/regions.ts";
import type { Cap, TCBCap } from "../model/caps.ts";
import { TCB_SLOTS } from "../model/constants.ts";
import type { SlotAddr } from "../model/state.ts";
import type { MutableState } from "../model/transition.ts";
import type { InvocationFamily } from "../model/family.ts";
import { finaliseCap } from "./finaliser.ts";
import { archOf } from "../arch/index.ts";
import type { DecodeContext } from "../model/message.ts";

/** A decoded TCB_SetSpace: the new CSpace and VSpace roots and where they were derived from. */
export interface SetSpaceInvocation {
  readonly kind: "TCBSetSpace";
  readonly tcbSlot: SlotAddr;
  readonly tcb: TCBCap;
  readonly cRoot: Cap;
  readonly cRootSrc: SlotAddr;
  readonly vRoot: Cap;
  readonly vRootSrc: SlotAddr;
}

/**
 * seL4's decodeSetSpace (src/object/tcb.c): MR0 fault endpoint, MR1 CSpace root data, MR2
 * VSpace root data; extra cap 0 the CSpace root, extra cap 1 the VSpace root. Each root is
 * re-badged/guarded with its data word when non-zero, then derived; the CSpace root must be a
 * CNode cap and the VSpace root a page directory cap with an ASID, else IllegalOperation.
 * capsim models only SetSpace among the TCB invocations: another TCB label is "not modelled",
 * and a label that is not a TCB invocation at all is seL4's IllegalOperation.
 */
export function decodeTCBInvocation(ctx: DecodeContext<TCBCap>): Result<SetSpaceInvocation, DecodeError> {
  const checks = ctx.checks;
  checks?.push("invocation label");
  if (ctx.label !== "TCBSetSpace") {
    if (ctx.label.startsWith("TCB"))
      return err(notModelled(`capsim models only TCB_SetSpace among the TCB invocations, not ${ctx.label}`));
    return err(illegalOperation(`${ctx.label} is not an invocation of a TCB cap`));
  }
  const [c, v] = ctx.extraCaps;
  checks?.push("message length and extra caps");
  if (ctx.args.length < 3 || c === undefined || v === undefined)
    return err(truncatedMessage("TCB_SetSpace needs 3 message words and two extra caps (CSpace root, VSpace root)"));
  const [, cData, vData] = ctx.args as [number, number, number];
  const tcb = ctx.cap.paddr;
  checks?.push("no long-running delete in the CSpace and VSpace slots (slotCapLongRunningDelete)");
  if (
    slotCapLongRunningDelete(ctx.state, slotAddress(ctx.state, tcb, TCB_SLOTS.tcbCTable)) ||
    slotCapLongRunningDelete(ctx.state, slotAddress(ctx.state, tcb, TCB_SLOTS.tcbVTable))
  ) {
    return err(
      illegalOperation(
        "the thread's CSpace or VSpace slot holds the last cap to a CNode or TCB: deleting it could take long, so SetSpace refuses (delete it first)",
      ),
    );
  }
  checks?.push("derive the CSpace root (deriveCap)");
  const cDerived = deriveCap(
    ctx.state,
    c.slot,
    cData !== 0 ? updateCapData(false, cData, c.cap, ctx.state.config.sizes.wordBits) : c.cap,
  );
  if (!cDerived.ok) return cDerived;
  checks?.push("the CSpace root is a CNode cap");
  if (cDerived.value.type !== "CNode") return err(illegalOperation("the CSpace root must be a CNode cap"));
  checks?.push("derive the VSpace root (deriveCap)");
  const vDerived = deriveCap(
    ctx.state,
    v.slot,
    vData !== 0 ? updateCapData(false, vData, v.cap, ctx.state.config.sizes.wordBits) : v.cap,
  );
  if (!vDerived.ok) return vDerived;
  const vr = vDerived.value;
  const arch = archOf(ctx.state.config);
  checks?.push("the VSpace root is valid (isValidVTableRoot)");
  if (!arch.isValidVTableRoot(vr))
    return err(illegalOperation(`the VSpace root must be a valid VSpace root cap (${arch.vtableRootDescription})`));
  return ok({
    kind: "TCBSetSpace",
    tcbSlot: ctx.slot,
    tcb: ctx.cap,
    cRoot: cDerived.value,
    cRootSrc: c.slot,
    vRoot: vr,
    vRootSrc: v.slot,
  });
}

/**
 * seL4's invokeTCB_ThreadControl for the space fields: the old roots are deleted, and the new
 * ones inserted as derived copies, if their sources still hold the same objects afterwards.
 */
export function performTCBInvocation(s: MutableState, inv: SetSpaceInvocation): readonly number[] {
  for (const [index, cap, src] of [
    [TCB_SLOTS.tcbCTable, inv.cRoot, inv.cRootSrc],
    [TCB_SLOTS.tcbVTable, inv.vRoot, inv.vRootSrc],
  ] as const) {
    const target = slotAddress(s, inv.tcb.paddr, index);
    cteDelete(s, target, finaliseCap);
    if (
      sameObjectAs(s.config.sizes, cap, getCap(s, src)) &&
      sameObjectAs(s.config.sizes, inv.tcb, getCap(s, inv.tcbSlot))
    )
      cteInsert(s, cap, src, target);
  }
  return [];
}

export const tcbFamily: InvocationFamily<TCBCap, SetSpaceInvocation> = {
  decode: decodeTCBInvocation,
  perform: performTCBInvocation,
};
