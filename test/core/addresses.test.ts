import { expect } from "chai";
import fc from "fast-check";
import { alignDown, alignUp, bitField, isAligned, offsetIn, withBitField } from "../../src/core/addresses.ts";

const addr = fc.oneof(fc.nat({ max: 0xffffffff }), fc.maxSafeNat(), fc.nat({ max: 2 ** 48 - 1 }));
const bits = fc.integer({ min: 0, max: 40 });
const B = (n: number) => BigInt(n);

describe("address helpers are exact on the whole range (checked against BigInt)", () => {
  it("alignDown, alignUp, isAligned, offsetIn", () => {
    fc.assert(
      fc.property(addr, bits, (x, b) => {
        const p = 1n << B(b);
        expect(B(alignDown(x, b))).to.equal((B(x) / p) * p);
        const up = ((B(x) + p - 1n) / p) * p;
        if (up < 2n ** 53n) expect(B(alignUp(x, b))).to.equal(up);
        expect(isAligned(x, b)).to.equal(B(x) % p === 0n);
        expect(B(offsetIn(x, b))).to.equal(B(x) % p);
      }),
    );
  });

  it("bitField and withBitField", () => {
    fc.assert(
      fc.property(addr, fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.nat({ max: 4095 }), (x, lo, width, v) => {
        expect(B(bitField(x, lo, width))).to.equal((B(x) >> B(lo)) & ((1n << B(width)) - 1n));
        const y = withBitField(x, lo, width, v);
        if (y < 2 ** 53) {
          expect(bitField(y, lo, width)).to.equal(v % 2 ** width);
          expect(B(y) & ~(((1n << B(width)) - 1n) << B(lo))).to.equal(B(x) & ~(((1n << B(width)) - 1n) << B(lo)));
        }
      }),
    );
  });
});
