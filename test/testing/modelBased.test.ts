import { expect } from "chai";
import fc from "fast-check";
import { UNMAP_KEEPS_ENTRY, withFamilies } from "../support/faults.ts";
import { CapsimCommand, capsimCommands, modelRunSetup } from "../../src/testing/commands.ts";
import { vaddrArbitrary } from "../../src/testing/arbitraries.ts";
import { buildFuzzWorld } from "../../src/testing/world.ts";
import { countingCommands } from "../helpers/invariants.ts";

describe("model-based testing over the simulator", () => {
  const world = buildFuzzWorld();

  // Pinned so that a run is reproducible and the step count cannot flake: over random seeds the
  // count ranged down to within 6% of 10,000. The seed is printed on failure, as fast-check does.
  const SEED = 42;

  it("runs at least 10,000 random steps with the model and every touched invariant checked after each", () => {
    const counter = { steps: 0 };
    const counting = countingCommands(capsimCommands(), counter);
    fc.assert(
      fc.property(fc.commands(counting, { maxCommands: 250, size: "max" }), (cmds) =>
        fc.modelRun(modelRunSetup(world), cmds),
      ),
      { numRuns: 100, seed: SEED },
    );
    expect(counter.steps, `steps run with seed ${SEED}`).to.be.at.least(10000);
  });

  it("catches a deliberately broken transition (test/e2e/fuzzReplay.test.ts replays what capsim fuzz finds)", () => {
    withFamilies(UNMAP_KEEPS_ENTRY, () => {
      // About 1 run in 150 maps a frame and then unmaps it, which is what the broken unmap needs;
      // the seed is one whose runs reach that early (seed 7 did before the touch op joined the ops).
      const broken = fc.check(
        fc.property(fc.commands(capsimCommands(), { maxCommands: 60 }), (cmds) =>
          fc.modelRun(modelRunSetup(world), cmds),
        ),
        { numRuns: 200, seed: 15 },
      );
      expect(broken.failed).to.equal(true);
      expect(String(broken.errorInstance)).to.match(/valid_vs_lookup|model/);
    });
  });

  it("commands print as the operation they perform; arbitraries respect their constraints", () => {
    expect(new CapsimCommand({ op: "unmap", f: 3 }).toString()).to.equal('{"op":"unmap","f":3}');
    fc.assert(
      fc.property(vaddrArbitrary({ alignedTo: 20, below: 0xe0000000 }), (v) => v % 2 ** 20 === 0 && v < 0xe0000000),
    );
  });
});
