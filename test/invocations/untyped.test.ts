import { expect } from "chai";
import fc from "fast-check";
import { pow2, type PhysAddr } from "../../src/core/addresses.ts";
import { emptySlot, getCap } from "../../src/caps/cdt.ts";
import { slotAddress } from "../../src/caps/lookup.ts";
import type { KernelState } from "../../src/objects/state.ts";
import { transition } from "../../src/objects/transition.ts";
import { OBJECT_TYPES, objectTypeNumber, type ObjectTypeName } from "../../src/objects/types.ts";
import { pspaceDistinct, untypedChildrenInside } from "../../src/testing/invariants.ts";
import { bigUntyped, bootTestMachine, call, CNODE, expectError, expectOk } from "../helpers/machine.ts";

const m = bootTestMachine();
const T = m.initThread;
const s0 = m.state;
const cnode = (getCap(s0, slotAddress(T, 0)) as { paddr: PhysAddr }).paddr;
const U = bigUntyped(m, 20);
const uCap = getCap(s0, slotAddress(cnode, U)) as { paddr: PhysAddr; sizeBits: number };
const retypeArgs = (type: ObjectTypeName, size: number, offset: number, count: number, depth = 0, index = 0) => [objectTypeNumber(type), size, index, depth, offset, count];

describe("Untyped_Retype", () => {
  it("places objects one after another from the aligned free index, as seL4 computes", () => {
    let r = call(s0, T, U, "UntypedRetype", retypeArgs("seL4_EndpointObject", 0, 100, 1), [CNODE]);
    expectOk(r);
    expect(getCap(r.state, slotAddress(cnode, 100))).to.include({ type: "Endpoint", paddr: uCap.paddr });
    r = call(r.state, T, U, "UntypedRetype", retypeArgs("seL4_ARM_SmallPageObject", 0, 101, 2), [CNODE]);
    expect(getCap(r.state, slotAddress(cnode, 101))).to.include({ paddr: uCap.paddr + 0x1000 });
    expect(getCap(r.state, slotAddress(cnode, 102))).to.include({ paddr: uCap.paddr + 0x2000 });
    expect(getCap(r.state, slotAddress(cnode, U))).to.include({ freeIndex: 0x3000 });
  });
  it("makes every object type with seL4's sizes", () => {
    const sizes: Partial<Record<ObjectTypeName, [number, number]>> = {
      seL4_TCBObject: [0, 9],
      seL4_CapTableObject: [4, 8],
      seL4_ARM_PageDirectoryObject: [0, 14],
      seL4_ARM_PageTableObject: [0, 10],
      seL4_ARM_LargePageObject: [0, 16],
      seL4_ARM_SectionObject: [0, 20],
      seL4_UntypedObject: [12, 12],
    };
    for (const [type, [userSize, bits]] of Object.entries(sizes) as [ObjectTypeName, [number, number]][]) {
      const big = bigUntyped(m, 21);
      const r = call(s0, T, big, "UntypedRetype", retypeArgs(type, userSize, 100, 2), [CNODE]);
      expectOk(r);
      const a = getCap(r.state, slotAddress(cnode, 100)) as { paddr: number };
      const b = getCap(r.state, slotAddress(cnode, 101)) as { paddr: number };
      expect(b.paddr - a.paddr, type).to.equal(pow2(bits));
    }
  });
  it("IllegalOperation for another label", () => expectError(s0, call(s0, T, U, "CNodeCopy", []), { error: "IllegalOperation" }));
  it("TruncatedMessage with 5 words or no root", () => {
    expectError(s0, call(s0, T, U, "UntypedRetype", [6, 0, 0, 0, 100], [CNODE]), { error: "TruncatedMessage" });
    expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_TCBObject", 0, 100, 1)), { error: "TruncatedMessage" });
  });
  it("InvalidArgument 0 for an unknown type", () => expectError(s0, call(s0, T, U, "UntypedRetype", [OBJECT_TYPES.length, 0, 0, 0, 100, 1], [CNODE]), { error: "InvalidArgument", argumentNumber: 0 }));
  it("RangeError [0, 29] for a size too large", () => expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_UntypedObject", 30, 100, 1), [CNODE]), { error: "RangeError", rangeMin: 0, rangeMax: 29 }));
  it("InvalidArgument 1 for a CNode of size 0 or an untyped below 4 bits", () => {
    expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_CapTableObject", 0, 100, 1), [CNODE]), { error: "InvalidArgument", argumentNumber: 1 });
    expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_UntypedObject", 3, 100, 1), [CNODE]), { error: "InvalidArgument", argumentNumber: 1 });
  });
  it("FailedLookup when the destination is not a CNode", () =>
    expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_TCBObject", 0, 0, 1, 32, U), [CNODE]), { error: "FailedLookup", failedLookupWasSource: false, lookupFailure: { kind: "MissingCapability", bitsLeft: 32 } }));
  it("RangeError for an offset past the CNode, a count of 0 or above 256, a window past the end", () => {
    expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_TCBObject", 0, 4096, 1), [CNODE]), { error: "RangeError", rangeMin: 0, rangeMax: 4095 });
    expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_TCBObject", 0, 100, 0), [CNODE]), { error: "RangeError", rangeMin: 1, rangeMax: 256 });
    expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_TCBObject", 0, 100, 257), [CNODE]), { error: "RangeError", rangeMin: 1, rangeMax: 256 });
    expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_TCBObject", 0, 4090, 10), [CNODE]), { error: "RangeError", rangeMin: 1, rangeMax: 6 });
  });
  it("DeleteFirst when a destination slot is occupied", () => expectError(s0, call(s0, T, U, "UntypedRetype", retypeArgs("seL4_TCBObject", 0, 1, 1), [CNODE]), { error: "DeleteFirst" }));
  it("NotEnoughMemory with the bytes left", () => {
    const r = call(s0, T, U, "UntypedRetype", retypeArgs("seL4_ARM_SectionObject", 0, 100, 2 ** (uCap.sizeBits - 20)), [CNODE]);
    expectOk(r);
    expectError(r.state, call(r.state, T, U, "UntypedRetype", retypeArgs("seL4_TCBObject", 0, 120, 1), [CNODE]), { error: "NotEnoughMemory", memoryLeft: 0 });
  });
  it("InvalidArgument 1 when device memory is asked for anything but frames or untyped", () => {
    const dev = transition(s0, (d) => {
      const slot = slotAddress(cnode, U);
      const cte = d.ctes.get(slot)!;
      d.ctes = d.ctes.set(slot, { ...cte, cap: { ...(cte.cap as { type: "Untyped" } & typeof uCap), isDevice: true } as never });
    });
    expectError(dev, call(dev, T, U, "UntypedRetype", retypeArgs("seL4_TCBObject", 0, 100, 1), [CNODE]), { error: "InvalidArgument", argumentNumber: 1 });
    const r = call(dev, T, U, "UntypedRetype", retypeArgs("seL4_ARM_SmallPageObject", 0, 100, 1), [CNODE]);
    expect(getCap(expectOk(r) && r.state, slotAddress(cnode, 100))).to.include({ isDevice: true });
  });
  it("resets an untyped whose children are all gone: objects start again from its base", () => {
    let r = call(s0, T, U, "UntypedRetype", retypeArgs("seL4_ARM_SmallPageObject", 0, 100, 1), [CNODE]);
    const s1 = transition(r.state, (d) => emptySlot(d, slotAddress(cnode, 100)));
    r = call(s1, T, U, "UntypedRetype", retypeArgs("seL4_ARM_SmallPageObject", 0, 101, 1), [CNODE]);
    expect(getCap(r.state, slotAddress(cnode, 101))).to.include({ paddr: uCap.paddr });
  });

  it("property: random retypes never overlap objects nor leave their untyped", () => {
    const types: ObjectTypeName[] = ["seL4_TCBObject", "seL4_EndpointObject", "seL4_CapTableObject", "seL4_ARM_PageDirectoryObject", "seL4_ARM_SmallPageObject", "seL4_ARM_LargePageObject", "seL4_ARM_PageTableObject", "seL4_UntypedObject"];
    fc.assert(
      fc.property(fc.array(fc.record({ type: fc.constantFrom(...types), size: fc.integer({ min: 4, max: 14 }), count: fc.integer({ min: 1, max: 4 }), u: fc.nat(15) }), { maxLength: 25 }), (steps) => {
        let s: KernelState = s0;
        let dest = 100;
        for (const st of steps) {
          const u = m.bootInfo.untyped.start + (st.u % (m.bootInfo.untyped.end - m.bootInfo.untyped.start));
          const r = call(s, T, u, "UntypedRetype", retypeArgs(st.type, st.type === "seL4_CapTableObject" ? st.size - 3 : st.size, dest, st.count), [CNODE]);
          if (r.reply.kind === "ok") dest += st.count;
          else expect(r.state).to.equal(s);
          s = r.state;
        }
        expect(pspaceDistinct(s)).to.deep.equal([]);
        expect(untypedChildrenInside(s)).to.deep.equal([]);
      }),
      { numRuns: 100 },
    );
  });
});
