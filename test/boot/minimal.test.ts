import { expect } from "chai";
import { pow2 } from "../../src/core/addresses.ts";
import { bootMinimal } from "../../src/boot/minimal.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { getCap } from "../../src/caps/cdt.ts";
import { slotAddress } from "../../src/caps/lookup.ts";
import { objectSizeBits } from "../../src/objects/store.ts";
import { checkAll } from "../../src/testing/invariants.ts";

describe("minimal boot", () => {
  const maps = {
    "one region": [{ base: 0, size: 256 * 2 ** 20 }],
    "regions with holes": [
      { base: 0x10000000, size: 0x3000000 },
      { base: 0x20001000, size: 0x123000 },
      { base: 0x40000000, size: 0x800000 },
    ],
  };
  for (const [label, ram] of Object.entries(maps)) {
    it(`${label}: untypeds cover exactly the free RAM, naturally aligned, without overlap`, () => {
      const m = bootMinimal({ ram });
      const objects = [...m.state.objects.values()].map((o) => [o.paddr, o.paddr + pow2(objectSizeBits(o))] as const);
      const pieces = [...m.bootInfo.untypedList.map((u) => [u.paddr, u.paddr + pow2(u.sizeBits)] as const), ...objects].sort((a, b) => a[0] - b[0]);
      for (const u of m.bootInfo.untypedList) {
        expect(u.paddr % pow2(u.sizeBits)).to.equal(0);
        expect(u.sizeBits).to.be.within(4, 29);
      }
      // the pieces tile each RAM region exactly (nothing missing, nothing shared)
      let covered = 0;
      for (let i = 0; i < pieces.length; i++) {
        const [lo, hi] = pieces[i] as readonly [number, number];
        if (i > 0) expect(lo).to.be.at.least((pieces[i - 1] as readonly [number, number])[1]);
        covered += hi - lo;
        expect(ram.some((r) => lo >= r.base && hi <= r.base + r.size)).to.equal(true);
      }
      expect(covered).to.equal(ram.reduce((n, r) => n + r.size, 0));
      expect(checkAll(m.state)).to.deep.equal([]);
    });
  }

  it("hands the initial thread its caps in seL4's well-known slots", () => {
    const m = bootMinimal({ ram: maps["one region"] });
    const cnode = getCap(m.state, slotAddress(m.initThread, 0)) as { paddr: number };
    const at = (n: keyof typeof INITIAL_CAP_SLOTS) => getCap(m.state, slotAddress(cnode.paddr as never, INITIAL_CAP_SLOTS[n])).type;
    expect([at("InitThreadTCB"), at("InitThreadCNode"), at("InitThreadVSpace"), at("ASIDControl"), at("InitThreadASIDPool")]).to.deep.equal(["TCB", "CNode", "PageDirectory", "ASIDControl", "ASIDPool"]);
    expect(getCap(m.state, slotAddress(cnode.paddr as never, INITIAL_CAP_SLOTS.InitThreadVSpace))).to.include({ mappedASID: 1 });
    expect(m.bootInfo.untyped.start).to.equal(16);
    expect(m.bootInfo.empty).to.deep.equal({ start: m.bootInfo.untyped.end, end: 4096 });
  });

  it("refuses a RAM map too small for the initial objects, saying why", () => {
    expect(() => bootMinimal({ ram: [{ base: 0, size: 0x8000 }] })).to.throw(/no RAM region can hold the initial thread's objects/);
    expect(() => bootMinimal({ ram: [] })).to.throw(/no RAM region/);
  });
});
