import { readFileSync } from "node:fs";
import { ScenarioError } from "./errors.ts";
import { loadScenarioText, type Scenario } from "./load.ts";

// Kept apart from load.ts so that the loader itself imports nothing of node's: the playground bundles it for the browser.

/** Read and validate a scenario file. */
export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ScenarioError(file, 0, 0, "", `cannot read the file: ${(e as Error).message}`);
  }
  return loadScenarioText(file, text);
}
