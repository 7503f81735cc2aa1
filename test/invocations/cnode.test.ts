import { expect } from "chai";
import fc from "fast-check";
import { descendantsOf } from "../../src/kernel/cdt.ts";
import { capAt, slotAddress } from "../../src/kernel/cspace.ts";
import { objectTypeNumber } from "../../src/arch/aarch32/objectTypes.ts";
import { rootCNode } from "../helpers/caps.ts";
import { bigUntyped, bootTestMachine, call, CNODE, expectError, expectOk, retype } from "../helpers/machine.ts";

const m = bootTestMachine();
const T = m.initThread;
const cnode = rootCNode(m.state, T);
const U = bigUntyped(m, 22);
// slots 100.. hold: 100 a small frame, 101 an endpoint, 102 a page table, 103 an untyped child
let base = retype(m, U, "seL4_ARM_SmallPageObject", 0, 100);
base = retype({ state: base, initThread: T }, U, "seL4_EndpointObject", 0, 101);
base = retype({ state: base, initThread: T }, U, "seL4_ARM_PageTableObject", 0, 102);
base = retype({ state: base, initThread: T }, U, "seL4_UntypedObject", 16, 103);

describe("CNode invocations", () => {
  describe("Copy", () => {
    it("copies a frame cap unmapped, as a child of the original", () => {
      const r = call(base, T, CNODE, "CNodeCopy", [200, 32, 100, 32, 0xf], [CNODE]);
      expectOk(r);
      expect(capAt(r.state, T, 200)).to.deep.equal({
        ...capAt(base, T, 100),
        mapping: null,
      });
      expect(descendantsOf(r.state, slotAddress(r.state, cnode, 100))).to.deep.equal([
        slotAddress(r.state, cnode, 200),
      ]);
    });
    it("masks rights: a copy with read only is a read-only frame cap", () => {
      const r = call(base, T, CNODE, "CNodeCopy", [200, 32, 100, 32, 2], [CNODE]);
      expect(capAt(r.state, T, 200)).to.include({ vmRights: "VMReadOnly" });
    });
    it("TruncatedMessage with fewer than 2 words", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [200]), {
        error: "TruncatedMessage",
      }));
    it("RangeError [1, 32] for a destination depth of 0", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [200, 0, 100, 32, 15], [CNODE]), {
        error: "RangeError",
        rangeMin: 1,
        rangeMax: 32,
      }));
    it("FailedLookup (destination) with a guard mismatch", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [0xffffffff, 32, 100, 32, 15], [CNODE]), {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: {
          kind: "GuardMismatch",
          bitsLeft: 32,
          guardFound: 0,
          bitsFound: 20,
        },
      }));
    it("FailedLookup DepthMismatch when the depth leaves bits unresolved", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [200, 16, 100, 32, 15], [CNODE]), {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: {
          kind: "GuardMismatch",
          bitsLeft: 16,
          guardFound: 0,
          bitsFound: 20,
        },
      }));
    it("TruncatedMessage without the source root", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [200, 32, 100, 32, 15]), { error: "TruncatedMessage" }));
    it("DeleteFirst when the destination is occupied", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [101, 32, 100, 32, 15], [CNODE]), { error: "DeleteFirst" }));
    it("FailedLookup (source) when the source slot is empty", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [200, 32, 300, 32, 15], [CNODE]), {
        error: "FailedLookup",
        failedLookupWasSource: true,
        lookupFailure: { kind: "MissingCapability", bitsLeft: 32 },
      }));
    it("FailedLookup InvalidRoot when the source root is not a CNode", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [200, 32, 100, 32, 15], [100]), {
        error: "FailedLookup",
        failedLookupWasSource: true,
        lookupFailure: { kind: "InvalidRoot" },
      }));
    it("TruncatedMessage without the rights word", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [200, 32, 100, 32], [CNODE]), { error: "TruncatedMessage" }));
    it("IllegalOperation for an unmapped page table cap", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [200, 32, 102, 32, 15], [CNODE]), {
        error: "IllegalOperation",
      }));
    it("RevokeFirst for an untyped cap with children", () =>
      expectError(base, call(base, T, CNODE, "CNodeCopy", [200, 32, U, 32, 15], [CNODE]), { error: "RevokeFirst" }));
  });

  describe("Mint, Move, Mutate, Rotate", () => {
    it("Mint badges an endpoint; minting a badged one again gives IllegalOperation", () => {
      const r = call(base, T, CNODE, "CNodeMint", [200, 32, 101, 32, 15, 42], [CNODE]);
      expectOk(r);
      expect(capAt(r.state, T, 200)).to.include({ badge: 42 });
      expectError(r.state, call(r.state, T, CNODE, "CNodeMint", [201, 32, 200, 32, 15, 7], [CNODE]), {
        error: "IllegalOperation",
      });
    });
    it("Mint needs 6 words", () =>
      expectError(base, call(base, T, CNODE, "CNodeMint", [200, 32, 101, 32, 15], [CNODE]), {
        error: "TruncatedMessage",
      }));
    it("Move carries the cap and its children", () => {
      const r = call(base, T, CNODE, "CNodeMove", [200, 32, U, 32], [CNODE]);
      expectOk(r);
      expect(capAt(r.state, T, U).type).to.equal("Null");
      expect(capAt(r.state, T, 200).type).to.equal("Untyped");
      expect(descendantsOf(r.state, slotAddress(r.state, cnode, 200)).length).to.equal(4);
    });
    it("Mutate sets a CNode's guard; mutating an endpoint's badge is IllegalOperation", () => {
      const r = call(base, T, CNODE, "CNodeMutate", [200, 32, 101, 32, 5], [CNODE]);
      expectError(base, r, { error: "IllegalOperation" });
      expectError(base, call(base, T, CNODE, "CNodeMutate", [200, 32, 101, 32], [CNODE]), {
        error: "TruncatedMessage",
      });
    });
    it("Rotate moves the pivot's cap to the destination and the source's to the pivot", () => {
      const r = call(base, T, CNODE, "CNodeRotate", [200, 32, 0, 103, 32, 0, 100, 32], [CNODE, CNODE]);
      expectOk(r);
      expect(capAt(r.state, T, 200).type).to.equal("Untyped");
      expect(capAt(r.state, T, 103).type).to.equal("Frame");
      expect(capAt(r.state, T, 100).type).to.equal("Null");
    });
    it("Rotate: an endpoint cap cannot take new data while preserving its badge (IllegalOperation, as seL4's updateCapData)", () =>
      expectError(base, call(base, T, CNODE, "CNodeRotate", [200, 32, 0, 100, 32, 0, 101, 32], [CNODE, CNODE]), {
        error: "IllegalOperation",
      }));
    it("Rotate: IllegalOperation when the pivot is the source", () =>
      expectError(base, call(base, T, CNODE, "CNodeRotate", [200, 32, 0, 100, 32, 0, 100, 32], [CNODE, CNODE]), {
        error: "IllegalOperation",
      }));
    it("Rotate: FailedLookup (not source) when the pivot is empty", () =>
      expectError(base, call(base, T, CNODE, "CNodeRotate", [200, 32, 0, 300, 32, 0, 100, 32], [CNODE, CNODE]), {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "MissingCapability", bitsLeft: 32 },
      }));
    it("Rotate: TruncatedMessage with one extra cap", () =>
      expectError(base, call(base, T, CNODE, "CNodeRotate", [200, 32, 0, 100, 32, 0, 101, 32], [CNODE]), {
        error: "TruncatedMessage",
      }));
  });

  describe("Delete and Revoke", () => {
    it("Revoke of an untyped removes every descendant and their objects", () => {
      const r = call(base, T, CNODE, "CNodeRevoke", [U, 32]);
      expectOk(r);
      for (const i of [100, 101, 102, 103]) expect(capAt(r.state, T, i).type).to.equal("Null");
      expect(r.state.objects.size).to.equal(base.objects.size - 3);
    });
    it("an unknown label on a CNode cap is IllegalOperation", () =>
      expectError(base, call(base, T, CNODE, "ARMPageMap", [0, 0]), {
        error: "IllegalOperation",
      }));
  });

  it("property: revoking any cap leaves none of its descendants, and a failed call leaves the identical state", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            src: fc.constantFrom(U, 100, 101, 103, 200, 201, 202, 203),
            dest: fc.integer({ min: 200, max: 207 }),
            badge: fc.nat(3),
          }),
          { maxLength: 12 },
        ),
        fc.constantFrom(U, 100, 101, 103, 200, 201),
        (copies, target) => {
          let s = base;
          for (const c of copies) {
            const r = call(
              s,
              T,
              CNODE,
              c.badge ? "CNodeMint" : "CNodeCopy",
              [c.dest, 32, c.src, 32, 15, c.badge],
              [CNODE],
            );
            if (r.reply.kind !== "ok") expect(r.state).to.equal(s);
            s = r.state;
          }
          const below = descendantsOf(s, slotAddress(s, cnode, target));
          const r = call(s, T, CNODE, "CNodeRevoke", [target, 32]);
          expectOk(r);
          for (const d of below) expect(r.state.ctes.has(d)).to.equal(false);
          expect(descendantsOf(r.state, slotAddress(r.state, cnode, target))).to.deep.equal([]);
        },
      ),
    );
  });
  void objectTypeNumber;
});
