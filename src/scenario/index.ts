/** capsim/scenario: load, validate and run scenario files (../shared/SCENARIOS.md). */
export { loadScenarioText, type Scenario } from "./load.ts";
export { loadScenarioFile } from "./file.ts";
export { runScenario, type ScenarioReport, type StepReport, type Outcome } from "./run.ts";
export { ScenarioError } from "./errors.ts";
export { invokedCapName, invokedCPtr } from "./steps/invoke.ts";
