import type { PhysAddr } from "../model/addresses.ts";
import { hex } from "../model/addresses.ts";
import { rootCNodeOf } from "../kernel/cspace.ts";
import type { Outcome, StepReport } from "../scenario/run.ts";
import { loadScenarioFile } from "../scenario/file.ts";
import { runScenario } from "../scenario/run.ts";
import { cptrLines, threadCPtrResolution, type WalkWithSplit } from "../views/index.ts";
import { invokedCPtr } from "../scenario/steps/invoke.ts";
import type { ParsedArgs } from "./flags.ts";
import { describeChanges } from "./show.ts";

/** What the last check listed did: every earlier one passed. */
function lastVerdict(o: Outcome): string {
  switch (o.kind) {
    case "ok":
      return "ok";
    case "error":
      return "refused";
    case "notModelled":
      return "passed; capsim models no further";
    default:
      return "refused (a fault, not an error reply)";
  }
}

/** The checks the kernel made, numbered, in seL4's order. */
export function checkLines(s: StepReport): string[] {
  const checks = s.checks;
  if (checks === undefined || checks.length === 0) return [];
  const lines = ["  The kernel's checks, in seL4's order:"];
  checks.forEach((c, i) => {
    const verdict = i === checks.length - 1 ? lastVerdict(s.outcome) : "ok";
    lines.push(`    ${i + 1}. ${c}: ${verdict}`);
  });
  return lines;
}

/** A walk, entry by entry, as explain and show print it. */
export function walkLines(w: WalkWithSplit, indent = "  "): string[] {
  const split = w.split.fields.map((f) => `${f.name} ${hex(f.value)} [${f.hi}:${f.lo}]`).join(", ");
  const lines = [`${indent}The walk of ${hex(w.vaddr)} (read as a ${w.split.form}: ${split}):`];
  w.entries.forEach((e, i) =>
    lines.push(
      `${indent}  ${i + 1}. ${e.structure} @${hex(e.table)} entry ${e.index} (at ${hex(e.slot)}): ${e.descriptor.word} ${e.descriptor.summary}`,
    ),
  );
  const end = w.end;
  lines.push(
    end.kind === "translation"
      ? `${indent}  -> ${hex(end.paddr)}: ${end.size} frame @${hex(end.frame)}, ${end.rights}${end.executeNever ? ", XN" : ""}${end.cacheable ? "" : ", uncached"}`
      : `${indent}  -> fault: ${end.reason}`,
  );
  return lines;
}

/** `capsim explain FILE`: each step in words; exit 1 when an expectation failed. */
export function execute(args: ParsedArgs): number {
  const scenario = loadScenarioFile(args.operands[0] as string);
  const report = runScenario(scenario);
  const cnode = rootCNodeOf(report.machine.state, report.machine.initThread) ?? (0 as PhysAddr);
  console.log(`Scenario: ${report.name}\n`);
  for (const s of report.steps) {
    console.log(`Step ${s.index} (line ${s.line}): ${s.action}`);
    if (s.note) console.log(`  note: ${s.note}`);
    const raw = scenario.steps[s.index - 1];
    const cptr = raw === undefined ? undefined : invokedCPtr(raw, report.names);
    if (cptr !== undefined) {
      const lookup = threadCPtrResolution(report.states[s.index - 1]!, report.machine.initThread, cptr);
      for (const line of cptrLines(lookup)) console.log(`  ${line}`);
    }
    for (const line of checkLines(s)) console.log(line);
    if (s.outcome.kind === "error") {
      console.log(`  The kernel refused it at the last check above:`);
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
      console.log(`  ${s.checks !== undefined ? "Every check passed and it succeeded" : "Result"}: ${s.result}`);
      if (s.walk !== undefined) for (const line of walkLines(s.walk)) console.log(line);
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
