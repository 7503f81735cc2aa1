import { expect } from "chai";
import { pptr, type PhysAddr, type VirtAddr } from "../../src/model/addresses.ts";
import { PMap } from "../../src/model/pmap.ts";
import { ALL_RIGHTS } from "../../src/model/caps.ts";
import { NOTIFICATION_RIGHTS } from "../../src/kernel/create.ts";
import { createObject, DEFAULT_CONFIG, objectSizeBitsOfType } from "../../src/arch/index.ts";
import { emptyKernelState, type KernelState } from "../../src/model/state.ts";
import { objectSizeBits, putTable } from "../../src/kernel/store.ts";
import { transition } from "../../src/model/transition.ts";
import { OBJECT_TYPES, type ObjectTypeName } from "../../src/arch/aarch32/objectTypes.ts";
import { copyGlobalMappings, PD_ASID_SLOT } from "../../src/arch/aarch32/globalMappings.ts";

const at = 0x4000_0000 as PhysAddr;

describe("object creation (seL4 createObject / Arch_createObject)", () => {
  it("getObjectSize: seL4's size of every object type on ARM 32-bit", () => {
    const expected: Record<ObjectTypeName, number> = {
      seL4_UntypedObject: 17, // the user's size bits
      seL4_TCBObject: 10, // seL4 16.0.0's default ARM32 build has the FPU (CONFIG_HAVE_FPU)
      seL4_EndpointObject: 4,
      seL4_NotificationObject: 4,
      seL4_CapTableObject: 17 + 4, // 2^17 slots of 16 bytes
      seL4_ARM_PageDirectoryObject: 14,
      seL4_ARM_SmallPageObject: 12,
      seL4_ARM_LargePageObject: 16,
      seL4_ARM_SectionObject: 20,
      seL4_ARM_SuperSectionObject: 24,
      seL4_ARM_PageTableObject: 10,
    };
    for (const t of OBJECT_TYPES) expect(objectSizeBitsOfType(DEFAULT_CONFIG.sizes, t, 17), t).to.equal(expected[t]);
  });

  it("each record's size agrees with getObjectSize (one rule for sizes)", () => {
    for (const t of OBJECT_TYPES) {
      const made = createObject(emptyKernelState(DEFAULT_CONFIG), t, at, 5, false);
      if (made.object !== undefined)
        expect(objectSizeBits(DEFAULT_CONFIG.sizes, made.object), t).to.equal(
          objectSizeBitsOfType(DEFAULT_CONFIG.sizes, t, 5),
        );
    }
  });

  it("makes the caps seL4 makes: unmapped, no ASID, no guard, badge 0, all memory free", () => {
    const cap = (t: ObjectTypeName, userSize = 0, dev = false) =>
      createObject(emptyKernelState(DEFAULT_CONFIG), t, at, userSize, dev).cap;
    expect(cap("seL4_UntypedObject", 12, true)).to.deep.equal({
      type: "Untyped",
      paddr: at,
      sizeBits: 12,
      isDevice: true,
      freeIndex: 0,
    });
    expect(cap("seL4_TCBObject")).to.deep.equal({ type: "TCB", paddr: at });
    expect(cap("seL4_EndpointObject")).to.deep.equal({
      type: "Endpoint",
      paddr: at,
      badge: 0,
      rights: ALL_RIGHTS,
    });
    expect(cap("seL4_NotificationObject")).to.deep.equal({
      type: "Notification",
      paddr: at,
      badge: 0,
      rights: NOTIFICATION_RIGHTS,
    });
    expect(NOTIFICATION_RIGHTS).to.deep.equal({
      read: true,
      write: true,
      grant: false,
      grantReply: false,
    });
    expect(cap("seL4_CapTableObject", 6)).to.deep.equal({
      type: "CNode",
      paddr: at,
      radixBits: 6,
      guardSize: 0,
      guard: 0,
    });
    expect(cap("seL4_ARM_PageDirectoryObject")).to.deep.equal({
      type: "PageDirectory",
      paddr: at,
      mappedASID: null,
    });
    expect(cap("seL4_ARM_PageTableObject")).to.deep.equal({
      type: "PageTable",
      paddr: at,
      mapping: null,
    });
    expect(cap("seL4_ARM_SmallPageObject")).to.deep.equal({
      type: "Frame",
      paddr: at,
      size: "SmallPage",
      vmRights: "VMReadWrite",
      isDevice: false,
      mapping: null,
    });
    expect(cap("seL4_ARM_SuperSectionObject", 0, true)).to.deep.equal({
      type: "Frame",
      paddr: at,
      size: "SuperSection",
      vmRights: "VMReadWrite",
      isDevice: true,
      mapping: null,
    });
  });

  it("makes the records: untyped memory has none, tables start empty, a TCB has no IPC buffer", () => {
    const obj = (t: ObjectTypeName, userSize = 0) =>
      createObject(emptyKernelState(DEFAULT_CONFIG), t, at, userSize, false).object;
    expect(obj("seL4_UntypedObject", 12)).to.equal(undefined);
    expect(obj("seL4_TCBObject")).to.deep.equal({
      type: "TCB",
      paddr: at,
      ipcBuffer: 0,
    });
    expect(obj("seL4_CapTableObject", 3)).to.deep.equal({
      type: "CNode",
      paddr: at,
      radixBits: 3,
    });
    expect(obj("seL4_ARM_LargePageObject")).to.deep.equal({
      type: "Frame",
      paddr: at,
      size: "LargePage",
      isDevice: false,
    });
    const pt = createObject(emptyKernelState(DEFAULT_CONFIG), "seL4_ARM_PageTableObject", at, 0, false);
    expect(pt.object).to.deep.equal({ type: "PageTable", paddr: at });
    expect(pt.entries?.size).to.equal(0);
    const withKernel = transition(emptyKernelState(DEFAULT_CONFIG), (d) => {
      putTable(
        d,
        { type: "PageDirectory", paddr: pptr(0x8000_0000 as PhysAddr, "VSpaceRoot") },
        PMap.empty<number, number>().set(3584, 0x12345),
      );
      d.globalPD = pptr(0x8000_0000 as PhysAddr, "VSpaceRoot");
    });
    const pd = createObject(withKernel, "seL4_ARM_PageDirectoryObject", at, 0, false);
    expect(pd.object?.type).to.equal("PageDirectory");
    expect([...(pd.entries ?? PMap.empty()).entries()]).to.deep.equal([[3584, 0x12345]]);
  });
});

describe("copyGlobalMappings", () => {
  const userTop = 0xe0000000;
  const globalAt = 0x8000_0000 as PhysAddr;
  function withGlobal(words: [number, number][]): KernelState {
    const s0 = emptyKernelState(DEFAULT_CONFIG);
    return transition(s0, (d) => {
      d.config = { ...d.config, userTop: userTop as VirtAddr };
      let entries = PMap.empty<number, number>();
      for (const [i, w] of words) entries = entries.set(i, w);
      putTable(d, { type: "PageDirectory", paddr: pptr(globalAt, "VSpaceRoot") }, entries);
      d.globalPD = pptr(globalAt, "VSpaceRoot");
    });
  }

  it("copies the global directory's entries from USER_TOP's index to 4095, except the ASID slot 4080", () => {
    const s = withGlobal([
      [0, 1],
      [3583, 2],
      [3584, 3],
      [4000, 4],
      [4080, 5],
      [4095, 6],
    ]);
    const out = copyGlobalMappings(s, PMap.empty());
    expect([...out.entries()]).to.deep.equal([
      [3584, 3],
      [4000, 4],
      [4095, 6],
    ]);
    expect(PD_ASID_SLOT).to.equal(0xff000000 / 2 ** 20);
  });

  it("keeps the entries the new directory already has below USER_TOP", () => {
    const s = withGlobal([[3584, 3]]);
    const out = copyGlobalMappings(s, PMap.empty<number, number>().set(7, 9));
    expect([...out.entries()]).to.deep.equal([
      [7, 9],
      [3584, 3],
    ]);
  });

  it("copies nothing before boot has built a global directory", () => {
    const s = emptyKernelState(DEFAULT_CONFIG);
    expect(s.globalPD).to.equal(null);
    const mine = PMap.empty<number, number>().set(1, 2);
    expect(copyGlobalMappings(s, mine)).to.equal(mine);
  });
});
