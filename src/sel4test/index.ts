/** capsim/sel4test: a scenario as a sel4test test for the real kernel, and its log beside capsim's answers. */
import { emitSel4testFile } from "./emit.ts";
import { planScenario, type ScenarioSource, type Sel4testOptions } from "./source.ts";

export { compareWithLog, type CompareReport, type CompareRow } from "./compare.ts";
export { readLog, LogError, type LoggedStep, type LoggedTest } from "./log.ts";
export { testNameOf, DEFAULT_PREFIX, PREFIX_PATTERN } from "./names.ts";
export { planScenario, type ScenarioSource, type Sel4testOptions } from "./source.ts";
export type { TestPlan, StepPlan, RunStep, SkipStep } from "./plan.ts";

/** Two files whose tests would have one name: sel4test would run only one of them. */
export class TestNameClash extends Error {
  constructor(
    readonly testName: string,
    readonly files: readonly string[],
  ) {
    super(`${files.join(" and ")} would both be test ${testName}; rename one of the files`);
    this.name = "TestNameClash";
  }
}

/** The sel4test C file for these scenarios: one DEFINE_TEST each (none for a file that cannot run). */
export function exportSel4test(sources: readonly ScenarioSource[], options: Sel4testOptions = {}): string {
  const plans = sources.map((s) => planScenario(s, options).plan);
  const byName = new Map<string, string>();
  for (const p of plans) {
    const other = byName.get(p.testName);
    if (other !== undefined) throw new TestNameClash(p.testName, [other, p.file]);
    byName.set(p.testName, p.file);
  }
  return emitSel4testFile(plans);
}
