import { expect } from "chai";
import type { PhysAddr, PPtr, VirtAddr } from "../../../src/model/addresses.ts";
import { capAt } from "../../../src/kernel/cspace.ts";
import { transitionWithEffects } from "../../../src/model/transition.ts";
import { resolve, lookupPTSlot } from "../../../src/arch/aarch64/walk.ts";
import { invalidateTLBByASID, tlbKey } from "../../../src/arch/aarch64/tlb.ts";
import { asid } from "../../../src/model/addresses.ts";
import { expectError, expectOk } from "../../helpers/machine.ts";
import { ASID_POOL, CNODE, UNTYPED, aarch64Machine, call, ok, retype, withVSpace, type Machine } from "./machine.ts";
import { entriesOf } from "../../../src/kernel/store.ts";

// Expected values come from /work/shared/SEL4-AARCH64-REFERENCE.md (seL4 16.0.0 V64), section numbers cited.
const VS = 20;
const cap = (m: Machine, slot: number) => capAt(m.state, m.thread, slot);
const root = (m: Machine): PPtr<"VSpaceRoot"> => {
  const c = cap(m, VS);
  if (c.type !== "VSpace") throw new Error("no VSpace");
  return c.paddr;
};
const RW = 3;
const ATTR = 3;
const V = 0x10025000;

describe("aarch64: object types and Retype (§2.1)", () => {
  it("libsel4 16 numbers: HugePage 5, VSpace 6, SmallPage 7, LargePage 8, PageTable 9; 10 is InvalidArgument 0", () => {
    const m = aarch64Machine();
    for (const [n, t] of [
      [5, "Frame"],
      [6, "VSpace"],
      [7, "Frame"],
      [8, "Frame"],
      [9, "PageTable"],
    ] as const) {
      const r = ok(m, UNTYPED, "UntypedRetype", [n, 0, 0, 0, 100 + n, 1], [CNODE]);
      expect(cap(r, 100 + n).type).to.equal(t);
    }
    expectError(m.state, call(m, UNTYPED, "UntypedRetype", [10, 0, 0, 0, 100, 1], [CNODE]), {
      error: "InvalidArgument",
      argumentNumber: 0,
    });
  });

  it("a new VSpace is empty (no kernel entries) and a 1 GiB frame is 1 GiB", () => {
    const m = withVSpace();
    const o = m.state.objects.get(root(m));
    expect(o?.type === "VSpace" && entriesOf(m.state, o).size).to.equal(0);
    const huge = cap(m, 60);
    expect(huge.type === "Frame" && huge.size).to.equal("HugePage");
  });
});

describe("aarch64: PageTable_Map and Unmap (§5.1, §5.2, §6)", () => {
  it("the same object type becomes a level-1, level-2, then level-3 table; the cap records vaddr rounded to its slot", () => {
    let m = withVSpace();
    for (const [slot, round] of [
      [30, 2 ** 39],
      [31, 2 ** 30],
      [32, 2 ** 21],
    ] as const) {
      m = ok(m, slot, "ARMPageTableMap", [V, ATTR], [VS]);
      const c = cap(m, slot);
      expect(c.type === "PageTable" && c.mapping).to.deep.equal({
        asid: 1,
        vaddr: V - (V % round),
      });
    }
    expect(lookupPTSlot(m.state, root(m), V as VirtAddr).ptBitsLeft).to.equal(12);
    expectError(m.state, call(m, 33, "ARMPageTableMap", [V, ATTR], [VS]), {
      error: "DeleteFirst",
    });
  });

  it("checks in order: Truncated, mapped cap InvalidCapability 0, root InvalidCapability 1, vaddr > USER_TOP InvalidArgument 0", () => {
    let m = withVSpace();
    expectError(m.state, call(m, 30, "ARMPageTableMap", [V], [VS]), {
      error: "TruncatedMessage",
    });
    expectError(m.state, call(m, 30, "ARMPageTableMap", [V, ATTR], [21]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
    expectError(m.state, call(m, 30, "ARMPageTableMap", [V, ATTR], [31]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
    // USER_TOP is inclusive: its own address is fine, the next is not.
    expectOk(call(m, 30, "ARMPageTableMap", [0x7fffffffffff, ATTR], [VS]));
    expectError(m.state, call(m, 30, "ARMPageTableMap", [0x800000000000, ATTR], [VS]), {
      error: "InvalidArgument",
      argumentNumber: 0,
    });
    m = ok(m, 30, "ARMPageTableMap", [V, ATTR], [VS]);
    expectError(m.state, call(m, 30, "ARMPageTableMap", [V, ATTR], [VS]), {
      error: "InvalidCapability",
      invalidCapNumber: 0,
    });
  });

  it("DeleteFirst over a 1 GiB page at the level-1 slot", () => {
    let m = withVSpace();
    m = ok(m, 30, "ARMPageTableMap", [0, ATTR], [VS]);
    m = ok(m, 60, "ARMPageMap", [0x40000000, RW, ATTR], [VS]);
    expectError(m.state, call(m, 31, "ARMPageTableMap", [0x40000000, ATTR], [VS]), { error: "DeleteFirst" });
  });

  it("Unmap needs the final cap, clears the parent slot, zeroes the table and flushes the whole ASID", () => {
    let m = withVSpace();
    m = ok(m, 30, "ARMPageTableMap", [V, ATTR], [VS]);
    m = ok(m, 31, "ARMPageTableMap", [V, ATTR], [VS]);
    m = ok(m, 32, "ARMPageTableMap", [V, ATTR], [VS]);
    m = ok(m, 40, "ARMPageMap", [V, RW, ATTR], [VS]);
    const copy = ok(m, CNODE, "CNodeCopy", [70, 64, 31, 64, 0xf], [CNODE]);
    expectError(copy.state, call(copy, 31, "ARMPageTableUnmap"), {
      error: "RevokeFirst",
    });
    const r = call(m, 31, "ARMPageTableUnmap");
    const reply = expectOk(r);
    expect(reply.effects.map((e) => e.kind)).to.include("tlbFlushASID");
    const after = { state: r.state, thread: m.thread };
    expect(resolve(after.state, root(after), V as VirtAddr)).to.deep.include({
      mapped: false,
      armLevel: 1,
    });
    const c31 = cap(after, 31);
    const t = c31.type === "PageTable" ? after.state.objects.get(c31.paddr) : undefined;
    expect(t?.type === "PageTable64" && entriesOf(after.state, t).size).to.equal(0);
    expect(c31.type === "PageTable" && c31.mapping).to.equal(null);
  });
});

describe("aarch64: Page_Map (§5.3, §6)", () => {
  const tables = (levels: number): Machine => {
    let m = withVSpace();
    for (let i = 0; i < levels; i++) m = ok(m, 30 + i, "ARMPageTableMap", [V, ATTR], [VS]);
    return m;
  };

  it("FailedLookup with bitsLeft 39, 30, 21 for missing tables; 12 for a 2 MiB page over a level-3 table; never DeleteFirst", () => {
    const cases: [number, number, number, number][] = [
      [0, 40, V, 39],
      [1, 40, V, 30],
      [2, 40, V, 21],
      [3, 50, 0x10000000, 12],
      [2, 60, 0, 21],
      [0, 60, 0, 39],
    ];
    for (const [levels, frame, vaddr, bitsLeft] of cases) {
      const m = tables(levels);
      expectError(m.state, call(m, frame, "ARMPageMap", [vaddr, RW, ATTR], [VS]), {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "MissingCapability", bitsLeft },
      });
    }
  });

  it("maps at each level with the entry in the level-3, level-2 or level-1 table", () => {
    let m = tables(3);
    m = ok(m, 40, "ARMPageMap", [V, RW, ATTR], [VS]);
    const r = resolve(m.state, root(m), (V + 0x123) as VirtAddr);
    const frame = cap(m, 40);
    expect(r).to.deep.include({
      mapped: true,
      size: "SmallPage",
      level: 3,
      rights: "VMReadWrite",
      paddr: (frame.type === "Frame" ? frame.paddr : 0) + 0x123,
    });
    m = ok(m, 50, "ARMPageMap", [0x10200000, RW, ATTR], [VS]);
    expect(resolve(m.state, root(m), 0x10200000 as VirtAddr)).to.deep.include({
      mapped: true,
      size: "LargePage",
      level: 2,
    });
    m = ok(m, 60, "ARMPageMap", [0x40000000, 1 /* write only: kernel-only */, ATTR], [VS]);
    expect(resolve(m.state, root(m), 0x40000000 as VirtAddr)).to.deep.include({
      mapped: true,
      size: "HugePage",
      level: 1,
      rights: "VMKernelOnly",
    });
  });

  it("order: alignment before the mapped-cap and USER_TOP checks (AlignmentError where ARM32 says InvalidArgument)", () => {
    let m = tables(3);
    expectError(m.state, call(m, 40, "ARMPageMap", [0x800000000800, RW, ATTR], [VS]), { error: "AlignmentError" });
    expectError(m.state, call(m, 40, "ARMPageMap", [0x800000000000, RW, ATTR], [VS]), {
      error: "InvalidArgument",
      argumentNumber: 0,
    });
    m = ok(m, 40, "ARMPageMap", [V, RW, ATTR], [VS]);
    expectError(m.state, call(m, 40, "ARMPageMap", [V + 0x800, RW, ATTR], [VS]), { error: "AlignmentError" });
    expectError(m.state, call(m, 40, "ARMPageMap", [V + 0x1000, RW, ATTR], [VS]), {
      error: "InvalidArgument",
      argumentNumber: 0,
    });
  }).timeout(5000);

  it("a mapped cap in another VSpace is InvalidCapability 1; an ASID whose pool is gone is FailedLookup InvalidRoot", () => {
    let m = tables(3);
    m = ok(m, 40, "ARMPageMap", [V, RW, ATTR], [VS]);
    m = ok(m, ASID_POOL, "ARMASIDPoolAssign", [], [21]);
    expectError(m.state, call(m, 40, "ARMPageMap", [V, RW, ATTR], [21]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
    // Deleting the pool's only cap empties its ASID table slot: the VSpace cap keeps ASID 1, which names nothing.
    const gone = ok(m, CNODE, "CNodeDelete", [ASID_POOL, 64]);
    expectError(gone.state, call(gone, 41, "ARMPageMap", [V, RW, ATTR], [VS]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "InvalidRoot" },
    });
  });

  it("a same-size page is overwritten (the old cap goes stale) and the TLB is flushed by ASID and address", () => {
    let m = tables(3);
    m = ok(m, 40, "ARMPageMap", [V, RW, ATTR], [VS]);
    const r = call(m, 41, "ARMPageMap", [V, RW, ATTR], [VS]);
    const reply = expectOk(r);
    expect(
      reply.effects.filter((e) => e.kind === "tlbFlushPage").map((e) => (e.kind === "tlbFlushPage" ? e.vaddr : 0)),
    ).to.deep.equal([V]);
    m = { state: r.state, thread: m.thread };
    const f41 = cap(m, 41);
    expect(resolve(m.state, root(m), V as VirtAddr)).to.deep.include({
      frame: f41.type === "Frame" ? f41.paddr : -1,
    });
    // The stale cap's flush is InvalidCapability 0, after the range check (§5.6).
    expectError(m.state, call(m, 40, "ARMPageClean_Data", [0, 0x2000]), {
      error: "InvalidArgument",
      argumentNumber: 0,
    });
    expectError(m.state, call(m, 40, "ARMPageClean_Data", [0, 0x1000]), {
      error: "InvalidCapability",
      invalidCapNumber: 0,
    });
    // Unmap of the stale cap clears only the cap.
    const u = call(m, 40, "ARMPageUnmap");
    expectOk(u);
    expect(resolve(u.state, root(m), V as VirtAddr).mapped).to.equal(true);
  });
});

describe("aarch64: frame and VSpace cache operations (§5.5-5.7)", () => {
  const mapped = (rights: number): Machine => {
    let m = withVSpace();
    for (let i = 0; i < 3; i++) m = ok(m, 30 + i, "ARMPageTableMap", [V, ATTR], [VS]);
    return ok(m, 40, "ARMPageMap", [V, rights, ATTR], [VS]);
  };

  it("Page flush: order Truncated, unmapped IllegalOperation, end <= start InvalidArgument 1, range InvalidArgument 0; whole frame ok", () => {
    const m = mapped(RW);
    expectError(m.state, call(m, 40, "ARMPageClean_Data", [0]), {
      error: "TruncatedMessage",
    });
    expectError(m.state, call(m, 41, "ARMPageClean_Data", [0, 1]), {
      error: "IllegalOperation",
    });
    expectError(m.state, call(m, 40, "ARMPageClean_Data", [8, 8]), {
      error: "InvalidArgument",
      argumentNumber: 1,
    });
    expectError(m.state, call(m, 40, "ARMPageClean_Data", [0x1000, 0x1001]), {
      error: "InvalidArgument",
      argumentNumber: 0,
    });
    const reply = expectOk(call(m, 40, "ARMPageCleanInvalidate_Data", [0, 0x1000]));
    expect(reply.effects[0]).to.deep.include({
      kind: "cacheMaintenance",
      vstart: V,
      vend: V + 0xfff,
    });
    const addr = expectOk(call(m, 40, "ARMPageGetAddress"));
    const f = cap(m, 40);
    expect(addr.mrs).to.deep.equal([f.type === "Frame" ? f.paddr : -1]);
  });

  it("Invalidate_Data needs a read-write mapping (IllegalOperation on a read-only one), for pages and VSpaces", () => {
    const m = mapped(2 /* read only */);
    expectError(m.state, call(m, 40, "ARMPageInvalidate_Data", [0, 0x100]), {
      error: "IllegalOperation",
    });
    expectOk(call(m, 40, "ARMPageClean_Data", [0, 0x100]));
    expectError(m.state, call(m, VS, "ARMVSpaceInvalidate_Data", [V, V + 0x100]), { error: "IllegalOperation" });
  });

  it("VSpace flush: end > USER_TOP IllegalOperation, a hole is success doing nothing, crossing the page is RangeError(start, page end)", () => {
    const m = mapped(RW);
    expectError(m.state, call(m, VS, "ARMVSpaceClean_Data", [0x7ffffffff000, 0x800000000000]), {
      error: "IllegalOperation",
    });
    expectError(m.state, call(m, VS, "ARMVSpaceClean_Data", [V, V]), {
      error: "InvalidArgument",
      argumentNumber: 1,
    });
    expect(expectOk(call(m, VS, "ARMVSpaceClean_Data", [0x20000000, 0x7fff00000000])).effects[0]?.kind).to.equal(
      "note",
    );
    expectError(m.state, call(m, VS, "ARMVSpaceClean_Data", [V + 0x10, V + 0x1001]), {
      error: "RangeError",
      rangeMin: V + 0x10,
      rangeMax: V + 0xfff,
    });
    expectError(m.state, call(m, 21, "ARMVSpaceClean_Data", [V, V + 1]), {
      error: "InvalidCapability",
      invalidCapNumber: 0,
    });
    expectError(m.state, call(m, 40, "ARMVSpaceClean_Data", [V, V + 1]), {
      error: "IllegalOperation",
    });
  });
});

describe("aarch64: ASIDs, deletion and the TLB (§2.6, §5.8, §5.9, §8, §9)", () => {
  it("Assign takes the lowest free ASID (never 0); an assigned VSpace is InvalidCapability 1; the pool holds 511", () => {
    let m = withVSpace();
    const c = cap(m, VS);
    expect(c.type === "VSpace" && c.mappedASID).to.equal(1);
    expectError(m.state, call(m, ASID_POOL, "ARMASIDPoolAssign", [], [VS]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
    expectError(m.state, call(m, ASID_POOL, "ARMASIDPoolAssign", [], []), {
      error: "TruncatedMessage",
    });
    m = retype(m, "seL4_ARM_VSpaceObject", 100, 150);
    m = retype(m, "seL4_ARM_VSpaceObject", 250, 5);
    for (let i = 0; i < 150; i++) m = ok(m, ASID_POOL, "ARMASIDPoolAssign", [], [100 + i]);
    const last = cap(m, 249);
    expect(last.type === "VSpace" && last.mappedASID).to.equal(151);
  }).timeout(20000);

  it("MakePool: DeleteFirst when all 128 pools exist is checked before the untyped; a wrong-size untyped is InvalidCapability 1", () => {
    const m = aarch64Machine();
    expectError(m.state, call(m, 5, "ARMASIDControlMakePool", [80, 64], [UNTYPED, CNODE]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
    let k = ok(m, UNTYPED, "UntypedRetype", [0, 12, 0, 0, 80, 1], [CNODE]);
    k = ok(k, 5, "ARMASIDControlMakePool", [81, 64], [80, CNODE]);
    const pool = cap(k, 81);
    expect(pool.type === "ASIDPool" && pool.asidBase).to.equal(512);
  });

  it("deleting the last VSpace cap releases the ASID (flushing it), and the next Assign reuses it", () => {
    let m = withVSpace();
    const r = call(m, CNODE, "CNodeDelete", [VS, 64]);
    const reply = expectOk(r);
    expect(reply.effects.some((e) => e.kind === "tlbFlushASID" && e.asid === 1)).to.equal(true);
    m = { state: r.state, thread: m.thread };
    m = ok(m, ASID_POOL, "ARMASIDPoolAssign", [], [21]);
    const c = cap(m, 21);
    expect(c.type === "VSpace" && c.mappedASID).to.equal(1);
  });

  it("deleting a mapped frame cap copy unmaps its own mapping", () => {
    let m = withVSpace();
    for (let i = 0; i < 3; i++) m = ok(m, 30 + i, "ARMPageTableMap", [V, ATTR], [VS]);
    m = ok(m, CNODE, "CNodeCopy", [70, 64, 40, 64, 0xf], [CNODE]);
    m = ok(m, 70, "ARMPageMap", [V, RW, ATTR], [VS]);
    m = ok(m, CNODE, "CNodeDelete", [70, 64]);
    expect(resolve(m.state, root(m), V as VirtAddr).mapped).to.equal(false);
  });

  it("TCB_SetSpace accepts an assigned VSpace and refuses an unassigned one", () => {
    const m = withVSpace();
    expectOk(call(m, 1, "TCBSetSpace", [0, 0, 0], [CNODE, VS]));
    expectError(m.state, call(m, 1, "TCBSetSpace", [0, 0, 0], [CNODE, 21]), {
      error: "IllegalOperation",
    });
  });

  it("the by-ASID flush truncates ASIDs >= 256 to 8 bits, as seL4 16.0.0 does (issue #1735)", () => {
    const m = withVSpace();
    const line = {
      vbase: 0 as VirtAddr,
      pbase: 0 as PhysAddr,
      size: "SmallPage",
      rights: "VMReadWrite",
      executeNever: false,
      cacheable: true,
      global: false,
    } as const;
    const withLines = transitionWithEffects(m.state, (d) => {
      d.tlb = d.tlb
        .set(tlbKey(300, 0 as VirtAddr), { ...line, hwASID: 300 as never })
        .set(tlbKey(44, 0 as VirtAddr), { ...line, hwASID: 44 as never });
    }).state;
    const r = transitionWithEffects(withLines, (d) => invalidateTLBByASID(d, asid(300), "test"));
    expect(r.state.tlb.has(tlbKey(300, 0 as VirtAddr))).to.equal(true);
    expect(r.state.tlb.has(tlbKey(44, 0 as VirtAddr))).to.equal(false);
    expect(r.effects[0]).to.deep.include({
      kind: "tlbFlushASID",
      asid: 300,
      hwASID: 44,
    });
  });
});
