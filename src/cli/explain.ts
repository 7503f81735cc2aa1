import type { PhysAddr } from "../model/addresses.ts";
import { hex } from "../model/addresses.ts";
import { rootCNodeOf } from "../kernel/cspace.ts";
import { loadScenarioFile } from "../scenario/file.ts";
import { runScenario } from "../scenario/run.ts";
import type { ParsedArgs } from "./flags.ts";
import { describeChanges } from "./show.ts";

/** `capsim explain FILE`: each step in words; exit 1 when an expectation failed. */
export function execute(args: ParsedArgs): number {
  const report = runScenario(loadScenarioFile(args.operands[0] as string));
  const cnode = rootCNodeOf(report.machine.state, report.machine.initThread) ?? (0 as PhysAddr);
  console.log(`Scenario: ${report.name}\n`);
  for (const s of report.steps) {
    console.log(`Step ${s.index} (line ${s.line}): ${s.action}`);
    if (s.note) console.log(`  note: ${s.note}`);
    if (s.outcome.kind === "error") {
      console.log(`  The kernel checked the call in seL4's order and refused it at this check:`);
      console.log(`    ${s.result}: ${s.outcome.error.why}`);
      console.log(`  A failed invocation changes nothing: the state is exactly as before.`);
    } else if (s.outcome.kind === "notModelled") {
      console.log(`  capsim stops here: ${s.outcome.why}.`);
      console.log(
        `  This is not an seL4 error: seL4's checks before this point passed, and what seL4 would do next is outside capsim's model. The state is unchanged.`,
      );
    } else if (s.outcome.kind === "fault") {
      console.log(`  ${s.outcome.text}`);
    } else {
      console.log(`  Every check passed and it succeeded: ${s.result}`);
      const changes = describeChanges(report.states[s.index - 1]!, report.states[s.index]!, cnode, report.names);
      for (const c of changes) console.log(`    changed: ${c}`);
    }
    for (const e of s.effects)
      console.log(
        `  effect: ${e.kind === "note" ? e.text : `${e.kind}${e.kind === "tlbFlushPage" ? ` ${hex(e.vaddr)}` : ""}: ${"why" in e ? e.why : ""}`}`,
      );
    console.log(`  ${s.held ? "This is what the scenario expected." : `The scenario expected ${s.expected}.`}\n`);
  }
  return report.passed ? 0 : 1;
}
