/**
 * `capsim fuzz` throughput on short runs: many runs of 200 steps in this process, one thread,
 * through fuzzRun (the CLI's loop: fast-check's generation, each step's incremental check, the
 * full check at the end of each run), as steps per CPU second, on ARM32 and AArch64. A short run
 * is where the closing full check weighs most (docs/performance.md, "Round five").
 *
 *   node --import tsx bench/fuzzShort.ts [--steps 200] [--runs 600] [--arch aarch32|aarch64]
 *   node --import tsx bench/fuzzShort.ts --ab /work/main [--rounds 5]
 *
 * With --ab DIR, each round measures DIR's code (another checkout, the "A" side) and this one's
 * ("B") in fresh processes back to back, alternating which goes first, and prints the medians.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const HERE = resolve(import.meta.dirname, "..");
const steps = Number(arg("--steps", "200"));
const runs = Number(arg("--runs", "600"));
/** Runs before the measurement: past the JIT's warm-up. */
const warmRuns = Number(arg("--warm", "300"));

interface FuzzRunsModule {
  fuzzRun(
    w: unknown,
    seed: number,
    index: number,
    steps: number,
    onStep: () => void,
  ): { steps: number; failure?: unknown };
}
interface WorldModule {
  buildFuzzWorld(c?: { readonly arch?: "aarch32" | "aarch64" }): unknown;
}

/** Steps per CPU second of `runs` runs of `steps` steps on `arch`, with the code of the checkout at `root`. */
async function measure(root: string, arch: "aarch32" | "aarch64"): Promise<number> {
  const { fuzzRun } = (await import(pathToFileURL(resolve(root, "src/cli/fuzzRuns.ts")).href)) as FuzzRunsModule;
  const { buildFuzzWorld } = (await import(pathToFileURL(resolve(root, "src/testing/world.ts")).href)) as WorldModule;
  const w = buildFuzzWorld({ arch });
  const campaign = (first: number, count: number): number => {
    let n = 0;
    for (let i = first; i < first + count; i++) {
      const r = fuzzRun(w, 1, i, steps, () => {});
      if (r.failure !== undefined) throw new Error(`bench: run ${i} found a violation`);
      n += r.steps;
    }
    return n;
  };
  campaign(1_000_000, warmRuns);
  const c0 = process.cpuUsage();
  const n = campaign(0, runs);
  const c = process.cpuUsage(c0);
  return (n * 1e6) / (c.user + c.system);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

if (process.argv.includes("--child")) {
  const arch = arg("--arch", "aarch32") === "aarch64" ? "aarch64" : "aarch32";
  console.log(Math.round(await measure(arg("--root", HERE), arch)));
} else {
  const ab = process.argv.includes("--ab") ? arg("--ab", "") : undefined;
  const rounds = Number(arg("--rounds", ab === undefined ? "1" : "5"));
  const archs = process.argv.includes("--arch") ? [arg("--arch", "aarch32")] : ["aarch32", "aarch64"];
  const sides: [string, string][] =
    ab === undefined
      ? [["this", HERE]]
      : [
          ["A", ab],
          ["B", HERE],
        ];
  const results: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++)
    for (const arch of archs) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const [name, root] of order) {
        const r = spawnSync(
          process.execPath,
          [
            "--import",
            "tsx",
            import.meta.filename,
            "--child",
            "--root",
            root,
            "--arch",
            arch,
            "--steps",
            String(steps),
            "--runs",
            String(runs),
            "--warm",
            String(warmRuns),
          ],
          { cwd: HERE, encoding: "utf8" },
        );
        if (r.status !== 0) throw new Error(`bench: ${name} ${arch} failed: ${r.stderr}`);
        (results[`${arch} ${name}`] ??= []).push(Number(r.stdout.trim()));
      }
    }
  console.log(`${runs} runs x ${steps} steps (after ${warmRuns} warm-up runs), steps per CPU second:`);
  for (const [k, v] of Object.entries(results))
    console.log(`  ${k}: median ${Math.round(median(v))} (${v.join(", ")})`);
}
