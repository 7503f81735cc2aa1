import { LOOKUP_FAILURE_CODES } from "../model/errors.ts";
import { errorFields } from "../scenario/expect.ts";
import type { Outcome } from "../scenario/run.ts";
import { planScenario, type ScenarioSource, type Sel4testOptions } from "./source.ts";
import { LOGGED_FIELDS, readLog, type LoggedStep } from "./log.ts";

/**
 * The real kernel's replies, read from a log, beside capsim's answers for the same scenario.
 * A step agrees when the error is the same and every error field both sides report is equal
 * (../shared/REAL-KERNEL-NOTES.md). Physical addresses are not compared: the machines differ;
 * the test itself checks the scenario's paddrOf relations.
 */

export type Verdict = "agree" | "differ" | "not run" | "not compared" | "missing";

export interface CompareRow {
  readonly index: number;
  readonly line: number;
  readonly action: string;
  readonly verdict: Verdict;
  readonly kernel?: string;
  readonly capsim?: string;
  /** why a step was not run, not compared or is missing; or which field differs */
  readonly why?: string;
}

export interface CompareReport {
  readonly file: string;
  readonly testName: string;
  readonly rows: readonly CompareRow[];
  /** notes on the run as a whole: seL4_UserTop, setup failures, a log cut short */
  readonly notes: readonly string[];
  /** the log answers every step that was run (and the test ended) */
  readonly complete: boolean;
  readonly counts: Readonly<Record<Verdict, number>>;
}

/** Fields compared: those the kernel prints from the message registers, under libsel4's names. */
function capsimFields(o: Outcome): Record<string, number> {
  if (o.kind === "ok") {
    const paddr = o.values.paddr;
    return typeof paddr === "number" ? { paddr } : {};
  }
  if (o.kind !== "error") return {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(errorFields(o.error))) out[k] = typeof v === "boolean" ? Number(v) : v;
  if (o.error.error === "FailedLookup") {
    const lf = o.error.lookupFailure;
    out.lookupFailureType = LOOKUP_FAILURE_CODES[lf.kind];
    if (lf.kind === "DepthMismatch") out.bitsFound = lf.bitsFound;
    if (lf.kind === "GuardMismatch") out.guardFound = lf.guardFound;
  }
  return out;
}

const HEX_FIELDS = new Set(["paddr", "rangeMin", "rangeMax", "memoryLeft", "guardFound"]);
const fieldText = (k: string, v: number) => `${k}=${HEX_FIELDS.has(k) ? `0x${v.toString(16)}` : v}`;

function replyText(error: string, fields: Readonly<Record<string, number>>): string {
  const parts = LOGGED_FIELDS.flatMap((k) => (fields[k] === undefined ? [] : [fieldText(k, fields[k])]));
  return `${error}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

function capsimText(o: Outcome): string {
  if (o.kind === "ok") return replyText("seL4_NoError", capsimFields(o));
  if (o.kind === "error") return replyText(`seL4_${o.error.error}`, capsimFields(o));
  if (o.kind === "notModelled") return `not modelled: ${o.why}`;
  if (o.kind === "fault") return o.text;
  return `internal error: ${o.message}`;
}

/** Whether the kernel's reply and capsim's answer agree, and if not, where they part. */
function judge(kernel: LoggedStep, o: Outcome): { verdict: Verdict; why?: string } {
  if (o.kind === "notModelled")
    return { verdict: "not compared", why: "capsim does not model this call past seL4's first checks" };
  if (o.kind !== "ok" && o.kind !== "error") return { verdict: "differ", why: `capsim answered ${capsimText(o)}` };
  const error = o.kind === "ok" ? "seL4_NoError" : `seL4_${o.error.error}`;
  if (kernel.error !== error) return { verdict: "differ", why: "the errors differ" };
  const mine = capsimFields(o);
  for (const [k, v] of Object.entries(kernel.fields)) {
    if (k === "paddr") continue;
    const m = mine[k];
    if (m !== undefined && m !== v) return { verdict: "differ", why: `${k}: kernel ${v}, capsim ${m}` };
  }
  return { verdict: "agree" };
}

/** Compares one scenario with the lines its test printed in `log`. */
export function compareWithLog(
  source: ScenarioSource,
  log: ScenarioSource,
  options: Sel4testOptions = {},
): CompareReport {
  const { plan, report } = planScenario(source, options);
  const counts: Record<Verdict, number> = { agree: 0, differ: 0, "not run": 0, "not compared": 0, missing: 0 };
  const notes: string[] = [];
  const tests = readLog(log.file, log.text);
  const test = tests.get(plan.testName);
  if (plan.notExported !== undefined) notes.push(`the file has no test: ${plan.notExported}`);
  else if (test === undefined)
    notes.push(
      `the log has no lines of test ${plan.testName}${tests.size ? ` (it has ${[...tests.keys()].join(", ")})` : ""}`,
    );
  if (test?.userTop !== undefined && test.userTop.kernel !== test.userTop.scenario)
    notes.push(
      `seL4_UserTop: the kernel's is 0x${test.userTop.kernel.toString(16)}, the scenario assumes 0x${test.userTop.scenario.toString(16)}: steps at addresses between the two answer differently`,
    );
  for (const f of test?.setupFailures ?? []) notes.push(`step ${f.step}: the test's setup failed: ${f.what}`);
  const rows: CompareRow[] = plan.steps.map((s) => {
    const capsim = report.steps[s.index - 1];
    const base = { index: s.index, line: s.line, action: capsim?.action ?? s.source[0] ?? "" };
    if (s.kind === "skip") return { ...base, verdict: "not run", why: s.reason };
    const logged = test?.steps.get(s.index);
    const capsimReply = capsim !== undefined ? capsimText(capsim.outcome) : undefined;
    if (logged === undefined)
      return {
        ...base,
        verdict: "missing",
        ...(capsimReply !== undefined ? { capsim: capsimReply } : {}),
        why: "the log has no reply for this step",
      };
    if (logged.line !== s.line)
      return {
        ...base,
        verdict: "missing",
        kernel: replyText(logged.error, logged.fields),
        why: `the log's step ${s.index} is at line ${logged.line} of its scenario, this file's at line ${s.line}: the test was made from another version of the file`,
      };
    if (capsim === undefined)
      return {
        ...base,
        verdict: "differ",
        kernel: replyText(logged.error, logged.fields),
        why: "capsim stopped before this step",
      };
    const verdict = judge(logged, capsim.outcome);
    const top = test?.userTop;
    // A difference at an address between the two USER_TOPs has its likely cause at hand.
    const between =
      verdict.verdict === "differ" &&
      top !== undefined &&
      s.vaddr !== undefined &&
      BigInt(s.vaddr) >= (top.kernel < top.scenario ? top.kernel : top.scenario) &&
      BigInt(s.vaddr) < (top.kernel < top.scenario ? top.scenario : top.kernel);
    return {
      ...base,
      kernel: replyText(logged.error, logged.fields),
      capsim: capsimText(capsim.outcome),
      ...verdict,
      ...(between
        ? { why: `${verdict.why ?? ""}; its address lies between the kernel's USER_TOP and the scenario's` }
        : {}),
    };
  });
  for (const r of rows) counts[r.verdict]++;
  if (test !== undefined && !test.ended)
    notes.push("the test's closing line is missing: the log ends early, or the test stopped");
  const complete =
    plan.notExported === undefined &&
    test !== undefined &&
    test.ended &&
    counts.missing === 0 &&
    test.setupFailures.length === 0;
  return { file: source.file, testName: plan.testName, rows, notes, complete, counts };
}
