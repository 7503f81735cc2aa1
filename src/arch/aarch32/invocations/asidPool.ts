import { asid as toASID, type ASID, type PhysAddr } from "../../../model/addresses.ts";
import {
  deleteFirst,
  failedLookup,
  illegalOperation,
  invalidCapability,
  truncatedMessage,
  type SyscallError,
} from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import { updateCap } from "../../../kernel/cdt.ts";
import type { ASIDPoolCap, PageDirectoryCap } from "../../../model/caps.ts";
import type { SlotAddr } from "../../../model/state.ts";
import { objectOfType, putObject } from "../../../kernel/store.ts";
import type { MutableState } from "../../../model/transition.ts";
import { ASID_POOL_SIZE, asidHigh } from "../asid.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext } from "../../../model/message.ts";

export interface AssignInvocation {
  readonly kind: "ASIDPoolAssign";
  readonly pool: PhysAddr;
  readonly pdSlot: SlotAddr;
  readonly pd: PhysAddr;
  /** the page directory cap perform writes back, with its new ASID */
  readonly pdCap: PageDirectoryCap;
  readonly asid: ASID;
}

/**
 * seL4's ASIDPool_Assign: give the page directory in extra cap 0 the lowest free ASID of this
 * pool (never ASID 0, so the boot pool has 1023). Only the cap in that slot records the ASID.
 */
export function decodeASIDPoolInvocation(ctx: DecodeContext<ASIDPoolCap>): Result<AssignInvocation, SyscallError> {
  if (ctx.label !== "ARMASIDPoolAssign")
    return err(illegalOperation(`${ctx.label} is not an invocation of an ASID pool cap`));
  const target = ctx.extraCaps[0];
  if (target === undefined) return err(truncatedMessage("ASIDPool_Assign needs the page directory as an extra cap"));
  const pdCap = target.cap;
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
  const cap = ctx.cap;
  const inTable = ctx.state.asidTable.get(asidHigh(cap.asidBase));
  if (inTable === undefined)
    return err(failedLookup(false, { kind: "InvalidRoot" }, "the ASID table no longer holds this pool"));
  if (inTable !== cap.paddr)
    return err(invalidCapability(0, "the ASID table slot of this cap's ASIDs holds another pool: the cap is stale"));
  const pool = objectOfType(ctx.state, cap.paddr, "ASIDPool");
  for (let i = 0; i < ASID_POOL_SIZE; i++) {
    if (cap.asidBase + i !== 0 && !pool.entries.has(i)) {
      const asid = toASID(cap.asidBase + i);
      return ok({
        kind: "ASIDPoolAssign",
        pool: cap.paddr,
        pdSlot: target.slot,
        pd: pdCap.paddr,
        pdCap: { type: "PageDirectory", paddr: pdCap.paddr, mappedASID: asid },
        asid,
      });
    }
  }
  return err(deleteFirst(`all ASIDs of this pool are in use: delete a page directory that has one`));
}

export function performASIDPoolInvocation(s: MutableState, inv: AssignInvocation): readonly number[] {
  const pool = objectOfType(s, inv.pool, "ASIDPool");
  putObject(s, {
    ...pool,
    entries: pool.entries.set(inv.asid % ASID_POOL_SIZE, inv.pd),
  });
  updateCap(s, inv.pdSlot, inv.pdCap);
  return [];
}

export const asidPoolFamily: InvocationFamily<ASIDPoolCap, AssignInvocation> = {
  decode: decodeASIDPoolInvocation,
  perform: performASIDPoolInvocation,
};
