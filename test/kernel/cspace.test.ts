import { expect } from "chai";
import { DEFAULT_CONFIG } from "../../src/arch/index.ts";
import fc from "fast-check";
import { bitField, type CPtr, type PhysAddr } from "../../src/model/addresses.ts";
import { PMap } from "../../src/model/pmap.ts";
import { insertCap } from "../../src/kernel/cdt.ts";
import { resolveAddressBits, slotAddress } from "../../src/kernel/cspace.ts";
import type { CNodeCap } from "../../src/model/caps.ts";
import { emptyKernelState, type KernelState } from "../../src/model/state.ts";
import { transition } from "../../src/model/transition.ts";

/** Two levels of CNodes: a root whose slot `link` holds a second CNode cap. */
const cspace = fc.record({
  radix1: fc.integer({ min: 1, max: 8 }),
  guardSize1: fc.integer({ min: 0, max: 8 }),
  guard1: fc.nat(255),
  radix2: fc.integer({ min: 1, max: 8 }),
  guardSize2: fc.integer({ min: 0, max: 8 }),
  guard2: fc.nat(255),
  link: fc.nat(255),
});

describe("CSpace lookup (resolveAddressBits)", () => {
  it("agrees with a straightforward walk over random two-level CSpaces", () => {
    fc.assert(
      fc.property(cspace, fc.nat({ max: 0xffffffff }), fc.integer({ min: 1, max: 32 }), (c, cp, depth) => {
        const root: CNodeCap = {
          type: "CNode",
          paddr: 0x100000 as PhysAddr,
          radixBits: c.radix1,
          guardSize: c.guardSize1,
          guard: c.guard1 % 2 ** c.guardSize1,
        };
        const second: CNodeCap = {
          type: "CNode",
          paddr: 0x200000 as PhysAddr,
          radixBits: c.radix2,
          guardSize: c.guardSize2,
          guard: c.guard2 % 2 ** c.guardSize2,
        };
        const link = c.link % 2 ** c.radix1;
        const s: KernelState = transition(emptyKernelState(DEFAULT_CONFIG), (d) => {
          d.objects = PMap.empty();
          insertCap(d, second, slotAddress(d, root.paddr, link), null, true);
        });
        // the model: consume guard then radix at each level while bits remain
        let n = depth;
        let node: CNodeCap = root;
        let expected: { slot: number; bitsRemaining: number } | string;
        for (;;) {
          if (node.guardSize > n || bitField(cp, n - node.guardSize, node.guardSize) !== node.guard) {
            expected = "GuardMismatch";
            break;
          }
          if (node.guardSize + node.radixBits > n) {
            expected = "DepthMismatch";
            break;
          }
          const index = bitField(cp, n - node.guardSize - node.radixBits, node.radixBits);
          n -= node.guardSize + node.radixBits;
          const slot = node.paddr + index * 16;
          if (n === 0 || node !== root || index !== link) {
            expected = { slot, bitsRemaining: n };
            break;
          }
          node = second;
        }
        const r = resolveAddressBits(s, root, cp as CPtr, depth);
        if (typeof expected === "string") expect(!r.ok && r.error.kind).to.equal(expected);
        else expect(r.ok && r.value).to.deep.equal(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
