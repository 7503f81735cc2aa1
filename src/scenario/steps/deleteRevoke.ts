import type { CPtr } from "../../model/addresses.ts";
import { INITIAL_CAP_SLOTS } from "../../boot/initialCaps.ts";
import { invocationResult, type StepContext, type StepResult } from "./context.ts";
import type { StepHandler } from "./context.ts";

/** seL4_CNode_Delete or seL4_CNode_Revoke on a named slot of the initial CNode. */
function onNamedSlot(ctx: StepContext, verb: "delete" | "revoke", name: string): StepResult {
  const slot = ctx.slotOf(name, [verb]);
  const fnName = verb === "delete" ? "seL4_CNode_Delete" : "seL4_CNode_Revoke";
  const cnode = INITIAL_CAP_SLOTS.InitThreadCNode as CPtr;
  return invocationResult(
    `${verb} ${name}`,
    ctx.call(fnName, cnode, {
      index: slot,
      depth: ctx.state.config.sizes.wordBits,
    }),
  );
}

/** `delete: name`: seL4_CNode_Delete. */
export const deleteStep: StepHandler<"delete"> = (ctx, step) => onNamedSlot(ctx, "delete", step.delete);

/** `revoke: name`: seL4_CNode_Revoke. */
export const revokeStep: StepHandler<"revoke"> = (ctx, step) => onNamedSlot(ctx, "revoke", step.revoke);
