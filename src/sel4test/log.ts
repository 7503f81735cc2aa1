import { ERROR_CODES } from "../model/errors.ts";
import { LOG_MARKER } from "./emit.ts";

/**
 * Reads what the generated tests printed, out of a serial log that holds much else (the
 * kernel's and sel4test's own output). Only lines that start with the marker are read; such a
 * line that is not one the tests print (cut short, or mixed with other output) is an error in
 * the log, reported with its line, never guessed at.
 */

/** One step's reply as the test printed it. */
export interface LoggedStep {
  readonly step: number;
  readonly line: number;
  readonly error: string;
  readonly fields: Readonly<Record<string, number>>;
  /** where in the log */
  readonly logLine: number;
}

export interface LoggedTest {
  readonly name: string;
  readonly steps: Map<number, LoggedStep>;
  userTop?: { readonly kernel: bigint; readonly scenario: bigint };
  /** the test's closing line was seen */
  ended: boolean;
  failures?: number;
  readonly setupFailures: { readonly step: number; readonly what: string }[];
}

export class LogError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = "LogError";
  }
}

const NUMBER = /^(0x[0-9a-fA-F]+|[0-9]+)$/;
/** What capsim_error_name in the generated C prints. */
const ERROR_NAMES = new Set([...Object.keys(ERROR_CODES).map((e) => `seL4_${e}`), "seL4_UnknownError"]);
/** The fields capsim_call in the generated C prints, in its order. */
export const LOGGED_FIELDS = [
  "paddr",
  "argumentNumber",
  "invalidCapNumber",
  "rangeMin",
  "rangeMax",
  "failedLookupWasSource",
  "lookupFailureType",
  "bitsLeft",
  "bitsFound",
  "guardFound",
  "memoryLeft",
] as const;
const FIELD_NAMES: ReadonlySet<string> = new Set(LOGGED_FIELDS);
const STEP = /^step (\d+) line (\d+): (seL4_[A-Za-z]+)((?: [A-Za-z]+=\S+)*)$/;

function fieldsOf(text: string, fail: (problem: string) => never): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of text
    .trim()
    .split(/\s+/)
    .filter((p) => p !== "")) {
    const [key, value] = pair.split("=") as [string, string];
    if (!FIELD_NAMES.has(key)) fail(`"${key}" is not a field the tests print`);
    if (!NUMBER.test(value)) fail(`field ${key} has no number: "${value}"`);
    out[key] = Number(value);
  }
  return out;
}

/** Every test's lines in the log, by test name. A test printed twice (a rerun) keeps its last run. */
export function readLog(file: string, text: string): Map<string, LoggedTest> {
  const tests = new Map<string, LoggedTest>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/\r/g, "").trim();
    if (!line.startsWith(LOG_MARKER)) return;
    const fail = (problem: string): never => {
      throw new LogError(file, lineNo, `${problem} (in "${line.length > 120 ? `${line.slice(0, 117)}...` : line}")`);
    };
    const rest = line.slice(LOG_MARKER.length).trim();
    const space = rest.indexOf(" ");
    if (space < 0) fail("a capsim line with no test name and message: the log is cut or garbled here");
    const name = rest.slice(0, space);
    const body = rest.slice(space + 1);
    if (/^begin steps=\d+$/.test(body)) {
      tests.set(name, { name, steps: new Map(), ended: false, setupFailures: [] });
      return;
    }
    const test = tests.get(name) ?? fail(`a line of test ${name} before its "begin" line`);
    const userTop = /^userTop=0x([0-9a-fA-F]+) scenario=0x([0-9a-fA-F]+)( \(.*\))?$/.exec(body);
    const step = STEP.exec(body);
    const setup = /^step (\d+) setup failed: (.+)$/.exec(body);
    const end = /^end failures=(\d+)( setup-failed)?$/.exec(body);
    if (userTop) test.userTop = { kernel: BigInt(`0x${userTop[1]}`), scenario: BigInt(`0x${userTop[2]}`) };
    else if (step) {
      const index = Number(step[1]);
      if (!ERROR_NAMES.has(step[3] as string)) fail(`"${step[3]}" is not an seL4 error`);
      test.steps.set(index, {
        step: index,
        line: Number(step[2]),
        error: step[3] as string,
        fields: fieldsOf(step[4] ?? "", fail),
        logLine: lineNo,
      });
    } else if (setup) test.setupFailures.push({ step: Number(setup[1]), what: setup[2] as string });
    else if (end) {
      test.ended = true;
      test.failures = Number(end[1]);
    } else if (!/^step \d+ (expectation failed|note): /.test(body))
      fail("a capsim line that is none of those the generated tests print: the log is cut or garbled here");
  });
  return tests;
}
