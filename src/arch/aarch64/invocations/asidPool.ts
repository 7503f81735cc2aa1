import { type ASID, type PPtr } from "../../../model/addresses.ts";
import { illegalOperation, invalidCapability, truncatedMessage, type SyscallError } from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import { updateCap } from "../../../kernel/cdt.ts";
import { findFreeASIDInPool, writeASIDPoolEntry } from "../../../kernel/asidPool.ts";
import type { ASIDPoolCap, VSpaceCap } from "../../../model/caps.ts";
import type { SlotAddr } from "../../../model/state.ts";
import type { MutableState } from "../../../model/transition.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext } from "../../../model/message.ts";
import { ASID_POOL_SIZE } from "../asid.ts";

export interface Aarch64AssignInvocation {
  readonly kind: "Aarch64ASIDPoolAssign";
  readonly pool: PPtr<"ASIDPool">;
  readonly vspaceSlot: SlotAddr;
  /** the VSpace cap perform writes back, with its new ASID */
  readonly vspaceCap: VSpaceCap;
  readonly asid: ASID;
}

/**
 * seL4_ARM_ASIDPool_Assign (V64 decodeARMMMUInvocation, pool case): the VSpace in cap 1 gets the
 * lowest free ASID of this pool (never ASID 0), so a freed ASID is the next one handed out.
 */
export function decodeASIDPoolInvocation(
  ctx: DecodeContext<ASIDPoolCap>,
): Result<Aarch64AssignInvocation, SyscallError> {
  ctx.checks?.push("invocation label");
  if (ctx.label !== "ARMASIDPoolAssign")
    return err(illegalOperation(`${ctx.label} is not an invocation of an ASID pool cap`));
  const target = ctx.extraCaps[0];
  ctx.checks?.push("extra cap present");
  if (target === undefined) return err(truncatedMessage("ASIDPool_Assign needs the VSpace as an extra cap"));
  const vs = target.cap;
  ctx.checks?.push("VSpace cap without an ASID");
  if (vs.type !== "VSpace" || vs.mappedASID !== null) {
    return err(
      invalidCapability(
        1,
        vs.type !== "VSpace"
          ? `cap 1 must be a VSpace cap, not ${vs.type}`
          : `this VSpace already has ASID ${vs.mappedASID}`,
      ),
    );
  }
  const asid = findFreeASIDInPool(ctx.state, ctx.cap, ASID_POOL_SIZE, "VSpace", ctx.checks);
  if (!asid.ok) return asid;
  return ok({
    kind: "Aarch64ASIDPoolAssign",
    pool: ctx.cap.paddr,
    vspaceSlot: target.slot,
    vspaceCap: { type: "VSpace", paddr: vs.paddr, mappedASID: asid.value },
    asid: asid.value,
  });
}

export function performASIDPoolInvocation(s: MutableState, inv: Aarch64AssignInvocation): readonly number[] {
  writeASIDPoolEntry(s, inv.pool, ASID_POOL_SIZE, inv.asid, inv.vspaceCap.paddr);
  updateCap(s, inv.vspaceSlot, inv.vspaceCap);
  return [];
}

export const asidPoolFamily: InvocationFamily<ASIDPoolCap, Aarch64AssignInvocation> = {
  decode: decodeASIDPoolInvocation,
  perform: performASIDPoolInvocation,
};
