import type { CPtr } from "../model/addresses.ts";
import { failedLookup, illegalOperation, notModelled, truncatedMessage, type DecodeError } from "../model/errors.ts";
import { err, ok, type Result } from "../model/result.ts";
import { cteInsert, cteMove, cteSwap, getCap } from "../kernel/cdt.ts";
import { ensureEmptySlot } from "../kernel/guards.ts";
import { cteDelete, cteRevoke } from "../kernel/delete.ts";
import { deriveCap, updateCapData } from "../kernel/derive.ts";
import { lookupPivotSlot, lookupSourceSlot, lookupTargetSlot } from "../kernel/cspace.ts";
import { maskCapRights } from "../kernel/rights.ts";
import { capRightsFromWord, NULL_CAP, type Cap, type CNodeCap } from "../model/caps.ts";
import type { CTE, SlotAddr } from "../model/state.ts";
import type { MutableState } from "../model/transition.ts";
import type { InvocationFamily } from "../model/family.ts";
import { finaliseCap } from "./finaliser.ts";
import type { DecodeContext } from "../model/message.ts";
import { INVOCATION_LABELS } from "../model/labels.ts";

/** A decoded CNode invocation: plain data naming the slots and the caps to write. */
export type CNodeInvocation =
  | {
      readonly kind: "CNodeInsert";
      readonly cap: Cap;
      readonly src: SlotAddr;
      /** the source's CTE as decode found it: nothing changes the slots before cteInsert reads it */
      readonly srcCTE: CTE;
      readonly dest: SlotAddr;
    }
  | {
      readonly kind: "CNodeMove";
      readonly cap: Cap;
      readonly src: SlotAddr;
      readonly dest: SlotAddr;
    }
  | {
      readonly kind: "CNodeRotate";
      readonly srcCap: Cap;
      readonly pivotCap: Cap;
      readonly src: SlotAddr;
      readonly pivot: SlotAddr;
      readonly dest: SlotAddr;
    }
  | { readonly kind: "CNodeDelete"; readonly slot: SlotAddr }
  | { readonly kind: "CNodeRevoke"; readonly slot: SlotAddr };

const arg = (ctx: DecodeContext<CNodeCap>, i: number): number => ctx.args[i] as number;

/** The labels a CNode cap answers to, seL4's CNode methods (any other is IllegalOperation). */
const CNODE_LABELS: ReadonlySet<string> = new Set(INVOCATION_LABELS.filter((l) => l.startsWith("CNode")));

/**
 * seL4's decodeCNodeInvocation (src/object/cnode.c), checks in seL4's order:
 * label, length (TruncatedMessage), the destination slot (index MR0, depth MR1), then per
 * operation the source root (extra cap 0), DeleteFirst on an occupied destination, the
 * source lookup, an empty source (FailedLookup, source), and what deriving or mutating gives.
 */
export function decodeCNodeInvocation(ctx: DecodeContext<CNodeCap>): Result<CNodeInvocation, DecodeError> {
  const { label, args, state, checks } = ctx;
  checks?.push("invocation label");
  if (!CNODE_LABELS.has(label)) return err(illegalOperation(`${label} is not an invocation of a CNode cap`));
  checks?.push("message length");
  if (args.length < 2)
    return err(truncatedMessage(`${label} needs at least the destination index and depth (2 message words)`));
  checks?.push("the destination slot lookup (lookupTargetSlot)");
  const dest = lookupTargetSlot(state, ctx.cap, arg(ctx, 0) as CPtr, arg(ctx, 1));
  if (!dest.ok) return dest;
  const destSlot = dest.value;

  if (label === "CNodeCopy" || label === "CNodeMint" || label === "CNodeMove" || label === "CNodeMutate") {
    const srcRoot = ctx.extraCaps[0];
    checks?.push("message length and the source root");
    if (args.length < 4 || srcRoot === undefined)
      return err(
        truncatedMessage(`${label} needs the source index and depth (4 words) and the source root as an extra cap`),
      );
    checks?.push("the destination slot is empty (ensureEmptySlot)");
    const empty = ensureEmptySlot(state, destSlot, "the destination slot");
    if (!empty.ok) return empty;
    checks?.push("the source slot lookup (lookupSourceSlot)");
    const src = lookupSourceSlot(state, srcRoot.cap, arg(ctx, 2) as CPtr, arg(ctx, 3));
    if (!src.ok) return src;
    const srcSlot = src.value;
    const srcCTE = state.ctes.get(srcSlot);
    const srcCap = srcCTE?.cap ?? NULL_CAP;
    checks?.push("the source slot holds a cap");
    if (srcCTE === undefined || srcCap.type === "Null") {
      return err(
        failedLookup(
          true,
          { kind: "MissingCapability", bitsLeft: arg(ctx, 3) },
          "the source slot is empty: there is no cap to copy or move",
        ),
      );
    }
    let newCap: Cap;
    let isMove = false;
    if (label === "CNodeCopy" || label === "CNodeMint") {
      const need = label === "CNodeCopy" ? 5 : 6;
      checks?.push("message length (rights and badge)");
      if (args.length < need)
        return err(
          truncatedMessage(
            `${label} needs ${need} message words (the rights${label === "CNodeMint" ? " and the badge" : ""})`,
          ),
        );
      const masked = maskCapRights(capRightsFromWord(arg(ctx, 4)), srcCap);
      checks?.push("derive the cap (deriveCap)");
      const derived = deriveCap(state, srcSlot, masked);
      if (!derived.ok) return derived;
      newCap =
        label === "CNodeMint"
          ? updateCapData(false, arg(ctx, 5), derived.value, state.config.sizes.wordBits)
          : derived.value;
    } else if (label === "CNodeMove") {
      newCap = srcCap;
      isMove = true;
    } else {
      checks?.push("message length (the data word)");
      if (args.length < 5) return err(truncatedMessage("CNodeMutate needs 5 message words (the new data word)"));
      newCap = updateCapData(true, arg(ctx, 4), srcCap, state.config.sizes.wordBits);
      isMove = true;
    }
    checks?.push("the new cap is not the null cap");
    if (newCap.type === "Null") {
      const why =
        srcCap.type === "IRQControl"
          ? "the IRQ control cap cannot be copied: deriving it gives the null cap"
          : `${label} would produce the null cap (the cap cannot be badged or given this guard)`;
      return err(illegalOperation(why));
    }
    return ok(
      isMove
        ? { kind: "CNodeMove", cap: newCap, src: srcSlot, dest: destSlot }
        : { kind: "CNodeInsert", cap: newCap, src: srcSlot, srcCTE, dest: destSlot },
    );
  }
  if (label === "CNodeRevoke") return ok({ kind: "CNodeRevoke", slot: destSlot });
  if (label === "CNodeDelete") return ok({ kind: "CNodeDelete", slot: destSlot });
  if (label === "CNodeRotate") {
    const pivotRoot = ctx.extraCaps[0];
    const srcRoot = ctx.extraCaps[1];
    checks?.push("message length and the pivot and source roots");
    if (args.length < 8 || pivotRoot === undefined || srcRoot === undefined) {
      return err(
        truncatedMessage("CNodeRotate needs 8 message words and two extra caps (the pivot root and the source root)"),
      );
    }
    checks?.push("the source slot lookup (lookupSourceSlot)");
    const src = lookupSourceSlot(state, srcRoot.cap, arg(ctx, 6) as CPtr, arg(ctx, 7));
    if (!src.ok) return src;
    checks?.push("the pivot slot lookup (lookupPivotSlot)");
    const pivot = lookupPivotSlot(state, pivotRoot.cap, arg(ctx, 3) as CPtr, arg(ctx, 4));
    if (!pivot.ok) return pivot;
    checks?.push("the pivot differs from the source and the destination");
    if (pivot.value === src.value || pivot.value === destSlot)
      return err(illegalOperation("the pivot slot must differ from the source and the destination"));
    if (src.value !== destSlot) {
      checks?.push("the destination slot is empty (ensureEmptySlot)");
      const empty = ensureEmptySlot(state, destSlot, "the destination slot");
      if (!empty.ok) return empty;
    }
    const srcCap = getCap(state, src.value);
    checks?.push("the source slot holds a cap");
    if (srcCap.type === "Null")
      return err(failedLookup(true, { kind: "MissingCapability", bitsLeft: arg(ctx, 7) }, "the source slot is empty"));
    const pivotCap = getCap(state, pivot.value);
    checks?.push("the pivot slot holds a cap");
    if (pivotCap.type === "Null")
      return err(failedLookup(false, { kind: "MissingCapability", bitsLeft: arg(ctx, 4) }, "the pivot slot is empty"));
    const newSrcCap = updateCapData(true, arg(ctx, 5), srcCap, state.config.sizes.wordBits);
    const newPivotCap = updateCapData(true, arg(ctx, 2), pivotCap, state.config.sizes.wordBits);
    checks?.push("the new caps are not the null cap");
    if (newSrcCap.type === "Null") return err(illegalOperation("the source cap cannot take the new data word"));
    if (newPivotCap.type === "Null") return err(illegalOperation("the pivot cap cannot take the new data word"));
    return ok({
      kind: "CNodeRotate",
      srcCap: newSrcCap,
      pivotCap: newPivotCap,
      src: src.value,
      pivot: pivot.value,
      dest: destSlot,
    });
  }
  // SaveCaller and CancelBadgedSends act on IPC state, which capsim does not model; seL4's
  // checks before that point still decide whether the call is refused.
  if (label === "CNodeSaveCaller") {
    checks?.push("the destination slot is empty (ensureEmptySlot)");
    const empty = ensureEmptySlot(state, destSlot, "the destination slot");
    if (!empty.ok) return empty;
  } else {
    checks?.push("an endpoint cap with every right (hasCancelSendRights)");
    if (!hasCancelSendRights(getCap(state, destSlot)))
      return err(
        illegalOperation(
          "CancelBadgedSends needs an endpoint cap with every right (read, write, grant, grant-reply) in the target slot",
        ),
      );
  }
  return err(notModelled(`capsim does not model ${label} (it acts on IPC state)`));
}

/** seL4's hasCancelSendRights: an endpoint cap with every right may cancel badged sends. */
function hasCancelSendRights(cap: Cap): boolean {
  return cap.type === "Endpoint" && cap.rights.read && cap.rights.write && cap.rights.grant && cap.rights.grantReply;
}

/** seL4's invokeCNodeInsert / Move / Rotate / Delete / Revoke. */
export function performCNodeInvocation(s: MutableState, inv: CNodeInvocation): readonly number[] {
  switch (inv.kind) {
    case "CNodeInsert":
      cteInsert(s, inv.cap, inv.src, inv.dest, inv.srcCTE);
      break;
    case "CNodeMove":
      cteMove(s, inv.cap, inv.src, inv.dest);
      break;
    case "CNodeRotate":
      if (inv.src === inv.dest) {
        cteSwap(s, inv.srcCap, inv.src, inv.pivotCap, inv.pivot);
      } else {
        // seL4's cteRotate: the pivot's cap moves to the destination, then the source's to the pivot.
        cteMove(s, inv.pivotCap, inv.pivot, inv.dest);
        cteMove(s, inv.srcCap, inv.src, inv.pivot);
      }
      break;
    case "CNodeDelete":
      cteDelete(s, inv.slot, finaliseCap);
      break;
    case "CNodeRevoke":
      cteRevoke(s, inv.slot, finaliseCap);
      break;
  }
  return [];
}

export const cnodeFamily: InvocationFamily<CNodeCap, CNodeInvocation> = {
  decode: decodeCNodeInvocation,
  perform: performCNodeInvocation,
};
