import { expect } from "chai";
import fc from "fast-check";
import { boot } from "../../src/boot/boot.ts";
import type { KernelState } from "../../src/model/state.ts";
import { vaddrArbitrary } from "../../src/testing/arbitraries.ts";
import { checkTouched } from "../../src/testing/incremental.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import { buildFuzzWorld } from "../../src/testing/world.ts";
import {
  applyInvocation,
  cspaceCensus,
  invocationArbitrary,
  resolveInvocation,
} from "../../src/testing/invocations.ts";

describe("invocations over live caps", () => {
  const machine = boot({ ram: [{ base: 0, size: 256 * 2 ** 20 }] });
  const T = machine.initThread;

  it("names the k-th live cap of a type and the k-th empty slot, wrapping around", () => {
    const census = cspaceCensus(machine.state, T);
    expect(census.byType.get("PageDirectory")).to.deep.equal([3]);
    expect(census.byType.get("ASIDControl")).to.deep.equal([5]);
    const r = resolveInvocation(machine.state, T, {
      fn: "seL4_ARM_ASIDPool_Assign",
      service: { cap: "ASIDPool", k: 7 },
      args: { vspace: { cap: "PageDirectory", k: 2 } },
    });
    expect(r).to.deep.equal({ service: 6, params: { vspace: 3 } });
    expect(census.empty).to.not.include(0);
    for (const e of census.empty) expect(census.byType.get("Null") ?? []).to.not.include(e);
  });

  it("every invariant holds after every step of random libsel4 calls; a failed call returns the identical state", () => {
    // Start from the fuzz world: frames of every size, page tables and a second address space.
    const start = buildFuzzWorld().state;
    let calls = 0;
    let succeeded = 0;
    fc.assert(
      fc.property(
        fc.array(invocationArbitrary({ badShare: 0.1 }), {
          minLength: 1,
          maxLength: 60,
        }),
        (invs) => {
          let s: KernelState = start;
          for (const inv of invs) {
            const r = applyInvocation(s, T, inv);
            calls++;
            if (r.reply.kind === "error") expect(r.state, JSON.stringify(inv)).to.equal(s);
            else succeeded++;
            expect(checkTouched(s, r.state), JSON.stringify(inv)).to.deep.equal([]);
            s = r.state;
          }
          expect(checkAll(s)).to.deep.equal([]);
        },
      ),
      { numRuns: 60 },
    );
    // The arguments come from live caps, so a fair share of calls get through every check.
    expect(succeeded / calls).to.be.greaterThan(0.1);
  });

  it("addresses respect their constraints: region, alignment, deliberate misalignment", () => {
    fc.assert(fc.property(vaddrArbitrary({ region: "kernel" }), (v) => v >= 0xe0000000 && v < 2 ** 32));
    fc.assert(
      fc.property(vaddrArbitrary({ region: "user", alignedTo: 20 }), (v) => v < 0xe0000000 && v % 2 ** 20 === 0),
    );
    fc.assert(
      fc.property(
        vaddrArbitrary({ region: "user", alignedTo: 12, misalignedShare: 1 }),
        (v) => v < 0xe0000000 && v % 4096 !== 0,
      ),
    );
    expect(() => vaddrArbitrary({ region: "kernel", below: 0x1000 })).to.throw(RangeError);
  });

  it("addresses shrink without fast-check's context, within their constraints", () => {
    const arb = vaddrArbitrary({ region: "user", alignedTo: 12, misalignedShare: 0.5 });
    fc.assert(
      fc.property(arb, (v) => {
        expect(arb.canShrinkWithoutContext(v)).to.equal(true);
        for (const c of arb.shrink(v, undefined)) expect(c.value < 0xe0000000, String(c.value)).to.equal(true);
      }),
    );
    expect(vaddrArbitrary({ region: "user", alignedTo: 12 }).canShrinkWithoutContext(0x1001)).to.equal(false);
    expect(vaddrArbitrary({ region: "user" }).canShrinkWithoutContext(0xe0000000)).to.equal(false);
  });
});
