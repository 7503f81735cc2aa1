import { expect } from "chai";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { __setFaultInjection } from "../../src/model/faultInjection.ts";
import { CapsimCommand, capsimCommands, modelRunSetup } from "../../src/testing/commands.ts";
import { vaddrArbitrary } from "../../src/testing/arbitraries.ts";
import { buildFuzzWorld } from "../../src/testing/world.ts";

describe("model-based testing over the simulator", () => {
  const world = buildFuzzWorld();

  it("runs at least 10,000 random steps with the model and every touched invariant checked after each", () => {
    let steps = 0;
    const counting = capsimCommands().map((a) => a.map((c) => {
      const run = c.run.bind(c);
      c.run = (m, r) => {
        steps++;
        run(m, r);
      };
      return c;
    }));
    fc.assert(fc.property(fc.commands(counting, { maxCommands: 250, size: "max" }), (cmds) => fc.modelRun(modelRunSetup(world), cmds)), { numRuns: 100 });
    expect(steps).to.be.at.least(10000);
  });

  it("catches a deliberately broken transition, and capsim fuzz's shrunk scenario replays to the same violation", () => {
    __setFaultInjection("unmap-keeps-entry");
    try {
      const broken = fc.check(fc.property(fc.commands(capsimCommands(), { maxCommands: 60 }), (cmds) => fc.modelRun(modelRunSetup(world), cmds)), { numRuns: 200, seed: 7 });
      expect(broken.failed).to.equal(true);
      expect(String(broken.errorInstance)).to.match(/valid_vs_lookup|model/);
    } finally {
      __setFaultInjection(null);
    }
    const out = mkdtempSync(join(tmpdir(), "capsim-fuzz-"));
    const env = { ...process.env, CAPSIM_INJECT_FAULT: "unmap-keeps-entry" };
    const fuzz = spawnSync(process.execPath, ["bin/capsim.js", "fuzz", "--runs", "100", "--steps", "40", "--seed", "3", "--out", out], { encoding: "utf8", env });
    expect(fuzz.status, fuzz.stdout + fuzz.stderr).to.equal(1);
    const file = /the shrunk sequence is the scenario (\S+)/.exec(fuzz.stdout)?.[1] as string;
    const violation = /^ {2}(valid_vs_lookup: .*)$/m.exec(fuzz.stdout)?.[1] as string;
    expect(readFileSync(file, "utf8")).to.match(/^name: capsim fuzz violation/m);
    const replay = spawnSync(process.execPath, ["bin/capsim.js", "run", "--check-invariants", file], { encoding: "utf8", env });
    expect(replay.status).to.equal(1);
    expect(replay.stdout).to.contain(violation);
    const healthy = spawnSync(process.execPath, ["bin/capsim.js", "run", "--check-invariants", file], { encoding: "utf8" });
    expect(healthy.status, healthy.stdout).to.equal(0);
  });

  it("commands print as the operation they perform; arbitraries respect their constraints", () => {
    expect(new CapsimCommand({ op: "unmap", f: 3 }).toString()).to.equal('{"op":"unmap","f":3}');
    fc.assert(fc.property(vaddrArbitrary({ alignedTo: 20, below: 0xe0000000 }), (v) => v % 2 ** 20 === 0 && v < 0xe0000000));
  });
});
