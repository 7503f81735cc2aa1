import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { FuzzWorld } from "../testing/world.ts";
import type { ArchName } from "../model/state.ts";
import { fuzzRun, type RunFailure, type RunOutcome } from "./fuzzRuns.ts";

/*
 * Running a campaign's runs, on this thread alone or on this thread beside worker threads. The
 * threads claim the part's runs in increasing order from one shared counter, so a faster thread
 * takes more of them and none waits to be handed work; after a failure no thread starts a later
 * run, and the runs already started finish. The outcomes are then taken in run order, up to the
 * first failing run: the runs, steps and failure reported are exactly those of one thread
 * running the runs in order, whatever the number of threads and however their speeds differ.
 */

/** What every worker is given when it starts. */
export interface WorkerSetup {
  readonly seed: number;
  readonly steps: number;
  /** the architecture whose fuzz world the worker builds */
  readonly arch: ArchName;
  /** the part's run indices, in increasing order; the threads claim them by position */
  readonly runs: readonly number[];
  /** the cells the threads share (CELLS) */
  readonly control: SharedArrayBuffer;
}
/** A worker's answer for each run it ran: the run's position in the part's runs, and its outcome. */
export interface FromWorker {
  readonly position: number;
  readonly outcome: RunOutcome;
}

/** The shared cells' indices, in an Int32Array over `WorkerSetup.control`. */
const NEXT = 0; // the next position to claim
const FIRST_FAILURE = 1; // the lowest position of a failed run so far (the runs' count while none)
const STEPS = 2; // steps the workers ran that the progress display has not been told of
const STARTED = 3; // runs the workers started that the progress display has not been told of
const CELLS = 4;

/** Steps a worker runs between two updates of the shared progress count. */
const PROGRESS_EVERY = 4096;

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

let synchronous = false;

/**
 * Make the worker threads' JIT compile on the thread that asks, not on V8's background threads.
 * Alone, a fuzzing thread has the second core for its compiles and collections; beside another
 * fuzzing thread, its background compiles wait for a core while it runs slow code, and measured
 * (docs/performance.md, "Round five") they cost more CPU in all than compiling in line. V8 reads
 * the flag when it creates an isolate, so it reaches the worker threads started after it, not
 * this one, which keeps its background compiles.
 */
function compileInLine(): void {
  if (synchronous) return;
  synchronous = true;
  setFlagsFromString("--no-concurrent-recompilation");
}

/**
 * Run the part's runs on `workers` threads: this one and `workers - 1` worker threads (no more
 * threads than runs).
 */
export function runPart(part: CampaignPart): Promise<PartResult> {
  tuneJit();
  return runShared(part, Math.max(1, Math.min(part.workers, part.runs.length)));
}

/**
 * Claim the part's runs one at a time and run them, until none is left or the next one comes
 * after a failed run (it cannot be the campaign's first failure). A thread that finds its run
 * failed lowers the shared first failure, so that the other threads stop claiming too.
 */
export function claimAndRun(
  cells: Int32Array,
  setup: Omit<WorkerSetup, "control" | "arch">,
  world: FuzzWorld,
  hooks: {
    readonly onClaim: () => void;
    readonly onStep: () => void;
    readonly done: (position: number, outcome: RunOutcome) => void;
  },
): void {
  for (;;) {
    const position = Atomics.add(cells, NEXT, 1);
    const run = setup.runs[position];
    if (run === undefined || position > Atomics.load(cells, FIRST_FAILURE)) return;
    hooks.onClaim();
    const outcome = fuzzRun(world, setup.seed, run, setup.steps, hooks.onStep);
    if (outcome.failure !== undefined) lowerFirstFailure(cells, position);
    hooks.done(position, outcome);
  }
}

function lowerFirstFailure(cells: Int32Array, position: number): void {
  for (let seen = Atomics.load(cells, FIRST_FAILURE); position < seen;) {
    const was = Atomics.compareExchange(cells, FIRST_FAILURE, seen, position);
    if (was === seen) return;
    seen = was;
  }
}

/** A worker thread's share of the progress: the count of its steps it has not yet added to the shared cell. */
export function workerProgress(cells: Int32Array): { readonly onStep: () => void; readonly flush: () => void } {
  let unreported = 0;
  const flush = () => {
    if (unreported > 0) Atomics.add(cells, STEPS, unreported);
    unreported = 0;
  };
  return {
    onStep: () => {
      if (++unreported === PROGRESS_EVERY) flush();
    },
    flush,
  };
}

/** A worker thread counts a run it starts. */
export const countStart = (cells: Int32Array): void => void Atomics.add(cells, STARTED, 1);

async function runShared(part: CampaignPart, threads: number): Promise<PartResult> {
  const control = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
  const cells = new Int32Array(control);
  cells[FIRST_FAILURE] = part.runs.length;
  const outcomes: (RunOutcome | undefined)[] = [];
  const setup: WorkerSetup = { seed: part.seed, steps: part.steps, arch: part.arch, runs: part.runs, control };
  if (threads > 1) compileInLine();
  // The workers start first, to load and build their worlds while this thread builds its own.
  const workers = Array.from({ length: threads - 1 }, () => startWorker(setup));
  const exits = workers.map(
    (w) =>
      new Promise<void>((resolve, reject) => {
        w.on("message", (m: FromWorker) => {
          outcomes[m.position] = m.outcome;
        });
        w.on("error", reject);
        w.on("exit", (code) =>
          code === 0 ? resolve() : reject(new Error(`a fuzz worker thread stopped with exit code ${code}`)),
        );
      }),
  );
  // The workers' runs and steps, told to the progress display.
  const drain = () => {
    for (let n = Atomics.exchange(cells, STARTED, 0); n > 0; n--) part.onRun();
    const steps = Atomics.exchange(cells, STEPS, 0);
    if (steps > 0) part.onSteps(steps);
  };
  const world = part.world();
  let mine = 0;
  claimAndRun(cells, setup, world, {
    onClaim: part.onRun,
    onStep: () => {
      part.onSteps(1);
      if (++mine % PROGRESS_EVERY === 0) drain();
    },
    done: (position, outcome) => {
      outcomes[position] = outcome;
    },
  });
  const timer = setInterval(drain, 250);
  try {
    await Promise.all(exits);
  } catch (e) {
    for (const w of workers) void w.terminate();
    throw e;
  } finally {
    clearInterval(timer);
    drain();
  }
  return inRunOrder(outcomes, part.runs.length);
}

/** The runs' outcomes up to the first failed one, as one thread running them in order would report them. */
function inRunOrder(outcomes: readonly (RunOutcome | undefined)[], count: number): PartResult {
  let runsRun = 0;
  let stepsRun = 0;
  for (let position = 0; position < count; position++) {
    const outcome = outcomes[position];
    if (outcome === undefined) throw new Error(`capsim internal error: no thread ran the run at position ${position}`);
    runsRun++;
    stepsRun += outcome.steps;
    if (outcome.failure !== undefined) return { runsRun, stepsRun, failure: outcome.failure };
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
