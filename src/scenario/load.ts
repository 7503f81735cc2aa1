import type { z } from "zod";
import { closest, ScenarioError, shown } from "./errors.ts";
import { ACTION_KEYS as ACTIONS, ScenarioHeader, STEP_SCHEMAS, type ActionKey, type Step } from "./schema.ts";
import { parseSource, type SourceFile } from "./source.ts";

/** A validated scenario: its header, its steps, and where each step sits in the file. */
export interface Scenario {
  readonly file: string;
  readonly header: z.infer<typeof ScenarioHeader>;
  readonly steps: readonly Step[];
  readonly source: SourceFile;
  /** the line of each step */
  readonly stepLines: readonly number[];
}

function fail(src: SourceFile, path: (string | number)[], problem: string, suggestion?: string): never {
  const pos = src.position(path);
  throw new ScenarioError(src.file, pos.line, pos.column, pathText(path), problem, suggestion);
}

function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function zodFail(src: SourceFile, base: (string | number)[], error: z.ZodError, known: readonly string[]): never {
  const issue = error.issues[0];
  if (!issue) fail(src, base, "invalid");
  const path = [...base, ...(issue.path as (string | number)[])];
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] as string;
    fail(src, [...path, key], `unknown key "${key}"`, closest(key, known));
  }
  if (issue.code === "invalid_union") {
    const found = valueAt(src.data, path);
    fail(
      src,
      path,
      `expected ${describeUnion(path)}, ${found === undefined ? "but it is missing" : `found ${shown(found)}`}`,
    );
  }
  fail(src, path, issue.message);
}

function describeUnion(path: readonly (string | number)[]): string {
  const last = path[path.length - 1];
  if (last === "expect")
    return `"ok", "not_modelled", { ok: {...} }, { error: seL4_..., ...fields } or { fault: {...} }`;
  // retype's `as` is the only union of names; every other union outside `expect` is a Value.
  if (last === "as") return "a name for the new object, or a list of names, one per object (as: [a, b])";
  if (last === "failedLookupWasSource") return "true, false, 1 or 0";
  return "a number (decimal, 0x hex, or a size like 4KiB) or { paddrOf: name }";
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = data;
  for (const k of path)
    v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

const STEP_KEYS = [...ACTIONS, "expect", "note", "cap", "args"];

/**
 * The most steps a scenario may have: room for 10,000 (issue 18's long scenario). A run keeps
 * every state and a report per step, so this, not the file's length, bounds a run's time and
 * memory (a step of a few characters would otherwise let a 2 MB file hold 50,000 steps). At
 * about 0.11-0.15 ms a step with parsing (AArch64's the dearer), 12,000 keeps the longest file
 * under the 2 s every input must answer in (docs/reliability.md); 16,384 took 2.2 s.
 */
export const MAX_STEPS = 12_000;

/** Parse and validate one scenario's text. Any problem is a ScenarioError naming the line. */
export function loadScenarioText(file: string, text: string): Scenario {
  const src = parseSource(file, text);
  if (src.data === null || typeof src.data !== "object" || Array.isArray(src.data))
    fail(src, [], "a scenario is a map with name, steps and optionally arch, api, boot");
  const header = ScenarioHeader.safeParse(src.data);
  if (!header.success)
    zodFail(src, [], header.error, [
      "name",
      "arch",
      "api",
      "boot",
      "exercise",
      "steps",
      "ram",
      "devices",
      "userTop",
      "cnodeSizeBits",
      "kernelImageSize",
      "userImage",
      "fpu",
      "hypervisor",
    ]);
  if (header.data.steps.length > MAX_STEPS)
    fail(src, ["steps", MAX_STEPS], `a scenario has at most ${MAX_STEPS} steps: split it into several scenarios`);
  const steps: Step[] = [];
  const stepLines: number[] = [];
  header.data.steps.forEach((raw, i) => {
    const path = ["steps", i];
    if (raw === null || typeof raw !== "object" || Array.isArray(raw))
      fail(
        src,
        path,
        "a step is a map with one action (invoke, retype, copy, delete, revoke, resolve, switch) and an optional expect",
      );
    const actions = ACTIONS.filter((a) => a in raw);
    if (actions.length === 0) {
      const key = Object.keys(raw)[0] ?? "";
      fail(src, path, `a step needs one action key (${ACTIONS.join(", ")})`, key ? closest(key, ACTIONS) : undefined);
    }
    if (actions.length > 1)
      fail(
        src,
        [...path, actions[1] as string],
        `a step has exactly one action, this one has ${actions.join(" and ")}`,
      );
    const action = actions[0] as ActionKey;
    const parsed = STEP_SCHEMAS[action].safeParse(raw);
    if (!parsed.success)
      zodFail(src, path, parsed.error, [
        ...STEP_KEYS,
        "type",
        "as",
        "from",
        "size_bits",
        "count",
        "rights",
        "vspace",
        "vaddr",
        "thread",
        "paddrOf",
        "plus",
      ]);
    steps.push(parsed.data as Step);
    stepLines.push(src.position(path).line);
  });
  return { file, header: header.data, steps, source: src, stepLines };
}

export { pathText };
