import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { readmeSnippet } from "../helpers/readme.ts";

describe("the README's commands work", () => {
  const readme = readFileSync("README.md", "utf8");
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";

  it("opens with a command that runs a real scenario, and one that runs the tests", () => {
    expect(block).to.match(/npx capsim run (examples\/\S+\.yaml)/);
    expect(block).to.match(/^npm test/m);
  });

  it("the scenario command passes", () => {
    const file = /npx capsim run (examples\/\S+\.yaml)/.exec(block)?.[1] as string;
    const r = spawnSync(process.execPath, ["bin/capsim.js", "run", file], {
      encoding: "utf8",
    });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^1 passed, 0 failed$/m);
  });

  it("the TypeScript snippet runs against the sources (test/e2e/ compiles it against the installed package)", () => {
    const snippet = readmeSnippet(readme);
    expect(snippet).to.match(/from "capsim";/);
    const dir = mkdtempSync(join(tmpdir(), "capsim-readme-"));
    try {
      const file = join(dir, "snippet.ts");
      writeFileSync(
        file,
        snippet.replaceAll('from "capsim";', `from ${JSON.stringify(pathToFileURL(resolve("src/index.ts")).href)};`),
      );
      const r = spawnSync(process.execPath, ["--import", "tsx", file], {
        encoding: "utf8",
      });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.equal("ok\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the foundation tour example runs", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "examples/foundation-tour.ts"], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Revoke the untyped/);
  });
});
