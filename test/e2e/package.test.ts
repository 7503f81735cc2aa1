import { expect } from "chai";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readmeSnippet } from "../helpers/readme.ts";

/**
 * capsim as a user gets it: build, `npm pack`, install the tarball with --omit=dev into an empty
 * project, then use it with no help from this checkout: plain node imports capsim and
 * capsim/testing, the installed `capsim` command runs an example, and a strict NodeNext
 * TypeScript consumer (the README's snippet among its files) compiles against the shipped .d.ts
 * and runs. Nothing here runs through tsx, and CAPSIM_FROM_SOURCE is removed from the environment.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const env = { ...process.env };
delete env.CAPSIM_FROM_SOURCE;
delete env.NODE_OPTIONS;

function run(cmd: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd,
    env,
    encoding: "utf8",
    shell: process.platform === "win32" && cmd === NPM,
  });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.status, `${what} exited ${String(r.status)}\n${r.stdout}\n${r.stderr}`).to.equal(0);
  return r.stdout;
}

describe("the npm package, installed as a user installs it", function () {
  this.timeout(300_000);
  let work = "";
  let consumer = "";
  let packed: readonly string[] = [];

  before(() => {
    work = mkdtempSync(join(tmpdir(), "capsim-pack-"));
    consumer = join(work, "consumer");
    mkdirSync(consumer);
    ok(run(NPM, ["run", "build"], ROOT), "npm run build");
    ok(run(NPM, ["run", "build:playground"], ROOT), "npm run build:playground");
    const pack = JSON.parse(
      ok(run(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT), "npm pack"),
    ) as { filename: string; files: { path: string }[] }[];
    const tarball = join(work, pack[0]!.filename);
    packed = pack[0]!.files.map((f) => f.path);
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify(
        {
          name: "capsim-consumer",
          version: "1.0.0",
          private: true,
          type: "module",
        },
        null,
        2,
      ),
    );
    ok(
      run(NPM, ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", tarball], consumer),
      "npm install of the tarball",
    );
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships the compiled package, its docs and examples, and no tests, benchmarks or sources", () => {
    for (const f of [
      "package.json",
      "README.md",
      "LICENSE",
      "bin/capsim.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/index.js.map",
      "dist/testing/index.d.ts",
      "dist/scenario/index.js",
      "dist/cli/main.js",
      "dist/playground/index.html",
      "dist/playground/playground.js",
      "dist/playground/codemirror.js",
      "examples/01-map-a-frame.yaml",
      "examples/README.md",
      "docs/scenarios.md",
      "schema/scenario.schema.json",
    ]) {
      expect(packed, f).to.include(f);
    }
    expect(
      packed.filter((f) => /^(src|test|bench|scripts|\.ci)\/|^tsconfig|^\.mocharc|(?<!\.d)\.ts$/.test(f)),
    ).to.deep.equal([]);
    expect(
      existsSync(join(consumer, "node_modules/tsx")),
      "tsx is a development tool, not installed for users",
    ).to.equal(false);
  });

  it("plain node imports capsim, capsim/testing, capsim/scenario and the scenario JSON Schema", () => {
    writeFileSync(
      join(consumer, "plain.mjs"),
      [
        'import { bootMinimal, callLibsel4, INITIAL_CAP_SLOTS, hex } from "capsim";',
        'import { checkAll, buildFuzzWorld } from "capsim/testing";',
        'import { loadScenarioFile, runScenario } from "capsim/scenario";',
        "const m = bootMinimal({ ram: [{ base: 0, size: 256 * 2 ** 20 }] });",
        'const r = callLibsel4(m.state, m.initThread, "seL4_ARM_PageDirectory_Clean_Data", INITIAL_CAP_SLOTS.InitThreadVSpace, { start: 0x1000, end: 0x2000 });',
        "console.log(`reply ${r.reply.kind}; violations ${checkAll(buildFuzzWorld().state).length}; thread ${hex(m.initThread)}`);",
        'const report = runScenario(loadScenarioFile("node_modules/capsim/examples/01-map-a-frame.yaml"));',
        "console.log(`scenario passed: ${report.passed}`);",
        'const { default: schema } = await import("capsim/scenario.schema.json", { with: { type: "json" } });',
        "console.log(`schema: ${schema.title}`);",
      ].join("\n"),
    );
    const out = ok(run(process.execPath, ["plain.mjs"], consumer), "node plain.mjs");
    expect(out).to.match(/^reply ok; violations 0; thread 0x/m);
    expect(out).to.match(/^scenario passed: true$/m);
    expect(out).to.match(/^schema: capsim scenario$/m);
  });

  it("the installed capsim command runs an example, and answers --help (CAPSIM_FROM_SOURCE changes nothing without src/)", () => {
    const bin = join(consumer, "node_modules/.bin", process.platform === "win32" ? "capsim.cmd" : "capsim");
    const r = spawnSync(bin, ["run", "node_modules/capsim/examples/01-map-a-frame.yaml"], {
      cwd: consumer,
      env,
      encoding: "utf8",
      shell: process.platform === "win32",
    });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^1 passed, 0 failed$/m);
    const help = spawnSync(bin, ["--help"], {
      cwd: consumer,
      env: { ...env, CAPSIM_FROM_SOURCE: "1" },
      encoding: "utf8",
      shell: process.platform === "win32",
    });
    expect(help.status, help.stderr).to.equal(0);
    expect(help.stdout).to.match(/^usage: capsim <command>/m);
    expect(help.stdout).to.match(/^ {2}run FILE\|DIR\.\.\./m);
    const page = spawnSync(bin, ["playground"], {
      cwd: consumer,
      env,
      encoding: "utf8",
      shell: process.platform === "win32",
    });
    expect(page.status, page.stderr).to.equal(0);
    expect(page.stdout.trim()).to.match(/node_modules[\\/]capsim[\\/]dist[\\/]playground[\\/]index\.html$/);
    expect(existsSync(page.stdout.trim()), "the page the installed capsim names exists").to.equal(true);
  });

  it("a strict NodeNext TypeScript consumer compiles against the shipped .d.ts, and the README's snippet runs", () => {
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify(
        {
          compilerOptions: {
            target: "ES2022",
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            noUncheckedIndexedAccess: true,
            exactOptionalPropertyTypes: true,
            noPropertyAccessFromIndexSignature: true,
            verbatimModuleSyntax: true,
            skipLibCheck: true, // as tsc --init writes it; with false it passes too, but checking zod's types takes half a minute
            outDir: "out",
            typeRoots: [join(ROOT, "node_modules/@types")],
            types: ["node"],
          },
          include: ["*.ts"],
        },
        null,
        2,
      ),
    );
    writeFileSync(
      join(consumer, "consumer.ts"),
      [
        'import { bootMinimal, callLibsel4, INITIAL_CAP_SLOTS, resolve, type CPtr, type KernelState, type PhysAddr, type VirtAddr } from "capsim";',
        'import { checkAll, vaddrArbitrary, type Violation } from "capsim/testing";',
        'import { loadScenarioText, runScenario, type ScenarioReport } from "capsim/scenario";',
        "const m = bootMinimal({ ram: [{ base: 0, size: 256 * 2 ** 20 }] });",
        "const s: KernelState = m.state;",
        'const r = callLibsel4(s, m.initThread, "seL4_ARM_PageDirectory_Clean_Data", INITIAL_CAP_SLOTS.InitThreadVSpace as CPtr, { start: 0x1000, end: 0x2000 });',
        'const succeeded: boolean = r.reply.kind === "ok";',
        "const found = resolve(s, 0 as PhysAddr, 0x1000 as VirtAddr);",
        "const violations: readonly Violation[] = checkAll(s);",
        "const arb = vaddrArbitrary({ alignedTo: 12 });",
        'const report: ScenarioReport = runScenario(loadScenarioText("inline.yaml", "name: t\\nsteps:\\n  - retype: { type: seL4_ARM_SmallPageObject, as: f }\\n"));',
        "export const all = [succeeded, found.mapped, violations.length, arb, report.passed] as const;",
      ].join("\n"),
    );
    writeFileSync(join(consumer, "readme-snippet.ts"), readmeSnippet(readFileSync(join(ROOT, "README.md"), "utf8")));
    ok(
      run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."], consumer),
      "tsc in the consumer",
    );
    ok(run(process.execPath, ["out/readme-snippet.js"], consumer), "the README's snippet, compiled");
  });
});
