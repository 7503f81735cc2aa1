import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/scenario/run.ts";

/**
 * docs/scenarios.md stays true: its complete scenarios run and pass, its fragments are valid
 * steps, and examples/README.md lists every example in order.
 */
describe("the scenario format's documentation", () => {
  const doc = readFileSync("docs/scenarios.md", "utf8");
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
    (m) => m[1] as string,
  );

  it("its complete scenarios run and pass", () => {
    const complete = blocks.filter(
      (b) => /^name:/m.test(b) && /^steps:/m.test(b),
    );
    expect(complete.length).to.be.at.least(1);
    for (const b of complete)
      expect(
        runScenario(loadScenarioText("docs/scenarios.md", b)).passed,
        b,
      ).to.equal(true);
  });

  it("its step fragments are valid steps", () => {
    const fragments = blocks.filter(
      (b) => /^- /m.test(b) && !/^steps:/m.test(b),
    );
    expect(fragments.length).to.be.at.least(7);
    for (const b of fragments) {
      const text = `name: fragment\nsteps:\n${b.replace(/^/gm, "  ")}`;
      expect(
        () => loadScenarioText("docs/scenarios.md", text),
        b,
      ).not.to.throw();
    }
  });

  it("examples/README.md lists every example, in order", () => {
    const index = readFileSync("examples/README.md", "utf8");
    const listed = [...index.matchAll(/^\| \d+ \| \[([^\]]+\.yaml)\]/gm)].map(
      (m) => m[1],
    );
    expect(listed).to.deep.equal(
      readdirSync("examples")
        .filter((f) => f.endsWith(".yaml"))
        .sort(),
    );
  });
});
