import { expect } from "chai";
import { readdirSync } from "node:fs";
import { loadScenarioFile } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/scenario/run.ts";

const files = [
  ...readdirSync("examples")
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => `examples/${f}`),
  ...readdirSync("test/scenarios")
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => `test/scenarios/${f}`),
];

describe("every example and scenario fixture holds", () => {
  it("there are at least a dozen examples", () => {
    expect(files.filter((f) => f.startsWith("examples/")).length).to.be.at.least(12);
  });
  it("at least six of them boot AArch64", () => {
    const aarch64 = files.filter((f) => f.startsWith("examples/") && loadScenarioFile(f).header.arch === "aarch64");
    expect(aarch64.length).to.be.at.least(6);
  });
  for (const f of files) {
    it(f, () => {
      const report = runScenario(loadScenarioFile(f));
      const failed = report.steps
        .filter((s) => !s.held)
        .map((s) => `step ${s.index} (line ${s.line}) ${s.action}: got ${s.result}, expected ${s.expected}`);
      expect(failed).to.deep.equal([]);
    });
  }
});
