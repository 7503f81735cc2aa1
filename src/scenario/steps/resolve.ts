import { hex, type VirtAddr } from "../../model/addresses.ts";
import { resolve } from "../../arch/index.ts";
import { walkView } from "../../views/index.ts";
import type { Outcome, StepHandler } from "./context.ts";

/** `resolve: { vspace, vaddr }`: the MMU's table walk from a page directory; a query, so the state is unchanged. */
export const resolveStep: StepHandler<"resolve"> = (ctx, step) => {
  const { vspace, vaddr } = step.resolve;
  const cap = ctx.capNamed(vspace, ["resolve", "vspace"]);
  if (cap.type !== "PageDirectory")
    return ctx.usage(["resolve", "vspace"], `"${vspace}" is a ${cap.type} cap, not a page directory`);
  const v = vaddr as VirtAddr;
  const r = resolve(ctx.state, cap.paddr, v);
  const outcome: Outcome = r.mapped
    ? {
        kind: "ok",
        values: {
          mapped: true,
          paddr: r.paddr,
          pageSize: r.pageSize,
          size: r.size,
          rights: r.rights.replace(/^VM/, ""),
          slot: r.slot,
        },
      }
    : { kind: "ok", values: { mapped: false, level: r.level } };
  return {
    state: ctx.state,
    action: `resolve ${hex(v)} in ${vspace}`,
    outcome,
    effects: [],
    walk: walkView(ctx.state, cap.paddr, v),
  };
};
