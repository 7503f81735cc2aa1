import { expect } from "chai";
import { asid, type PhysAddr } from "../../src/model/addresses.ts";
import { childrenOf, getCap, getCTE, updateCap } from "../../src/kernel/cdt.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import type { UntypedCap } from "../../src/model/caps.ts";
import { cteRevoke } from "../../src/kernel/delete.ts";
import { transition } from "../../src/model/transition.ts";
import { rootCNodeOf, slotAddress } from "../../src/kernel/cspace.ts";
import type { KernelState } from "../../src/model/state.ts";
import { objectTypeNumber } from "../../src/arch/index.ts";
import { getHWASID } from "../../src/arch/aarch32/hwASID.ts";
import { setVMRoot } from "../../src/arch/aarch32/vmRoot.ts";
import { bigUntyped, bootTestMachine, call, CNODE, expectError, expectOk, retype, SLOT } from "../helpers/machine.ts";

// Expectations here come from seL4 16.0.0's C (and l4v where noted), not from capsim's output:
// each block names the function it follows.

const m = bootTestMachine();
const T = m.initThread;
const cnode = rootCNodeOf(m.state, T) ?? expect.fail("the initial thread has a root CNode");
const slot = (i: number) => slotAddress(m.state, cnode, i);
const capAt = (s: KernelState, i: number) => getCap(s, slot(i));

describe("fidelity: where capsim used to disagree with seL4", () => {
  describe("lookupSlotForCNodeOp: a walk that stops early reports DepthMismatch with bitsLeft = the unresolved bits, bitsFound = 0", () => {
    // Slot 300: the root CNode minted with data 0, so guard size 0 and radix 12. Looked up with
    // depth 20 through it, the top 12 bits pick a slot and 8 bits remain.
    const s0 = expectOkState(call(m.state, T, CNODE, "CNodeMint", [300, 32, CNODE, 32, 0xf, 0], [CNODE]));

    it("destination: the walk reaches the ASID control cap with 8 bits left", () => {
      const r = call(s0, T, 300, "CNodeCopy", [(5 << 8) | 0x12, 20, 1, 32, 0xf], [CNODE]);
      expectError(s0, r, {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "DepthMismatch", bitsLeft: 8, bitsFound: 0 },
      });
      expect(r.reply.kind === "error" && r.reply.mrs).to.deep.equal([0, 3, 8, 0]);
    });

    it("destination: an empty slot stops the walk the same way", () => {
      const r = call(s0, T, 300, "CNodeCopy", [(301 << 8) | 0x12, 20, 1, 32, 0xf], [CNODE]);
      expectError(s0, r, {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "DepthMismatch", bitsLeft: 8, bitsFound: 0 },
      });
    });

    it("source: the walk reaches the TCB cap with 8 bits left", () => {
      const r = call(s0, T, CNODE, "CNodeCopy", [302, 32, 1 << 8, 20, 0xf], [300]);
      expectError(s0, r, {
        error: "FailedLookup",
        failedLookupWasSource: true,
        lookupFailure: { kind: "DepthMismatch", bitsLeft: 8, bitsFound: 0 },
      });
      expect(r.reply.kind === "error" && r.reply.mrs).to.deep.equal([1, 3, 8, 0]);
    });

    it("Retype's destination node: the same fault, before the not-a-CNode check", () => {
      const u = bigUntyped(m, 12);
      const r = call(s0, T, u, "UntypedRetype", [objectTypeNumber("seL4_EndpointObject"), 0, 0x100, 20, 0, 1], [300]);
      expectError(s0, r, {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "DepthMismatch", bitsLeft: 8, bitsFound: 0 },
      });
    });

    it("lookupSlot (the invoked cap) ignores leftover bits, as seL4's does", () => {
      const s1 = expectOkState(call(s0, T, SLOT.InitThreadTCB, "TCBSetSpace", [0, 0, 0], [300, SLOT.InitThreadVSpace]));
      // With the guard-0 root, CPtr (9 << 20) | 0x12345 resolves slot 9 with 20 bits unused.
      const r = call(s1, T, (9 << 20) | 0x12345, "ARMPageGetAddress");
      expect(expectOk(r).mrs).to.deep.equal([(capAt(s1, SLOT.BootInfoFrame) as { paddr: PhysAddr }).paddr]);
    });
  });

  describe("cteInsert -> setUntypedCapAsFull: copying an untyped cap marks the source full", () => {
    const U = bigUntyped(m, 22);
    const uBits = (capAt(m.state, U) as { sizeBits: number }).sizeBits;
    const P = (capAt(m.state, U) as { paddr: PhysAddr }).paddr;
    // U hands out one endpoint, which is then deleted: no children, free index 16.
    let s0 = retype(m, U, "seL4_EndpointObject", 0, 310);
    s0 = expectOkState(call(s0, T, CNODE, "CNodeDelete", [310, 32]));

    it("Copy: the source's free index goes to the end of the region; the copy keeps the old one and is the source's child", () => {
      const r = call(s0, T, CNODE, "CNodeCopy", [311, 32, U, 32, 0xf], [CNODE]);
      expectOk(r);
      expect(capAt(r.state, U)).to.deep.equal({
        type: "Untyped",
        paddr: P,
        sizeBits: uBits,
        isDevice: false,
        freeIndex: 2 ** uBits,
      });
      expect(capAt(r.state, 311)).to.deep.equal({
        type: "Untyped",
        paddr: P,
        sizeBits: uBits,
        isDevice: false,
        freeIndex: 16,
      });
      expect(childrenOf(r.state, slot(U))).to.deep.equal([slot(311)]);
    });

    it("then the source has no memory left and the copy allocates from the start (reset)", () => {
      const s1 = expectOkState(call(s0, T, CNODE, "CNodeCopy", [311, 32, U, 32, 0xf], [CNODE]));
      const ep = objectTypeNumber("seL4_EndpointObject");
      expectError(s1, call(s1, T, U, "UntypedRetype", [ep, 0, 0, 0, 312, 1], [CNODE]), {
        error: "NotEnoughMemory",
        memoryLeft: 0,
      });
      const r = call(s1, T, 311, "UntypedRetype", [ep, 0, 0, 0, 312, 1], [CNODE]);
      expectOk(r);
      expect(capAt(r.state, 312)).to.include({ type: "Endpoint", paddr: P });
      expect(capAt(r.state, 311)).to.include({ freeIndex: 16 });
    });

    it("Mint does the same", () => {
      const r = call(s0, T, CNODE, "CNodeMint", [311, 32, U, 32, 0xf, 7], [CNODE]);
      expectOk(r);
      expect(capAt(r.state, U)).to.include({ freeIndex: 2 ** uBits });
      expect(capAt(r.state, 311)).to.include({ freeIndex: 16 });
    });

    it("the property kit catches the state the old copy made (untyped_inc), where the other invariants miss two frames at one address", () => {
      // The old behaviour, rebuilt by hand: the copy goes in without marking the source full.
      const copied = expectOkState(call(s0, T, CNODE, "CNodeCopy", [311, 32, U, 32, 0xf], [CNODE]));
      const unmarked = transition(copied, (d) => {
        updateCap(d, slot(U), { ...(capAt(copied, U) as UntypedCap), freeIndex: 16 });
      });
      const ep = objectTypeNumber("seL4_EndpointObject");
      const page = objectTypeNumber("seL4_ARM_SmallPageObject");
      const one = expectOkState(call(unmarked, T, 311, "UntypedRetype", [ep, 0, 0, 0, 312, 1], [CNODE]));
      const both = expectOkState(call(one, T, U, "UntypedRetype", [page, 0, 0, 0, 313, 1], [CNODE]));
      expect(checkAll(unmarked).map((v) => v.invariant)).to.deep.equal(["untyped_inc"]);
      // Two frames at the same address replace each other in the store: only untyped_inc sees it.
      const twoFrames = expectOkState(call(unmarked, T, 311, "UntypedRetype", [page, 0, 0, 0, 314, 2], [CNODE]));
      const clash = expectOkState(call(twoFrames, T, U, "UntypedRetype", [page, 0, 0, 0, 316, 1], [CNODE]));
      expect(checkAll(clash).map((v) => v.invariant)).to.deep.equal(["untyped_inc"]);
      expect(checkAll(both).map((v) => v.invariant)).to.include("untyped_inc");
    });

    it("Move does not (cteMove never marks)", () => {
      const r = call(s0, T, CNODE, "CNodeMove", [313, 32, U, 32], [CNODE]);
      expectOk(r);
      expect(capAt(r.state, 313)).to.include({
        type: "Untyped",
        freeIndex: 16,
      });
      expect(capAt(r.state, U).type).to.equal("Null");
    });
  });

  describe("performASIDControlInvocation: the pool cap is a child of the untyped but not revocable", () => {
    const u12 = retype(m, bigUntyped(m, 22), "seL4_UntypedObject", 12, 320);
    const s0 = expectOkState(call(u12, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [321, 32], [320, CNODE]));

    it("MakePool puts a non-original pool cap under the untyped; its copies are its siblings", () => {
      expect(getCTE(s0, slot(321))).to.deep.include({
        parent: slot(320),
        original: false,
      });
      expect(capAt(s0, 321)).to.include({ type: "ASIDPool", asidBase: 1024 });
      const s1 = expectOkState(call(s0, T, CNODE, "CNodeCopy", [322, 32, 321, 32, 0xf], [CNODE]));
      expect(childrenOf(s1, slot(321))).to.deep.equal([]);
      expect(childrenOf(s1, slot(320))).to.have.members([slot(321), slot(322)]);
    });

    it("revoking the pool cap deletes nothing", () => {
      const s1 = expectOkState(call(s0, T, CNODE, "CNodeCopy", [322, 32, 321, 32, 0xf], [CNODE]));
      const r = call(s1, T, CNODE, "CNodeRevoke", [321, 32]);
      expectOk(r);
      expect(capAt(r.state, 322)).to.include({
        type: "ASIDPool",
        asidBase: 1024,
      });
      expect(r.state.asidTable.get(1)).to.equal(s0.asidTable.get(1));
    });

    it("revoking the untyped deletes both pool caps and frees the ASID table entry; MakePool then works again", () => {
      const s1 = expectOkState(call(s0, T, CNODE, "CNodeCopy", [322, 32, 321, 32, 0xf], [CNODE]));
      const r = call(s1, T, CNODE, "CNodeRevoke", [320, 32]);
      expectOk(r);
      expect(capAt(r.state, 321).type).to.equal("Null");
      expect(capAt(r.state, 322).type).to.equal("Null");
      expect(r.state.asidTable.has(1)).to.equal(false);
      expect(capAt(r.state, 320)).to.include({ freeIndex: 4096 });
      const again = call(r.state, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [323, 32], [320, CNODE]);
      expectOk(again);
      expect(capAt(again.state, 323)).to.include({
        type: "ASIDPool",
        asidBase: 1024,
      });
    });

    it("the boot pool's cap is revocable: revoking it deletes its copies", () => {
      const s1 = expectOkState(
        call(m.state, T, CNODE, "CNodeCopy", [330, 32, SLOT.InitThreadASIDPool, 32, 0xf], [CNODE]),
      );
      const r = call(s1, T, CNODE, "CNodeRevoke", [SLOT.InitThreadASIDPool, 32]);
      expectOk(r);
      expect(capAt(r.state, 330).type).to.equal("Null");
    });
  });

  describe("decodeSetSpace -> slotCapLongRunningDelete: IllegalOperation while the CTable or VTable holds a final CNode or TCB cap", () => {
    const U = bigUntyped(m, 22);
    let s0 = retype(m, U, "seL4_TCBObject", 0, 330);
    s0 = retype({ state: s0, initThread: T }, U, "seL4_CapTableObject", 4, 331);
    s0 = expectOkState(call(s0, T, 330, "TCBSetSpace", [0, 0, 0], [331, SLOT.InitThreadVSpace]));
    const withFinal = expectOkState(call(s0, T, CNODE, "CNodeDelete", [331, 32]));

    it("the TCB's CSpace slot holds the last cap to a CNode: IllegalOperation, nothing deleted", () => {
      expectError(withFinal, call(withFinal, T, 330, "TCBSetSpace", [0, 0, 0], [CNODE, SLOT.InitThreadVSpace]), {
        error: "IllegalOperation",
      });
    });

    it("the check comes before deriving the new roots (an untyped with children would be RevokeFirst)", () => {
      const withChild = retype({ state: withFinal, initThread: T }, U, "seL4_EndpointObject", 0, 332);
      expectError(withChild, call(withChild, T, 330, "TCBSetSpace", [0, 0, 0], [U, SLOT.InitThreadVSpace]), {
        error: "IllegalOperation",
      });
      const control = retype({ state: s0, initThread: T }, U, "seL4_EndpointObject", 0, 332);
      expectError(control, call(control, T, 330, "TCBSetSpace", [0, 0, 0], [U, SLOT.InitThreadVSpace]), {
        error: "RevokeFirst",
      });
    });

    it("TruncatedMessage still comes first", () => {
      expectError(withFinal, call(withFinal, T, 330, "TCBSetSpace", [0, 0], [CNODE, SLOT.InitThreadVSpace]), {
        error: "TruncatedMessage",
      });
    });

    it("a CSpace slot whose CNode has other caps is fine", () => {
      expectOk(call(s0, T, 330, "TCBSetSpace", [0, 0, 0], [CNODE, SLOT.InitThreadVSpace]));
      expectOk(call(m.state, T, SLOT.InitThreadTCB, "TCBSetSpace", [0, 0, 0], [CNODE, SLOT.InitThreadVSpace]));
    });
  });

  describe("cteRevoke deletes in seL4's MDB order: each cap after the one it came from, later inserts first, parents before their descendants", () => {
    it("revoking an untyped unmaps its frames in list order (the reply's effects show it)", () => {
      const U = bigUntyped(m, 22);
      let s = retype(m, U, "seL4_ARM_PageTableObject", 0, 350);
      s = expectOkState(call(s, T, 350, "ARMPageTableMap", [0x20000000, 3], [SLOT.InitThreadVSpace]));
      // One Retype makes A (351) then B (352); seL4's insertNewCap puts each right after the
      // untyped, so the list reads U, B, A, ... ; A' (353), a copy of A, goes right after A.
      s = retype({ state: s, initThread: T }, U, "seL4_ARM_SmallPageObject", 0, 351, 2);
      s = expectOkState(call(s, T, CNODE, "CNodeCopy", [353, 32, 351, 32, 0xf], [CNODE]));
      for (const [frame, vaddr] of [
        [351, 0x20001000],
        [352, 0x20002000],
        [353, 0x20003000],
      ] as const) {
        s = expectOkState(call(s, T, frame, "ARMPageMap", [vaddr, 3, 3], [SLOT.InitThreadVSpace]));
      }
      const r = call(s, T, CNODE, "CNodeRevoke", [U, 32]);
      const flushed = expectOk(r).effects.flatMap((e) => (e.kind === "tlbFlushPage" ? [e.vaddr] : []));
      // The page table (350) was inserted first, so it comes last: B, A, A', then the table.
      expect(flushed).to.deep.equal([0x20002000, 0x20001000, 0x20003000]);
      expect(expectOk(r).effects.filter((e) => e.kind === "tlbFlushASID")).to.have.length(1);
    });

    it("a move keeps the cap's place; a copy of a copy goes right after its source", () => {
      const U = bigUntyped(m, 22);
      let s = retype(m, U, "seL4_EndpointObject", 0, 360);
      s = expectOkState(call(s, T, CNODE, "CNodeMint", [361, 32, 360, 32, 0xf, 5], [CNODE])); // a badged original child of 360
      s = expectOkState(call(s, T, CNODE, "CNodeCopy", [362, 32, 361, 32, 0xf], [CNODE])); // a child of 361
      s = expectOkState(call(s, T, CNODE, "CNodeMove", [300, 32, 361, 32], [CNODE])); // 361's place, now at slot 300
      const order: number[] = [];
      const probe = transition(s, (d) => {
        cteRevoke(d, slot(360), (_s, cap, at) => void order.push((at - slot(0)) / 16));
      });
      expect(order).to.deep.equal([300, 362]);
      expect(capAt(probe, 300).type).to.equal("Null");
    });
  });

  describe("flushPage, flushTable, performPageFlush and performPDFlush switch to the target address space (setVMRootForFlush)", () => {
    // A second address space: PD 340 with ASID 2 (ASID 1 is the initial thread's), a page table
    // at 0x10000000 and a small page in it. Mapping allocates no hardware ASID: only loading does.
    const setUp = (api: "current" | "legacy") => {
      const lm = bootTestMachine({ api });
      const U = bigUntyped(lm, 22);
      let s = retype(lm, U, "seL4_ARM_PageDirectoryObject", 0, 340);
      s = retype({ state: s, initThread: lm.initThread }, U, "seL4_ARM_PageTableObject", 0, 341);
      s = retype({ state: s, initThread: lm.initThread }, U, "seL4_ARM_SmallPageObject", 0, 342);
      s = expectOkState(call(s, lm.initThread, SLOT.InitThreadASIDPool, "ARMASIDPoolAssign", [], [340]));
      s = expectOkState(call(s, lm.initThread, 341, "ARMPageTableMap", [0x10000000, 3], [340]));
      s = expectOkState(call(s, lm.initThread, 342, "ARMPageMap", [0x10000000, 3, 3], [340]));
      return { s, T: lm.initThread };
    };
    const { s: s0 } = setUp("current");
    const initPD = (capAt(m.state, SLOT.InitThreadVSpace) as { paddr: PhysAddr }).paddr;
    const hwState = (s: KernelState) => ({
      asidMap: s.asidMap.toJSON(),
      hwASIDTable: s.hwASIDTable.toJSON(),
      nextHWASID: s.nextHWASID,
      loadedVSpace: s.loadedVSpace,
    });
    const effectsOf = (r: ReturnType<typeof call>) =>
      expectOk(r).effects.map((e) =>
        "why" in e ? Object.fromEntries(Object.entries(e).filter(([k]) => k !== "why")) : e,
      );

    it("after boot and the setup, only ASID 1 holds a hardware ASID (0) and the initial directory is loaded", () => {
      expect(capAt(s0, 340)).to.include({
        type: "PageDirectory",
        mappedASID: 2,
      });
      expect(hwState(s0)).to.deep.equal({
        asidMap: { 1: 0 },
        hwASIDTable: { 0: 1 },
        nextHWASID: 0,
        loadedVSpace: { pd: initPD, hwASID: 0 },
      });
    });

    for (const api of ["current", "legacy"] as const) {
      it(`Page_Unmap in a directory that is not the current one: ASID 2 gets hardware ASID 1, its page is flushed, the initial directory is loaded again (${api})`, () => {
        const { s, T: t } = setUp(api);
        const r = call(s, t, 342, "ARMPageUnmap");
        expect(effectsOf(r)).to.deep.equal([{ kind: "tlbFlushPage", asid: 2, hwASID: 1, vaddr: 0x10000000 }]);
        expect(hwState(r.state)).to.deep.equal({
          asidMap: { 1: 0, 2: 1 },
          hwASIDTable: { 0: 1, 1: 2 },
          nextHWASID: 0,
          loadedVSpace: { pd: initPD, hwASID: 0 },
        });
      });
    }

    it("deleting the mapped frame cap (Arch_finaliseCap -> unmapPage) does the same", () => {
      const r = call(s0, T, CNODE, "CNodeDelete", [342, 32]);
      expect(effectsOf(r)).to.deep.equal([{ kind: "tlbFlushPage", asid: 2, hwASID: 1, vaddr: 0x10000000 }]);
      expect(hwState(r.state)).to.deep.equal({
        asidMap: { 1: 0, 2: 1 },
        hwASIDTable: { 0: 1, 1: 2 },
        nextHWASID: 0,
        loadedVSpace: { pd: initPD, hwASID: 0 },
      });
    });

    it("unmapPage that finds nothing to clear does not flush, so does not switch", () => {
      const s1 = expectOkState(call(s0, T, 341, "ARMPageTableUnmap"));
      const r = call(s1, T, 342, "ARMPageUnmap");
      expect(effectsOf(r)).to.deep.equal([]);
      expect(r.state.asidMap).to.equal(s1.asidMap);
    });

    it("in the current thread's own directory there is no switch: the flush uses the hardware ASID it already holds", () => {
      const s1 = retype({ state: m.state, initThread: T }, bigUntyped(m, 22), "seL4_ARM_SectionObject", 0, 343);
      const s2 = expectOkState(call(s1, T, 343, "ARMPageMap", [0x20000000, 3, 3], [SLOT.InitThreadVSpace]));
      const r = call(s2, T, 343, "ARMPageUnmap");
      expect(effectsOf(r)).to.deep.equal([{ kind: "tlbFlushPage", asid: 1, hwASID: 0, vaddr: 0x20000000 }]);
      expect(hwState(r.state)).to.deep.equal(hwState(s2));
    });

    for (const api of ["current", "legacy"] as const) {
      it(`PageTable_Unmap (flushTable): ASID 2 gets hardware ASID 1 and all its lines are flushed (${api})`, () => {
        const { s, T: t } = setUp(api);
        const r = call(s, t, 341, "ARMPageTableUnmap");
        expect(effectsOf(r)).to.deep.equal([{ kind: "tlbFlushASID", asid: 2, hwASID: 1 }]);
        expect(hwState(r.state)).to.deep.equal({
          asidMap: { 1: 0, 2: 1 },
          hwASIDTable: { 0: 1, 1: 2 },
          nextHWASID: 0,
          loadedVSpace: { pd: initPD, hwASID: 0 },
        });
      });
    }

    it("deleting the last page table cap while mapped (Arch_finaliseCap -> unmapPageTable) flushes the same way", () => {
      const r = call(s0, T, CNODE, "CNodeDelete", [341, 32]);
      expect(effectsOf(r)).to.deep.equal([{ kind: "tlbFlushASID", asid: 2, hwASID: 1 }]);
      expect(r.state.asidMap.toJSON()).to.deep.equal({ 1: 0, 2: 1 });
    });

    it("Page_Clean_Data over a page: switches (ASID 2 gets hardware ASID 1), no TLB effect, switches back", () => {
      const r = call(s0, T, 342, "ARMPageClean_Data", [0, 0x1000]);
      expect(effectsOf(r).map((e) => e.kind)).to.deep.equal(["cacheMaintenance"]);
      expect(hwState(r.state)).to.deep.equal({
        asidMap: { 1: 0, 2: 1 },
        hwASIDTable: { 0: 1, 1: 2 },
        nextHWASID: 0,
        loadedVSpace: { pd: initPD, hwASID: 0 },
      });
    });

    it("a one-byte range does nothing at all (seL4 flushes only when start < end - 1): no switch, no allocation", () => {
      const r = call(s0, T, 342, "ARMPageClean_Data", [0, 1]);
      expect(effectsOf(r).map((e) => e.kind)).to.deep.equal(["note"]);
      expect(hwState(r.state)).to.deep.equal(hwState(s0));
      const pd = call(s0, T, 340, "ARMPDClean_Data", [0x10000000, 0x10000001]);
      expect(effectsOf(pd).map((e) => e.kind)).to.deep.equal(["note"]);
      expect(pd.state.asidMap).to.equal(s0.asidMap);
    });

    it("PD_Clean_Data: switches over a mapped range; where nothing is mapped it returns before perform, with no allocation", () => {
      const r = call(s0, T, 340, "ARMPDClean_Data", [0x10000000, 0x10001000]);
      expect(effectsOf(r)).to.deep.equal([
        {
          kind: "cacheMaintenance",
          operation: "Clean_Data",
          vstart: 0x10000000,
          vend: 0x10000fff,
          pstart: (capAt(s0, 342) as { paddr: PhysAddr }).paddr,
        },
      ]);
      expect(r.state.asidMap.toJSON()).to.deep.equal({ 1: 0, 2: 1 });
      expect(r.state.loadedVSpace).to.deep.equal({ pd: initPD, hwASID: 0 });
      const none = call(s0, T, 340, "ARMPDClean_Data", [0x20000000, 0x20001000]);
      expectOk(none);
      expect(hwState(none.state)).to.deep.equal(hwState(s0));
    });

    it("a current thread with no valid VSpace: the switch back loads the global directory and CONTEXTIDR keeps the target's hardware ASID", () => {
      // A fresh TCB (empty tcbVTable) is made current; setVMRoot loads the global directory.
      const s1 = retype({ state: s0, initThread: T }, bigUntyped(m, 22), "seL4_TCBObject", 0, 344);
      const tcb = (capAt(s1, 344) as { paddr: PhysAddr }).paddr;
      const s2 = transition(s1, (d) => {
        d.currentThread = tcb;
        setVMRoot(d, tcb);
      });
      expect(s2.loadedVSpace).to.deep.equal({ pd: s2.globalPD, hwASID: 0 });
      const r = call(s2, T, 342, "ARMPageUnmap");
      expect(effectsOf(r)).to.deep.equal([{ kind: "tlbFlushPage", asid: 2, hwASID: 1, vaddr: 0x10000000 }]);
      expect(r.state.loadedVSpace).to.deep.equal({
        pd: s2.globalPD,
        hwASID: 1,
      });
    });

    it("all 256 hardware ASIDs taken: the switch steals the current thread's, and the switch back steals the next one", () => {
      // ASIDs 1001..1255 take hardware ASIDs 1..255 in order; nextHWASID stays 0.
      const full = transition(s0, (d) => {
        for (let a = 1001; a <= 1255; a++) getHWASID(d, asid(a));
      });
      expect(full.nextHWASID).to.equal(0);
      const r = call(full, T, 342, "ARMPageUnmap");
      expect(effectsOf(r)).to.deep.equal([
        { kind: "tlbFlushASID", asid: 1, hwASID: 0 },
        { kind: "tlbFlushPage", asid: 2, hwASID: 0, vaddr: 0x10000000 },
        { kind: "tlbFlushASID", asid: 1001, hwASID: 1 },
      ]);
      expect(r.state.asidMap.get(asid(2))).to.equal(0);
      expect(r.state.asidMap.get(asid(1))).to.equal(1);
      expect(r.state.asidMap.has(asid(1001))).to.equal(false);
      const table = r.state.hwASIDTable.toJSON();
      expect([table[0], table[1]]).to.deep.equal([2, 1]);
      for (let hw = 2; hw <= 255; hw++) expect(table[hw]).to.equal(1000 + hw);
      expect(r.state.nextHWASID).to.equal(2);
      expect(r.state.loadedVSpace).to.deep.equal({ pd: initPD, hwASID: 1 });
    });
  });

  describe("object type numbers are ABI and differ between API generations (libsel4 objecttype.h)", () => {
    const created = (api: "current" | "legacy", n: number) => {
      const lm = bootTestMachine({ api });
      const r = call(lm.state, lm.initThread, bigUntyped(lm, 22), "UntypedRetype", [n, 0, 0, 0, 340, 1], [CNODE]);
      const cnodeOf = rootCNodeOf(r.state, lm.initThread) ?? expect.fail("root CNode");
      return r.reply.kind === "ok" ? getCap(r.state, slotAddress(r.state, cnodeOf, 340)) : r.reply;
    };

    it("legacy (10.1.1-12.1.0): SmallPage 5 ... PageTable 9, PageDirectory 10", () => {
      expect(created("legacy", 5)).to.include({
        type: "Frame",
        size: "SmallPage",
      });
      expect(created("legacy", 9)).to.include({ type: "PageTable" });
      expect(created("legacy", 10)).to.include({ type: "PageDirectory" });
    });

    it("current (13.0.0 on): PageDirectory 5, SmallPage 6 ... PageTable 10", () => {
      expect(created("current", 5)).to.include({ type: "PageDirectory" });
      expect(created("current", 6)).to.include({
        type: "Frame",
        size: "SmallPage",
      });
      expect(created("current", 10)).to.include({ type: "PageTable" });
    });

    it("11 is past seL4_ObjectTypeCount in both: InvalidArgument 0", () => {
      for (const api of ["current", "legacy"] as const)
        expect(created(api, 11)).to.deep.include({ kind: "error", mrs: [0] });
    });
  });

  describe("seL4_TCBBits is 10 in the default ARM32 build (CONFIG_HAVE_FPU; libsel4 sel4_arch/constants.h)", () => {
    // A fresh 2^12 untyped at P in slot 350 (made by Retype, so its free index is 0).
    const U = 350;
    const fresh = retype(m, bigUntyped(m, 22), "seL4_UntypedObject", 12, U);
    const P = (capAt(fresh, U) as { paddr: number }).paddr;
    const TCB = objectTypeNumber("seL4_TCBObject", "current");
    const EP = objectTypeNumber("seL4_EndpointObject", "current");

    it("four TCBs fill 4 KiB: at P, P+0x400, P+0x800, P+0xC00, free index 4096", () => {
      const s = expectOkState(call(fresh, T, U, "UntypedRetype", [TCB, 0, 0, 0, 360, 4], [CNODE]));
      expect([360, 361, 362, 363].map((i) => (capAt(s, i) as { paddr: number }).paddr - P)).to.deep.equal([
        0, 0x400, 0x800, 0xc00,
      ]);
      expect(capAt(s, U)).to.include({ freeIndex: 4096 });
    });

    it("five do not fit: NotEnoughMemory, memoryLeft 4096", () => {
      expectError(fresh, call(fresh, T, U, "UntypedRetype", [TCB, 0, 0, 0, 360, 5], [CNODE]), {
        error: "NotEnoughMemory",
        memoryLeft: 4096,
      });
    });

    it("an endpoint, then a TCB: the TCB is aligned to P+0x400, free index 2048; three more do not fit (memoryLeft 2048)", () => {
      const s1 = expectOkState(call(fresh, T, U, "UntypedRetype", [EP, 0, 0, 0, 360, 1], [CNODE]));
      const s2 = expectOkState(call(s1, T, U, "UntypedRetype", [TCB, 0, 0, 0, 361, 1], [CNODE]));
      expect((capAt(s2, 361) as { paddr: number }).paddr).to.equal(P + 0x400);
      expect(capAt(s2, U)).to.include({ freeIndex: 2048 });
      expectError(s2, call(s2, T, U, "UntypedRetype", [TCB, 0, 0, 0, 362, 3], [CNODE]), {
        error: "NotEnoughMemory",
        memoryLeft: 2048,
      });
    });
  });
});

function expectOkState(r: ReturnType<typeof call>): KernelState {
  expectOk(r);
  return r.state;
}
