import { expect } from "chai";
import { pptr, type PhysAddr, type VirtAddr } from "../../../src/model/addresses.ts";
import { capAt } from "../../../src/kernel/cspace.ts";
import type { KernelState, MachineConfig } from "../../../src/model/state.ts";
import { transition } from "../../../src/model/transition.ts";
import { objectTypeNumber, type ObjectTypeName } from "../../../src/arch/aarch32/objectTypes.ts";
import { mmuTranslate } from "../../../src/arch/aarch32/mmu.ts";
import { setVMRoot } from "../../../src/arch/aarch32/vmRoot.ts";
import { resolve } from "../../../src/arch/aarch32/walk.ts";
import { capOf } from "../../helpers/caps.ts";
import { bigUntyped, bootTestMachine, call, CNODE, expectError, expectOk, SLOT } from "../../helpers/machine.ts";
import { entriesOf } from "../../../src/kernel/store.ts";

const PD = SLOT.InitThreadVSpace;
const RW = 3;
const ATTR = 3;

/** A machine with: 100-103 small frames, 104 large, 105 section, 106 supersection, 110-111 page tables, 112 a PD without ASID, 113 a 4 KiB untyped. */
function world(config: Partial<MachineConfig> = {}) {
  const m = bootTestMachine(config);
  const T = m.initThread;
  const u = bigUntyped(m, 26);
  let s = m.state;
  const mk = (type: ObjectTypeName, dest: number, count: number, size = 0) => {
    const r = call(s, T, u, "UntypedRetype", [objectTypeNumber(type, s.config.api), size, 0, 0, dest, count], [CNODE]);
    expectOk(r);
    s = r.state;
  };
  mk("seL4_ARM_SuperSectionObject", 106, 1);
  mk("seL4_ARM_SectionObject", 105, 1);
  mk("seL4_ARM_LargePageObject", 104, 1);
  mk("seL4_ARM_SmallPageObject", 100, 4);
  mk("seL4_ARM_PageTableObject", 110, 2);
  mk("seL4_ARM_PageDirectoryObject", 112, 1);
  mk("seL4_UntypedObject", 113, 1, 12);
  const cap = (st: KernelState, i: number) => capAt(st, T, i);
  const pd = capOf(s, T, PD, "PageDirectory").paddr;
  return { m, T, s, cap, pd };
}

describe("ARM VSpace invocations", () => {
  const w = world();
  const { T, cap, pd } = w;
  const withPT =
    expectOk(call(w.s, T, 110, "ARMPageTableMap", [0x10000000, ATTR], [PD])) &&
    call(w.s, T, 110, "ARMPageTableMap", [0x10000000, ATTR], [PD]).state;

  describe("PageTable_Map", () => {
    it("points the directory slot at the table and records the 1 MiB base in the cap", () => {
      const r = call(w.s, T, 110, "ARMPageTableMap", [0x10012345, ATTR], [PD]);
      expectOk(r);
      expect(cap(r.state, 110)).to.deep.include({
        mapping: { asid: 1, vaddr: 0x10000000 },
      });
      expect(resolve(r.state, pd, 0x10000000 as VirtAddr)).to.deep.equal({
        mapped: false,
        level: "PageTable",
      });
    });
    it("IllegalOperation for a foreign label", () =>
      expectError(w.s, call(w.s, T, 110, "ARMPageMap", [0, 0, 0], [PD]), {
        error: "IllegalOperation",
      }));
    it("TruncatedMessage", () =>
      expectError(w.s, call(w.s, T, 110, "ARMPageTableMap", [0x10000000], [PD]), { error: "TruncatedMessage" }));
    it("InvalidCapability 0 when already mapped", () =>
      expectError(withPT, call(withPT, T, 110, "ARMPageTableMap", [0x20000000, ATTR], [PD]), {
        error: "InvalidCapability",
        invalidCapNumber: 0,
      }));
    it("InvalidCapability 1 for a PD without ASID", () =>
      expectError(w.s, call(w.s, T, 110, "ARMPageTableMap", [0x10000000, ATTR], [112]), {
        error: "InvalidCapability",
        invalidCapNumber: 1,
      }));
    it("InvalidArgument 0 at USER_TOP", () =>
      expectError(w.s, call(w.s, T, 110, "ARMPageTableMap", [0xe0000000, ATTR], [PD]), {
        error: "InvalidArgument",
        argumentNumber: 0,
      }));
    it("DeleteFirst over a table", () =>
      expectError(withPT, call(withPT, T, 111, "ARMPageTableMap", [0x10080000, ATTR], [PD]), { error: "DeleteFirst" }));
    it("FailedLookup when the directory's ASID is gone", () => {
      const gone = transition(w.s, (d) => {
        d.asidTable = d.asidTable.delete(0);
      });
      expectError(gone, call(gone, T, 110, "ARMPageTableMap", [0x10000000, ATTR], [PD]), {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "InvalidRoot" },
      });
    });
  });

  describe("PageTable_Unmap", () => {
    it("removes the table from its directory and zeroes it", () => {
      let s =
        expectOk(call(withPT, T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [PD])) &&
        call(withPT, T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [PD]).state;
      const r = call(s, T, 110, "ARMPageTableUnmap");
      expectOk(r);
      s = r.state;
      expect(resolve(s, pd, 0x10000000 as VirtAddr)).to.deep.equal({
        mapped: false,
        level: "PageDirectory",
      });
      expect(cap(s, 110)).to.include({ mapping: null });
      const pt = s.objects.get(capOf(s, T, 110, "PageTable").paddr);
      expect(pt?.type === "PageTable" && entriesOf(s, pt).size).to.equal(0);
    });
    it("RevokeFirst when another cap to the table exists", () => {
      const r = call(withPT, T, CNODE, "CNodeCopy", [120, 32, 110, 32, 15], [CNODE]);
      expectError(r.state, call(r.state, T, 110, "ARMPageTableUnmap"), {
        error: "RevokeFirst",
      });
    });
  });

  describe("Page_Map (current API)", () => {
    it("maps, then remaps in place with new rights when called again at the same address", () => {
      let r = call(withPT, T, 100, "ARMPageMap", [0x10001000, RW, ATTR], [PD]);
      expectOk(r);
      r = call(r.state, T, 100, "ARMPageMap", [0x10001000, 2, ATTR], [PD]);
      expectOk(r);
      const got = resolve(r.state, pd, 0x10001000 as VirtAddr);
      expect(got.mapped && got.rights).to.equal("VMReadOnly");
    });
    it("flushes the ASID's TLB lines only when the slot held a valid entry (performPageInvocationMapPTE)", () => {
      // seL4 reads the first slot's type before writing and calls invalidateTLBByASID when it was
      // not invalid: a first map flushes nothing, a remap over the map flushes once.
      const flushes = (r: ReturnType<typeof call>) =>
        expectOk(r).effects.filter((e) => e.kind === "tlbFlushASID" || e.kind === "tlbFlushAll");
      const first = call(withPT, T, 100, "ARMPageMap", [0x10001000, RW, ATTR], [PD]);
      expect(flushes(first)).to.deep.equal([]);
      const again = call(first.state, T, 100, "ARMPageMap", [0x10001000, 2, ATTR], [PD]);
      expect(flushes(again).map((e) => e.kind)).to.deep.equal(["tlbFlushASID"]);
      const unmapped = call(again.state, T, 100, "ARMPageUnmap", []);
      const third = call(unmapped.state, T, 100, "ARMPageMap", [0x10001000, RW, ATTR], [PD]);
      expect(flushes(third)).to.deep.equal([]);
    });
    it("TruncatedMessage", () =>
      expectError(withPT, call(withPT, T, 100, "ARMPageMap", [0x10000000, RW], [PD]), { error: "TruncatedMessage" }));
    it("InvalidCapability 1 for a non-PD vspace", () =>
      expectError(withPT, call(withPT, T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [110]), {
        error: "InvalidCapability",
        invalidCapNumber: 1,
      }));
    it("InvalidArgument 0 for the same cap at another address", () => {
      const s = call(withPT, T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [PD]).state;
      expectError(s, call(s, T, 100, "ARMPageMap", [0x10002000, RW, ATTR], [PD]), {
        error: "InvalidArgument",
        argumentNumber: 0,
      });
    });
    it("InvalidArgument 0 when the frame would reach USER_TOP", () =>
      expectError(w.s, call(w.s, T, 106, "ARMPageMap", [0xdf800000, RW, ATTR], [PD]), {
        error: "InvalidArgument",
        argumentNumber: 0,
      }));
    it("AlignmentError before FailedLookup", () =>
      expectError(w.s, call(w.s, T, 104, "ARMPageMap", [0x10001000, RW, ATTR], [PD]), { error: "AlignmentError" }));
    it("FailedLookup MissingCapability 20 without a page table", () =>
      expectError(w.s, call(w.s, T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [PD]), {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "MissingCapability", bitsLeft: 20 },
      }));
    it("DeleteFirst: a large page over a small one, a section over a table, a supersection over a section", () => {
      let s = call(withPT, T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [PD]).state;
      expectError(s, call(s, T, 104, "ARMPageMap", [0x10000000, RW, ATTR], [PD]), { error: "DeleteFirst" });
      expectError(s, call(s, T, 105, "ARMPageMap", [0x10000000, RW, ATTR], [PD]), { error: "DeleteFirst" });
      s = call(s, T, 105, "ARMPageMap", [0x21000000, RW, ATTR], [PD]).state;
      expectError(s, call(s, T, 106, "ARMPageMap", [0x21000000, RW, ATTR], [PD]), { error: "DeleteFirst" });
    });
    it("a write-only request maps kernel-only; a large page fills 16 slots", () => {
      const r = call(withPT, T, 104, "ARMPageMap", [0x10010000, 1, ATTR], [PD]);
      expectOk(r);
      const got = resolve(r.state, pd, 0x1001f000 as VirtAddr);
      expect(got.mapped && got.rights).to.equal("VMKernelOnly");
      const pt = r.state.objects.get(capOf(r.state, T, 110, "PageTable").paddr);
      expect(pt?.type === "PageTable" && entriesOf(r.state, pt).size).to.equal(16);
    });
  });

  describe("Page_Map and Page_Remap (legacy 10.x API)", () => {
    const l = world({ api: "legacy" });
    const lpt = call(l.s, l.T, 110, "ARMPageTableMap", [0x10000000, ATTR], [PD]).state;
    it("InvalidCapability 0 on a mapped cap, even at the same address", () => {
      const s = call(lpt, l.T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [PD]).state;
      expectError(s, call(s, l.T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [PD]), {
        error: "InvalidCapability",
        invalidCapNumber: 0,
      });
    });
    it("Remap changes rights; on an unmapped cap it is InvalidCapability 0; the current API has no Remap", () => {
      const s = call(lpt, l.T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [PD]).state;
      const r = call(s, l.T, 100, "ARMPageRemap", [2, ATTR], [PD]);
      expectOk(r);
      const got = resolve(r.state, l.pd, 0x10000000 as VirtAddr);
      expect(got.mapped && got.rights).to.equal("VMReadOnly");
      expectError(lpt, call(lpt, l.T, 101, "ARMPageRemap", [2, ATTR], [PD]), {
        error: "InvalidCapability",
        invalidCapNumber: 0,
      });
      expectError(withPT, call(withPT, T, 100, "ARMPageRemap", [2, ATTR], [PD]), { error: "IllegalOperation" });
    });
    it("checks the ASID before USER_TOP (seL4 10.x order)", () => {
      const gone = transition(l.s, (d) => {
        d.asidTable = d.asidTable.delete(0);
      });
      expectError(gone, call(gone, l.T, 106, "ARMPageMap", [0xe0000000, RW, ATTR], [PD]), {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "InvalidRoot" },
      });
    });
  });

  describe("Page_Unmap, GetAddress, and deletion", () => {
    it("GetAddress returns the physical address, mapped or not", () => {
      const r = call(w.s, T, 100, "ARMPageGetAddress");
      expect(expectOk(r).mrs).to.deep.equal([capOf(w.s, T, 100, "Frame").paddr]);
    });
    it("Unmap clears the entry and flushes the page from the TLB of a loaded address space", () => {
      let s = call(withPT, T, 100, "ARMPageMap", [0x10000000, RW, ATTR], [PD]).state;
      s = transition(s, (d) => setVMRoot(d, T));
      s = mmuTranslate(s, 0x10000010 as VirtAddr).state;
      expect(s.tlb.size).to.equal(1);
      const r = call(s, T, 100, "ARMPageUnmap");
      expect(expectOk(r).effects.map((e) => e.kind)).to.deep.equal(["tlbFlushPage"]);
      expect(r.state.tlb.size).to.equal(0);
      expect(cap(r.state, 100)).to.include({ mapping: null });
    });
    it("deleting the last PD cap releases its ASID; its frames' unmap then only clears the record", () => {
      let s = call(w.s, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [130, 32], [113, CNODE]).state;
      s =
        expectOk(call(s, T, 130, "ARMASIDPoolAssign", [], [112])) &&
        call(s, T, 130, "ARMASIDPoolAssign", [], [112]).state;
      s = call(s, T, 105, "ARMPageMap", [0x30000000, RW, ATTR], [112]).state;
      expect(cap(s, 105)).to.deep.include({
        mapping: { asid: 1024, vaddr: 0x30000000 },
      });
      s = call(s, T, CNODE, "CNodeDelete", [112, 32]).state;
      expectError(s, call(s, T, 105, "ARMPageClean_Data", [0, 64]), {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "InvalidRoot" },
      });
      const r = call(s, T, 105, "ARMPageUnmap");
      expectOk(r);
      expect(cap(r.state, 105)).to.include({ mapping: null });
    });
  });

  describe("ASIDControl_MakePool and ASIDPool_Assign", () => {
    it("MakePool: InvalidCapability 1 for an untyped that is not 4 KiB, DeleteFirst on an occupied slot", () => {
      expectError(w.s, call(w.s, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [130, 32], [100, CNODE]), {
        error: "InvalidCapability",
        invalidCapNumber: 1,
      });
      expectError(w.s, call(w.s, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [100, 32], [113, CNODE]), {
        error: "DeleteFirst",
      });
      expectError(w.s, call(w.s, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [130], [113, CNODE]), {
        error: "TruncatedMessage",
      });
    });
    it("MakePool: RevokeFirst for an untyped with children; DeleteFirst once 128 pools exist", () => {
      const child = call(
        w.s,
        T,
        113,
        "UntypedRetype",
        [objectTypeNumber("seL4_EndpointObject"), 0, 0, 0, 131, 1],
        [CNODE],
      ).state;
      expectError(child, call(child, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [130, 32], [113, CNODE]), {
        error: "RevokeFirst",
      });
      const full = transition(w.s, (d) => {
        for (let i = 1; i < 128; i++) d.asidTable = d.asidTable.set(i, pptr(0 as PhysAddr, "ASIDPool"));
      });
      expectError(full, call(full, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [130, 32], [100, CNODE]), {
        error: "DeleteFirst",
      });
    });
    it("Assign: the boot pool hands out ASID 2 next; an assigned PD is InvalidCapability 1", () => {
      const r = call(w.s, T, SLOT.InitThreadASIDPool, "ARMASIDPoolAssign", [], [112]);
      expectOk(r);
      expect(cap(r.state, 112)).to.include({ mappedASID: 2 });
      expectError(r.state, call(r.state, T, SLOT.InitThreadASIDPool, "ARMASIDPoolAssign", [], [112]), {
        error: "InvalidCapability",
        invalidCapNumber: 1,
      });
      expectError(w.s, call(w.s, T, SLOT.InitThreadASIDPool, "ARMASIDPoolAssign", [], []), {
        error: "TruncatedMessage",
      });
    });
  });

  describe("cache maintenance", () => {
    const mapped = call(w.s, T, 105, "ARMPageMap", [0x30000000, RW, ATTR], [PD]).state;
    it("page flush records the physical range; errors in seL4's order", () => {
      const r = call(mapped, T, 105, "ARMPageCleanInvalidate_Data", [0x10, 0x20]);
      expect(expectOk(r).effects[0]).to.deep.include({
        kind: "cacheMaintenance",
        operation: "CleanInvalidate_Data",
        vstart: 0x30000010,
        vend: 0x3000001f,
      });
      expectError(mapped, call(mapped, T, 105, "ARMPageClean_Data", [0x10]), {
        error: "TruncatedMessage",
      });
      expectError(w.s, call(w.s, T, 105, "ARMPageClean_Data", [0, 0x10]), {
        error: "IllegalOperation",
      });
      expectError(mapped, call(mapped, T, 105, "ARMPageClean_Data", [0x10, 0x10]), {
        error: "InvalidArgument",
        argumentNumber: 1,
      });
      expectError(mapped, call(mapped, T, 105, "ARMPageClean_Data", [0x100000, 0x100001]), {
        error: "InvalidArgument",
        argumentNumber: 0,
      });
    });
    it("page flush on a replaced mapping is InvalidCapability 0 (seL4 16.0.0)", () => {
      const copy = call(mapped, T, CNODE, "CNodeCopy", [140, 32, 106, 32, 15], [CNODE]).state;
      void copy;
      const other = call(w.s, T, 105, "ARMPageMap", [0x30000000, RW, ATTR], [PD]).state;
      const r = call(other, T, CNODE, "CNodeCopy", [141, 32, 105, 32, 15], [CNODE]);
      const replaced = call(r.state, T, 141, "ARMPageMap", [0x30000000, RW, ATTR], [PD]).state;
      const unm = call(replaced, T, 141, "ARMPageUnmap").state;
      expectError(unm, call(unm, T, 105, "ARMPageClean_Data", [0, 0x10]), {
        error: "InvalidCapability",
        invalidCapNumber: 0,
      });
    });
    it("PD flush: nothing mapped is success; crossing the frame is RangeError; beyond USER_TOP IllegalOperation; no ASID InvalidCapability 0", () => {
      expectOk(call(mapped, T, PD, "ARMPDClean_Data", [0x40000000, 0x40001000]));
      expectError(mapped, call(mapped, T, PD, "ARMPDClean_Data", [0x300ff000, 0x30100010]), {
        error: "RangeError",
        rangeMin: 0x300ff000,
        rangeMax: 0x300fffff,
      });
      expectError(mapped, call(mapped, T, PD, "ARMPDClean_Data", [0xdff00000, 0xe0000001]), {
        error: "IllegalOperation",
      });
      expectError(mapped, call(mapped, T, PD, "ARMPDClean_Data", [0x2000, 0x1000]), {
        error: "InvalidArgument",
        argumentNumber: 1,
      });
      expectError(mapped, call(mapped, T, 112, "ARMPDClean_Data", [0x1000, 0x2000]), {
        error: "InvalidCapability",
        invalidCapNumber: 0,
      });
    });
  });
});
