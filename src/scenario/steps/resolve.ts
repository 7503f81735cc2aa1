import { hex, type VirtAddr } from "../../model/addresses.ts";
import { resolveIn } from "../../machine/access.ts";
import { walkView } from "../../views/index.ts";
import { checkedWord } from "./arguments.ts";
import { NO_EFFECTS, type Outcome, type StepHandler } from "./context.ts";

/** The cap type of a VSpace root on each architecture, and how a message names it. */
const ROOT = {
  aarch32: { type: "PageDirectory", what: "a page directory" },
  aarch64: { type: "VSpace", what: "a VSpace" },
} as const;

/**
 * `resolve: { vspace, vaddr }`: the MMU's table walk from a VSpace root (ARM32's page directory,
 * AArch64's VSpace); a query, so the state is unchanged. Unmapped, `level` names the structure
 * whose entry was invalid, and on AArch64 `depth` its ARM level (0 = the VSpace).
 */
export const resolveStep: StepHandler<"resolve"> = (ctx, step) => {
  const { vspace, vaddr } = step.resolve;
  const cap = ctx.capNamed(vspace, ["resolve", "vspace"]);
  const root = ROOT[ctx.state.config.arch];
  if (cap.type !== root.type)
    return ctx.usage(["resolve", "vspace"], `"${vspace}" is a ${cap.type} cap, not ${root.what}`);
  const v = checkedWord(ctx, vaddr, ["resolve", "vaddr"], "vaddr") as VirtAddr;
  const r = resolveIn(ctx.state, cap.paddr, v);
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
    : {
        kind: "ok",
        values: { mapped: false, level: r.level, ...(r.depth !== undefined ? { depth: r.depth } : {}) },
      };
  return {
    state: ctx.state,
    action: `resolve ${hex(v)} in ${vspace}`,
    outcome,
    effects: NO_EFFECTS,
    walk: walkView(ctx.state, cap.paddr, v),
  };
};
