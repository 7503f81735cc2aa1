import type { CPtr } from "../../model/addresses.ts";
import { INITIAL_CAP_SLOTS } from "../../boot/initialCaps.ts";
import { archOf } from "../../arch/index.ts";
import { objectTypeOf } from "./arguments.ts";
import { invocationResult, type CalledResult, type StepHandler } from "./context.ts";

/**
 * `retype: { type, as, from?, size_bits?, count? }`: seL4_Untyped_Retype into consecutive
 * free slots. Without `from`, the RAM untypeds are tried in bootinfo order until one has room:
 * device untypeds come first in bootinfo but cannot hold kernel objects, and a frame from one is
 * device memory, which is rarely what a scenario means.
 */
export const retypeStep: StepHandler<"retype"> = (ctx, step) => {
  const r = step.retype;
  const type = objectTypeOf(ctx, r.type, ["retype", "type"]);
  const asNames = Array.isArray(r.as) ? r.as : [r.as];
  const count = r.count ?? asNames.length;
  if (asNames.length !== count)
    ctx.usage(["retype", "as"], `count is ${count} but ${asNames.length} name(s) are given`);
  const slots = asNames.map((n, i) => ctx.newSlot(n, ["retype", "as", ...(Array.isArray(r.as) ? [i] : [])]));
  const first = slots[0] as number;
  if (slots.some((s, i) => s !== first + i))
    ctx.usage(["retype", "as"], "the names of one retype must take consecutive free slots");
  const { untypedList, untyped } = ctx.machine.bootInfo;
  const sources =
    r.from !== undefined
      ? [ctx.slotOf(r.from, ["retype", "from"])]
      : untypedList.flatMap((u, i) => (u.isDevice ? [] : [untyped.start + i]));
  const params = {
    root: INITIAL_CAP_SLOTS.InitThreadCNode,
    type: archOf(ctx.state.config).objectTypeNumber(type, ctx.state.config.api),
    size_bits: r.size_bits ?? 0,
    node_index: 0,
    node_depth: 0,
    node_offset: first,
    num_objects: count,
  };
  let result: CalledResult | undefined;
  for (const u of sources) {
    result = ctx.call("seL4_Untyped_Retype", u as CPtr, params);
    const full = result.reply.kind === "error" && result.reply.error.error === "NotEnoughMemory";
    if (!full || r.from !== undefined) break;
  }
  return invocationResult(`retype ${count} ${r.type} as ${asNames.join(", ")}`, result as CalledResult);
};
