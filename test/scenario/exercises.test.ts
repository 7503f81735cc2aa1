import { expect } from "chai";
import { loadScenarioFile } from "../../src/scenario/file.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/scenario/run.ts";

/**
 * The mapping tutorial's exercises (examples/22, 23) carry no expect lines, since the learner
 * predicts each result; their answers are checked here instead, from seL4: Page_Map without
 * the next table is FailedLookup with the bits the missing level would resolve (ARM32: 20 under
 * the page directory; AArch64: 39, 30, 21 for levels 1, 2, 3), a write through a read-only
 * mapping is a permission fault, and mapping the same cap at the same address again (seL4 16.0.0)
 * changes its rights.
 */
const results = (file: string) =>
  runScenario(loadScenarioFile(file)).steps.map((s) =>
    s.outcome.kind === "error"
      ? s.outcome.error.error === "FailedLookup" && s.outcome.error.lookupFailure.kind === "MissingCapability"
        ? `FailedLookup ${s.outcome.error.lookupFailure.bitsLeft}`
        : s.outcome.error.error
      : s.outcome.kind === "fault"
        ? "fault"
        : s.outcome.kind,
  );

describe("exercise scenarios (examples/22, 23)", () => {
  it("ARM32: one table is missing (20 bits left), then the read-only write faults until the remap", () => {
    expect(results("examples/22-exercise-mapping-tutorial.yaml")).to.deep.equal([
      ...["ok", "ok", "FailedLookup 20", "ok", "ok", "ok", "ok"],
      ...["fault", "ok", "ok", "ok"],
    ]);
  });

  it("AArch64: three tables are missing, one after another (39, 30, 21 bits left)", () => {
    expect(results("examples/23-exercise-mapping-tutorial-aarch64.yaml")).to.deep.equal([
      ...["ok", "ok", "FailedLookup 39", "ok", "ok", "FailedLookup 30", "ok", "ok", "FailedLookup 21"],
      ...["ok", "ok", "ok", "ok", "fault", "ok", "ok", "ok"],
    ]);
  });

  it("a step without expect is judged only outside an exercise", () => {
    const steps = `steps:\n  - invoke: seL4_ARM_Page_Map\n    cap: InitThreadVSpace\n    args: { vspace: InitThreadVSpace, vaddr: 0, rights: RW, attr: default }\n`;
    expect(runScenario(loadScenarioText("a.yaml", `name: a\n${steps}`)).passed).to.equal(false);
    expect(runScenario(loadScenarioText("b.yaml", `name: b\nexercise: true\n${steps}`)).passed).to.equal(true);
  });
});
