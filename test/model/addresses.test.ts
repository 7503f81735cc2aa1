import { expect } from "chai";
import fc from "fast-check";
import {
  alignDown,
  alignUp,
  bitField,
  hex,
  isAligned,
  levelIndex,
  offsetIn,
  paddr,
  pow2,
  testBit,
  withBitField,
  type VirtAddr,
} from "../../src/model/addresses.ts";

const TOP = 2n ** 53n;
/** Any address in [0, 2^53): uniform over the whole range, 32-bit values, and the edges around powers of two. */
const addr = fc.oneof(
  fc.bigInt({ min: 0n, max: TOP - 1n }).map(Number),
  fc.nat({ max: 0xffffffff }),
  fc
    .tuple(fc.integer({ min: 0, max: 53 }), fc.integer({ min: -3, max: 3 }))
    .map(([k, d]) => Math.min(Math.max(2 ** k + d, 0), 2 ** 53 - 1)),
  fc.constantFrom(
    0,
    1,
    0xffffffff,
    2 ** 32,
    2 ** 32 + 1,
    2 ** 48 - 1,
    2 ** 53 - 1,
  ),
);
const bits = fc.integer({ min: 0, max: 53 });
const B = BigInt;
const mask = (w: number) => (1n << B(w)) - 1n;

describe("address helpers are exact on the whole range [0, 2^53) (checked against BigInt)", () => {
  it("alignDown, alignUp, isAligned, offsetIn", () => {
    fc.assert(
      fc.property(addr, bits, (x, b) => {
        const p = 1n << B(b);
        expect(B(alignDown(x, b))).to.equal((B(x) / p) * p);
        const up = ((B(x) + p - 1n) / p) * p;
        if (up <= TOP) expect(B(alignUp(x, b))).to.equal(up);
        expect(isAligned(x, b)).to.equal(B(x) % p === 0n);
        expect(B(offsetIn(x, b))).to.equal(B(x) % p);
      }),
      { numRuns: 2000 },
    );
  });

  it("bitField, testBit and levelIndex", () => {
    fc.assert(
      fc.property(
        addr,
        fc.integer({ min: 0, max: 52 }),
        fc.integer({ min: 1, max: 53 }),
        (x, lo, w) => {
          const width = Math.min(w, 53 - lo);
          const expected = (B(x) >> B(lo)) & mask(width);
          expect(B(bitField(x, lo, width))).to.equal(expected);
          expect(B(levelIndex(x as VirtAddr, lo, width))).to.equal(expected);
          expect(testBit(x, lo)).to.equal(((B(x) >> B(lo)) & 1n) === 1n);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("levelIndex gives ARM's page-directory and page-table indexes", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (v) => {
        expect(levelIndex(v as VirtAddr, 20, 12)).to.equal(Number(B(v) >> 20n));
        expect(levelIndex(v as VirtAddr, 12, 8)).to.equal(
          Number((B(v) >> 12n) & 0xffn),
        );
      }),
    );
    expect(levelIndex(0xe0000000 as VirtAddr, 20, 12)).to.equal(3584);
    expect(levelIndex(0xff000000 as VirtAddr, 20, 12)).to.equal(4080);
  });

  it("withBitField replaces exactly the field's bits", () => {
    fc.assert(
      fc.property(
        addr,
        fc.integer({ min: 0, max: 52 }),
        fc.integer({ min: 1, max: 53 }),
        fc.bigInt({ min: 0n, max: TOP - 1n }),
        (x, lo, w, v) => {
          const width = Math.min(w, 53 - lo);
          const value = Number(v & mask(width));
          const y = withBitField(x, lo, width, value);
          const field = mask(width) << B(lo);
          expect(B(y)).to.equal((B(x) & ~field) | (B(value) << B(lo)));
          expect(y).to.be.below(2 ** 53);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("pow2 is exact on [0, 53] and refuses anything else", () => {
    for (let i = 0; i <= 53; i++) expect(B(pow2(i))).to.equal(1n << B(i));
    expect(() => pow2(54)).to.throw(RangeError);
    expect(() => pow2(-1)).to.throw(RangeError);
    expect(() => pow2(1.5)).to.throw(RangeError);
  });

  it("addresses are checked when branded, and print as hex", () => {
    expect(paddr(2 ** 40)).to.equal(2 ** 40);
    expect(() => paddr(-1)).to.throw();
    expect(() => paddr(0.5)).to.throw();
    expect(hex(0xe0000000)).to.equal("0xe0000000");
    expect(hex(2 ** 40 + 1)).to.equal("0x10000000001");
  });
});
