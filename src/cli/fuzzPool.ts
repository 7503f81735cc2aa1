import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { FuzzWorld } from "../testing/world.ts";
import type { ArchName } from "../model/state.ts";
import { fuzzRun, type RunFailure, type RunOutcome } from "./fuzzRuns.ts";

/*
 * Running a campaign's runs, on this thread or over worker threads. Runs are handed out in
 * increasing index order; after a failure no run with a higher index starts, and the runs
 * already started finish. So the failure reported is the campaign's first failing run, whatever
 * the number of workers and however their speeds differ: the same as on one thread.
 */

/** What every worker is given when it starts. */
export interface WorkerSetup {
  readonly seed: number;
  readonly steps: number;
  /** the architecture whose fuzz world the worker builds */
  readonly arch: ArchName;
}
export type ToWorker = { readonly kind: "run"; readonly run: number } | { readonly kind: "stop" };
export type FromWorker =
  | { readonly kind: "ready" }
  | { readonly kind: "progress"; readonly steps: number }
  | { readonly kind: "done"; readonly outcome: RunOutcome };

export interface CampaignPart {
  readonly seed: number;
  readonly steps: number;
  /** the run indices to run, in increasing order */
  readonly runs: readonly number[];
  readonly workers: number;
  readonly arch: ArchName;
  /** the fuzz world of this thread (used when running here) */
  readonly world: () => FuzzWorld;
  /** a run starts */
  readonly onRun: () => void;
  /** `n` more steps have run */
  readonly onSteps: (n: number) => void;
}

export interface PartResult {
  readonly runsRun: number;
  readonly stepsRun: number;
  /** the failed run with the lowest index, shrunk */
  readonly failure?: RunFailure;
}

/**
 * TurboFan's budget of inlined bytecode per optimised function (V8's default is 920). A fuzz
 * step runs the dispatcher, the kernel and every invariant's delta check: with the default,
 * the JIT inlines most of that into a few huge functions whose compiles, about a second and a
 * half of CPU per thread, dominate a campaign's first tens of thousands of steps, and compete
 * with the other worker threads for the cores. A smaller budget measured about 30% less CPU
 * over a thread's first 80,000 steps and no slower steps after (docs/performance.md).
 */
const INLINED_BYTECODE_BUDGET = 300;

let tuned = false;

/** Set the JIT's inlining budget for this process (V8's flags are the process's, worker threads included); once. */
function tuneJit(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINED_BYTECODE_BUDGET}`);
}

/** Run the part's runs: on this thread when `workers` is 1 (or there is one run), else over that many worker threads. */
export function runPart(part: CampaignPart): Promise<PartResult> {
  tuneJit();
  const workers = Math.min(part.workers, part.runs.length);
  return workers <= 1 ? Promise.resolve(runHere(part)) : runOnWorkers(part, workers);
}

function runHere(part: CampaignPart): PartResult {
  const world = part.world();
  const onStep = () => part.onSteps(1);
  let stepsRun = 0;
  let runsRun = 0;
  for (const run of part.runs) {
    part.onRun();
    const outcome = fuzzRun(world, part.seed, run, part.steps, onStep);
    runsRun++;
    stepsRun += outcome.steps;
    if (outcome.failure) return { runsRun, stepsRun, failure: outcome.failure };
  }
  return { runsRun, stepsRun };
}

/** The modules this process preloads by path (`--import ./x.ts`), which file-based worker threads run too. */
function preloadedFiles(): string[] {
  const out: string[] = [];
  process.execArgv.forEach((arg, i) => {
    const spec = arg === "--import" ? process.execArgv[i + 1] : arg.startsWith("--import=") ? arg.slice(9) : undefined;
    if (spec !== undefined && /^\.{0,2}\//.test(spec)) out.push(pathToFileURL(resolve(spec)).href);
  });
  return out;
}

/**
 * A worker thread running fuzzWorker: the compiled fuzzWorker.js beside this module in dist/, or,
 * when capsim runs from its TypeScript sources (tests, CAPSIM_FROM_SOURCE=1), fuzzWorker.ts
 * through tsx. tsx's `--import` hook registers itself only in the main thread on Node 20, so
 * that worker registers it through tsx's API, then runs this process's preloaded files as a
 * worker from a file would (a test's injected fault reaches the workers so), then the entry.
 */
function startWorker(setup: WorkerSetup): Worker {
  const options = { workerData: setup };
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./fuzzWorker.js", import.meta.url), options);
  // tsx's ESM API (its CommonJS twin registers a broken path). Under mocha tsx compiles this file
  // to CommonJS, without import.meta.resolve: there, require's resolution gives the twin's path.
  const api =
    typeof import.meta.resolve === "function"
      ? import.meta.resolve("tsx/esm/api")
      : pathToFileURL(
          createRequire(import.meta.url)
            .resolve("tsx/esm/api")
            .replace(/\.cjs$/, ".mjs"),
        ).href;
  const modules = [...preloadedFiles(), new URL("./fuzzWorker.ts", import.meta.url).href];
  const code = `import(${JSON.stringify(api)}).then(async (tsx) => { tsx.register(); for (const m of ${JSON.stringify(modules)}) await import(m); });`;
  return new Worker(code, { ...options, eval: true });
}

function runOnWorkers(part: CampaignPart, count: number): Promise<PartResult> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let runsRun = 0;
    let stepsRun = 0;
    let failure: RunFailure | undefined;
    let busy = 0;
    let settled = false;
    const threads: Worker[] = [];
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      for (const t of threads) void t.terminate();
      if (error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve({ runsRun, stepsRun, ...(failure ? { failure } : {}) });
    };
    // The next run for a free worker; none once a failure is known (later runs cannot be first).
    const feed = (w: Worker) => {
      const run = part.runs[next];
      if (run === undefined || failure !== undefined) {
        w.postMessage({ kind: "stop" } satisfies ToWorker);
        if (busy === 0) finish();
        return;
      }
      next++;
      busy++;
      part.onRun();
      w.postMessage({ kind: "run", run } satisfies ToWorker);
    };
    for (let i = 0; i < count; i++) {
      const w = startWorker({ seed: part.seed, steps: part.steps, arch: part.arch });
      threads.push(w);
      w.on("message", (m: FromWorker) => {
        if (m.kind === "progress") part.onSteps(m.steps);
        else if (m.kind === "ready") feed(w);
        else {
          busy--;
          runsRun++;
          stepsRun += m.outcome.steps;
          const f = m.outcome.failure;
          if (f !== undefined && (failure === undefined || f.run < failure.run)) failure = f;
          feed(w);
        }
      });
      w.on("error", finish);
      w.on("exit", (code) => {
        if (code !== 0) finish(new Error(`a fuzz worker thread stopped with exit code ${code}`));
      });
    }
  });
}
