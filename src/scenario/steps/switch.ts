import { switchToThread } from "../../machine/threads.ts";
import type { StepHandler } from "./context.ts";

/** `switch: { thread }`: seL4's switchToThread, which loads the thread's VSpace. */
export const switchStep: StepHandler<"switch"> = (ctx, step) => {
  const name = step.switch.thread;
  const cap = ctx.capNamed(name, ["switch", "thread"]);
  if (cap.type !== "TCB") return ctx.usage(["switch", "thread"], `"${name}" is a ${cap.type} cap, not a thread`);
  const { state, effects } = switchToThread(ctx.state, cap.paddr);
  const loaded = state.loadedVSpace;
  return {
    state,
    action: `switch to ${name}`,
    outcome: {
      kind: "ok",
      values: { pd: loaded?.pd ?? -1, hwASID: loaded?.hwASID ?? -1 },
    },
    effects,
  };
};
