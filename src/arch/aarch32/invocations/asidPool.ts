import { type ASID, type PPtr } from "../../../model/addresses.ts";
import { illegalOperation, invalidCapability, truncatedMessage, type SyscallError } from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import { updateCap } from "../../../kernel/cdt.ts";
import { findFreeASIDInPool, writeASIDPoolEntry } from "../../../kernel/asidPool.ts";
import type { ASIDPoolCap, PageDirectoryCap } from "../../../model/caps.ts";
import type { SlotAddr } from "../../../model/state.ts";
import type { MutableState } from "../../../model/transition.ts";
import { ASID_POOL_SIZE } from "../asid.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext } from "../../../model/message.ts";

export interface AssignInvocation {
  readonly kind: "ASIDPoolAssign";
  readonly pool: PPtr<"ASIDPool">;
  readonly pdSlot: SlotAddr;
  readonly pd: PPtr<"VSpaceRoot">;
  /** the page directory cap perform writes back, with its new ASID */
  readonly pdCap: PageDirectoryCap;
  readonly asid: ASID;
}

/**
 * seL4's ASIDPool_Assign: give the page directory in extra cap 0 the lowest free ASID of this
 * pool (never ASID 0, so the boot pool has 1023). Only the cap in that slot records the ASID.
 */
export function decodeASIDPoolInvocation(ctx: DecodeContext<ASIDPoolCap>): Result<AssignInvocation, SyscallError> {
  ctx.checks?.push("invocation label");
  if (ctx.label !== "ARMASIDPoolAssign")
    return err(illegalOperation(`${ctx.label} is not an invocation of an ASID pool cap`));
  const target = ctx.extraCaps[0];
  ctx.checks?.push("extra cap present");
  if (target === undefined) return err(truncatedMessage("ASIDPool_Assign needs the page directory as an extra cap"));
  const pdCap = target.cap;
  ctx.checks?.push("page directory cap without an ASID");
  if (pdCap.type !== "PageDirectory" || pdCap.mappedASID !== null) {
    return err(
      invalidCapability(
        1,
        pdCap.type !== "PageDirectory"
          ? `extra cap 0 must be a page directory cap, not ${pdCap.type}`
          : `this page directory already has ASID ${pdCap.mappedASID}`,
      ),
    );
  }
  const asid = findFreeASIDInPool(ctx.state, ctx.cap, ASID_POOL_SIZE, "page directory", ctx.checks);
  if (!asid.ok) return asid;
  return ok({
    kind: "ASIDPoolAssign",
    pool: ctx.cap.paddr,
    pdSlot: target.slot,
    pd: pdCap.paddr,
    pdCap: { type: "PageDirectory", paddr: pdCap.paddr, mappedASID: asid.value },
    asid: asid.value,
  });
}

export function performASIDPoolInvocation(s: MutableState, inv: AssignInvocation): readonly number[] {
  writeASIDPoolEntry(s, inv.pool, ASID_POOL_SIZE, inv.asid, inv.pd);
  updateCap(s, inv.pdSlot, inv.pdCap);
  return [];
}

export const asidPoolFamily: InvocationFamily<ASIDPoolCap, AssignInvocation> = {
  decode: decodeASIDPoolInvocation,
  perform: performASIDPoolInvocation,
};
