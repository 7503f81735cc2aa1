import { expect } from "chai";
import fc from "fast-check";
import type { PhysAddr } from "../../src/model/addresses.ts";
import type { PTEWord } from "../../src/model/objects.ts";
import type { ArchName, KernelState, SlotAddr } from "../../src/model/state.ts";
import { transition } from "../../src/model/transition.ts";
import { entriesOf, putEntries } from "../../src/kernel/store.ts";
import { fuzzOpArbitrary } from "../../src/testing/arbitraries.ts";
import { checkAll, checkAllCached } from "../../src/testing/invariants.ts";
import { applyFuzzOp, buildFuzzWorld, type FuzzWorld } from "../../src/testing/world.ts";

/*
 * checkAllCached must report exactly what checkAll does (the same violations, in the same order)
 * on every state, healthy or broken, however the states it saw before relate to it. The broken
 * states come from writes no transition makes: table entries of any word at any index (words
 * that do not round-trip, user pages above USER_TOP, a kernel window that differs from the
 * global directory's, indices past the table's end) and mapping records that are no record.
 */

/** A hand-made corruption, applied after step `at` of a run. */
interface Corruption {
  readonly at: number;
  readonly kind: "entry" | "record";
  /** which table, or which frame or page-table cap, by position among them */
  readonly pick: number;
  readonly index: number;
  readonly word: number;
}

const corruptionArb = fc.record<Corruption>({
  at: fc.nat(40),
  kind: fc.constantFrom("entry", "record"),
  pick: fc.nat(),
  index: fc.oneof(fc.nat(5000), fc.integer({ min: 4000, max: 4095 }), fc.nat(600)),
  word: fc.oneof(fc.nat(2 ** 32 - 1), fc.constantFrom(0, 1, 2, 3, 0x402, 0x10000c0e, 0xffffffff, 2 ** 32, 2 ** 40)),
});

function corrupt(s: KernelState, c: Corruption): KernelState {
  if (c.kind === "entry") {
    const tables = [...s.objects].filter(
      ([, o]) =>
        o.type === "PageDirectory" || o.type === "PageTable" || o.type === "VSpace" || o.type === "PageTable64",
    );
    const found = tables[c.pick % Math.max(1, tables.length)];
    if (found === undefined) return s;
    const [addr, o] = found;
    return transition(s, (d) => {
      if (o.type === "PageDirectory" || o.type === "PageTable")
        putEntries(d, addr, entriesOf(s, o).set(c.index, c.word));
      else if (o.type === "VSpace" || o.type === "PageTable64")
        putEntries(d, addr, entriesOf(s, o).set(c.index, BigInt(c.word) as PTEWord));
    });
  }
  const mapped = [...s.ctes].filter(([, cte]) => cte.cap.type === "Frame" || cte.cap.type === "PageTable");
  const found = mapped[c.pick % Math.max(1, mapped.length)];
  if (found === undefined) return s;
  const [slot, cte] = found;
  if (cte.cap.type !== "Frame" && cte.cap.type !== "PageTable") return s;
  const asid = [-1, 0, 1, 2 ** 17, NaN][c.pick % 5] as number;
  const cap = { ...cte.cap, mapping: { asid, vaddr: c.word } } as typeof cte.cap;
  return transition(s, (d) => (d.ctes = d.ctes.set(slot as SlotAddr, { ...cte, cap })));
}

function agreeOver(world: FuzzWorld, arch: ArchName): void {
  fc.assert(
    fc.property(
      fc.array(fuzzOpArbitrary({ arch, badShare: 0.2 }), { maxLength: 40 }),
      fc.array(corruptionArb, { maxLength: 4 }),
      (ops, corruptions) => {
        let s = world.state;
        expect(checkAllCached(s)).to.deep.equal(checkAll(s));
        ops.forEach((o, i) => {
          s = applyFuzzOp(world, s, o).state;
          for (const c of corruptions) if (c.at === i) s = corrupt(s, c);
          expect(checkAllCached(s), `after step ${i}`).to.deep.equal(checkAll(s));
        });
      },
    ),
    { numRuns: 120 },
  );
}

describe("checkAllCached", () => {
  for (const arch of ["aarch32", "aarch64"] as const)
    it(`reports what checkAll reports, in order, after every step of random sequences with hand-made corruptions (${arch})`, () => {
      agreeOver(buildFuzzWorld({ arch }), arch);
    });

  it("finds the corruptions at all: a non-round-trip word and a user page above USER_TOP in a directory", () => {
    const world = buildFuzzWorld();
    const [addr] = [...world.state.objects].find(([, o]) => o.type === "PageDirectory") as [PhysAddr, unknown];
    const pd = world.state.objects.get(addr);
    if (pd?.type !== "PageDirectory") throw new Error("no page directory");
    const bad = transition(world.state, (d) => {
      putEntries(d, addr, entriesOf(world.state, pd).set(4000, 0x10020c02).set(5, 3));
    });
    checkAllCached(world.state);
    const names = checkAllCached(bad).map((v) => v.invariant);
    expect(names).to.include("kernel_mappings");
    expect(names).to.include("descriptors_round_trip");
    expect(checkAllCached(bad)).to.deep.equal(checkAll(bad));
  });
});
