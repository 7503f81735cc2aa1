import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UNMAP_KEEPS_ENTRY, UNMAP_KEEPS_ENTRY_64, withFamilies, withFamiliesAsync } from "../support/faults.ts";
import { defaultWorkers, fuzzCommand, fuzzScenario, shrinkSequence } from "../../src/cli/fuzz.ts";
import { firstViolation, runSeed, shardRuns } from "../../src/cli/fuzzRuns.ts";
import { FuzzSummary } from "../../src/cli/fuzzSummary.ts";
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

  it("every op of either architecture shrinks without fast-check's context: its unmappers give it back, by content", () => {
    for (const arch of ["aarch32", "aarch64"] as const) {
      const arb = fuzzOpArbitrary({ arch });
      // Another instance, and copies: a failing run's steps are judged by content, not identity.
      const other = fuzzOpArbitrary({ arch });
      fc.assert(
        fc.property(arb, (op) => {
          expect(arb.canShrinkWithoutContext(op), JSON.stringify(op)).to.equal(true);
          expect(other.canShrinkWithoutContext(structuredClone(op)), JSON.stringify(op)).to.equal(true);
          for (const c of arb.shrink(op, undefined)) {
            expect(
              arb.canShrinkWithoutContext(c.value),
              `${JSON.stringify(op)} -> ${JSON.stringify(c.value)}`,
            ).to.equal(true);
          }
        }),
        { numRuns: 500 },
      );
      // What no op of this architecture is: a value the mappers cannot have produced.
      expect(arb.canShrinkWithoutContext({ op: "touch", vaddr: 0x10000041 })).to.equal(false);
      expect(arb.canShrinkWithoutContext({ op: "switch", extra: 1 })).to.equal(false);
    }
    expect(fuzzOpArbitrary().canShrinkWithoutContext({ op: "cache", f: 0, kind: 0, start: 0, end: 1 })).to.equal(false);
  });

  it("given the arbitrary, shrinks each remaining step's arguments too, and the simpler sequence still fails", () => {
    const world = buildFuzzWorld();
    const drawn: FuzzOp[] = [
      { op: "switch" },
      { op: "map", f: 2, pd: 1, slotIndex: 3, misalign: false, rights: 2 },
      { op: "copy", f: 5, to: 0 },
      { op: "unmap", f: 2 },
    ];
    withFamilies(UNMAP_KEEPS_ENTRY, () => {
      const dropped = shrinkSequence(world, drawn);
      expect(dropped?.ops).to.deep.equal([drawn[1], drawn[3]]);
      const shrunk = shrinkSequence(world, drawn, fuzzOpArbitrary());
      // The map's slot index, VSpace and rights each go to their arbitrary's simplest value (0, 0,
      // and 3, the first of the common rights): the page at the window's base, in the thread's own
      // VSpace, read-write. The frame stays: the unmap names it too, and steps shrink one at a time.
      expect(shrunk?.ops).to.deep.equal([
        { op: "map", f: 2, pd: 0, slotIndex: 0, misalign: false, rights: 3 },
        { op: "unmap", f: 2 },
      ]);
      expect(shrunk?.violations.map((v) => v.invariant)).to.deep.equal(["valid_vs_lookup"]);
      expect(firstViolation(world, shrunk?.ops ?? [])?.violations.map((v) => v.invariant)).to.deep.equal([
        "valid_vs_lookup",
      ]);
    });
  });

  it("a failing campaign's scenario has the shrunk arguments: each map at the window's base, and it replays the violation", async () => {
    const out = mkdtempSync(join(tmpdir(), "capsim-fuzz-args-"));
    const r = await withFamiliesAsync(UNMAP_KEEPS_ENTRY, () =>
      fuzz(["--runs", "12", "--steps", "40", "--seed", "3", "--workers", "1", "--out", out, "--json"]),
    );
    expect(r.code, r.err).to.equal(1);
    const failure = FuzzSummary.parse(JSON.parse(r.out)).failures[0];
    const text = readFileSync(failure?.scenario ?? "", "utf8");
    const maps = [...text.matchAll(/vaddr: "?(0x[0-9a-f]+)/g)].map((m) => m[1]);
    expect(maps.length, text).to.be.greaterThan(0);
    expect(maps, text).to.deep.equal(maps.map(() => "0x10000000"));
    const report = await withFamiliesAsync(UNMAP_KEEPS_ENTRY, async () =>
      runScenario(loadScenarioText("shrunk.yaml", text), { checkInvariants: true }),
    );
    expect(report.passed).to.equal(false);
  });
});

describe("capsim fuzz campaigns: runs, shards, workers, merge", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "capsim-fuzz-shards-"));
  const readJSON = (file: string): FuzzSummary => FuzzSummary.parse(JSON.parse(readFileSync(file, "utf8")));

  /** Run a campaign whole and as `count` shards; both summaries, and the merge's exit code and output. */
  async function wholeAndShards(campaign: string[], count: number) {
    const d = dir();
    const whole = await fuzz([...campaign, "--workers", "1", "--out", d, "--summary", join(d, "whole.json")]);
    const files: string[] = [];
    for (let i = 1; i <= count; i++) {
      const file = join(d, `shard-${i}.json`);
      await fuzz([...campaign, "--workers", "1", "--out", d, "--shard", `${i}/${count}`, "--summary", file]);
      files.push(file);
    }
    const merged = await fuzz(["--merge", ...files.reverse(), "--summary", join(d, "merged.json")]);
    return {
      whole,
      wholeSummary: readJSON(join(d, "whole.json")),
      shards: files.map(readJSON),
      merged,
      mergedSummary: readJSON(join(d, "merged.json")),
      files,
    };
  }

  it("shards are disjoint and together are the campaign's runs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), (runs, count) => {
        const all = Array.from({ length: count }, (_, i) => shardRuns(runs, i, count)).flat();
        expect(all.length).to.equal(runs);
        expect([...all].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: runs }, (_, i) => i));
      }),
    );
  });

  it("run 0 keeps the campaign's seed; the other runs' seeds are distinct 31-bit integers", () => {
    expect(runSeed(1234, 0)).to.equal(1234);
    const seeds = Array.from({ length: 5000 }, (_, i) => runSeed(1234, i));
    expect(new Set(seeds).size).to.equal(seeds.length);
    for (const s of seeds) expect(s >= 0 && s < 2 ** 31 && Number.isInteger(s), String(s)).to.equal(true);
  });

  it("a healthy campaign's shards merge into the single-machine summary", async () => {
    const r = await wholeAndShards(["--runs", "7", "--steps", "25", "--seed", "11"], 3);
    expect(r.whole.code, r.whole.err).to.equal(0);
    expect(r.merged.code, r.merged.err).to.equal(0);
    expect(r.shards.map((s) => s.shard)).to.deep.equal([
      { index: 3, count: 3 },
      { index: 2, count: 3 },
      { index: 1, count: 3 },
    ]);
    expect(r.shards.map((s) => s.runsRun)).to.deep.equal([2, 2, 3]);
    expect(r.mergedSummary).to.deep.equal(r.wholeSummary);
    expect(r.wholeSummary).to.include({ runsRun: 7, stepsRun: 175 });
    expect(r.merged.out).to.contain("no invariant violated");
  });

  it("with a broken transition, the merge reports each shard's failure; the first is the single machine's, and replays alone from its seed", async () => {
    const r = await withFamiliesAsync(UNMAP_KEEPS_ENTRY, () =>
      wholeAndShards(["--runs", "12", "--steps", "40", "--seed", "3"], 2),
    );
    expect(r.whole.code).to.equal(1);
    expect(r.merged.code).to.equal(1);
    const first = r.wholeSummary.failures;
    expect(first.length).to.equal(1);
    expect(r.mergedSummary.failures[0]).to.deep.equal(first[0]);
    for (const f of r.mergedSummary.failures) {
      expect(r.merged.out).to.contain(`(seed ${f.seed})`);
      expect(r.merged.out).to.contain(f.scenario);
      expect(r.merged.out).to.contain(f.replay);
    }
    const failure = first[0]!;
    const d = dir();
    const replay = await withFamiliesAsync(UNMAP_KEEPS_ENTRY, () =>
      fuzz(["--seed", String(failure.seed), "--runs", "1", "--steps", "40", "--workers", "1", "--out", d, "--json"]),
    );
    expect(replay.code).to.equal(1);
    const again = FuzzSummary.parse(JSON.parse(replay.out)).failures[0];
    expect(again?.violations).to.deep.equal(failure.violations);
    expect(readFileSync(again?.scenario ?? "", "utf8")).to.equal(readFileSync(failure.scenario, "utf8"));
  });

  it("bad shard, worker and summary values are usage errors that say what is wrong", async () => {
    const d = dir();
    expect((await fuzz(["--shard", "3/2"])).err).to.equal(
      "capsim fuzz: --shard 3/2: the shard index I must be from 1 to N",
    );
    expect((await fuzz(["--shard", "0/2"])).code).to.equal(2);
    expect((await fuzz(["--shard", "two"])).err).to.match(/--shard two: write the shard as I\/N/);
    expect((await fuzz(["--workers", "0"])).err).to.equal("capsim fuzz: --workers 0: at least 1 worker");
    expect((await fuzz(["--merge"])).err).to.match(/--merge: name the shards' summary files/);
    expect((await fuzz(["--merge", "--runs", "3", "x.json"])).err).to.match(/it takes no --runs/);
    const write = (name: string, text: string) => {
      writeFileSync(join(d, name), text);
      return join(d, name);
    };
    const notJSON = write("a.json", "{ not json");
    expect((await fuzz(["--merge", notJSON])).err).to.contain(`${notJSON} is not JSON`);
    expect((await fuzz(["--merge", join(d, "missing.json")])).err).to.contain("cannot read");
    const other = write("b.json", JSON.stringify({ format: "capsim-fuzz-summary/9" }));
    expect((await fuzz(["--merge", other])).err).to.contain('in format "capsim-fuzz-summary/9"');
    const good = {
      format: "capsim-fuzz-summary/2",
      seed: 1,
      runs: 4,
      steps: 10,
      arch: "aarch32",
      shard: { index: 1, count: 2 },
      runsRun: 2,
      stepsRun: 20,
      failures: [],
    };
    const noSteps = write("c.json", JSON.stringify({ ...good, steps: undefined }));
    expect((await fuzz(["--merge", noSteps])).err).to.match(/is not a capsim fuzz summary: at steps: /);
    const s1 = write("s1.json", JSON.stringify(good));
    expect((await fuzz(["--merge", s1])).err).to.contain("shard 2/2 missing");
    expect((await fuzz(["--merge", s1, s1])).err).to.contain("are both shard 1/2");
    const s2 = write("s2.json", JSON.stringify({ ...good, seed: 2, shard: { index: 2, count: 2 } }));
    expect((await fuzz(["--merge", s1, s2])).err).to.contain("is from another campaign: seed 2");
    const s64 = write("s64.json", JSON.stringify({ ...good, arch: "aarch64", shard: { index: 2, count: 2 } }));
    expect((await fuzz(["--merge", s1, s64])).err).to.contain("is from another campaign: arch aarch64");
    const s3 = write("s3.json", JSON.stringify({ ...good, shard: { index: 3, count: 2 } }));
    const bad = await fuzz(["--merge", s3]);
    expect(bad.code).to.equal(2);
    expect(bad.err).to.contain("at shard: the shard's index is above its count");
  });

  it("by default, a second thread only from 1,000,000 steps, one per 500,000, at most one per core", () => {
    expect(defaultWorkers(999_999, 2)).to.equal(1);
    expect(defaultWorkers(1_000_000, 2)).to.equal(2);
    expect(defaultWorkers(50_000_000, 2)).to.equal(2);
    expect(defaultWorkers(1_499_999, 8)).to.equal(2);
    expect(defaultWorkers(1_500_000, 8)).to.equal(3);
    expect(defaultWorkers(1, 1)).to.equal(1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 10 }), fc.integer({ min: 1, max: 256 }), (steps, cores) => {
        const w = defaultWorkers(steps, cores);
        expect(w >= 1 && w <= cores && (w === 1 || w * 500_000 <= steps)).to.equal(true);
      }),
    );
  });

  it("--workers 2 and 3 give the same summary as one thread (with a failure: test/e2e/fuzzReplay.test.ts)", async () => {
    const d = dir();
    const campaign = ["--runs", "7", "--steps", "30", "--seed", "21", "--out", d, "--json"];
    const one = await fuzz([...campaign, "--workers", "1"]);
    expect(JSON.parse(one.out)).to.include({ runsRun: 7, stepsRun: 210 });
    for (const workers of ["2", "3"]) {
      const many = await fuzz([...campaign, "--workers", workers]);
      expect(many.code, many.err).to.equal(0);
      expect(JSON.parse(many.out), `--workers ${workers}`).to.deep.equal(JSON.parse(one.out));
    }
  });

  it("a shard run on two threads gives the same summary as on one", async () => {
    const d = dir();
    const campaign = ["--runs", "9", "--steps", "20", "--seed", "5", "--shard", "2/3", "--out", d, "--json"];
    const one = await fuzz([...campaign, "--workers", "1"]);
    const two = await fuzz([...campaign, "--workers", "2"]);
    expect(two.code, two.err).to.equal(0);
    expect(JSON.parse(two.out)).to.deep.equal(JSON.parse(one.out));
    expect(JSON.parse(one.out)).to.include({ runsRun: 3, stepsRun: 60 });
  });
});
