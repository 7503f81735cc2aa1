import { expect } from "chai";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { scanArgs, validateFlags } from "../../src/cli/flags.ts";
import { FuzzFlags } from "../../src/cli/fuzz.ts";
import { FUZZ } from "../../src/cli/specs.ts";

/*
 * The campaign examples under examples/ci/ are not run here (no runners, no cluster), so this
 * checks what can rot unseen: every capsim command in them is one capsim accepts, and the shard
 * lists agree with the shard counts.
 */

const VALUES: Readonly<Record<string, string>> = { SEED: "5", RUNS: "4000", STEPS: "500", SHARDS: "8", I: "3" };

/** The `capsim fuzz ...` commands in a shell text, with the variables given sample values. */
function fuzzCommands(shell: string): string[][] {
  const text = shell
    .replace(/\\\n/g, " ")
    .replace(/\$\{\{ matrix\.shard \}\}/g, "3")
    .replace(/\$\{\{ env\.SHARDS \}\}/g, "8")
    .replace(/\$([A-Z]+)/g, (_, name: string) => VALUES[name] ?? `$${name}`);
  return [...text.matchAll(/capsim fuzz ([^;|\n]*)/g)].map((m) =>
    (m[1] ?? "")
      .trim()
      .split(/\s+/)
      .map((word) => word.replace(/"/g, "")),
  );
}

/** The parts of each file read here (YAML's parse gives untyped data; a wrong shape fails the test). */
interface Workflow {
  readonly env: Record<string, string | number>;
  readonly jobs: Record<string, { strategy?: { matrix: { shard: number[] } }; steps: { run?: string }[] }>;
}
interface IndexedJob {
  readonly spec: {
    completionMode: string;
    completions: number;
    template: { spec: { containers: { env: { name: string; value: string }[]; args: string[] }[] } };
  };
}

function accepted(argv: string[]) {
  const args = scanArgs(FUZZ, argv);
  return { args, flags: validateFlags(FUZZ, FuzzFlags, args.flags) };
}

describe("the fuzz campaign examples (examples/ci/)", () => {
  it("the GitHub Actions workflow runs every shard of one campaign, then merges them", () => {
    const wf: Workflow = parse(readFileSync("examples/ci/github-actions-fuzz.yml", "utf8"));
    const shards = Number(wf.env.SHARDS);
    expect(wf.jobs.shard?.strategy?.matrix.shard).to.deep.equal(Array.from({ length: shards }, (_, i) => i + 1));
    const shardRuns = fuzzCommands((wf.jobs.shard?.steps ?? []).map((s) => s.run ?? "").join("\n"));
    expect(shardRuns).to.have.length(1);
    const shard = accepted(shardRuns[0] ?? []);
    expect(shard.flags.shard).to.deep.equal({ index: 3, count: 8 });
    expect(shard.flags.summary).to.equal("summary-3.json");
    const merges = fuzzCommands((wf.jobs.merge?.steps ?? []).map((s) => s.run ?? "").join("\n"));
    expect(merges).to.have.length(1);
    const merge = accepted(merges[0] ?? []);
    expect(merge.flags.merge).to.equal(true);
    expect(merge.args.operands).to.deep.equal(["summary-*.json"]);
  });

  it("the Kubernetes Indexed Job runs shard index+1 of as many shards as it has completions", () => {
    const job: IndexedJob = parse(readFileSync("examples/ci/fuzz-indexed-job.yaml", "utf8"));
    expect(job.spec.completionMode).to.equal("Indexed");
    const container = job.spec.template.spec.containers[0];
    expect(container?.env.find((e) => e.name === "SHARDS")?.value).to.equal(String(job.spec.completions));
    expect(container?.args.join("\n")).to.contain("I=$((JOB_COMPLETION_INDEX + 1))");
    const runs = fuzzCommands(container?.args.join("\n") ?? "");
    expect(runs).to.have.length(1);
    expect(accepted(runs[0] ?? []).flags.shard).to.deep.equal({ index: 3, count: 8 });
  });
});
