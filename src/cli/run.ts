import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { loadScenarioFile } from "../scenario/file.ts";
import { runScenario, type Outcome, type StepReport } from "../scenario/run.ts";
import { ScenarioError } from "../scenario/errors.ts";
import { UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { palette, type Palette } from "./output.ts";
import { RUN } from "./specs.ts";

export const RunFlags = z.object({
  json: z.boolean().default(false),
  checkInvariants: z.boolean().default(false),
});

/** The files the operands name: a directory stands for the *.yaml files in it, sorted. */
export function scenarioFiles(operands: readonly string[]): string[] {
  return operands.flatMap((p) => {
    if (!isDirectory(p)) return [p];
    const files = readdirSync(p)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    if (files.length === 0) throw new UsageError(RUN.name, `the directory ${p} holds no *.yaml scenario files`);
    return files.map((f) => join(p, f));
  });
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false; // a missing file is reported as that scenario's problem, with the others still run
  }
}

function stepLine(r: StepReport, paint: Palette): string {
  const mark = r.held ? "ok  " : paint.bad("FAIL");
  const exp = r.held ? "" : `\n         expected ${r.expected ?? "?"}${r.why ? `\n         why: ${r.why}` : ""}`;
  return `  ${mark} step ${r.index} (line ${r.line}) ${r.action}: ${r.result}${exp}`;
}

/** An outcome for --json, with the error named as libsel4 names it, as everywhere else in the output. */
function jsonOutcome(o: Outcome): unknown {
  return o.kind === "error" ? { kind: "error", ...o.error, error: `seL4_${o.error.error}` } : o;
}

/** The text of something thrown, for a person or a JSON reader: capsim's bug, reported without a stack trace. */
const thrownText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * `capsim run`: exit 0 every expectation held, 1 one failed, 2 a file is not a valid scenario,
 * 3 capsim failed internally on a file (a bug in capsim, not in the file). Each file is run
 * whatever happened to the ones before it, so the summary and --json's document are always whole.
 */
export function execute(args: ParsedArgs): number {
  const { json, checkInvariants } = validateFlags(RUN, RunFlags, args.flags);
  const paint = palette(process.stdout);
  let passed = 0;
  let failed = 0;
  let invalid = false;
  let internal = false;
  const out: unknown[] = [];
  for (const f of scenarioFiles(args.operands)) {
    try {
      // Only --json prints each invocation's checks; no state is printed.
      const report = runScenario(loadScenarioFile(f), { checkInvariants, checks: json, keepStates: false });
      if (report.steps.some((s) => s.outcome.kind === "internal")) internal = true;
      if (report.passed) passed++;
      else failed++;
      if (json)
        out.push({
          file: f,
          name: report.name,
          passed: report.passed,
          steps: report.steps.map(({ outcome, ...s }) => ({
            ...s,
            outcome: jsonOutcome(outcome),
          })),
        });
      else {
        // One write for the whole report: a console.log per step was 8% of a 10,000-step run.
        console.log(
          [
            `${report.passed ? paint.good("PASS") : paint.bad("FAIL")} ${f}: ${report.name}`,
            ...report.steps.map((s) => stepLine(s, paint)),
          ].join("\n"),
        );
      }
    } catch (e) {
      if (!(e instanceof ScenarioError)) {
        internal = true;
        failed++;
        if (json) out.push({ file: f, internalError: thrownText(e) });
        else
          console.log(
            `${paint.bad("INTERNAL ERROR")} ${f}: ${thrownText(e)} (a bug in capsim: please report it with this file)`,
          );
        continue;
      }
      invalid = true;
      failed++;
      if (json)
        out.push({
          file: f,
          invalid: true,
          error: e.message,
          line: e.line,
          column: e.column,
          field: e.field,
        });
      else console.log(`${paint.bad("INVALID")} ${e.message}`);
    }
  }
  if (json) console.log(JSON.stringify({ scenarios: out, passed, failed }, null, 2));
  else console.log(`${passed} passed, ${failed} failed`);
  return internal ? 3 : invalid ? 2 : failed > 0 ? 1 : 0;
}
