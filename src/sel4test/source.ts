import { loadScenarioText, type Scenario } from "../scenario/load.ts";
import { runScenario, type ScenarioReport } from "../scenario/run.ts";
import { planTest, type TestPlan } from "./plan.ts";

/** A scenario file's name and text (or a log's). */
export interface ScenarioSource {
  readonly file: string;
  readonly text: string;
}

export interface Sel4testOptions {
  /** the start of every test's name (default CAPSIM) */
  readonly prefix?: string;
}

/**
 * Loads, runs (capsim's answers, and the check that every name and value is valid) and plans
 * one scenario. A file that is not a valid scenario throws ScenarioError, as `capsim run` reports it.
 */
export function planScenario(
  source: ScenarioSource,
  options: Sel4testOptions = {},
): { scenario: Scenario; report: ScenarioReport; plan: TestPlan } {
  const scenario = loadScenarioText(source.file, source.text);
  const report = runScenario(scenario);
  return { scenario, report, plan: planTest(scenario, source.text, report.machine, options.prefix) };
}
