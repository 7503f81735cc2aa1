import fc from "fast-check";
import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import type { KernelState } from "../model/state.ts";
import type { InvokeResult } from "../model/message.ts";
import { fuzzOpArbitrary } from "../testing/arbitraries.ts";
import { checkTouched } from "../testing/incremental.ts";
import { checkAllCached, type Violation } from "../testing/invariants.ts";
import { applyFuzzOp, fuzzOpToStep, type FuzzOp, type FuzzWorld } from "../testing/world.ts";

/*
 * One fuzz campaign is `runs` independent runs of `steps` steps. Run i draws its operations from
 * its own seed, derived from the campaign's seed and i alone, so that runs can go to any worker
 * thread or machine in any order and a campaign split into shards is the same campaign. Run 0's
 * seed is the campaign's, so `capsim fuzz --seed S --runs 1` replays a run whose seed is S.
 */

/**
 * The yaml package, loaded on the first failure: a run writes YAML only for a failure, and a
 * worker thread that finds none is spared loading it (about 60 ms of its start).
 */
let yaml: typeof Yaml | undefined;
function loadYaml(): typeof Yaml {
  if (yaml !== undefined) return yaml;
  const loaded: typeof Yaml = createRequire(import.meta.url)("yaml");
  yaml = loaded;
  return loaded;
}

/**
 * A full invariant check after every this many steps of a run, besides the one at its end:
 * checkAllCached, checkAll's verdicts at a fraction of its cost, as each state shares most of its
 * parts with the world's first state and the states checked before.
 */
export const FULL_CHECK_EVERY = 1000;

/** The seed of run `index` of the campaign with seed `seed`: a 31-bit integer, `seed` itself for run 0. */
export function runSeed(seed: number, index: number): number {
  if (index === 0) return seed;
  // splitmix32's finaliser over the pair: neighbouring indices get unrelated seeds.
  let h = (Math.imul(seed | 0, 0x9e3779b9) + Math.imul(index, 0x85ebca6b)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 1;
}

/** The run indices of shard `index` of `count` (0-based): every count-th run, so shards get equal shares. */
export function shardRuns(runs: number, index: number, count: number): number[] {
  const out: number[] = [];
  for (let i = index; i < runs; i += count) out.push(i);
  return out;
}

/** What made a run fail: the step after which an invariant broke (the last step for the closing full check). */
export interface RunViolation {
  readonly index: number;
  readonly violations: Violation[];
}

/**
 * Run a sequence; the first violation found, checked incrementally after every step, fully
 * after every FULL_CHECK_EVERY steps and at the end. `onStep` counts the steps actually run.
 */
export function firstViolation(
  w: FuzzWorld,
  ops: readonly FuzzOp[],
  onStep: () => void = () => {},
): RunViolation | undefined {
  return violationIn(w, ops.length, (i) => ops[i] as FuzzOp, onStep);
}

/** firstViolation over `length` steps, step i being `opAt(i)` (asked for once each, in order). */
function violationIn(
  w: FuzzWorld,
  length: number,
  opAt: (i: number) => FuzzOp,
  onStep: () => void,
): RunViolation | undefined {
  let s: KernelState = w.state;
  for (let i = 0; i < length; i++) {
    const next = applyFuzzOp(w, s, opAt(i)).state;
    onStep();
    const v = checkTouched(s, next);
    if (v.length > 0) return { index: i, violations: v };
    s = next;
    if ((i + 1) % FULL_CHECK_EVERY === 0 && i + 1 < length) {
      const full = checkAllCached(s);
      if (full.length > 0) return { index: i, violations: full };
    }
  }
  const v = checkAllCached(s);
  return v.length > 0 ? { index: length - 1, violations: v } : undefined;
}

/** A failing sequence, cut after its first violation, and that violation. */
interface Failing {
  readonly ops: FuzzOp[];
  readonly violations: Violation[];
}

/** At most this many argument shrinks are taken in one run's shrinking: a guard, not a limit met in practice. */
const MAX_ARGUMENT_SHRINKS = 10_000;

/**
 * Shorten a failing sequence: cut it after its first violation, then drop every step whose
 * removal still breaks one of the same invariants, until none can go: the steps the violation
 * does not need go. Given `args`, the arbitrary the steps were drawn from, it then simplifies
 * each remaining step's arguments as fast-check's own shrinker would (fast-check cannot, as a
 * run's steps come from a stream, which keeps no shrink contexts; the arbitrary shrinks a step
 * from its value alone, through the unmappers of arbitraries.ts), and drops steps again if
 * simpler arguments made some unnecessary. Ops name caps by index into the world, so a shorter
 * or simpler sequence is still meaningful.
 */
export function shrinkSequence(w: FuzzWorld, ops: readonly FuzzOp[], args?: fc.Arbitrary<FuzzOp>): Failing | undefined {
  const first = firstViolation(w, ops);
  if (first === undefined) return undefined;
  const wanted = new Set(first.violations.map((v) => v.invariant));
  // Whether a candidate still breaks one of the same invariants: then it, cut after its violation.
  const stillFails = (candidate: FuzzOp[]): Failing | undefined => {
    const found = firstViolation(w, candidate);
    return found && found.violations.some((v) => wanted.has(v.invariant))
      ? { ops: candidate.slice(0, found.index + 1), violations: found.violations }
      : undefined;
  };
  const dropped = dropSteps({ ops: ops.slice(0, first.index + 1), violations: first.violations }, stillFails);
  if (args === undefined) return dropped;
  const simpler = simplifyArguments(dropped, args, stillFails);
  return simpler === dropped ? dropped : dropSteps(simpler, stillFails);
}

/** Drop every step whose removal still fails, last first, until none can go. */
function dropSteps(failing: Failing, stillFails: (ops: FuzzOp[]) => Failing | undefined): Failing {
  let best = failing;
  for (let changed = true; changed;) {
    changed = false;
    for (let i = best.ops.length - 1; i >= 0; i--) {
      const found = stillFails([...best.ops.slice(0, i), ...best.ops.slice(i + 1)]);
      if (found) {
        best = found;
        changed = true;
        i = Math.min(i, best.ops.length);
      }
    }
  }
  return best;
}

/**
 * Greedily replace each step by the first of its shrink candidates (`args.shrink(op, undefined)`,
 * simplest first) that still fails, and shrink that one again, until no step has such a
 * candidate. Steps the arbitrary cannot shrink without context (none it generates) stay.
 */
function simplifyArguments(
  failing: Failing,
  args: fc.Arbitrary<FuzzOp>,
  stillFails: (ops: FuzzOp[]) => Failing | undefined,
): Failing {
  let best = failing;
  let taken = 0;
  for (let changed = true; changed && taken < MAX_ARGUMENT_SHRINKS;) {
    changed = false;
    for (let i = 0; i < best.ops.length && taken < MAX_ARGUMENT_SHRINKS; i++) {
      const op = best.ops[i] as FuzzOp;
      if (!args.canShrinkWithoutContext(op)) continue;
      for (const candidate of args.shrink(op, undefined)) {
        const found = stillFails([...best.ops.slice(0, i), candidate.value, ...best.ops.slice(i + 1)]);
        if (found) {
          best = found;
          changed = true;
          taken++;
          i--; // the same step again, from its simpler value
          break;
        }
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
  return `# Written by capsim fuzz. Replay with: capsim run --check-invariants FILE\n${loadYaml().stringify({ name: title, ...w.scenarioHeader, steps }, { lineWidth: 0 })}`;
}

/** A failed run, shrunk, as plain data (it crosses from a worker thread to the main one). */
export interface RunFailure {
  /** the run's index in its campaign */
  readonly run: number;
  /** the run's own seed: `capsim fuzz --seed SEED --runs 1 --steps N` replays the run alone */
  readonly seed: number;
  readonly violations: readonly { readonly invariant: string; readonly message: string }[];
  /** how many steps build the world, before the shrunk sequence */
  readonly setupSteps: number;
  /** the shrunk sequence's steps after the world's setup, one scenario step per line */
  readonly stepLines: readonly string[];
  /** the shrunk sequence as a scenario file's text */
  readonly scenario: string;
}

/** How one run ended: its steps run (shrinking not counted), and its failure, shrunk. */
export interface RunOutcome {
  readonly run: number;
  readonly steps: number;
  readonly failure?: RunFailure;
}

/**
 * Run `index` of a campaign: `steps` operations drawn by fast-check from the run's seed, every
 * invariant checked as firstViolation does. The operations come from an infinite stream, each
 * generated as its step starts and dropped after it: a run holds no array of its steps with
 * their shrink contexts, which the garbage collector would otherwise copy and promote on every
 * collection (docs/performance.md). A failing run is drawn again from the same seed, this time
 * kept, and shrunk by shrinkSequence, which drops the steps the violation does not need and
 * simplifies the arguments of those left (a stream has no fast-check shrinker; the arbitrary
 * shrinks each step from its value). Only a failing run pays for any of this.
 */
export function fuzzRun(
  w: FuzzWorld,
  campaignSeed: number,
  index: number,
  steps: number,
  onStep: () => void,
): RunOutcome {
  const seed = runSeed(campaignSeed, index);
  let counted = 0;
  const arb = fuzzOpArbitrary({ arch: w.state.config.arch });
  const draw = (keep: FuzzOp[] | undefined, step: () => void) =>
    fc.check(
      fc.property(fc.infiniteStream(arb, { noHistory: true }), (stream) => {
        const it = stream[Symbol.iterator]();
        const opAt = (): FuzzOp => {
          const next = it.next();
          if (next.done === true) throw new Error("capsim internal error: fast-check's infinite stream ended");
          keep?.push(next.value);
          return next.value;
        };
        return violationIn(w, steps, opAt, step) === undefined;
      }),
      { seed, numRuns: 1 },
    );
  const result = draw(undefined, () => (counted++, onStep()));
  if (!result.failed) return { run: index, steps: counted };
  // The same seed draws the same steps; the replay counts as shrinking, as fast-check's did.
  const ops: FuzzOp[] = [];
  draw(ops, onStep);
  const found = shrinkSequence(w, ops, arb);
  const shrunk = found?.ops ?? [];
  const stepLines: string[] = [];
  let s: KernelState = w.state;
  for (const o of shrunk) {
    const { state, result: r } = applyFuzzOp(w, s, o);
    stepLines.push(
      loadYaml()
        .stringify(fuzzOpToStep(w, s, o, r), { lineWidth: 0, collectionStyle: "flow" })
        .trim(),
    );
    s = state;
  }
  return {
    run: index,
    steps: counted,
    failure: {
      run: index,
      seed,
      violations: (found?.violations ?? []).map((v) => ({ invariant: v.invariant, message: v.message })),
      setupSteps: w.setupSteps.length,
      stepLines,
      scenario: fuzzScenario(w, shrunk, `capsim fuzz violation (seed ${seed})`),
    },
  };
}
