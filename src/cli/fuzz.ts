import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import type { KernelState } from "../model/state.ts";
import type { InvokeResult } from "../model/message.ts";
import { fuzzOpArbitrary } from "../testing/arbitraries.ts";
import { checkTouched } from "../testing/incremental.ts";
import { checkAll, type Violation } from "../testing/invariants.ts";
import { applyFuzzOp, buildFuzzWorld, fuzzOpToStep, type FuzzOp, type FuzzWorld } from "../testing/world.ts";
import { commandHelp, scanArgs, UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { FuzzProgress } from "./progress.ts";
import { FUZZ } from "./specs.ts";

/**
 * Run a sequence; the first violation found (checked incrementally after each step, fully at
 * the end). `onStep` counts the steps actually run, for the progress line.
 */
function firstViolation(
  w: FuzzWorld,
  ops: readonly FuzzOp[],
  onStep: () => void = () => {},
): { index: number; violations: Violation[] } | undefined {
  let s: KernelState = w.state;
  for (let i = 0; i < ops.length; i++) {
    const next = applyFuzzOp(w, s, ops[i] as FuzzOp).state;
    onStep();
    const v = checkTouched(s, next);
    if (v.length > 0) return { index: i, violations: v };
    s = next;
  }
  const v = checkAll(s);
  return v.length > 0 ? { index: ops.length - 1, violations: v } : undefined;
}

/**
 * Shorten a failing sequence: cut it after its first violation, then drop every step whose
 * removal still breaks one of the same invariants, until none can go. fast-check has already
 * simplified each step's arguments; this removes the steps the violation does not need, which
 * its array shrinker cannot do for a fixed-length run. Ops name caps by index into the world,
 * so a shorter sequence is still meaningful.
 */
export function shrinkSequence(
  w: FuzzWorld,
  ops: readonly FuzzOp[],
): { ops: FuzzOp[]; violations: Violation[] } | undefined {
  const first = firstViolation(w, ops);
  if (first === undefined) return undefined;
  const wanted = new Set(first.violations.map((v) => v.invariant));
  let best = {
    ops: ops.slice(0, first.index + 1),
    violations: first.violations,
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = best.ops.length - 1; i >= 0; i--) {
      const fewer = [...best.ops.slice(0, i), ...best.ops.slice(i + 1)];
      const found = firstViolation(w, fewer);
      if (found && found.violations.some((v) => wanted.has(v.invariant))) {
        best = {
          ops: fewer.slice(0, found.index + 1),
          violations: found.violations,
        };
        changed = true;
        i = Math.min(i, best.ops.length);
      }
    }
  }
  return best;
}

/** The scenario (SCENARIOS.md format) that replays `ops` from a fresh boot. */
export function fuzzScenario(w: FuzzWorld, ops: readonly FuzzOp[], title: string): string {
  const steps: Record<string, unknown>[] = [...w.setupSteps];
  let s: KernelState = w.state;
  for (const o of ops) {
    const { state, result } = applyFuzzOp(w, s, o);
    steps.push(fuzzOpToStep(w, s, o, result as InvokeResult | undefined));
    s = state;
  }
  return `# Written by capsim fuzz. Replay with: capsim run --check-invariants FILE\n${stringify({ name: title, ...w.scenarioHeader, steps }, { lineWidth: 0 })}`;
}

export const FuzzFlags = z.object({
  steps: z.coerce.number().int().min(1).max(100000).default(200),
  runs: z.coerce.number().int().min(1).max(100000).default(100),
  seed: z.coerce.number().int().optional(),
  out: z.string().default("capsim-fuzz"),
  arch: z
    .enum(["aarch32", "aarch64"], { error: "is not an architecture capsim fuzzes: give aarch32 or aarch64" })
    .optional(),
});
type FuzzOptions = z.infer<typeof FuzzFlags>;

const isArgv = (a: readonly string[] | Readonly<Record<string, string | true>>): a is readonly string[] =>
  Array.isArray(a);

/**
 * `capsim fuzz [--runs R] [--steps N] [--seed S] [--out DIR]` for callers outside the CLI:
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
  return fuzz(validateFlags(FUZZ, FuzzFlags, args.flags));
}

/** `--runs` runs of `--steps` steps each, every invariant checked after every step. */
async function fuzz({ steps, runs, out, arch = "aarch32", ...opts }: FuzzOptions): Promise<number> {
  const seed = opts.seed ?? Date.now() % 2 ** 31;
  const plan = `${runs} runs (--runs) x ${steps} steps each (--steps)${arch === "aarch64" ? " on aarch64" : ""}`;
  console.error(`capsim fuzz: ${plan} = ${runs * steps} steps, seed ${seed}`);
  const world = buildFuzzWorld({ arch });
  const progress = new FuzzProgress(process.stderr, runs, steps);
  // Every run is `steps` long; fast-check simplifies the steps' arguments, shrinkSequence drops steps.
  const result = fc.check(
    fc.property(fc.array(fuzzOpArbitrary({ arch }), { minLength: steps, maxLength: steps }), (ops) => {
      progress.startRun();
      return firstViolation(world, ops, () => progress.step()) === undefined;
    }),
    { seed, numRuns: runs },
  );
  progress.finish();
  if (!result.failed) {
    console.log(`capsim fuzz: ${runs} runs, ${progress.steps} steps, no invariant violated (seed ${seed}): ${plan}`);
    return 0;
  }
  const found = shrinkSequence(world, (result.counterexample?.[0] ?? []) as FuzzOp[]);
  const shrunk = found?.ops ?? [];
  mkdirSync(out, { recursive: true });
  const file = join(out, `violation-seed-${seed}.yaml`);
  writeFileSync(file, fuzzScenario(world, shrunk, `capsim fuzz violation (seed ${seed})`));
  console.log(`capsim fuzz: invariant violated after ${shrunk.length} steps (seed ${seed}):`);
  for (const v of found?.violations ?? []) console.log(`  ${v.invariant}: ${v.message}`);
  // The steps after the world's setup, one per line, so the bug can be read without opening the file.
  let s: KernelState = world.state;
  console.log(`after the setup (${world.setupSteps.length} steps), the sequence:`);
  shrunk.forEach((o, i) => {
    const { state, result } = applyFuzzOp(world, s, o);
    console.log(
      `  ${i + 1}. ${stringify(fuzzOpToStep(world, s, o, result), { lineWidth: 0, collectionStyle: "flow" }).trim()}`,
    );
    s = state;
  });
  console.log(
    `the shrunk sequence is the scenario ${file}\nreplay it:   capsim run --check-invariants ${file}\nreproduce:   capsim fuzz --seed ${seed} --runs ${runs} --steps ${steps}${arch === "aarch64" ? " --arch aarch64" : ""}`,
  );
  return 1;
}
