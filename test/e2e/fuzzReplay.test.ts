import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FuzzSummary } from "../../src/cli/fuzzSummary.ts";

describe("capsim fuzz finds a broken transition and its scenario replays it", () => {
  it("capsim fuzz's shrunk scenario replays to the same violation, and passes once the transition is healthy", () => {
    const out = mkdtempSync(join(tmpdir(), "capsim-fuzz-"));
    // The broken Page_Unmap is preloaded into the spawned processes (they run src/ through tsx).
    const broken = ["--import", "tsx", "--import", "./test/support/injectUnmapKeepsEntry.ts"];
    const fuzz = spawnSync(
      process.execPath,
      [...broken, "bin/capsim.js", "fuzz", "--runs", "100", "--steps", "40", "--seed", "3", "--out", out],
      { encoding: "utf8" },
    );
    expect(fuzz.status, fuzz.stdout + fuzz.stderr).to.equal(1);
    const file = /the shrunk sequence is the scenario (\S+)/.exec(fuzz.stdout)?.[1] as string;
    const violation = /^ {2}(valid_vs_lookup: .*)$/m.exec(fuzz.stdout)?.[1] as string;
    expect(readFileSync(file, "utf8")).to.match(/^name: capsim fuzz violation/m);
    const replay = spawnSync(process.execPath, [...broken, "bin/capsim.js", "run", "--check-invariants", file], {
      encoding: "utf8",
    });
    expect(replay.status).to.equal(1);
    expect(replay.stdout).to.contain(violation);
    const healthy = spawnSync(process.execPath, ["bin/capsim.js", "run", "--check-invariants", file], {
      encoding: "utf8",
    });
    expect(healthy.status, healthy.stdout).to.equal(0);
  });

  it("worker threads run the same transition and report the same result as one thread: counts, first failure and shrunk scenario", () => {
    const broken = ["--import", "tsx", "--import", "./test/support/injectUnmapKeepsEntry.ts"];
    const run = (workers: string) => {
      const out = mkdtempSync(join(tmpdir(), "capsim-fuzz-"));
      const campaign = ["fuzz", "--runs", "12", "--steps", "40", "--seed", "3", "--out", out, "--json"];
      const r = spawnSync(process.execPath, [...broken, "bin/capsim.js", ...campaign, "--workers", workers], {
        encoding: "utf8",
      });
      expect(r.status, r.stderr).to.equal(1);
      const summary = FuzzSummary.parse(JSON.parse(r.stdout));
      const scenarios = summary.failures.map((f) => readFileSync(f.scenario, "utf8"));
      // The directory differs from run to run; the rest of the summary must not.
      const failures = summary.failures.map((f) => ({ ...f, scenario: f.scenario.slice(out.length) }));
      return { summary: { ...summary, failures }, scenarios };
    };
    const one = run("1");
    expect(one.summary.failures).to.have.length(1);
    for (const workers of ["2", "3"]) expect(run(workers), `--workers ${workers}`).to.deep.equal(one);
  });
});
