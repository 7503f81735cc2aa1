import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

describe("the README's commands work", () => {
  const readme = readFileSync("README.md", "utf8");
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";

  it("opens with a command that runs a real scenario, and one that runs the tests", () => {
    expect(block).to.match(/npx capsim run (examples\/\S+\.yaml)/);
    expect(block).to.match(/^npm test/m);
  });

  it("the scenario command passes", () => {
    const file = /npx capsim run (examples\/\S+\.yaml)/.exec(block)?.[1] as string;
    const r = spawnSync(process.execPath, ["bin/capsim.js", "run", file], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^1 passed, 0 failed$/m);
  });

  it("the foundation tour example runs", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "examples/foundation-tour.ts"], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Revoke the untyped/);
  });
});
