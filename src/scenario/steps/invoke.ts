import type { CPtr } from "../../model/addresses.ts";
import { INITIAL_CAP_SLOTS } from "../../boot/initialCaps.ts";
import { callLibsel4Traced, libsel4Function, LIBSEL4 } from "../../invocations/libsel4.ts";
import { closest, shown } from "../errors.ts";
import { wordArgument } from "./arguments.ts";
import { invocationResult, type StepContext, type StepHandler } from "./context.ts";

const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
/** A slot named in the initial CNode is addressed with the full word as depth. */
const WORD_DEPTH = 32;
const SLOT_KEYS = ["dest", "src", "pivot"];

/**
 * libsel4's parameters that `dest: name` stands for. Each invocation spells its destination
 * slot its own way; the default is CNode_Copy/Mint/Move/Mutate's dest_index and dest_depth.
 */
const DEST_PARAMETERS: Readonly<Record<string, (slot: number) => Record<string, number>>> = {
  seL4_Untyped_Retype: (slot) => ({
    root: CNODE,
    node_index: 0,
    node_depth: 0,
    node_offset: slot,
  }),
  seL4_ARM_ASIDControl_MakePool: (slot) => ({
    root: CNODE,
    index: slot,
    depth: WORD_DEPTH,
  }),
  seL4_CNode_Delete: (slot) => ({ index: slot, depth: WORD_DEPTH }),
  seL4_CNode_Revoke: (slot) => ({ index: slot, depth: WORD_DEPTH }),
  seL4_CNode_SaveCaller: (slot) => ({ index: slot, depth: WORD_DEPTH }),
  seL4_CNode_CancelBadgedSends: (slot) => ({ index: slot, depth: WORD_DEPTH }),
  seL4_IRQControl_Get: (slot) => ({
    root: CNODE,
    index: slot,
    depth: WORD_DEPTH,
  }),
};
const destParameters = (fnName: string, slot: number) =>
  (Object.hasOwn(DEST_PARAMETERS, fnName) ? DEST_PARAMETERS[fnName]?.(slot) : undefined) ?? {
    dest_index: slot,
    dest_depth: WORD_DEPTH,
  };

/** `dest`, `src` or `pivot`: one name standing for libsel4's root/index/depth parameters. */
function slotParameters(
  ctx: StepContext,
  fnName: string,
  key: string,
  raw: unknown,
  sub: string[],
): Record<string, number> {
  if (typeof raw !== "string") ctx.usage(sub, `expected a slot name, found ${shown(raw)}`);
  if (key === "dest") return destParameters(fnName, ctx.newSlot(raw, sub));
  return {
    [`${key}_root`]: CNODE,
    [`${key}_index`]: ctx.slotOf(raw, sub),
    [`${key}_depth`]: WORD_DEPTH,
  };
}

/** `invoke: seL4_...`: any invocation by its libsel4 name, with libsel4's parameter names. */
export const invokeStep: StepHandler<"invoke"> = (ctx, step) => {
  const fnName = step.invoke;
  const fn =
    libsel4Function(fnName) ??
    ctx.usage(["invoke"], `unknown invocation "${fnName}"`, closest(fnName, Object.keys(LIBSEL4)));
  // CNode operations act on the initial thread's own CNode unless told otherwise.
  const capName =
    step.cap ??
    (fnName.startsWith("seL4_CNode_")
      ? "InitThreadCNode"
      : ctx.usage([], `${fnName} needs "cap:", the capability to invoke`));
  const service = ctx.slotOf(capName, ["cap"]);
  const params: Record<string, number> = {};
  const allowed = [...fn.caps, ...fn.words, ...SLOT_KEYS];
  for (const [key, raw] of Object.entries(step.args ?? {})) {
    const sub = ["args", key];
    if (!allowed.includes(key))
      ctx.usage(
        sub,
        `${fnName} has no parameter "${key}" (it takes ${[...fn.caps, ...fn.words].join(", ") || "none"})`,
        closest(key, allowed),
      );
    if (SLOT_KEYS.includes(key)) Object.assign(params, slotParameters(ctx, fnName, key, raw, sub));
    else if (fn.caps.includes(key))
      params[key] =
        typeof raw === "string"
          ? ctx.slotOf(raw, sub)
          : ctx.usage(sub, `expected a capability name, found ${shown(raw)}`);
    else params[key] = wordArgument(ctx, key, raw, sub);
  }
  // A retype into a named slot (`dest: name`) makes one object unless the step says how many.
  // Only the named form has defaults: libsel4's own parameters, given as numbers, are sent as
  // written, so five words stay five and seL4 answers TruncatedMessage.
  if (fnName === "seL4_Untyped_Retype" && step.args?.dest !== undefined && params.num_objects === undefined)
    params.num_objects = 1;
  return invocationResult(
    `${fnName} on ${capName}`,
    callLibsel4Traced(ctx.state, ctx.thread, fnName, service as CPtr, params),
  );
};
