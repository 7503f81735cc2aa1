import { expect } from "chai";
import fc from "fast-check";
import { PMap } from "../../src/model/pmap.ts";

type Op = { kind: "set"; key: number; value: number } | { kind: "delete"; key: number };

const keyArb = fc.oneof(fc.nat({ max: 100 }), fc.nat({ max: 2 ** 32 }), fc.maxSafeNat());
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    key: keyArb,
    value: fc.integer(),
  }),
  fc.record({ kind: fc.constant("delete" as const), key: keyArb }),
);

describe("PMap", () => {
  it("agrees with a JavaScript Map over random operations, and iterates in key order", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        let p = PMap.empty<number, number>();
        const m = new Map<number, number>();
        for (const op of ops) {
          if (op.kind === "set") {
            p = p.set(op.key, op.value);
            m.set(op.key, op.value);
          } else {
            p = p.delete(op.key);
            m.delete(op.key);
          }
        }
        expect(p.size).to.equal(m.size);
        const sorted = [...m.entries()].sort((a, b) => a[0] - b[0]);
        expect([...p.entries()]).to.deep.equal(sorted);
        for (const [k, v] of m) expect(p.get(k)).to.equal(v);
      }),
    );
  });

  it("finds keys above 2^32 clustered like a 64-bit machine's slots, and misses keys one digit off", () => {
    // Keys sharing their high digits make skips; with a nonzero digit 6 under a higher branch,
    // skips that straddle the split of a key at 2^30 (digits 6 and up, and those below).
    const base = fc.constantFrom(2 ** 30, 2 ** 32, 0x8_c000_0000, 0x40_1234_5000, 2 ** 52 + 0x1_4000_0000);
    const offset = fc.nat({ max: 2 ** 16 });
    fc.assert(
      fc.property(base, fc.uniqueArray(offset, { maxLength: 60 }), fc.array(fc.nat({ max: 52 })), (b, offs, bits) => {
        const keys = offs.map((o) => b + o * 8);
        const p = PMap.from(keys.map((k) => [k, k] as const));
        const present = new Set(keys);
        const probes = [...keys, ...keys.flatMap((k) => bits.map((i) => k + 2 ** i)), b - 1, b * 2];
        for (const k of probes.filter(Number.isSafeInteger)) {
          expect(p.get(k)).to.equal(present.has(k) ? k : undefined);
          expect(p.has(k)).to.equal(present.has(k));
        }
      }),
    );
  });

  it("never changes an old version when a new one is made", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArb, fc.integer()), { maxLength: 100 }), keyArb, (entries, extra) => {
        const before = PMap.from(entries);
        const snapshot = [...before.entries()];
        before.set(extra, 42).delete(entries[0]?.[0] ?? 0);
        expect([...before.entries()]).to.deep.equal(snapshot);
      }),
    );
  });

  it("answers floor and range queries like a sorted list", () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { maxLength: 100 }), keyArb, keyArb, (keys, a, b) => {
        const p = PMap.from(keys.map((k) => [k, k] as const));
        const sorted = [...keys].sort((x, y) => x - y);
        const below = sorted.filter((k) => k <= a);
        expect(p.floor(a)?.[0]).to.equal(below[below.length - 1]);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect([...p.range(lo, hi)].map(([k]) => k)).to.deep.equal(sorted.filter((k) => k >= lo && k < hi));
        expect([...p.deleteRange(lo, hi).keys()]).to.deep.equal(sorted.filter((k) => k < lo || k >= hi));
      }),
    );
  });

  it("returns the same map when a set or delete changes nothing", () => {
    const p = PMap.from<number, string>([[5, "a"]]);
    expect(p.set(5, "a")).to.equal(p);
    expect(p.delete(6)).to.equal(p);
  });

  it("refuses keys that are negative, fractional or beyond 2^53", () => {
    const p = PMap.empty<number, number>();
    expect(() => p.set(-1, 0)).to.throw(RangeError);
    expect(() => p.set(1.5, 0)).to.throw(RangeError);
    expect(() => p.set(2 ** 53, 0)).to.throw(RangeError);
  });

  it("never truncates a fractional or out-of-range key onto a stored one", () => {
    const p = PMap.from<number, string>([
      [1, "one"],
      [2 ** 40, "big"],
    ]);
    for (const key of [1.5, 0.999, -1, 2 ** 40 + 0.5, Number.NaN, Infinity]) {
      expect(p.get(key), String(key)).to.equal(undefined);
      expect(p.has(key), String(key)).to.equal(false);
      expect(p.delete(key), String(key)).to.equal(p);
    }
  });

  it("finds no key above a trie's reach whose low digits match a stored key's", () => {
    // A key must be absent whatever its digits below the trie's top level hold: a walk that
    // read only the levels the trie has would find `low` again under `low + j * 32^levels`.
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 20 }), fc.integer({ min: 1, max: 4000 }), (low, j) => {
        const p = PMap.from<number, string>([[low, "low"]]);
        for (const reach of [32, 1024, 32768, 2 ** 20, 2 ** 25, 2 ** 30, 2 ** 35]) {
          if (reach <= low) continue;
          for (const key of [low + j * reach, low + reach]) {
            if (!Number.isSafeInteger(key)) continue;
            expect(p.get(key), String(key)).to.equal(undefined);
            expect(p.has(key), String(key)).to.equal(false);
          }
        }
      }),
    );
  });
});

describe("PMap path compression", () => {
  // Keys as the kernel's stores have them: clustered around a few bases (a CNode's slots 16
  // bytes apart, aligned objects), so runs of one-child levels are made, split and emptied.
  const clusteredKey = fc
    .tuple(
      fc.constantFrom(0, 0x1000_0000, 0x1234_5670, 2 ** 31, 2 ** 40, 2 ** 52),
      fc.nat({ max: 3000 }),
      fc.constantFrom(1, 16, 1024),
    )
    .map(([base, i, stride]) => base + i * stride);
  const clusteredOp: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), key: clusteredKey, value: fc.integer() }),
    fc.record({ kind: fc.constant("delete" as const), key: clusteredKey }),
  );
  const apply = (p: PMap<number, number>, ops: readonly Op[]) =>
    ops.reduce((m, op) => (op.kind === "set" ? m.set(op.key, op.value) : m.delete(op.key)), p);

  it("agrees with a sorted list on get, has, floor, range and size for clustered keys", () => {
    fc.assert(
      fc.property(fc.array(clusteredOp, { maxLength: 300 }), clusteredKey, clusteredKey, (ops, a, b) => {
        const p = apply(PMap.empty(), ops);
        const m = new Map<number, number>();
        for (const op of ops)
          if (op.kind === "set") m.set(op.key, op.value);
          else m.delete(op.key);
        const sorted = [...m.entries()].sort((x, y) => x[0] - y[0]);
        expect(p.size).to.equal(m.size);
        expect([...p.entries()]).to.deep.equal(sorted);
        for (const k of [a, b, a + 16, a + 1]) {
          expect(p.get(k)).to.equal(m.get(k));
          expect(p.has(k)).to.equal(m.has(k));
          const below = sorted.filter(([x]) => x <= k);
          expect(p.floor(k)?.[0]).to.equal(below[below.length - 1]?.[0]);
        }
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect([...p.range(lo, hi)]).to.deep.equal(sorted.filter(([k]) => k >= lo && k < hi));
      }),
      { numRuns: 300 },
    );
  });

  it("set2 makes the very trie of the two sets in order, for keys that share paths, part or leave a skip", () => {
    // deep equality looks at the trie's nodes too (the map's private fields), not only its entries
    const valueArb = fc.oneof(fc.integer(), fc.constant(7));
    fc.assert(
      fc.property(
        fc.array(clusteredOp, { maxLength: 200 }),
        fc.oneof(clusteredKey, keyArb),
        valueArb,
        fc.oneof(clusteredKey, keyArb),
        valueArb,
        (ops, k1, v1, k2, v2) => {
          const p = apply(PMap.empty(), ops);
          const both = p.set2(k1, v1, k2, v2);
          expect(both).to.deep.equal(p.set(k1, v1).set(k2, v2));
          expect(both.size).to.equal(p.set(k1, v1).set(k2, v2).size);
          if (p.get(k1) === v1 && p.get(k2) === v2) expect(both).to.equal(p);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("changedKeys lists exactly the differing keys between a map and its edits, whatever their shapes", () => {
    fc.assert(
      fc.property(
        fc.array(clusteredOp, { maxLength: 150 }),
        fc.array(clusteredOp, { maxLength: 40 }),
        (base, edits) => {
          const a = apply(PMap.empty(), base);
          const b = apply(a, edits);
          // The same keys built in another order: equal contents, other node shapes.
          const c = PMap.from([...b.entries()].reverse());
          const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
          const differing = keys.filter((k) => a.get(k) !== b.get(k));
          expect(a.changedKeys(b)).to.deep.equal(differing);
          expect(a.changedKeys(c)).to.deep.equal(differing);
          expect(b.changedKeys(c)).to.deep.equal([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("PMap.changedKeys", () => {
  it("compares maps of different heights without listing the keys they share", () => {
    const small = PMap.from<number, string>([
      [3, "a"],
      [40, "b"],
    ]);
    const tall = small.set(2 ** 45, "c");
    expect(small.changedKeys(tall)).to.deep.equal([2 ** 45]);
    expect(tall.changedKeys(small)).to.deep.equal([2 ** 45]);
    const emptied = small.delete(3).delete(40);
    expect(tall.changedKeys(emptied)).to.deep.equal([3, 40, 2 ** 45]);
  });

  it("lists exactly the keys whose values differ, in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyArb, fc.integer()), { maxLength: 60 }),
        fc.array(opArb, { maxLength: 20 }),
        (entries, ops) => {
          const a = PMap.from(entries);
          let b = a;
          for (const op of ops) b = op.kind === "set" ? b.set(op.key, op.value) : b.delete(op.key);
          const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
          expect(a.changedKeys(b)).to.deep.equal(keys.filter((k) => a.get(k) !== b.get(k)));
        },
      ),
    );
  });
});

describe("PMap.fold", () => {
  const key = fc.oneof(fc.nat(2000), fc.nat(2 ** 32 - 1), fc.nat(2 ** 53 - 1));
  const edits = fc.array(fc.tuple(key, fc.option(fc.nat(9), { nil: undefined })), { maxLength: 60 });
  const keysOf = (m: PMap<number, number>) =>
    m.fold<number[]>(
      (k) => [k],
      (a, b) => [...a, ...b],
      [],
      new WeakMap(),
    );

  it("summarises the entries in key order, with or without a cache shared by maps derived from each other", () => {
    fc.assert(
      fc.property(edits, edits, (first, then) => {
        const cache = new WeakMap<object, { readonly prefix: number; readonly summary: string }>();
        const show = (m: PMap<number, number>) =>
          m.fold(
            (k, v) => `${k}=${v};`,
            (a, b) => a + b,
            "",
            cache,
          );
        const apply = (m: PMap<number, number>, es: typeof first) =>
          es.reduce((acc, [k, v]) => (v === undefined ? acc.delete(k) : acc.set(k, v)), m);
        const a = apply(PMap.empty(), first);
        const b = apply(a, then);
        for (const m of [a, b, a]) {
          expect(show(m)).to.equal([...m].map(([k, v]) => `${k}=${v};`).join(""));
          expect(keysOf(m)).to.deep.equal([...m.keys()]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("recomputes only the nodes on a written path", () => {
    const m = PMap.from(Array.from({ length: 4096 }, (_, i) => [i, i] as const));
    const cache = new WeakMap<object, { readonly prefix: number; readonly summary: number }>();
    let leaves = 0;
    const sum = (x: PMap<number, number>) =>
      x.fold(
        (_, v) => (leaves++, v),
        (p, q) => p + q,
        0,
        cache,
      );
    expect(sum(m)).to.equal((4095 * 4096) / 2);
    leaves = 0;
    expect(sum(m.set(17, 1017))).to.equal((4095 * 4096) / 2 + 1000);
    expect(leaves).to.equal(32);
  });
});
