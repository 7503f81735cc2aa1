import { expect } from "chai";
import { spawnSync } from "node:child_process";

/** capsim with a deliberately broken build: every invocation throws, as a bug in capsim would. */
const brokenCapsim = (...args: string[]) =>
  spawnSync(
    process.execPath,
    ["--import", "tsx", "--import", "./test/support/injectInvokeThrows.ts", "bin/capsim.js", ...args],
    {
      encoding: "utf8",
    },
  );

describe("capsim run: an internal error is its own outcome (exit 3)", () => {
  // Every example invokes (and so hits the injected bug); a file that only resolves shows the run goes on past it.
  const resolveOnly = "test/scenarios/resolve-only.yaml";

  it("reports the step, runs the next file, prints the summary and exits 3", () => {
    const r = brokenCapsim("run", "examples/01-map-a-frame.yaml", resolveOnly);
    expect(r.status).to.equal(3);
    expect(r.stderr).to.equal("");
    expect(r.stdout).to.match(/FAIL step 1 \(line \d+\) .*: internal error: Error: injected fault: invoke-throws/);
    expect(r.stdout).to.match(/PASS test\/scenarios\/resolve-only\.yaml/);
    expect(r.stdout.trim().split("\n").pop()).to.equal("1 passed, 1 failed");
  });

  it("--json prints one complete document with the internal error in it", () => {
    const r = brokenCapsim("run", "--json", "examples/01-map-a-frame.yaml", resolveOnly);
    expect(r.status).to.equal(3);
    const out = JSON.parse(r.stdout) as {
      passed: number;
      failed: number;
      scenarios: { steps: { outcome: { kind: string; message?: string } }[] }[];
    };
    expect([out.passed, out.failed]).to.deep.equal([1, 1]);
    expect(out.scenarios[0]?.steps.at(-1)?.outcome).to.deep.equal({
      kind: "internal",
      message: "Error: injected fault: invoke-throws",
    });
  });
});
