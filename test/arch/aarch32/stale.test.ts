import { pptr, type PhysAddr } from "../../../src/model/addresses.ts";
import { transition } from "../../../src/model/transition.ts";
import { objectTypeNumber } from "../../../src/arch/aarch32/objectTypes.ts";
import { bigUntyped, bootTestMachine, call, CNODE, expectError, expectOk, SLOT } from "../../helpers/machine.ts";

/**
 * The error paths that need a stale cap: a page directory whose ASID has been released and
 * handed to another directory, a pool no longer in the ASID table, a full pool.
 */
describe("ARM VSpace invocations with stale caps", () => {
  const m = bootTestMachine();
  const T = m.initThread;
  const u = bigUntyped(m, 22);
  let s = m.state;
  const ok = (r: ReturnType<typeof call>) => {
    expectOk(r);
    s = r.state;
  };
  ok(call(s, T, u, "UntypedRetype", [objectTypeNumber("seL4_ARM_PageDirectoryObject"), 0, 0, 0, 100, 2], [CNODE]));
  ok(call(s, T, u, "UntypedRetype", [objectTypeNumber("seL4_ARM_SectionObject"), 0, 0, 0, 102, 1], [CNODE]));
  ok(call(s, T, u, "UntypedRetype", [objectTypeNumber("seL4_ARM_PageTableObject"), 0, 0, 0, 103, 1], [CNODE]));
  ok(call(s, T, u, "UntypedRetype", [objectTypeNumber("seL4_UntypedObject"), 12, 0, 0, 104, 1], [CNODE]));
  // PD 100 gets ASID 2; a copy of its cap, moved to slot 106, keeps recording ASID 2 — the
  // tests below release that ASID (or hand it to PD 101) behind the copy's back.
  ok(call(s, T, SLOT.InitThreadASIDPool, "ARMASIDPoolAssign", [], [100]));
  ok(call(s, T, CNODE, "CNodeCopy", [105, 32, 100, 32, 15], [CNODE]));
  ok(call(s, T, CNODE, "CNodeMove", [106, 32, 105, 32], [CNODE]));
  const withStaleCopy = s;

  it("with the ASID released, Page_Map and PageTable_Map through the old cap give FailedLookup", () => {
    // Release ASID 2 as deleteASID does when a directory's last cap goes: empty its pool entry.
    const gone = transition(withStaleCopy, (d) => {
      const pool = d.objects.get(d.asidTable.get(0)!)!;
      if (pool.type === "ASIDPool")
        d.objects = d.objects.set(pool.paddr, {
          ...pool,
          entries: pool.entries.delete(2),
        });
    });
    expectError(gone, call(gone, T, 102, "ARMPageMap", [0x10000000, 3, 3], [106]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "InvalidRoot" },
    });
    expectError(gone, call(gone, T, 103, "ARMPageTableMap", [0x10000000, 3], [106]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "InvalidRoot" },
    });
    expectError(gone, call(gone, T, 106, "ARMPDClean_Data", [0x1000, 0x2000]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "InvalidRoot" },
    });
    // Reassigned to PD 101: the old cap now names the wrong directory.
    const reassigned = call(gone, T, SLOT.InitThreadASIDPool, "ARMASIDPoolAssign", [], [101]);
    expectOk(reassigned);
    const r = reassigned.state;
    expectError(r, call(r, T, 102, "ARMPageMap", [0x10000000, 3, 3], [106]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
    expectError(r, call(r, T, 103, "ARMPageTableMap", [0x10000000, 3], [106]), {
      error: "InvalidCapability",
      invalidCapNumber: 1,
    });
    expectError(r, call(r, T, 106, "ARMPDClean_Data", [0x1000, 0x2000]), {
      error: "InvalidCapability",
      invalidCapNumber: 0,
    });
  });

  it("Assign through a pool cap whose table slot is empty is FailedLookup; through one whose slot holds another pool, InvalidCapability 0", () => {
    const empty = transition(withStaleCopy, (d) => {
      d.asidTable = d.asidTable.delete(0);
    });
    expectError(empty, call(empty, T, SLOT.InitThreadASIDPool, "ARMASIDPoolAssign", [], [101]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "InvalidRoot" },
    });
    const other = transition(withStaleCopy, (d) => {
      d.asidTable = d.asidTable.set(0, pptr(0x1234000 as PhysAddr, "ASIDPool"));
    });
    expectError(other, call(other, T, SLOT.InitThreadASIDPool, "ARMASIDPoolAssign", [], [101]), {
      error: "InvalidCapability",
      invalidCapNumber: 0,
    });
  });

  it("Assign into a full pool is DeleteFirst", () => {
    const full = transition(withStaleCopy, (d) => {
      const pool = d.objects.get(d.asidTable.get(0)!)!;
      if (pool.type !== "ASIDPool") return;
      let entries = pool.entries;
      for (let i = 1; i < 1024; i++) entries = entries.set(i, pptr(0x55550000 as PhysAddr, "VSpaceRoot"));
      d.objects = d.objects.set(pool.paddr, { ...pool, entries });
    });
    expectError(full, call(full, T, SLOT.InitThreadASIDPool, "ARMASIDPoolAssign", [], [101]), { error: "DeleteFirst" });
  });

  it("MakePool reports the destination lookup's errors", () => {
    expectError(
      withStaleCopy,
      call(withStaleCopy, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [130, 0], [104, CNODE]),
      { error: "RangeError", rangeMin: 1, rangeMax: 32 },
    );
    expectError(
      withStaleCopy,
      call(withStaleCopy, T, SLOT.ASIDControl, "ARMASIDControlMakePool", [130, 32], [104, 102]),
      {
        error: "FailedLookup",
        failedLookupWasSource: false,
        lookupFailure: { kind: "InvalidRoot" },
      },
    );
    expectError(withStaleCopy, call(withStaleCopy, T, SLOT.ASIDControl, "ARMPageMap", [130, 32], [104, CNODE]), {
      error: "IllegalOperation",
    });
  });
});
