/**
 * `capsim fuzz` throughput: steps a second as the command runs them. Two measurements:
 * - in this process, one thread: the campaign loop the CLI runs (fuzzRun: fast-check's
 *   generation, each step's incremental check, a full check every FULL_CHECK_EVERY steps and at
 *   the end of each run), without the process's start-up, after WARM_UP_STEPS steps of JIT
 *   warm-up (a fresh thread runs its first tens of thousands of steps several times slower);
 * - the compiled CLI (bin/capsim.js on dist/), `--workers 1` and `--workers 2`, wall time after
 *   subtracting a one-step run of the same command (start-up, loading, building the world),
 *   so the ratio of the two is the speed-up worker threads give, their own start-up included;
 *   and the CPU time of each (all threads, start-up included), which a loaded machine's
 *   neighbours barely move while they stretch wall time.
 * `npm run bench` runs it after the start-up benchmark; `node --import tsx bench/fuzz.ts [--quick]` alone.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runPart } from "../src/cli/fuzzPool.ts";
import { buildFuzzWorld } from "../src/testing/world.ts";
import { childrenCpuMs, ensureBuilt, ROOT } from "./startup.ts";

export interface FuzzThroughput {
  /** the campaign measured: runs x steps */
  readonly runs: number;
  readonly steps: number;
  /** in this process, one thread: steps per second of wall time and of CPU time */
  readonly inProcessStepsPerSecond: number;
  readonly inProcessStepsPerCpuSecond: number;
  /** the compiled CLI, start-up subtracted, best of the rounds */
  readonly cliStepsPerSecond: Readonly<Record<string, number>>;
  /** CPU time of the CLI runs with 1 and 2 workers, start-up included, best of the rounds */
  readonly cliCpuMs: Readonly<Record<string, number>>;
  /** the CLI's campaign: runs x steps */
  readonly cliRuns: number;
  readonly cliSteps: number;
  /** cliStepsPerSecond with 2 workers over with 1 */
  readonly speedup2: number;
}

/** Steps run before the in-process measurement: past the JIT's warm-up (docs/performance.md). */
const WARM_UP_STEPS = 60_000;

async function inProcess(runs: number, steps: number): Promise<{ wall: number; cpu: number }> {
  const world = buildFuzzWorld();
  const part = {
    seed: 1,
    steps,
    workers: 1,
    arch: "aarch32" as const,
    world: () => world,
    onRun: () => {},
    onSteps: () => {},
  };
  const warmUp = Math.ceil(WARM_UP_STEPS / steps);
  await runPart({ ...part, runs: Array.from({ length: warmUp }, (_, i) => i) });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runPart({ ...part, runs: Array.from({ length: runs }, (_, i) => i + warmUp) });
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (r.failure) throw new Error(`bench: the fuzz campaign found a violation: ${JSON.stringify(r.failure.violations)}`);
  return { wall: (r.stepsRun * 1000) / wall, cpu: (r.stepsRun * 1e6) / (c.user + c.system) };
}

function cli(args: readonly string[]): { ms: number; cpuMs: number } {
  const env = { ...process.env };
  delete env.CAPSIM_FROM_SOURCE;
  const out = mkdtempSync(join(tmpdir(), "capsim-bench-fuzz-"));
  const c0 = childrenCpuMs() ?? 0;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["bin/capsim.js", "fuzz", "--seed", "1", "--out", out, ...args], {
    cwd: ROOT,
    env,
    stdio: "ignore",
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bench: capsim fuzz ${args.join(" ")} exited with ${r.status}`);
  return { ms, cpuMs: (childrenCpuMs() ?? 0) - c0 };
}

export async function measureFuzz(options: { readonly quick?: boolean } = {}): Promise<FuzzThroughput> {
  const runs = options.quick ? 10 : 20;
  const steps = options.quick ? 2000 : 5000;
  const local = await inProcess(runs, steps);
  ensureBuilt();
  // The CLI's campaign is longer: each worker thread pays its own warm-up, repaid only over a
  // few hundred thousand steps.
  const cliRuns = 20;
  const cliSteps = options.quick ? 5000 : 25000;
  const rounds = options.quick ? 2 : 3;
  const best: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    const base = cli(["--runs", "1", "--steps", "1", "--workers", "1"]).ms;
    for (const w of ["1", "2"]) {
      const r = cli(["--runs", String(cliRuns), "--steps", String(cliSteps), "--workers", w]);
      const rate = (cliRuns * cliSteps * 1000) / Math.max(1, r.ms - base);
      best[w] = Math.max(best[w] ?? 0, rate);
      cpu[w] = Math.min(cpu[w] ?? Infinity, r.cpuMs);
    }
  }
  return {
    runs,
    steps,
    inProcessStepsPerSecond: Math.round(local.wall),
    inProcessStepsPerCpuSecond: Math.round(local.cpu),
    cliStepsPerSecond: Object.fromEntries(Object.entries(best).map(([k, v]) => [k, Math.round(v)])),
    cliCpuMs: cpu,
    cliRuns,
    cliSteps,
    speedup2: (best["2"] ?? 0) / (best["1"] ?? 1),
  };
}

export function printFuzz(f: FuzzThroughput): void {
  console.log(
    `\ncapsim fuzz throughput (${f.runs} runs x ${f.steps} steps, seed 1; target 100,000 steps/s on one core):`,
  );
  console.log(
    `  in process, one thread (the CLI's loop, no start-up): ${f.inProcessStepsPerSecond} steps/s wall, ${f.inProcessStepsPerCpuSecond} steps per CPU second`,
  );
  for (const [w, rate] of Object.entries(f.cliStepsPerSecond)) {
    const cpuMs = f.cliCpuMs[w] ?? 0;
    const perCpu = Math.round((f.cliRuns * f.cliSteps * 1000) / Math.max(1, cpuMs));
    console.log(
      `  capsim fuzz --runs ${f.cliRuns} --steps ${f.cliSteps} --workers ${w} (compiled CLI, start-up subtracted): ${rate} steps/s (CPU ${Math.round(cpuMs)} ms, all threads and start-up: ${perCpu} steps per CPU second)`,
    );
  }
  console.log(
    `  speed-up of 2 workers over 1: ${f.speedup2.toFixed(2)}x (target 1.8x; a shared machine's load lowers it)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printFuzz(await measureFuzz({ quick: process.argv.includes("--quick") }));
}
