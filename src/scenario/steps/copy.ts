import type { CPtr } from "../../model/addresses.ts";
import { INITIAL_CAP_SLOTS } from "../../boot/initialCaps.ts";
import { rightsWord } from "./arguments.ts";
import { invocationResult, type StepHandler } from "./context.ts";

const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
const ALL_RIGHTS = 0xf;

/** `copy: { from, as, rights? }`: seL4_CNode_Copy, or seL4_CNode_Mint when rights are given. */
export const copyStep: StepHandler<"copy"> = (ctx, step) => {
  const c = step.copy;
  const src = ctx.slotOf(c.from, ["copy", "from"]);
  const dest = ctx.newSlot(c.as, ["copy", "as"]);
  const mint = c.rights !== undefined;
  const rights = mint ? rightsWord(ctx, c.rights, ["copy", "rights"]) : ALL_RIGHTS;
  const params = {
    dest_index: dest,
    dest_depth: ctx.state.config.sizes.wordBits,
    src_root: CNODE,
    src_index: src,
    src_depth: ctx.state.config.sizes.wordBits,
    rights,
    badge: 0,
  };
  const result = ctx.call(mint ? "seL4_CNode_Mint" : "seL4_CNode_Copy", CNODE as CPtr, params);
  return invocationResult(`${mint ? "mint" : "copy"} ${c.from} as ${c.as}`, result);
};
