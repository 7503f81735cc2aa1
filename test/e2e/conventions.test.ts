import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const capsim = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ["bin/capsim.js", ...args], {
    encoding: "utf8",
    env,
  });
const COMMANDS = ["run", "explain", "show", "fuzz"];
const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

describe("capsim follows common CLI conventions", () => {
  const tmp = mkdtempSync(join(tmpdir(), "capsim-conv-"));

  it("--help and -h list every command on stdout, exit 0; no arguments is the same help on stderr, exit 2", () => {
    for (const flag of ["--help", "-h"]) {
      const r = capsim([flag]);
      expect(r.status, flag).to.equal(0);
      for (const c of COMMANDS) expect(r.stdout, flag).to.match(new RegExp(`^  ${c}\\b`, "m"));
    }
    const bare = capsim([]);
    expect(bare.status).to.equal(2);
    expect(bare.stdout).to.equal("");
    expect(bare.stderr).to.match(/usage: capsim <command>/);
  });

  it("every command has its own --help, on stdout with exit 0", () => {
    for (const c of COMMANDS) {
      const r = capsim([c, "--help"]);
      expect(r.status, c).to.equal(0);
      expect(r.stdout.split("\n")[0], c).to.match(new RegExp(`^usage: capsim ${c}\\b`));
      expect(r.stdout, c).to.contain("-h, --help");
    }
  });

  it("--version and -V print the version from package.json", () => {
    for (const flag of ["--version", "-V"]) {
      const r = capsim([flag]);
      expect(r.status, flag).to.equal(0);
      expect(r.stdout.trim()).to.equal(`capsim ${version}`);
    }
  });

  it("an unknown or mistyped flag is exit 2 with a did-you-mean on stderr, and nothing on stdout", () => {
    const r = capsim(["run", "--jsn", "examples/01-map-a-frame.yaml"]);
    expect(r.status).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.match(/unknown option --jsn; did you mean --json\?/);
    const show = capsim(["show", "examples/01-map-a-frame.yaml", "--fromat", "dot"]);
    expect(show.status).to.equal(2);
    expect(show.stderr).to.match(/did you mean --format\?/);
    const cmd = capsim(["rnu"]);
    expect(cmd.status).to.equal(2);
    expect(cmd.stderr).to.match(/unknown command "rnu"; did you mean "run"\?/);
  });

  it("a directory argument to run runs the *.yaml files in it, in sorted order", () => {
    const r = capsim(["run", "examples"]);
    const expected = readdirSync("examples")
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => join("examples", f));
    expect(r.status, r.stderr).to.equal(0);
    expect([...r.stdout.matchAll(/^PASS (\S+):/gm)].map((m) => m[1])).to.deep.equal(expected);
    expect(r.stdout.trim().split("\n").pop()).to.equal(`${expected.length} passed, 0 failed`);
  });

  it("a closed pipe ends the command quietly: no EPIPE stack trace", () => {
    const sh = (cmd: string) =>
      spawnSync("bash", ["-c", `${cmd}; exit \${PIPESTATUS[0]}`], {
        encoding: "utf8",
      });
    const closed = sh(`"${process.execPath}" bin/capsim.js run examples | true`);
    expect(closed.stderr).to.equal("");
    expect(closed.status).to.equal(0);
    const head = sh(`"${process.execPath}" bin/capsim.js explain examples/01-map-a-frame.yaml | head -1`);
    expect(head.stderr).to.equal("");
    expect(head.stdout).to.match(/^Scenario: [^\n]+\n$/);
  });

  it("no colour codes when stdout is not a terminal, with or without NO_COLOR", () => {
    const failing = join(tmp, "failing.yaml");
    writeFileSync(
      failing,
      "name: f\nsteps:\n  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n    expect: { error: seL4_DeleteFirst }\n",
    );
    for (const env of [process.env, { ...process.env, NO_COLOR: "1" }]) {
      const r = capsim(["run", failing, "examples/01-map-a-frame.yaml"], env);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.not.contain("\x1b[");
    }
  });

  it("fuzz says what --runs and --steps mean and prints the total; off a terminal, no carriage-return progress", () => {
    const r = capsim(["fuzz", "--runs", "3", "--steps", "20", "--seed", "5", "--out", tmp]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal("capsim fuzz: 3 runs (--runs) x 20 steps each (--steps) = 60 steps, seed 5\n");
    expect(r.stdout).to.equal(
      "capsim fuzz: 3 runs, 60 steps, no invariant violated (seed 5): 3 runs (--runs) x 20 steps each (--steps)\n",
    );
    const help = capsim(["fuzz", "--help"]).stdout;
    expect(help).to.match(/--runs R +how many runs/);
    expect(help).to.match(/--steps N +steps in each run .*R x N/);
  });

  it("--help and --version load no command: not the kernel, zod, fast-check or yaml", () => {
    const hook = join(tmp, "log-imports.mjs");
    const log = join(tmp, "imports.log");
    writeFileSync(
      hook,
      `import { register } from "node:module";\nregister("data:text/javascript," + encodeURIComponent(${JSON.stringify(
        `import { appendFileSync } from "node:fs";\nexport async function load(url, ctx, next) { appendFileSync(process.env.CAPSIM_IMPORT_LOG, url + "\\n"); return next(url, ctx); }`,
      )}));\n`,
    );
    const loaded = (args: string[]) => {
      writeFileSync(log, "");
      const r = spawnSync(process.execPath, ["--import", hook, "bin/capsim.js", ...args], {
        encoding: "utf8",
        env: { ...process.env, CAPSIM_IMPORT_LOG: log },
      });
      expect(r.status, r.stderr).to.equal(0);
      return readFileSync(log, "utf8");
    };
    const heavy =
      /\/src\/(kernel|arch|model|invocations|boot|machine|testing)\/|\/node_modules\/(zod|fast-check|yaml)\//;
    for (const args of [["--help"], ["--version"], ["run", "--help"], ["fuzz", "--help"]])
      expect(loaded(args), args.join(" ")).to.not.match(heavy);
    expect(loaded(["run", "examples/01-map-a-frame.yaml"]), "the check itself sees a command's imports").to.match(
      heavy,
    );
  });
});

describe("capsim prints numbers the way people read them, and names errors one way", () => {
  it("addresses in hex, sizes with their unit, counts in decimal", () => {
    const r = capsim(["run", "examples/11-cache-maintenance.yaml", "examples/02-large-pages.yaml"]);
    expect(r.stdout).to.match(/seL4_RangeError \(rangeMin=0x10000000, rangeMax=0x100fffff\)/);
    expect(r.stdout).to.match(/pageSize=1MiB, size=Section/);
    expect(r.stdout).to.not.match(/=\d{5,}/);
    const explain = capsim(["explain", "examples/01-map-a-frame.yaml"]);
    expect(explain.stdout).to.match(/seL4_FailedLookup \(failedLookupWasSource=false, bitsLeft=20\): /);
    expect(explain.stdout).to.not.contain("lookupFailure={");
  });

  it("--json spells every error as libsel4 does, seL4_ prefix included, in result and outcome alike", () => {
    const r = capsim(["run", "--json", "examples"]);
    const out = JSON.parse(r.stdout) as {
      scenarios: {
        steps: { result: string; outcome: { kind: string; error?: string } }[];
      }[];
    };
    const errors = out.scenarios.flatMap((s) => s.steps).filter((s) => s.outcome.kind === "error");
    expect(errors.length).to.be.greaterThan(5);
    for (const s of errors) {
      expect(s.outcome.error).to.match(/^seL4_[A-Za-z]+$/);
      expect(s.result.startsWith(s.outcome.error as string)).to.equal(true);
    }
  });
});
