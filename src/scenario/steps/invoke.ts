import type { CPtr } from "../../model/addresses.ts";
import { INITIAL_CAP_SLOTS } from "../../boot/initialCaps.ts";
import { libsel4Function, libsel4FunctionsOf } from "../../invocations/libsel4.ts";
import { closest, shown } from "../errors.ts";
import { wordArgument } from "./arguments.ts";
import { invocationResult, type StepContext, type StepHandler } from "./context.ts";

const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
const SLOT_KEYS = ["dest", "src", "pivot"];

/**
 * libsel4's parameters that `dest: name` stands for. Each invocation spells its destination
 * slot its own way; the default is CNode_Copy/Mint/Move/Mutate's dest_index and dest_depth. A
 * slot named in the initial CNode is addressed with the full word (32 or 64 bits) as depth.
 */
const DEST_PARAMETERS: Readonly<Record<string, (slot: number, depth: number) => Record<string, number>>> = {
  seL4_Untyped_Retype: (slot) => ({
    root: CNODE,
    node_index: 0,
    node_depth: 0,
    node_offset: slot,
  }),
  seL4_ARM_ASIDControl_MakePool: (slot, depth) => ({ root: CNODE, index: slot, depth }),
  seL4_CNode_Delete: (slot, depth) => ({ index: slot, depth }),
  seL4_CNode_Revoke: (slot, depth) => ({ index: slot, depth }),
  seL4_CNode_SaveCaller: (slot, depth) => ({ index: slot, depth }),
  seL4_CNode_CancelBadgedSends: (slot, depth) => ({ index: slot, depth }),
  seL4_IRQControl_Get: (slot, depth) => ({ root: CNODE, index: slot, depth }),
};
const destParameters = (fnName: string, slot: number, depth: number) =>
  (Object.hasOwn(DEST_PARAMETERS, fnName) ? DEST_PARAMETERS[fnName]?.(slot, depth) : undefined) ?? {
    dest_index: slot,
    dest_depth: depth,
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
  const depth = ctx.state.config.sizes.wordBits;
  if (key === "dest") return destParameters(fnName, ctx.newSlot(raw, sub), depth);
  return {
    [`${key}_root`]: CNODE,
    [`${key}_index`]: ctx.slotOf(raw, sub),
    [`${key}_depth`]: depth,
  };
}

/** `invoke: seL4_...`: any invocation by its libsel4 name, with libsel4's parameter names. */
/** The name of the cap an invoke step invokes: its `cap:`, or for a CNode operation the initial thread's own CNode. */
export function invokedCapName(step: {
  readonly invoke: string;
  readonly cap?: string | undefined;
}): string | undefined {
  return step.cap ?? (step.invoke.startsWith("seL4_CNode_") ? "InitThreadCNode" : undefined);
}

/** The CPtr an invoke step of the scenario invokes (its cap's slot in the initial thread's CNode), when it names one. */
export function invokedCPtr(step: object, names: ReadonlyMap<string, number>): number | undefined {
  if (!("invoke" in step) || typeof step.invoke !== "string") return undefined;
  const cap = "cap" in step && typeof step.cap === "string" ? step.cap : undefined;
  const name = invokedCapName({ invoke: step.invoke, cap });
  return name === undefined ? undefined : names.get(name);
}

export const invokeStep: StepHandler<"invoke"> = (ctx, step) => {
  const fnName = step.invoke;
  const arch = ctx.state.config.arch;
  const fn =
    libsel4Function(fnName, arch) ??
    ctx.usage(
      ["invoke"],
      `unknown invocation "${fnName}"${arch === "aarch64" ? " on aarch64" : ""}`,
      closest(fnName, Object.keys(libsel4FunctionsOf(arch))),
    );
  // CNode operations act on the initial thread's own CNode unless told otherwise.
  const capName = invokedCapName(step) ?? ctx.usage([], `${fnName} needs "cap:", the capability to invoke`);
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
  return invocationResult(`${fnName} on ${capName}`, ctx.call(fnName, service as CPtr, params));
};
