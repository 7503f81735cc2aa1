import { expect } from "chai";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UNMAP_KEEPS_ENTRY, UNMAP_KEEPS_ENTRY_64, withFamilies } from "../support/faults.ts";
import fc from "fast-check";
import { fuzzCommand, fuzzScenario, shrinkSequence } from "../../src/cli/fuzz.ts";
import { fuzzOpArbitrary } from "../../src/testing/arbitraries.ts";
import { loadScenarioText, runScenario } from "../../src/scenario/index.ts";
import { buildFuzzWorld, type FuzzOp } from "../../src/testing/world.ts";

/** Run fuzzCommand with console output captured. */
async function fuzz(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return {
      code: await fuzzCommand(argv),
      out: out.join("\n"),
      err: err.join("\n"),
    };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("capsim fuzz (in process)", () => {
  it("takes its arguments as argv, runs, and reports the seed when nothing is violated", async () => {
    const out = mkdtempSync(join(tmpdir(), "capsim-fuzz-ok-"));
    const r = await fuzz(["--runs", "3", "--steps=30", "--seed", "42", "--out", out]);
    expect(r.code, r.out + r.err).to.equal(0);
    expect(r.out).to.match(/3 runs, \d+ steps, no invariant violated \(seed 42\)/);
    expect(readdirSync(out)).to.deep.equal([]);
  });

  it("also takes flags parsed by the CLI", async () => {
    const r = await fuzz({
      runs: "1",
      steps: "5",
      seed: "1",
      out: mkdtempSync(join(tmpdir(), "capsim-fuzz-ok-")),
    } as never);
    expect(r.code).to.equal(0);
  });

  it("bad usage is exit 2 with a message naming the option", async () => {
    expect((await fuzz(["--steps", "0"])).code).to.equal(2);
    const unknown = await fuzz(["--stpes", "10"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.err).to.contain("unknown option --stpes");
    expect((await fuzz(["stray"])).code).to.equal(2);
  });

  it("--arch aarch64 fuzzes the AArch64 world clean; a bad --arch is exit 2 naming the option and the choices", async () => {
    const out = mkdtempSync(join(tmpdir(), "capsim-fuzz-ok-"));
    const r = await fuzz(["--arch", "aarch64", "--runs", "3", "--steps", "60", "--seed", "42", "--out", out]);
    expect(r.code, r.out + r.err).to.equal(0);
    expect(r.out).to.match(/3 runs, \d+ steps, no invariant violated \(seed 42\): .* on aarch64/);
    const bad = await fuzz(["--arch", "riscv"]);
    expect(bad.code).to.equal(2);
    expect(bad.err).to.contain("--arch riscv: is not an architecture capsim fuzzes: give aarch32 or aarch64");
  });

  it("--arch aarch64 finds a broken AArch64 Page_Unmap and writes the shrunk sequence", async () => {
    const out = mkdtempSync(join(tmpdir(), "capsim-fuzz-bad-"));
    const r = await withFamilies(UNMAP_KEEPS_ENTRY_64, () =>
      fuzz(["--arch", "aarch64", "--runs", "30", "--steps", "80", "--seed", "3", "--out", out]),
    );
    expect(r.code, r.out + r.err).to.equal(1);
    expect(r.out).to.match(/valid_vs_lookup/);
    expect(r.out).to.contain("--arch aarch64");
    expect(readdirSync(out)).to.have.length(1);
  });

  it("an AArch64 world's printed scenario replays: every step's outcome and every invariant hold", () => {
    const world = buildFuzzWorld({ arch: "aarch64" });
    for (const ops of fc.sample(fc.array(fuzzOpArbitrary({ arch: "aarch64" }), { minLength: 60, maxLength: 60 }), {
      numRuns: 4,
      seed: 4,
    })) {
      const text = fuzzScenario(world, ops, "replay");
      expect(text).to.match(/^arch: aarch64$/m);
      const report = runScenario(loadScenarioText("replay.yaml", text), { checkInvariants: true });
      const failed = report.steps.filter((r) => !r.held);
      expect(report.passed, JSON.stringify(failed[0])).to.equal(true);
    }
  });

  it("shrinks a failing sequence to the steps the violation needs", () => {
    const world = buildFuzzWorld();
    const ops: FuzzOp[] = [
      { op: "mapPT", t: 0, pd: 0, vaddr: 0x10000040 },
      { op: "map", f: 2, pd: 1, slotIndex: 3, misalign: false, rights: 3 },
      { op: "copy", f: 5, to: 0 },
      { op: "map", f: 19, pd: 0, slotIndex: 1, misalign: false, rights: 3 },
      { op: "switch" },
      { op: "unmap", f: 2 },
      { op: "delete", f: 14 },
      { op: "unmap", f: 19 },
    ];
    expect(shrinkSequence(world, ops), "healthy").to.equal(undefined);
    withFamilies(UNMAP_KEEPS_ENTRY, () => {
      const shrunk = shrinkSequence(world, ops);
      expect(shrunk?.ops).to.deep.equal([ops[1], ops[5]]);
      expect(shrunk?.violations.map((v) => v.invariant)).to.deep.equal(["valid_vs_lookup"]);
    });
  });
});
