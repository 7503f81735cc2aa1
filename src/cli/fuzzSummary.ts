import { readFileSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "./flags.ts";

/*
 * A fuzz campaign's result as JSON: what `--summary FILE` writes (or `--json` prints), per shard
 * or for a whole campaign, and what `--merge` reads back. The format is versioned so that a
 * summary from another capsim version is refused with a clear message rather than misread.
 */

export const SUMMARY_FORMAT = "capsim-fuzz-summary/2";

const FailureSummary = z.strictObject({
  /** the run's index in the campaign */
  run: z.number().int().min(0),
  /** the run's own seed: `capsim fuzz --seed SEED --runs 1 --steps N` replays it alone */
  seed: z.number().int(),
  violations: z.array(z.strictObject({ invariant: z.string(), message: z.string() })),
  /** the shrunk sequence's steps after the setup */
  shrunkSteps: z.number().int().min(0),
  /** the shrunk scenario's path, as written by the machine that ran the shard */
  scenario: z.string(),
  /** the command that replays the run alone */
  replay: z.string(),
});
export type FailureSummary = z.infer<typeof FailureSummary>;

export const FuzzSummary = z.strictObject({
  format: z.literal(SUMMARY_FORMAT),
  seed: z.number().int(),
  runs: z.number().int().min(1),
  steps: z.number().int().min(1),
  /** the architecture fuzzed (`--arch`) */
  arch: z.enum(["aarch32", "aarch64"]),
  /** which slice of the campaign this is, as `--shard INDEX/COUNT` named it (1-based); null for a whole campaign */
  shard: z
    .strictObject({ index: z.number().int().min(1), count: z.number().int().min(1) })
    .refine((s) => s.index <= s.count, "the shard's index is above its count")
    .nullable(),
  /** runs and steps actually run (a shard stops at its first failure; shrinking is not counted) */
  runsRun: z.number().int().min(0),
  stepsRun: z.number().int().min(0),
  /** each failed run, by run index; a whole campaign reports its first (lowest-index) failure */
  failures: z.array(FailureSummary),
});
export type FuzzSummary = z.infer<typeof FuzzSummary>;

/** Read and check one summary file; a problem is a UsageError naming the file and the field. */
export function readSummary(file: string): FuzzSummary {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError("fuzz", `--merge: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError("fuzz", `--merge: ${file} is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (json !== null && typeof json === "object" && "format" in json && json.format !== SUMMARY_FORMAT)
    throw new UsageError(
      "fuzz",
      `--merge: ${file} is a summary in format ${JSON.stringify(json.format)}; this capsim reads ${SUMMARY_FORMAT}`,
    );
  const parsed = FuzzSummary.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "the top level";
    throw new UsageError(
      "fuzz",
      `--merge: ${file} is not a capsim fuzz summary: at ${where}: ${issue?.message ?? "invalid"} (write one with capsim fuzz --shard I/N --summary FILE)`,
    );
  }
  return parsed.data;
}

/**
 * One campaign's summary from all of its shards' summaries: they must come from the same
 * campaign (seed, runs, steps, architecture, shard count) and cover every shard exactly once.
 */
export function mergeSummaries(named: readonly { file: string; summary: FuzzSummary }[]): FuzzSummary {
  const first = named[0];
  if (first === undefined) throw new UsageError("fuzz", "--merge: name at least one summary file");
  const count = first.summary.shard?.count ?? 1;
  const byShard = new Map<number, string>();
  for (const { file, summary } of named) {
    for (const key of ["seed", "runs", "steps", "arch"] as const)
      if (summary[key] !== first.summary[key])
        throw new UsageError(
          "fuzz",
          `--merge: ${file} is from another campaign: ${key} ${summary[key]}, where ${first.file} has ${first.summary[key]}`,
        );
    const shard = summary.shard ?? { index: 1, count: 1 };
    if (shard.count !== count)
      throw new UsageError(
        "fuzz",
        `--merge: ${file} is shard ${shard.index}/${shard.count}, where ${first.file} splits the campaign into ${count} shards`,
      );
    const twin = byShard.get(shard.index);
    if (twin !== undefined)
      throw new UsageError("fuzz", `--merge: ${file} and ${twin} are both shard ${shard.index}/${count}`);
    byShard.set(shard.index, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byShard.has(i));
  if (missing.length > 0)
    throw new UsageError(
      "fuzz",
      `--merge: shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} missing`,
    );
  return {
    format: SUMMARY_FORMAT,
    seed: first.summary.seed,
    runs: first.summary.runs,
    steps: first.summary.steps,
    arch: first.summary.arch,
    shard: null,
    runsRun: named.reduce((n, { summary }) => n + summary.runsRun, 0),
    stepsRun: named.reduce((n, { summary }) => n + summary.stepsRun, 0),
    failures: named.flatMap(({ summary }) => summary.failures).sort((a, b) => a.run - b.run),
  };
}
