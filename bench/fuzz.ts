/**
 * `capsim fuzz` throughput: steps a second as the command runs them. Two measurements:
 * - in this process, one thread: the campaign loop the CLI runs (fuzzRun: fast-check's
 *   generation, each step's incremental check, a full check every FULL_CHECK_EVERY steps and at
 *   the end of each run), without the process's start-up, after WARM_UP_STEPS steps of JIT
 *   warm-up (a fresh thread runs its first tens of thousands of steps several times slower);
 * - the compiled CLI (bin/capsim.js on dist/), `--workers 1` and `--workers 2` back to back in
 *   alternating order, over 20 x 25,000, 20 x 100,000 and 50 x 100,000 steps (start-up
 *   included): wall time, and each thread's CPU time, from which bench/fuzzThreads.ts estimates
 *   the command's time on two idle cores (a loaded machine stretches wall time, barely CPU time).
 * `npm run bench` runs it after the start-up benchmark; `node --import tsx bench/fuzz.ts [--quick]` alone.
 */
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { runPart } from "../src/cli/fuzzPool.ts";
import { buildFuzzWorld } from "../src/testing/world.ts";
import { estimatedWallMs, runThreaded } from "./fuzzThreads.ts";
import { ensureBuilt } from "./startup.ts";

/** One campaign through the CLI with 1 and 2 workers: medians over the rounds, in ms. */
export interface CliCampaign {
  readonly runs: number;
  readonly steps: number;
  readonly wallMs: { readonly 1: number; readonly 2: number };
  /** CPU of all threads, start-up included */
  readonly cpuMs: { readonly 1: number; readonly 2: number };
  /** the time on two idle cores, from the threads' CPU (bench/fuzzThreads.ts) */
  readonly estimatedMs: { readonly 1: number; readonly 2: number };
  /** the load average over the campaign's runs */
  readonly load: readonly [number, number];
}

export interface FuzzThroughput {
  /** the campaign measured: runs x steps */
  readonly runs: number;
  readonly steps: number;
  /** in this process, one thread: steps per second of wall time and of CPU time */
  readonly inProcessStepsPerSecond: number;
  readonly inProcessStepsPerCpuSecond: number;
  /** the compiled CLI's campaigns */
  readonly cli: readonly CliCampaign[];
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

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? 0;
};

async function cliCampaign(runs: number, steps: number, rounds: number): Promise<CliCampaign> {
  const wall: [number[], number[]] = [[], []];
  const cpu: [number[], number[]] = [[], []];
  const est: [number[], number[]] = [[], []];
  const loads: number[] = [loadavg()[0] ?? 0];
  for (let round = 0; round < rounds; round++)
    for (const w of round % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
      const r = await runThreaded(["--runs", String(runs), "--steps", String(steps), "--workers", String(w)]);
      wall[w - 1]?.push(r.wallMs);
      cpu[w - 1]?.push(r.cpuMs);
      est[w - 1]?.push(estimatedWallMs(r, w));
      loads.push(r.load);
    }
  const pair = (xs: [number[], number[]]) => ({ 1: median(xs[0]), 2: median(xs[1]) });
  return {
    runs,
    steps,
    wallMs: pair(wall),
    cpuMs: pair(cpu),
    estimatedMs: pair(est),
    load: [Math.min(...loads), Math.max(...loads)],
  };
}

export async function measureFuzz(options: { readonly quick?: boolean } = {}): Promise<FuzzThroughput> {
  const runs = options.quick ? 10 : 20;
  const steps = options.quick ? 2000 : 5000;
  const local = await inProcess(runs, steps);
  ensureBuilt();
  // Each thread pays its own start-up and JIT warm-up, repaid only over long campaigns.
  const campaigns: [number, number][] = options.quick
    ? [[10, 5_000]]
    : [
        [20, 25_000],
        [20, 100_000],
        [50, 100_000],
      ];
  const cli: CliCampaign[] = [];
  for (const [r, s] of campaigns) cli.push(await cliCampaign(r, s, options.quick ? 1 : 2));
  return {
    runs,
    steps,
    inProcessStepsPerSecond: Math.round(local.wall),
    inProcessStepsPerCpuSecond: Math.round(local.cpu),
    cli,
  };
}

export function printFuzz(f: FuzzThroughput): void {
  console.log(
    `\ncapsim fuzz throughput (${f.runs} runs x ${f.steps} steps, seed 1; target 100,000 steps/s on one core):`,
  );
  console.log(
    `  in process, one thread (the CLI's loop, no start-up): ${f.inProcessStepsPerSecond} steps/s wall, ${f.inProcessStepsPerCpuSecond} steps per CPU second`,
  );
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  for (const c of f.cli) {
    const total = c.runs * c.steps;
    console.log(
      `  capsim fuzz --runs ${c.runs} --steps ${c.steps} (compiled CLI, start-up included; load ${c.load[0].toFixed(1)}-${c.load[1].toFixed(1)}):`,
    );
    for (const w of [1, 2] as const)
      console.log(
        `    --workers ${w}: ${sec(c.wallMs[w])} wall, ${sec(c.cpuMs[w])} CPU (${Math.round((total * 1000) / c.cpuMs[w])} steps per CPU second), ${sec(c.estimatedMs[w])} on two idle cores (estimated from each thread's CPU)`,
      );
    console.log(
      `    speed-up of 2 workers over 1: ${(c.wallMs[1] / c.wallMs[2]).toFixed(2)}x wall, ${(c.estimatedMs[1] / c.estimatedMs[2]).toFixed(2)}x estimated (target 1.8x)`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printFuzz(await measureFuzz({ quick: process.argv.includes("--quick") }));
}
