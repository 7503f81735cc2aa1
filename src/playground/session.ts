import { ScenarioError } from "../scenario/errors.ts";
import { loadScenarioText, type Scenario } from "../scenario/load.ts";
import { runScenario, type ScenarioReport, type StepReport } from "../scenario/run.ts";
import { ACTION_KEYS } from "../scenario/schema.ts";
import { LIBSEL4 } from "../invocations/libsel4.ts";
import { OBJECT_TYPES } from "../arch/index.ts";
import type { KernelState } from "../model/state.ts";

/*
 * The page's model, free of the DOM: a scenario's text becomes either its run (every state,
 * kept: states are immutable, so the timeline's "back" is an index) or the usage error that
 * stopped it, with the line the loader or the runner named.
 */

/** A scenario that loaded and ran: index 0 of `states` is the state straight after boot. */
export interface Ran {
  readonly kind: "ran";
  readonly scenario: Scenario;
  readonly report: ScenarioReport;
}

/** A scenario the loader or the runner refused as written: capsim's usage error, never seL4's. */
export interface Refused {
  readonly kind: "refused";
  readonly error: ScenarioError;
}

export type Session = Ran | Refused;

/** Load and run a scenario's text; a usage error anywhere comes back as data, with its line. */
export function openScenario(text: string, file = "scenario.yaml"): Session {
  try {
    const scenario = loadScenarioText(file, text);
    return { kind: "ran", scenario, report: runScenario(scenario) };
  } catch (e) {
    if (e instanceof ScenarioError) return { kind: "refused", error: e };
    throw e;
  }
}

/** How many positions the timeline has: boot, then one after each step. */
export const positions = (r: Ran): number => r.report.states.length;

/** The state at timeline position `at` (0: after boot). */
export function stateAt(r: Ran, at: number): KernelState {
  const s = r.report.states[Math.max(0, Math.min(at, r.report.states.length - 1))];
  if (s === undefined) throw new Error("a run always has the boot state");
  return s;
}

/** The report of the step that led to position `at`, none for the boot state. */
export const stepAt = (r: Ran, at: number): StepReport | undefined => (at >= 1 ? r.report.steps[at - 1] : undefined);

/** The step's label on the timeline: its action (the invocation's name for `invoke`) and its result. */
export function stepLabel(step: StepReport): string {
  const result = step.outcome.kind === "error" ? `seL4_${step.outcome.error.error}` : step.outcome.kind;
  return `${step.index}. ${step.action}: ${result}`;
}

/** Whether the step failed (an seL4 error, a fault, capsim's own refusal), as the timeline marks it. */
export const stepFailed = (step: StepReport): boolean => step.outcome.kind !== "ok";

/** What the editor completes, by kind: step kinds, invocation names, object types, and the names declared so far. */
export interface CompletionWords {
  readonly stepKinds: readonly string[];
  readonly invocations: readonly string[];
  readonly objectTypes: readonly string[];
  readonly names: readonly string[];
}

const AS_NAME = /\bas:\s*\[?([^\]}\n#]*)/g;

/**
 * The completion words for a text: names come from the last run's name table when there is one
 * (the initial caps, untyped[i] and every `as:`), and otherwise from the `as:` values written so far.
 */
export function completionWords(text: string, last: Ran | undefined): CompletionWords {
  const names = new Set<string>(last ? last.report.names.keys() : []);
  for (const m of text.matchAll(AS_NAME))
    for (const n of (m[1] ?? "").split(",")) {
      const name = n.trim();
      if (/^[\w[\].-]+$/.test(name)) names.add(name);
    }
  return {
    stepKinds: ACTION_KEYS,
    invocations: Object.keys(LIBSEL4),
    objectTypes: OBJECT_TYPES,
    names: [...names],
  };
}
