import { z } from "zod";
import { rootCNodeOf, slotAddress } from "../kernel/cspace.ts";
import { getCap } from "../kernel/cdt.ts";
import { describeError } from "../model/errors.ts";
import { hex, type PhysAddr } from "../model/addresses.ts";
import { loadScenarioFile } from "../scenario/load.ts";
import { runScenario, type ScenarioReport } from "../scenario/run.ts";
import { ScenarioError } from "../scenario/errors.ts";
import { describeChanges, showDot, showText } from "./show.ts";

const HELP = `capsim: a simulator of seL4's capability and VSpace model

usage:
  capsim run FILE... [--json]                 run scenario files; exit 0 all held, 1 an expectation failed, 2 invalid file
  capsim explain FILE                         narrate each step: what was invoked, what happened and why
  capsim show FILE [--at STEP] [--format text|dot]
                                              the CSpace and every VSpace after a step (default: the last)
  capsim fuzz [--steps N] [--seed S] [--runs R] [--out DIR]
                                              random VSpace invocation sequences, every invariant checked after
                                              every step; a violation is written as a replayable scenario
  capsim run --check-invariants FILE...        also check every invariant after every step
  capsim --help`;

const ShowOptions = z.object({ at: z.coerce.number().int().min(0).optional(), format: z.enum(["text", "dot"]).default("text") });

function parseFlags(argv: string[]): { files: string[]; flags: Record<string, string | true> } {
  const files: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2) as [string, string | undefined];
      if (v !== undefined) flags[k] = v;
      else if (["at", "format", "steps", "seed", "runs", "out"].includes(k) && argv[i + 1] !== undefined) flags[k] = argv[++i] as string;
      else flags[k] = true;
    } else files.push(a);
  }
  return { files, flags };
}

function stepLine(r: ScenarioReport["steps"][number]): string {
  const mark = r.held ? "ok  " : "FAIL";
  const exp = r.held ? "" : `\n         expected ${r.expected ?? "?"}${r.why ? `\n         why: ${r.why}` : ""}`;
  return `  ${mark} step ${r.index} (line ${r.line}) ${r.action}: ${r.result}${exp}`;
}

function runCommand(files: string[], json: boolean, checkInvariants: boolean): number {
  if (files.length === 0) {
    console.error("capsim run: name at least one scenario file");
    return 2;
  }
  let passed = 0;
  let failed = 0;
  let invalid = false;
  const out: unknown[] = [];
  for (const f of files) {
    try {
      const report = runScenario(loadScenarioFile(f), { checkInvariants });
      if (report.passed) passed++;
      else failed++;
      if (json) out.push({ file: f, name: report.name, passed: report.passed, steps: report.steps.map(({ outcome, ...s }) => ({ ...s, outcome: outcome.kind === "error" ? { kind: "error", ...outcome.error } : outcome })) });
      else {
        console.log(`${report.passed ? "PASS" : "FAIL"} ${f}: ${report.name}`);
        for (const s of report.steps) console.log(stepLine(s));
      }
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      invalid = true;
      failed++;
      if (json) out.push({ file: f, invalid: true, error: e.message, line: e.line, column: e.column, field: e.field });
      else console.log(`INVALID ${e.message}`);
    }
  }
  if (json) console.log(JSON.stringify({ scenarios: out, passed, failed }, null, 2));
  else console.log(`${passed} passed, ${failed} failed`);
  return invalid ? 2 : failed > 0 ? 1 : 0;
}

function explainCommand(file: string): number {
  const report = runScenario(loadScenarioFile(file));
  const cnode = rootCNodeOf(report.machine.state, report.machine.initThread) ?? (0 as PhysAddr);
  console.log(`Scenario: ${report.name}\n`);
  for (const s of report.steps) {
    console.log(`Step ${s.index} (line ${s.line}): ${s.action}`);
    if (s.note) console.log(`  note: ${s.note}`);
    if (s.outcome.kind === "error") {
      console.log(`  The kernel checked the call in seL4's order and refused it at this check:`);
      console.log(`    ${describeError(s.outcome.error)}`);
      console.log(`  A failed invocation changes nothing: the state is exactly as before.`);
    } else if (s.outcome.kind === "fault") {
      console.log(`  ${s.outcome.text}`);
    } else {
      console.log(`  Every check passed and it succeeded: ${s.result}`);
      const changes = describeChanges(report.states[s.index - 1]!, report.states[s.index]!, cnode, report.names);
      for (const c of changes) console.log(`    changed: ${c}`);
    }
    for (const e of s.effects) console.log(`  effect: ${e.kind === "note" ? e.text : `${e.kind}${e.kind === "tlbFlushPage" ? ` ${hex(e.vaddr)}` : ""}: ${"why" in e ? e.why : ""}`}`);
    console.log(`  ${s.held ? "This is what the scenario expected." : `The scenario expected ${s.expected}.`}\n`);
  }
  return report.passed ? 0 : 1;
}

function showCommand(file: string, flags: Record<string, string | true>): number {
  const opts = ShowOptions.safeParse(flags);
  if (!opts.success) {
    console.error(`capsim show: ${opts.error.issues[0]?.path.join(".")}: ${opts.error.issues[0]?.message}`);
    return 2;
  }
  const report = runScenario(loadScenarioFile(file));
  const at = opts.data.at ?? report.steps.length;
  const state = report.states[at];
  if (state === undefined) {
    console.error(`capsim show: --at ${at} is past the last step (${report.steps.length})`);
    return 2;
  }
  const root = rootCNodeOf(state, report.machine.initThread) ?? rootCNodeOf(report.machine.state, report.machine.initThread) ?? (0 as PhysAddr);
  if (opts.data.format === "dot") console.log(showDot(state));
  else console.log(`After step ${at} of ${file}:\n${showText(state, root, report.names)}`);
  return 0;
}

/** The capsim command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const { files, flags } = parseFlags(rest);
  try {
    switch (cmd) {
      case "run":
        return runCommand(files, flags.json === true, flags["check-invariants"] === true);
      case "fuzz": {
        const { fuzzCommand } = await import("./fuzz.ts");
        return fuzzCommand(flags);
      }
      case "explain":
      case "show":
        if (files.length !== 1) {
          console.error(`capsim ${cmd}: name exactly one scenario file`);
          return 2;
        }
        return cmd === "explain" ? explainCommand(files[0] as string) : showCommand(files[0] as string, flags);
      case undefined:
      case "--help":
      case "help":
        console.log(HELP);
        return cmd === undefined ? 2 : 0;
      default:
        console.error(`capsim: unknown command "${cmd}"\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ScenarioError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
}
