import { expect } from "chai";
import fc from "fast-check";
import { UNMAP_KEEPS_ENTRY, withFamilies } from "../support/faults.ts";
import { fuzzOpArbitrary } from "../../src/testing/arbitraries.ts";
import { checkTouched } from "../../src/testing/incremental.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import { applyFuzzOp, buildFuzzWorld } from "../../src/testing/world.ts";

describe("incremental invariant checking", () => {
  const world = buildFuzzWorld();

  it("agrees with the full check after every step of random sequences (healthy and with a broken transition)", () => {
    for (const tables of [null, UNMAP_KEEPS_ENTRY]) {
      withFamilies(tables, () =>
        fc.assert(
          fc.property(
            fc.array(fuzzOpArbitrary({ badShare: 0.2 }), { maxLength: 40 }),
            (ops) => {
              let s = world.state;
              for (const o of ops) {
                const next = applyFuzzOp(world, s, o).state;
                const full = checkAll(next).map((v) => v.invariant);
                const incremental = checkTouched(s, next).map(
                  (v) => v.invariant,
                );
                expect(
                  [...new Set(incremental)].sort(),
                  JSON.stringify(o),
                ).to.deep.equal([...new Set(full)].sort());
                if (full.length > 0) return; // a broken state stays broken: compare only the first break
                s = next;
              }
            },
          ),
          { numRuns: 150 },
        ),
      );
    }
  });

  it("checks nothing when nothing changed", () => {
    expect(checkTouched(world.state, world.state)).to.deep.equal([]);
  });
});
