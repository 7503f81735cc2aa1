import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { buildFuzzWorld } from "../testing/world.ts";
import type { ArchName } from "../model/state.ts";
import { commandHelp, scanArgs, UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { runPart } from "./fuzzPool.ts";
import { shardRuns, type RunFailure } from "./fuzzRuns.ts";
import { mergeSummaries, readSummary, SUMMARY_FORMAT, type FailureSummary, type FuzzSummary } from "./fuzzSummary.ts";
import { FuzzProgress } from "./progress.ts";
import { FUZZ } from "./specs.ts";

export { shrinkSequence, fuzzScenario } from "./fuzzRuns.ts";

/** `I/N`: shard I (1-based) of N. */
const Shard = z
  .string()
  .regex(/^\d+\/\d+$/, "write the shard as I/N, e.g. 2/4 for the second of four")
  .transform((text) => {
    const [index = 0, count = 0] = text.split("/").map(Number);
    return { index, count };
  })
  .refine((s) => s.count >= 1 && s.count <= 100000, "the shard count N must be from 1 to 100000")
  .refine((s) => s.index >= 1 && s.index <= s.count, "the shard index I must be from 1 to N");

export const FuzzFlags = z.object({
  steps: z.coerce.number().int().min(1).max(100000).default(200),
  runs: z.coerce.number().int().min(1).max(100000).default(100),
  seed: z.coerce.number().int().optional(),
  out: z.string().default("capsim-fuzz"),
  workers: z.coerce.number().int().min(1, "at least 1 worker").max(1024).optional(),
  shard: Shard.optional(),
  summary: z.string().optional(),
  json: z.literal(true).optional(),
  merge: z.literal(true).optional(),
  arch: z
    .enum(["aarch32", "aarch64"], { error: "is not an architecture capsim fuzzes: give aarch32 or aarch64" })
    .optional(),
});
type FuzzOptions = z.infer<typeof FuzzFlags>;

const isArgv = (a: readonly string[] | Readonly<Record<string, string | true>>): a is readonly string[] =>
  Array.isArray(a);

/**
 * `capsim fuzz [--runs R] [--steps N] [--seed S] [--out DIR] [--workers W] [--shard I/N]
 * [--summary FILE] [--json]`, or `capsim fuzz --merge FILE...`, for callers outside the CLI:
 * takes the arguments after `fuzz` (or a record of flag values, which goes through the same
 * checks); returns the exit code: 0 nothing violated, 1 a violation, 2 bad usage.
 */
export async function fuzzCommand(argv: readonly string[] | Readonly<Record<string, string | true>>): Promise<number> {
  try {
    const args: ParsedArgs = isArgv(argv) ? scanArgs(FUZZ, argv) : { help: false, flags: argv, operands: [] };
    if (args.help) {
      console.log(commandHelp(FUZZ));
      return 0;
    }
    return await execute(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(e.message);
    return 2;
  }
}

/** The fuzz command, given its scanned command line. */
export function execute(args: ParsedArgs): Promise<number> {
  const options = validateFlags(FUZZ, FuzzFlags, args.flags);
  if (options.merge) return Promise.resolve(merge(options, args));
  const stray = args.operands[0];
  if (stray !== undefined)
    throw new UsageError("fuzz", `unexpected argument "${stray}" (only --merge takes files; see capsim fuzz --help)`);
  return fuzz(options);
}

/** `--runs` runs of `--steps` steps each (or shard I of N of them), every invariant checked after every step. */
async function fuzz(opts: FuzzOptions): Promise<number> {
  const { steps, runs, out } = opts;
  const arch = opts.arch ?? "aarch32";
  const seed = opts.seed ?? Date.now() % 2 ** 31;
  const shard = opts.shard;
  const indices = shard ? shardRuns(runs, shard.index - 1, shard.count) : Array.from({ length: runs }, (_, i) => i);
  // Under --json stdout holds the summary alone; the human-readable lines go to stderr.
  const say = opts.json ? console.error : console.log;
  const plan = `${runs} runs (--runs) x ${steps} steps each (--steps)${arch === "aarch64" ? " on aarch64" : ""}`;
  const slice = shard ? `, shard ${shard.index}/${shard.count}: ${indices.length} of the runs` : "";
  console.error(`capsim fuzz: ${plan} = ${runs * steps} steps, seed ${seed}${slice}`);
  const progress = new FuzzProgress(process.stderr, indices.length, steps);
  const result = await runPart({
    seed,
    steps,
    runs: indices,
    workers: opts.workers ?? defaultWorkers(indices.length * steps),
    arch,
    world: () => buildFuzzWorld({ arch }),
    onRun: () => progress.startRun(),
    onSteps: (n) => progress.advance(n),
  });
  progress.finish();
  const failure = result.failure;
  const failures: FailureSummary[] = [];
  if (failure) {
    mkdirSync(out, { recursive: true });
    const file = join(out, `violation-seed-${failure.seed}.yaml`);
    writeFileSync(file, failure.scenario);
    failures.push(failureSummary(failure, file, steps, arch));
    printFailure(say, failure, file, steps, seed, arch);
  } else
    say(
      `capsim fuzz: ${result.runsRun} runs, ${result.stepsRun} steps, no invariant violated (seed ${seed})${slice}: ${plan}`,
    );
  writeSummary(opts, {
    format: SUMMARY_FORMAT,
    seed,
    runs,
    steps,
    arch,
    shard: shard ?? null,
    runsRun: result.runsRun,
    stepsRun: result.stepsRun,
    failures,
  });
  return failure ? 1 : 0;
}

/**
 * Steps a thread must have ahead of it to repay its start: loading capsim, building the world,
 * and above all the JIT's warm-up, 1-1.5 s of CPU per thread (its compiles run on the core the
 * other thread needs) against about 8 µs a step once warm. On two cores a second thread pays
 * for itself only from about a million steps in all (docs/performance.md, "Round five").
 */
const STEPS_PER_THREAD = 500_000;

/** The machine's cores, but a second thread only from 1,000,000 steps, and one per 500,000 steps. */
export const defaultWorkers = (totalSteps: number, cores: number = availableParallelism()): number =>
  Math.max(1, Math.min(cores, Math.floor(totalSteps / STEPS_PER_THREAD)));

const replayCommand = (seed: number, steps: number, arch: ArchName) =>
  `capsim fuzz --seed ${seed} --runs 1 --steps ${steps}${arch === "aarch64" ? " --arch aarch64" : ""}`;

function failureSummary(f: RunFailure, file: string, steps: number, arch: ArchName): FailureSummary {
  return {
    run: f.run,
    seed: f.seed,
    violations: [...f.violations],
    shrunkSteps: f.stepLines.length,
    scenario: file,
    replay: replayCommand(f.seed, steps, arch),
  };
}

function printFailure(
  say: (text: string) => void,
  f: RunFailure,
  file: string,
  steps: number,
  campaign: number,
  arch: ArchName,
): void {
  say(
    `capsim fuzz: invariant violated after ${f.stepLines.length} steps (seed ${f.seed}: run ${f.run + 1} of the campaign with seed ${campaign}):`,
  );
  for (const v of f.violations) say(`  ${v.invariant}: ${v.message}`);
  // The steps after the world's setup, one per line, so the bug can be read without opening the file.
  say(`after the setup (${f.setupSteps} steps), the sequence:`);
  f.stepLines.forEach((line, i) => say(`  ${i + 1}. ${line}`));
  say(
    `the shrunk sequence is the scenario ${file}\nreplay it:   capsim run --check-invariants ${file}\nreproduce:   ${replayCommand(f.seed, steps, arch)}`,
  );
}

function writeSummary(opts: FuzzOptions, summary: FuzzSummary): void {
  const text = JSON.stringify(summary, null, 2);
  if (opts.summary !== undefined) writeFileSync(opts.summary, `${text}\n`);
  if (opts.json) console.log(text);
}

/** `--merge FILE...`: one campaign's result from its shards' summaries. */
function merge(opts: FuzzOptions, args: ParsedArgs): number {
  const files = args.operands;
  const campaignFlags = ["runs", "steps", "seed", "out", "workers", "shard"].filter((k) => k in args.flags);
  if (campaignFlags.length > 0)
    throw new UsageError(
      "fuzz",
      `--merge reads the campaign from the summaries; it takes no --${campaignFlags.join(", --")}`,
    );
  if (files.length === 0) throw new UsageError("fuzz", "--merge: name the shards' summary files");
  const merged = mergeSummaries(files.map((file) => ({ file, summary: readSummary(file) })));
  const say = opts.json ? console.error : console.log;
  const plan = `${merged.runs} runs x ${merged.steps} steps, seed ${merged.seed}`;
  say(
    `capsim fuzz: merged ${files.length} summar${files.length === 1 ? "y" : "ies"} of the campaign ${plan}: ${merged.runsRun} runs, ${merged.stepsRun} steps run`,
  );
  if (merged.failures.length === 0) say("capsim fuzz: no invariant violated");
  for (const f of merged.failures) {
    say(`capsim fuzz: run ${f.run + 1} (seed ${f.seed}) violated ${f.violations.map((v) => v.invariant).join(", ")}`);
    for (const v of f.violations) say(`  ${v.invariant}: ${v.message}`);
    say(
      `  shrunk scenario: ${f.scenario}\n  replay it:       capsim run --check-invariants ${f.scenario}\n  reproduce:       ${f.replay}`,
    );
  }
  writeSummary(opts, merged);
  return merged.failures.length > 0 ? 1 : 0;
}
