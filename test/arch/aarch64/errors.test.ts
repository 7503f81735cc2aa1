import { expect } from "chai";
import { capAt } from "../../../src/kernel/cspace.ts";
import { boot } from "../../../src/boot/boot.ts";
import { expectError, expectOk } from "../../helpers/machine.ts";
import {
  ASID_CONTROL,
  ASID_POOL,
  CNODE,
  UNTYPED,
  aarch64Machine,
  call,
  ok,
  withVSpace,
  type Machine,
} from "./machine.ts";
import { entriesOf } from "../../../src/kernel/store.ts";

/*
 * The error paths of the AArch64 invocations that vspace.test.ts does not take, each derived from
 * ../shared/SEL4-AARCH64-REFERENCE.md §5 (seL4 16.0.0, src/arch/arm/64/kernel/vspace.c): the
 * label checks, TruncatedMessage, the ASID lookups (FailedLookup, and InvalidCapability when the
 * ASID names another root), and the calls that never fail.
 */

const VS = 20; // assigned ASID 1
const UNASSIGNED = 21;
const RW = 3;
const ATTR = 3;
const V = 0x10025000;
const cap = (m: Machine, slot: number) => capAt(m.state, m.thread, slot);

/** The three tables under V and a small page mapped there. */
function mapped(): Machine {
  let m = withVSpace();
  for (let i = 0; i < 3; i++) m = ok(m, 30 + i, "ARMPageTableMap", [V, ATTR], [VS]);
  return ok(m, 40, "ARMPageMap", [V, RW, ATTR], [VS]);
}

/** The machine after the initial pool's only cap is deleted: ASID 1 names nothing, the caps still record it. */
const poolGone = (m: Machine): Machine => ok(m, CNODE, "CNodeDelete", [ASID_POOL, 64]);

/**
 * A VSpace cap whose ASID names another VSpace: slot 21 gets ASID 512 from a new pool (slot 81),
 * the pool is deleted and made again from the same untyped, and a fresh VSpace (slot 22) takes
 * ASID 512. Slot 21's cap still says 512.
 */
function asidReused(): Machine {
  let m = withVSpace();
  m = ok(m, UNTYPED, "UntypedRetype", [6, 0, 0, 0, 22, 1], [CNODE]);
  m = ok(m, UNTYPED, "UntypedRetype", [0, 12, 0, 0, 80, 1], [CNODE]);
  m = ok(m, ASID_CONTROL, "ARMASIDControlMakePool", [81, 64], [80, CNODE]);
  m = ok(m, 81, "ARMASIDPoolAssign", [], [UNASSIGNED]);
  m = ok(m, CNODE, "CNodeDelete", [81, 64]);
  m = ok(m, ASID_CONTROL, "ARMASIDControlMakePool", [81, 64], [80, CNODE]);
  m = ok(m, 81, "ARMASIDPoolAssign", [], [22]);
  const stale = cap(m, UNASSIGNED);
  const fresh = cap(m, 22);
  expect(stale.type === "VSpace" && stale.mappedASID).to.equal(512);
  expect(fresh.type === "VSpace" && fresh.mappedASID).to.equal(512);
  return m;
}

describe("aarch64 error paths: a label the cap type does not take is IllegalOperation (§5)", () => {
  const m = withVSpace();
  const cases: [number, Parameters<typeof call>[2], number[], number[]][] = [
    [40, "ARMPageTableMap", [V, ATTR], [VS]],
    [VS, "ARMPageMap", [V, RW, ATTR], [VS]],
    [30, "ARMPageGetAddress", [], []],
    [40, "ARMVSpaceClean_Data", [0, 1], []],
    [30, "ARMVSpaceInvalidate_Data", [0, 1], []],
    [VS, "ARMPDClean_Data", [0, 1], []],
    [ASID_POOL, "ARMASIDControlMakePool", [81, 64], [UNTYPED, CNODE]],
    [ASID_CONTROL, "ARMASIDPoolAssign", [], [VS]],
  ];
  for (const [slot, label, args, extra] of cases)
    it(`${label} on a ${cap(m, slot).type} cap`, () => {
      expectError(m.state, call(m, slot, label, args, extra), { error: "IllegalOperation" });
    });
});

describe("aarch64 error paths: PageTable_Map and Unmap (§5.1, §5.2)", () => {
  it("no VSpace cap is TruncatedMessage; a VSpace whose ASID is gone is FailedLookup InvalidRoot", () => {
    const m = withVSpace();
    expectError(m.state, call(m, 30, "ARMPageTableMap", [V, ATTR], []), { error: "TruncatedMessage" });
    const g = poolGone(m);
    expectError(g.state, call(g, 30, "ARMPageTableMap", [V, ATTR], [VS]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "InvalidRoot" },
    });
  });

  it("a VSpace whose ASID names another VSpace now is InvalidCapability 1, checked after USER_TOP", () => {
    const m = asidReused();
    expectError(m.state, call(m, 30, "ARMPageTableMap", [V, ATTR], [UNASSIGNED]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
    expectError(m.state, call(m, 30, "ARMPageTableMap", [0x800000000000, ATTR], [UNASSIGNED]), {
      error: "InvalidArgument",
      argumentNumber: 0,
    });
  });

  it("a table where the walk reaches a level-3 table is DeleteFirst", () => {
    const m = mapped();
    expectError(m.state, call(m, 33, "ARMPageTableMap", [V, ATTR], [VS]), { error: "DeleteFirst" });
  });

  it("Unmap of an unmapped table succeeds; of a table whose ASID is gone, it succeeds and zeroes the table", () => {
    const m = mapped();
    expectOk(call(m, 34, "ARMPageTableUnmap"));
    const g = poolGone(m);
    const r = call(g, 32, "ARMPageTableUnmap");
    const reply = expectOk(r);
    expect(reply.effects.map((e) => e.kind)).to.not.include("tlbFlushASID");
    const pt = capAt(r.state, g.thread, 32);
    const obj = pt.type === "PageTable" ? r.state.objects.get(pt.paddr) : undefined;
    expect(obj?.type === "PageTable64" && entriesOf(r.state, obj).size).to.equal(0);
    expect(pt.type === "PageTable" && pt.mapping).to.equal(null);
  });
});

describe("aarch64 error paths: Page_Map, Unmap, GetAddress (§5.3-5.5)", () => {
  it("two words or no VSpace cap is TruncatedMessage", () => {
    const m = withVSpace();
    expectError(m.state, call(m, 40, "ARMPageMap", [V, RW], [VS]), { error: "TruncatedMessage" });
    expectError(m.state, call(m, 40, "ARMPageMap", [V, RW, ATTR], []), { error: "TruncatedMessage" });
  });

  it("an unassigned VSpace, or a page table as the root, is InvalidCapability 1, before alignment", () => {
    const m = withVSpace();
    for (const root of [UNASSIGNED, 30])
      expectError(m.state, call(m, 40, "ARMPageMap", [V + 1, RW, ATTR], [root]), {
        error: "InvalidCapability",
        invalidCapNumber: 1,
      });
  });

  it("a VSpace whose ASID names another VSpace now is InvalidCapability 1, before alignment", () => {
    const m = asidReused();
    expectError(m.state, call(m, 40, "ARMPageMap", [V + 1, RW, ATTR], [UNASSIGNED]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
  });

  it("Unmap never fails: an unmapped cap, and a cap whose ASID is gone (the record is cleared)", () => {
    const m = mapped();
    expectOk(call(m, 41, "ARMPageUnmap"));
    const g = poolGone(m);
    const r = call(g, 40, "ARMPageUnmap");
    expectOk(r);
    const f = capAt(r.state, g.thread, 40);
    expect(f.type === "Frame" && f.mapping).to.equal(null);
  });

  it("GetAddress replies with the frame's physical address in MR0, mapped or not", () => {
    const m = mapped();
    for (const slot of [40, 41, 60]) {
      const f = cap(m, slot);
      expect(expectOk(call(m, slot, "ARMPageGetAddress")).mrs[0]).to.equal(f.type === "Frame" ? f.paddr : -1);
    }
  });
});

describe("aarch64 error paths: cache operations (§5.6, §5.7)", () => {
  it("a frame flush with one word is TruncatedMessage; with the ASID gone, FailedLookup comes before the range", () => {
    const m = mapped();
    expectError(m.state, call(m, 40, "ARMPageClean_Data", [0]), { error: "TruncatedMessage" });
    const g = poolGone(m);
    expectError(g.state, call(g, 40, "ARMPageClean_Data", [0x100, 0x10]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "InvalidRoot" },
    });
  });

  it("a VSpace flush checks words, then end > start, then USER_TOP, then the VSpace (InvalidCapability 0)", () => {
    const m = withVSpace();
    expectError(m.state, call(m, UNASSIGNED, "ARMVSpaceClean_Data", [0]), { error: "TruncatedMessage" });
    expectError(m.state, call(m, UNASSIGNED, "ARMVSpaceClean_Data", [0x2000, 0x1000]), {
      error: "InvalidArgument",
      argumentNumber: 1,
    });
    expectError(m.state, call(m, UNASSIGNED, "ARMVSpaceClean_Data", [0x1000, 0x800000000001]), {
      error: "IllegalOperation",
    });
    expectError(m.state, call(m, UNASSIGNED, "ARMVSpaceClean_Data", [0x1000, 0x2000]), {
      error: "InvalidCapability",
      invalidCapNumber: 0,
    });
    // end may be USER_TOP itself: only end > USER_TOP is refused
    expectOk(call(m, VS, "ARMVSpaceClean_Data", [0x7ffffffff000, 0x7fffffffffff]));
  });

  it("a VSpace flush whose ASID is gone is FailedLookup; whose ASID names another VSpace, InvalidCapability 0", () => {
    const g = poolGone(withVSpace());
    expectError(g.state, call(g, VS, "ARMVSpaceClean_Data", [0x1000, 0x2000]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "InvalidRoot" },
    });
    const m = asidReused();
    expectError(m.state, call(m, UNASSIGNED, "ARMVSpaceCleanInvalidate_Data", [0x1000, 0x2000]), {
      error: "InvalidCapability",
      invalidCapNumber: 0,
    });
  });
});

describe("aarch64 error paths: ASIDControl_MakePool and ASIDPool_Assign (§5.8, §5.9)", () => {
  const pooled = (): Machine => ok(aarch64Machine(), UNTYPED, "UntypedRetype", [0, 12, 0, 0, 80, 1], [CNODE]);

  it("MakePool: one word or a missing cap is TruncatedMessage", () => {
    const m = pooled();
    expectError(m.state, call(m, ASID_CONTROL, "ARMASIDControlMakePool", [81], [80, CNODE]), {
      error: "TruncatedMessage",
    });
    expectError(m.state, call(m, ASID_CONTROL, "ARMASIDControlMakePool", [81, 64], [80]), {
      error: "TruncatedMessage",
    });
  });

  it("MakePool: an untyped with children is RevokeFirst; an occupied destination is DeleteFirst; a bad depth is RangeError", () => {
    const m = pooled();
    const parent = ok(m, 80, "UntypedRetype", [0, 4, 0, 0, 82, 1], [CNODE]);
    expectError(parent.state, call(parent, ASID_CONTROL, "ARMASIDControlMakePool", [81, 64], [80, CNODE]), {
      error: "RevokeFirst",
    });
    expectError(m.state, call(m, ASID_CONTROL, "ARMASIDControlMakePool", [ASID_POOL, 64], [80, CNODE]), {
      error: "DeleteFirst",
    });
    expectError(m.state, call(m, ASID_CONTROL, "ARMASIDControlMakePool", [81, 65], [80, CNODE]), {
      error: "RangeError",
      rangeMin: 1,
      rangeMax: 64,
    });
  });

  it("MakePool: a device untyped of the right size is InvalidCapability 1", () => {
    const b = boot({ arch: "aarch64", ram: [{ base: 0x40000000, size: 2 ** 30 }] });
    const device = b.bootInfo.untyped.start + b.bootInfo.untypedList.findIndex((u) => u.isDevice);
    let m: Machine = { state: b.state, thread: b.initThread };
    const free = b.bootInfo.empty.start;
    m = ok(m, device, "UntypedRetype", [0, 12, 0, 0, free, 1], [CNODE]);
    expectError(m.state, call(m, ASID_CONTROL, "ARMASIDControlMakePool", [free + 1, 64], [free, CNODE]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
  });

  it("Assign: no cap is TruncatedMessage; a page table is InvalidCapability 1", () => {
    const m = withVSpace();
    expectError(m.state, call(m, ASID_POOL, "ARMASIDPoolAssign", [], []), { error: "TruncatedMessage" });
    expectError(m.state, call(m, ASID_POOL, "ARMASIDPoolAssign", [], [30]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
  });
});
