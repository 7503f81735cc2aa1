import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import type { KernelState } from "../objects/state.ts";
import type { InvokeResult } from "../invocations/message.ts";
import { fuzzOpArbitrary } from "../testing/arbitraries.ts";
import { checkTouched } from "../testing/incremental.ts";
import { checkAll, type Violation } from "../testing/invariants.ts";
import { applyFuzzOp, buildFuzzWorld, fuzzOpToStep, type FuzzOp, type FuzzWorld } from "../testing/world.ts";

const FuzzOptions = z.object({
  steps: z.coerce.number().int().min(1).max(100000).default(200),
  runs: z.coerce.number().int().min(1).max(100000).default(100),
  seed: z.coerce.number().int().optional(),
  out: z.string().default("capsim-fuzz"),
});

/** Run a sequence; the first violation found (checked incrementally after each step, fully at the end). */
function firstViolation(w: FuzzWorld, ops: readonly FuzzOp[]): { index: number; violations: Violation[] } | undefined {
  let s: KernelState = w.state;
  for (let i = 0; i < ops.length; i++) {
    const next = applyFuzzOp(w, s, ops[i] as FuzzOp).state;
    const v = checkTouched(s, next);
    if (v.length > 0) return { index: i, violations: v };
    s = next;
  }
  const v = checkAll(s);
  return v.length > 0 ? { index: ops.length - 1, violations: v } : undefined;
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
  return `# Written by capsim fuzz. Replay with: capsim run --check-invariants FILE\n${stringify({ name: title, steps }, { lineWidth: 0 })}`;
}

/** `capsim fuzz`: random VSpace invocation sequences with every invariant checked after every step. */
export async function fuzzCommand(flags: Record<string, string | true>): Promise<number> {
  const opts = FuzzOptions.safeParse(flags);
  if (!opts.success) {
    const i = opts.error.issues[0];
    console.error(`capsim fuzz: --${String(i?.path[0])}: ${i?.message}`);
    return 2;
  }
  const { steps, runs, out } = opts.data;
  const seed = opts.data.seed ?? (Date.now() % 2 ** 31);
  const world = buildFuzzWorld();
  let done = 0;
  const t0 = Date.now();
  let lastReport = t0;
  const progress = (final = false) => {
    const now = Date.now();
    if (!final && now - lastReport < 1000) return;
    lastReport = now;
    const rate = Math.round((done * 1000) / Math.max(1, now - t0));
    if (process.stderr.isTTY || final || now - t0 > 5000) process.stderr.write(`\rcapsim fuzz: ${done} steps, ${rate} steps/s${final ? "\n" : ""}`);
  };
  const result = fc.check(
    fc.property(fc.array(fuzzOpArbitrary(), { minLength: 1, maxLength: steps, size: "max" }), (ops) => {
      done += ops.length;
      progress();
      return firstViolation(world, ops) === undefined;
    }),
    { seed, numRuns: runs },
  );
  progress(true);
  if (!result.failed) {
    console.log(`capsim fuzz: ${runs} runs, ${done} steps, no invariant violated (seed ${seed})`);
    return 0;
  }
  const ops = (result.counterexample?.[0] ?? []) as FuzzOp[];
  const found = firstViolation(world, ops);
  const shrunk = found ? ops.slice(0, found.index + 1) : ops;
  mkdirSync(out, { recursive: true });
  const file = join(out, `violation-seed-${seed}.yaml`);
  writeFileSync(file, fuzzScenario(world, shrunk, `capsim fuzz violation (seed ${seed})`));
  console.log(`capsim fuzz: invariant violated after ${shrunk.length} steps (seed ${seed}, path ${result.counterexamplePath}):`);
  for (const v of found?.violations ?? []) console.log(`  ${v.invariant}: ${v.message}`);
  console.log(`the shrunk sequence is the scenario ${file}\nreplay it:   capsim run --check-invariants ${file}\nreproduce:   capsim fuzz --seed ${seed} --runs ${runs} --steps ${steps}`);
  return 1;
}
