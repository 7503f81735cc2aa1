import { expect } from "chai";
import { DEFAULT_CONFIG } from "../../src/arch/index.ts";
import fc from "fast-check";
import { paddr, pow2 } from "../../src/model/addresses.ts";
import { bootMinimal, type BootedMachine, type RamRegion } from "../../src/boot/minimal.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { getCap, getCTE } from "../../src/kernel/cdt.ts";
import { slotAddress } from "../../src/kernel/cspace.ts";
import { TCB_SLOTS } from "../../src/model/constants.ts";
import { getObject, objectSizeBits } from "../../src/kernel/store.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import { rootCNode } from "../helpers/caps.ts";

type Span = readonly [number, number];

/** The RAM not taken by the initial objects, as maximal runs [lo, hi). */
function freeRuns(m: BootedMachine, ram: readonly RamRegion[]): Span[] {
  const objects = [...m.state.objects.values()]
    .map((o) => [o.paddr, o.paddr + pow2(objectSizeBits(DEFAULT_CONFIG.sizes, o))] as Span)
    .sort((a, b) => a[0] - b[0]);
  const runs: Span[] = [];
  for (const r of [...ram].sort((a, b) => a.base - b.base)) {
    let lo = r.base;
    for (const [olo, ohi] of objects) {
      if (olo >= r.base + r.size || ohi <= r.base) continue;
      if (olo > lo) runs.push([lo, olo]);
      lo = Math.max(lo, ohi);
    }
    if (lo < r.base + r.size) runs.push([lo, r.base + r.size]);
  }
  return runs;
}

/** Everything the minimal boot promises about its untypeds, for one RAM map. */
function checkUntypeds(ram: readonly RamRegion[]): BootedMachine {
  const m = bootMinimal({ ram });
  const cnode = rootCNode(m.state, m.initThread);
  const runs = freeRuns(m, ram);
  const list = m.bootInfo.untypedList;
  // naturally aligned power-of-two blocks within [2^4, 2^29]
  for (const u of list) {
    expect(u.sizeBits).to.be.within(4, 29);
    expect(u.paddr % pow2(u.sizeBits)).to.equal(0);
    expect(u.isDevice).to.equal(false);
  }
  // they tile the free RAM exactly: sorted, no overlap, no gap inside a run, nothing outside
  const sorted = [...list].sort((a, b) => a.paddr - b.paddr);
  let i = 0;
  for (const [lo, hi] of runs) {
    let p = lo;
    while (p < hi) {
      const u = sorted[i++];
      if (u === undefined) return expect.fail(`free RAM at ${p.toString(16)} has no untyped`);
      expect(u.paddr).to.equal(p);
      // seL4 takes the largest block aligned here that fits (create_untypeds_for_region)
      if (u.sizeBits < 29)
        expect(
          p % pow2(u.sizeBits + 1) !== 0 || p + pow2(u.sizeBits + 1) > hi,
          `block at ${p.toString(16)} could be bigger`,
        ).to.equal(true);
      p += pow2(u.sizeBits);
    }
    expect(p).to.equal(hi);
  }
  expect(i).to.equal(sorted.length);
  // each untyped's cap sits in its bootinfo slot: full (the first Retype resets it), original, no parent
  list.forEach((u, k) => {
    const cte = getCTE(m.state, slotAddress(m.state, cnode, m.bootInfo.untyped.start + k));
    expect(cte).to.deep.include({ parent: null, original: true });
    expect(cte?.cap).to.deep.equal({
      type: "Untyped",
      paddr: u.paddr,
      sizeBits: u.sizeBits,
      isDevice: false,
      freeIndex: pow2(u.sizeBits),
    });
  });
  expect(m.bootInfo.untyped.end - m.bootInfo.untyped.start).to.equal(list.length);
  expect(m.bootInfo.empty).to.deep.equal({
    start: m.bootInfo.untyped.end,
    end: 4096,
  });
  return m;
}

describe("minimal boot", () => {
  const maps: Record<string, RamRegion[]> = {
    "one region at 0": [{ base: 0, size: 256 * 2 ** 20 }],
    "one 1 GiB region (blocks capped at 2^29)": [{ base: 0x40000000, size: 2 ** 30 }],
    "several regions with holes": [
      { base: 0x10000000, size: 0x3000000 },
      { base: 0x20001000, size: 0x123000 },
      { base: 0x40000000, size: 0x800000 },
    ],
    "an odd-sized region first, too small for the initial objects": [
      { base: 0x1000, size: 0x5000 },
      { base: 0x80000000, size: 0x1234000 },
    ],
  };
  for (const [label, ram] of Object.entries(maps)) {
    it(`${label}: untypeds cover exactly the free RAM, largest aligned blocks first, no overlap`, () => {
      const m = checkUntypeds(ram);
      expect(checkAll(m.state)).to.deep.equal([]);
    });
  }

  it("property: the same holds for random page-aligned RAM maps with holes", () => {
    const region = fc.record({
      gapPages: fc.nat(0x4000),
      sizePages: fc.integer({ min: 1, max: 0x8000 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x10000 }),
        fc.array(region, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0x40, max: 0x10000 }),
        (startPage, rest, bigPages) => {
          // one region is always big enough for the initial objects; the others are anywhere after it
          const ram: RamRegion[] = [];
          let p = startPage * 4096;
          for (const r of [{ gapPages: 0, sizePages: bigPages }, ...rest]) {
            p += r.gapPages * 4096;
            ram.push({ base: p, size: r.sizePages * 4096 });
            p += r.sizePages * 4096 + 4096; // at least a page of hole between regions
          }
          checkUntypeds([...ram].reverse()); // the order of the map does not matter
        },
      ),
      { numRuns: 100 },
    );
  });

  it("drops pieces smaller than 2^seL4_MinUntypedBits", () => {
    const m = bootMinimal({
      ram: [
        { base: 0, size: 0x100000 },
        { base: 0x200008, size: 0x38 },
      ],
    });
    const small = m.bootInfo.untypedList.filter((u) => u.paddr >= 0x200000);
    expect(small).to.deep.equal([
      { paddr: 0x200010, sizeBits: 4, isDevice: false },
      { paddr: 0x200020, sizeBits: 5, isDevice: false },
    ]);
  });

  it("hands the initial thread its caps in seL4's well-known slots", () => {
    const m = bootMinimal({ ram: maps["one region at 0"] as RamRegion[] });
    const cnode = getCap(m.state, slotAddress(m.state, m.initThread, TCB_SLOTS.tcbCTable));
    if (cnode.type !== "CNode") return expect.fail("the TCB's CSpace root is not a CNode");
    const at = (n: keyof typeof INITIAL_CAP_SLOTS) =>
      getCap(m.state, slotAddress(m.state, cnode.paddr, INITIAL_CAP_SLOTS[n]));
    expect(cnode).to.deep.include({ radixBits: 12, guardSize: 20, guard: 0 });
    expect(at("InitThreadCNode")).to.deep.equal(cnode);
    expect(at("InitThreadTCB")).to.deep.equal({
      type: "TCB",
      paddr: m.initThread,
    });
    const pd = at("InitThreadVSpace");
    expect(pd).to.deep.include({ type: "PageDirectory", mappedASID: 1 });
    expect(getCap(m.state, slotAddress(m.state, m.initThread, TCB_SLOTS.tcbVTable))).to.deep.equal(pd);
    expect(at("ASIDControl")).to.deep.equal({ type: "ASIDControl" });
    const pool = at("InitThreadASIDPool");
    expect(pool).to.deep.include({ type: "ASIDPool", asidBase: 0 });
    if (pool.type !== "ASIDPool" || pd.type !== "PageDirectory")
      return expect.fail("the initial ASID pool or page directory cap has the wrong type");
    expect(m.state.asidTable.get(0)).to.equal(pool.paddr);
    const poolObj = getObject(m.state, pool.paddr);
    expect(poolObj?.type === "ASIDPool" && poolObj.entries.get(1)).to.equal(pd.paddr);
    expect(getCTE(m.state, slotAddress(m.state, cnode.paddr, INITIAL_CAP_SLOTS.IRQControl))).to.deep.include({
      cap: { type: "IRQControl" },
      parent: null,
      original: true,
    });
    expect(getCTE(m.state, slotAddress(m.state, cnode.paddr, INITIAL_CAP_SLOTS.Domain))).to.deep.include({
      cap: { type: "Domain" },
      parent: null,
      original: true,
    });
    for (const n of [
      "Null",
      "IOPortControl",
      "IOSpace",
      "SMMUSIDControl",
      "SMMUCBControl",
      "InitThreadSC",
      "SMC",
    ] as const)
      expect(at(n).type, n).to.equal("Null");
    expect(m.bootInfo.untyped.start).to.equal(16);
    expect(m.state.currentThread).to.equal(m.initThread);
  });

  it("refuses a RAM map too small for the initial objects, saying why", () => {
    expect(() => bootMinimal({ ram: [{ base: 0, size: 0x8000 }] })).to.throw(
      /no RAM region can hold the initial thread's objects/,
    );
    expect(() =>
      bootMinimal({
        ram: [
          { base: 0, size: 0x10000 },
          { base: 0x100000, size: 0x10000 },
        ],
      }),
    ).to.throw(/no RAM region can hold the initial thread's objects/);
    expect(() => bootMinimal({ ram: [] })).to.throw(/no RAM region/);
  });

  it("places the initial objects in seL4's order, each aligned, inside RAM, when the CNode is smaller than the page directory", () => {
    // Regression: the minimal boot once placed the CNode first and ran past the end of RAM. A
    // CNode below 4 KiB (which seL4 itself refuses) leaves padding before the 4 KiB pool.
    const m = bootMinimal({
      ram: [{ base: 0, size: 0x6400 }],
      cnodeSizeBits: 5,
    });
    const placed = [...m.state.objects.values()].map((o) => ({
      type: o.type,
      at: o.paddr,
      end: o.paddr + pow2(objectSizeBits(DEFAULT_CONFIG.sizes, o)),
    }));
    expect(placed.map((o) => [o.type, o.at])).to.deep.equal([
      ["PageDirectory", 0],
      ["CNode", 0x4000],
      ["ASIDPool", 0x5000],
      ["TCB", 0x6000],
    ]);
    for (const o of placed) expect(o.end, o.type).to.be.at.most(0x6400);
    expect(checkAll(m.state)).to.deep.equal([]);
  });

  it("refuses more untypeds than the initial CNode has slots", () => {
    const ram = Array.from({ length: 40 }, (_, i) => ({
      base: i * 0x200000,
      size: 0x101000,
    }));
    expect(() => bootMinimal({ ram, cnodeSizeBits: 5 })).to.throw(/do not fit in a CNode of 32 slots/);
  });
});

describe("bootMinimal on AArch64 (arch: aarch64)", () => {
  // seL4 16.0.0 AArch64 sizes (../shared/SEL4-AARCH64-REFERENCE.md §2): CNode 2^(12 + seL4_SlotBits 5),
  // VSpace 2^12, ASID pool 2^12, TCB 2^11; create_rootserver_objects puts the larger of CNode and
  // VSpace first at the top of RAM aligned to it, then the other, the pool, then the TCB.
  const m = bootMinimal({ ram: [{ base: 0x40000000, size: 0x10000000 }], arch: "aarch64" });
  const s = m.state;

  it("builds the root server with AArch64's configuration, sizes and slots, keeping every invariant", () => {
    expect(s.config.arch).to.equal("aarch64");
    const cnode = getCap(s, slotAddress(s, m.initThread, TCB_SLOTS.tcbCTable));
    expect(cnode).to.deep.include({ type: "CNode", paddr: 0x50000000 - 0x40000, radixBits: 12 });
    const at = (n: keyof typeof INITIAL_CAP_SLOTS) =>
      getCap(s, slotAddress(s, paddr(0x4ffc0000), INITIAL_CAP_SLOTS[n]));
    expect(at("InitThreadVSpace")).to.deep.include({ type: "VSpace", paddr: 0x4ffe0000, mappedASID: 1 });
    expect(at("InitThreadASIDPool")).to.deep.include({ type: "ASIDPool", paddr: 0x4ffe1000, asidBase: 0 });
    expect(m.initThread).to.equal(0x4ffe2000);
    // 32-byte slots: slot 3 of the CNode is 96 bytes in
    expect(slotAddress(s, paddr(0x4ffc0000), 3)).to.equal(0x4ffc0060);
    expect(m.bootInfo.untypedList[0]).to.deep.equal({ paddr: 0x40000000, sizeBits: 27, isDevice: false });
    expect(checkAll(s)).to.deep.equal([]);
  });

  it("takes RAM up to 2^40 there, which ARM32 refuses past 2^32", () => {
    const high = [{ base: 2 ** 33, size: 0x10000000 }];
    expect(bootMinimal({ ram: high, arch: "aarch64" }).state.config.arch).to.equal("aarch64");
    expect(() => bootMinimal({ ram: high })).to.throw(/32-bit physical address space/);
    expect(() => bootMinimal({ ram: [{ base: 2 ** 40, size: 0x1000 }], arch: "aarch64" })).to.throw(/40-bit/);
  });

  it("refuses api: legacy and the fpu key on aarch64, and an arch that contradicts config", () => {
    const ram = [{ base: 0x40000000, size: 0x10000000 }];
    expect(() => bootMinimal({ ram, arch: "aarch64", api: "legacy" })).to.throw(/13\.0\.0/);
    expect(() => bootMinimal({ ram, arch: "aarch64", fpu: true })).to.throw(/FPU/);
    expect(() => bootMinimal({ ram, arch: "aarch64", config: DEFAULT_CONFIG })).to.throw(/config\.arch is aarch32/);
  });
});
