import { expect } from "chai";
import { z } from "zod";
import { commandHelp, flagKey, scanArgs, UsageError, validateFlags, type CommandSpec } from "../../src/cli/flags.ts";
import { COMMAND_SPECS, FUZZ, RUN, SHOW } from "../../src/cli/specs.ts";
import { RunFlags } from "../../src/cli/run.ts";
import { ShowFlags } from "../../src/cli/show.ts";
import { FuzzFlags } from "../../src/cli/fuzz.ts";
import { ExportFlags } from "../../src/cli/export.ts";
import { CompareFlags } from "../../src/cli/compare.ts";
import { ImportFlags } from "../../src/cli/import.ts";
import { PlaygroundFlags } from "../../src/cli/playground.ts";

const usage = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error("expected a UsageError");
};

describe("the CLI flag parser", () => {
  it("reads --name value, --name=value, switches, and operands in any order", () => {
    expect(scanArgs(SHOW, ["f.yaml", "--at", "2", "--format=dot"])).to.deep.equal({
      help: false,
      flags: { at: "2", format: "dot" },
      operands: ["f.yaml"],
    });
    expect(scanArgs(RUN, ["--check-invariants", "a.yaml", "--json", "b.yaml"])).to.deep.equal({
      help: false,
      flags: { checkInvariants: true, json: true },
      operands: ["a.yaml", "b.yaml"],
    });
  });

  it("takes a negative number as a value, and everything after -- as operands", () => {
    expect(scanArgs(FUZZ, ["--seed", "-5"]).flags).to.deep.equal({
      seed: "-5",
    });
    expect(scanArgs(RUN, ["--", "--json"]).operands).to.deep.equal(["--json"]);
  });

  it("an unknown flag is a usage error with a did-you-mean", () => {
    expect(usage(() => scanArgs(RUN, ["--jsn", "a.yaml"]))).to.equal(
      "capsim run: unknown option --jsn; did you mean --json? (see capsim run --help)",
    );
    expect(usage(() => scanArgs(FUZZ, ["-x"]))).to.match(/^capsim fuzz: unknown option -x/);
  });

  it("a value flag without its value, a switch with one, and the wrong number of operands are usage errors", () => {
    expect(usage(() => scanArgs(SHOW, ["f.yaml", "--at"]))).to.equal("capsim show: --at needs a value (STEP)");
    expect(usage(() => scanArgs(SHOW, ["f.yaml", "--at", "--format", "dot"]))).to.match(/--at needs a value/);
    expect(usage(() => scanArgs(RUN, ["--json=yes", "a.yaml"]))).to.equal("capsim run: --json takes no value");
    expect(usage(() => scanArgs(RUN, []))).to.equal("capsim run: name at least one scenario file");
    expect(usage(() => scanArgs(SHOW, ["a.yaml", "b.yaml"]))).to.equal("capsim show: name exactly one scenario file");
    // fuzz takes files only with --merge, which fuzz itself checks (test/testing/fuzz.test.ts)
    expect(scanArgs(FUZZ, ["--merge", "a.json", "b.json"]).operands).to.deep.equal(["a.json", "b.json"]);
  });

  it("--help or -h wins over every other problem on the line", () => {
    expect(scanArgs(RUN, ["--jsn", "-h"]).help).to.equal(true);
    expect(scanArgs(SHOW, ["--help"]).help).to.equal(true);
  });

  it("validates values with the command's zod schema, with defaults, naming the flag in errors", () => {
    expect(validateFlags(FUZZ, FuzzFlags, { steps: "30" })).to.deep.equal({
      steps: 30,
      runs: 100,
      out: "capsim-fuzz",
    });
    expect(validateFlags(SHOW, ShowFlags, {})).to.deep.equal({
      format: "text",
    });
    expect(usage(() => validateFlags(SHOW, ShowFlags, { format: "svg" }))).to.match(/^capsim show: --format svg: /);
    expect(usage(() => validateFlags(FUZZ, FuzzFlags, { steps: "0" }))).to.match(/^capsim fuzz: --steps 0: /);
  });

  it("refuses a key its spec does not know even when the caller built the record", () => {
    expect(usage(() => validateFlags(FUZZ, FuzzFlags, { stpes: "1" }))).to.match(
      /unknown option --stpes; did you mean --steps\?/,
    );
  });

  it("every command's zod schema has exactly the flags its spec (and so its --help) lists", () => {
    const schemas: Record<string, z.ZodObject> = {
      run: RunFlags,
      show: ShowFlags,
      fuzz: FuzzFlags,
      explain: z.object({}),
      export: ExportFlags,
      compare: CompareFlags,
      import: ImportFlags,
      playground: PlaygroundFlags,
    };
    for (const spec of Object.values(COMMAND_SPECS) as CommandSpec[]) {
      expect(Object.keys(schemas[spec.name]?.shape ?? {}).sort(), spec.name).to.deep.equal(
        spec.flags.map((f) => flagKey(f.name)).sort(),
      );
    }
  });

  it("help shows the usage line and every option", () => {
    const text = commandHelp(FUZZ);
    expect(text.split("\n")[0]).to.equal("usage: capsim fuzz [options]");
    for (const f of ["--runs R", "--steps N", "--seed S", "--out DIR", "-h, --help"]) expect(text).to.contain(f);
    expect(text).to.match(/steps in each run/);
  });
});
