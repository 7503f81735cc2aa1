import { expect } from "chai";
import type { PhysAddr, VirtAddr } from "../../src/model/addresses.ts";
import { boot } from "../../src/boot/boot.ts";
import { BootError } from "../../src/boot/options.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { capAt } from "../../src/kernel/cspace.ts";
import { getCap } from "../../src/kernel/cdt.ts";
import { slotAddress } from "../../src/kernel/cspace.ts";
import { TCB_SLOTS } from "../../src/model/constants.ts";
import { userRead } from "../../src/machine/access.ts";
import { entriesOf, getObject } from "../../src/kernel/store.ts";
import { lookupPTSlot, resolve, listTable } from "../../src/arch/aarch64/walk.ts";
import { kernelTablesOf, kernelTranslate, ptrFromPAddr } from "../../src/arch/aarch64/kernelWindow.ts";
import type { FullyBootedMachine } from "../../src/boot/bootInfo.ts";

/*
 * Expectations come from seL4 16.0.0 as ../shared/SEL4-AARCH64-REFERENCE.md §2, §10 gives it:
 * seL4_NumInitialCaps 16; create_it_address_space gives level-1, then level-2, then level-3 tables
 * (one per 512 GiB, GiB and 2 MiB of it_v_reg) in the slots after the well-known ones; the image
 * frames follow; then untypeds, device regions first; 4 KiB frames RW, nG, image executable, IPC
 * buffer and bootinfo UXN; no kernel entries in the VSpace; TCB 2^11 after the page tables.
 */

const GiB = 2 ** 30;
const RAM = [{ base: 0x40000000, size: GiB }];

function aarch64(extra: Record<string, unknown> = {}): FullyBootedMachine {
  return boot({ arch: "aarch64", ram: RAM, ...extra });
}

const capIn = (m: FullyBootedMachine, i: number) => capAt(m.state, m.initThread, i);

describe("AArch64 boot (seL4 16.0.0, no hypervisor)", () => {
  const m = aarch64();
  const s = m.state;
  const vspaceCap = capIn(m, INITIAL_CAP_SLOTS.InitThreadVSpace);
  if (vspaceCap.type !== "VSpace") throw new Error("boot put no VSpace cap in InitThreadVSpace");
  const root = vspaceCap.paddr;

  it("runs the AArch64 configuration: 64-bit words, 32-byte CTEs, 2^11-byte TCBs, USER_TOP 0x7fffffffffff", () => {
    expect(s.config.arch).to.equal("aarch64");
    expect(s.config.sizes.wordBits).to.equal(64);
    expect(s.config.sizes.slotBits).to.equal(5);
    expect(s.config.sizes.tcbBits).to.equal(11);
    expect(s.config.userTop).to.equal(0x00007fffffffffff);
  });

  it("lays a CNode's slots 2^seL4_SlotBits = 32 bytes apart, the last one ending at the object's end", () => {
    const cnodeCap = capIn(m, INITIAL_CAP_SLOTS.InitThreadCNode);
    if (cnodeCap.type !== "CNode") expect.fail("slot 2 holds the root CNode");
    const base = cnodeCap.paddr;
    const slots = 2 ** cnodeCap.radixBits;
    // cte_t is 32 bytes on a 64-bit kernel: a radix-r CNode is 2^(r + 5) bytes (seL4_SlotBits 5).
    const bytes = 2 ** (cnodeCap.radixBits + 5);
    expect(slotAddress(s, base, 1) - slotAddress(s, base, 0)).to.equal(32);
    expect(slotAddress(s, base, slots - 1) + 32).to.equal(base + bytes);
    const [next] = [...s.objects.range(base + 1, base + 2 * bytes)];
    expect(next === undefined || next[0] >= base + bytes, "no object inside the CNode's 2^(r+5) bytes").to.equal(true);
    // Every cap the boot wrote into the root CNode sits at a whole 32-byte slot inside it.
    const inside = [...s.ctes.range(base, base + bytes)].map(([addr]) => addr - base);
    expect(inside.length).to.be.greaterThan(16);
    for (const offset of inside) expect(offset % 32, `offset ${offset}`).to.equal(0);
    // The TCB's own slots sit at the start of its block at the same stride.
    expect(slotAddress(s, m.initThread, TCB_SLOTS.tcbVTable)).to.equal(m.initThread + 32 * TCB_SLOTS.tcbVTable);
  });

  it("leaves seL4_BootInfo in the bootinfo frame in 64-bit words, as the initial thread reads it", () => {
    // libsel4 16.0.0 bootinfo_types.h (no MCS): 5 words, 6 slot regions, 2 words, the untyped region,
    // then untypedList entries of { paddr word, sizeBits byte, isDevice byte, padding } (16 bytes here).
    // try_init_kernel: the IPC buffer right after the image (0x10000 + 64 KiB), the bootinfo frame one page on.
    const r = userRead(s, 0x21000 as VirtAddr, 4096);
    if (!r.ok) expect.fail("the bootinfo frame is mapped at 0x21000");
    const b = r.value;
    const word = (at: number) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(at, true));
    const bi = m.bootInfo;
    expect([0, 8, 16, 24, 32].map(word), "extraLen, nodeID, numNodes, numIOPTLevels, ipcBuffer").to.deep.equal([
      0, 0, 1, 0, 0x20000,
    ]);
    expect(bi.ipcBuffer).to.equal(0x20000);
    const regions = [40, 56, 72, 88, 104, 120].map((at) => [word(at), word(at + 8)]);
    expect(regions, "empty, sharedFrames, userImageFrames, userImagePaging, ioSpaceCaps, extraBIPages").to.deep.equal([
      [bi.untyped.end, 2 ** 12],
      [0, 0],
      [19, 35],
      [16, 19],
      [0, 0],
      [0, 0],
    ]);
    expect([word(136), word(144)], "initThreadCNodeSizeBits, initThreadDomain").to.deep.equal([12, 0]);
    expect([word(152), word(160)], "untyped").to.deep.equal([35, 35 + bi.untypedList.length]);
    bi.untypedList.forEach((u, i) => {
      const at = 168 + 16 * i;
      expect([word(at), b[at + 8], b[at + 9]], `untypedList[${i}]`).to.deep.equal([
        u.paddr,
        u.sizeBits,
        u.isDevice ? 1 : 0,
      ]);
    });
    expect(
      b.subarray(168 + 16 * bi.untypedList.length).every((x) => x === 0),
      "the rest is cleared",
    ).to.equal(true);
    expect(bi).to.deep.include({
      numIOPTLevels: 0,
      sharedFrames: { start: 0, end: 0 },
      ioSpaceCaps: { start: 0, end: 0 },
    });
  });

  it("puts the well-known caps in seL4's slots, slot 3 a VSpace cap with IT_ASID 1", () => {
    expect(capIn(m, INITIAL_CAP_SLOTS.InitThreadTCB).type).to.equal("TCB");
    expect(capIn(m, INITIAL_CAP_SLOTS.InitThreadCNode).type).to.equal("CNode");
    expect(vspaceCap).to.deep.include({ type: "VSpace", mappedASID: 1 });
    expect(capIn(m, INITIAL_CAP_SLOTS.IRQControl).type).to.equal("IRQControl");
    expect(capIn(m, INITIAL_CAP_SLOTS.ASIDControl).type).to.equal("ASIDControl");
    expect(capIn(m, INITIAL_CAP_SLOTS.InitThreadASIDPool)).to.deep.include({ type: "ASIDPool", asidBase: 0 });
    expect(capIn(m, INITIAL_CAP_SLOTS.BootInfoFrame)).to.deep.include({ type: "Frame", size: "SmallPage" });
    expect(capIn(m, INITIAL_CAP_SLOTS.InitThreadIPCBuffer)).to.deep.include({ type: "Frame", size: "SmallPage" });
    expect(capIn(m, INITIAL_CAP_SLOTS.Domain).type).to.equal("Domain");
    for (const empty of [0, 7, 8, 12, 13, 14, 15]) expect(capIn(m, empty).type).to.equal("Null");
  });

  it("gives the default image (16 pages at 0x10000) one level-1, one level-2 and one level-3 table, from slot 16", () => {
    expect(m.bootInfo.userImagePaging).to.deep.equal({ start: 16, end: 19 });
    expect(m.bootInfo.userImageFrames).to.deep.equal({ start: 19, end: 35 });
    const tables = [16, 17, 18].map((i) => capIn(m, i));
    for (const t of tables) expect(t).to.deep.include({ type: "PageTable", mapping: { asid: 1, vaddr: 0 } });
    // root[0] -> level 1, level1[0] -> level 2, level2[0] -> level 3: the walk stops at level 3
    const walk = lookupPTSlot(s, root, 0x10000 as VirtAddr);
    expect(walk.level).to.equal(3);
    expect(walk.slot.table).to.equal(tables[2]!.type === "PageTable" ? tables[2]!.paddr : -1);
    expect(listTable(s, root, 0).map((r) => r.index)).to.deep.equal([0]);
  });

  it("maps every image page executable and the IPC buffer and bootinfo frame execute-never, all RW and not global", () => {
    for (let i = 0; i < 16; i++) {
      const r = resolve(s, root, (0x10000 + i * 4096 + 8) as VirtAddr);
      const cap = capIn(m, 19 + i);
      expect(r.mapped && r.paddr).to.equal(cap.type === "Frame" ? cap.paddr + 8 : -1);
      expect(r.mapped && r.attributes).to.deep.equal({ cacheable: true, executeNever: false });
      expect(r.mapped && r.rights).to.equal("VMReadWrite");
      expect(r.mapped && r.global).to.equal(false);
    }
    for (const [vaddr, slot] of [
      [m.bootInfo.ipcBuffer, INITIAL_CAP_SLOTS.InitThreadIPCBuffer],
      [m.bootInfo.bootInfoFrame, INITIAL_CAP_SLOTS.BootInfoFrame],
    ] as const) {
      const r = resolve(s, root, vaddr);
      const cap = capIn(m, slot);
      expect(r.mapped && r.paddr).to.equal(cap.type === "Frame" ? cap.paddr : -1);
      expect(r.mapped && r.attributes.executeNever).to.equal(true);
    }
    expect(m.bootInfo.ipcBuffer).to.equal(0x20000);
    expect(m.bootInfo.bootInfoFrame).to.equal(0x21000);
  });

  it("has no kernel entries in the initial VSpace (the kernel is behind TTBR1)", () => {
    const rootObj = getObject(s, root);
    expect(rootObj?.type).to.equal("VSpace");
    expect(listTable(s, root, 0).every((r) => r.index < 256)).to.equal(true);
  });

  it("writes the initial ASID pool: entry 1 names the VSpace, table index 0 the pool", () => {
    const pool = capIn(m, INITIAL_CAP_SLOTS.InitThreadASIDPool);
    const poolAt = pool.type === "ASIDPool" ? pool.paddr : (0 as PhysAddr);
    expect(s.asidTable.get(0)).to.equal(poolAt);
    const obj = getObject(s, poolAt);
    expect(obj?.type === "ASIDPool" && [...obj.entries.entries()]).to.deep.equal([[1, root]]);
  });

  it("places the TCB (2^11) after the page tables in the root server block, and loads the thread's VSpace with ASID 1", () => {
    const tables = [16, 17, 18].map((i) => capIn(m, i)).map((c) => (c.type === "PageTable" ? c.paddr : -1));
    expect(m.initThread).to.equal(tables[2]! + 4096);
    expect(m.layout.rootserver[1]).to.equal(m.initThread + 2 ** 11);
    expect(s.loadedVSpace).to.deep.equal({ pd: root, hwASID: 1 });
    expect(getCap(s, slotAddress(s, m.initThread, TCB_SLOTS.tcbVTable))).to.deep.include({ type: "VSpace" });
  });

  it("hands out device untypeds first, up to 2^40, then free RAM, with none overlapping", () => {
    const list = m.bootInfo.untypedList;
    const firstRAM = list.findIndex((u) => !u.isDevice);
    expect(firstRAM).to.be.greaterThan(0);
    expect(list.slice(firstRAM).every((u) => !u.isDevice)).to.equal(true);
    expect(list[0]).to.deep.equal({ paddr: 0, sizeBits: 30, isDevice: true });
    const device = list.filter((u) => u.isDevice).reduce((n, u) => n + 2 ** u.sizeBits, 0);
    expect(device).to.equal(2 ** 40 - GiB);
    expect(list.every((u) => u.sizeBits >= 4 && u.sizeBits <= 47 && u.paddr % 2 ** u.sizeBits === 0)).to.equal(true);
    // RAM: all of it, less the kernel image (4 MiB), the user image (64 KiB) and the root server block
    const ram = list.filter((u) => !u.isDevice).reduce((n, u) => n + 2 ** u.sizeBits, 0);
    const block = m.layout.rootserver[1] - m.layout.rootserver[0];
    expect(ram).to.equal(GiB - 4 * 2 ** 20 - 0x10000 - block);
    expect(m.bootInfo.untyped).to.deep.equal({ start: 35, end: 35 + list.length });
    expect(m.bootInfo.empty).to.deep.equal({ start: 35 + list.length, end: 4096 });
  });

  it("maps all physical memory below PADDR_TOP into the kernel window with 2 MiB kernel-only global blocks", () => {
    const k = kernelTablesOf(s.globalPD!);
    for (const p of [0, 0x40000000 + 0x123, 0x7fbfffffff, 0x1234567000]) {
      const t = kernelTranslate(k, ptrFromPAddr(p as PhysAddr));
      expect(t?.paddr).to.equal(p);
      expect(t?.level).to.equal(2);
      expect(t?.page).to.deep.include({ size: "LargePage", rights: "VMKernelOnly", global: true });
      expect(t?.page.attributes.executeNever).to.equal(true);
      const gib = Math.floor(p / GiB);
      const inGib = Math.floor((p % GiB) / 2 ** 21);
      expect(t?.slot).to.equal(k.pds + gib * 4096 + inGib * 8);
    }
    expect(kernelTranslate(k, 0xffffffffc0000000n)).to.equal(undefined); // the device PT: no kernel devices
    expect(kernelTranslate(k, 0x00007fffffffffffn)).to.equal(undefined); // a TTBR0 address
    expect(kernelTranslate(k, 0xffff000000000000n)).to.equal(undefined); // PGD entries below 511 are invalid
  });

  it("keeps armKSGlobalUserVSpace empty: the root a thread without a VSpace runs on", () => {
    const g = getObject(s, s.globalPD!);
    expect(g?.type === "VSpace" && entriesOf(s, g).size).to.equal(0);
  });
});

describe("AArch64 boot: the initial thread's tables follow it_v_reg", () => {
  const paging = (vbase: number, size: number) => {
    const m = aarch64({ userImage: { size, vbase } });
    const r = m.bootInfo.userImagePaging;
    return Array.from({ length: r.end - r.start }, (_, i) => {
      const c = capIn(m, r.start + i);
      return c.type === "PageTable" ? c.mapping?.vaddr : "not a page table";
    });
  };

  it("a range across a 2 MiB boundary takes two level-3 tables", () => {
    // it_v_reg = [0x1fe000, 0x202000): image, IPC buffer, bootinfo
    expect(paging(0x1fe000, 0x2000)).to.deep.equal([0, 0, 0, 0x200000]);
  });

  it("a range across a GiB boundary takes two level-2 tables", () => {
    expect(paging(GiB - 0x2000, 0x1000)).to.deep.equal([0, 0, GiB, GiB - 2 ** 21, GiB]);
  });

  it("a range across 512 GiB takes two level-1 tables, rounded to 2^39", () => {
    const v = 2 ** 39 - 0x1000;
    expect(paging(v, 0x1000)).to.deep.equal([0, 2 ** 39, 2 ** 39 - GiB, 2 ** 39, 2 ** 39 - 2 ** 21, 2 ** 39]);
  });
});

describe("AArch64 boot options", () => {
  const refused = (extra: Record<string, unknown>, where: string, why: RegExp) => {
    expect(() => aarch64(extra))
      .to.throw(BootError)
      .that.satisfies((e: BootError) => e.where === where && why.test(e.message));
  };

  it("refuses api: legacy, saying why", () => refused({ api: "legacy" }, "api", /13\.0\.0/));
  it("refuses another USER_TOP: it is fixed by the configuration", () =>
    refused({ userTop: 0xffffffffff }, "userTop", /0x7fffffffffff/));
  it("refuses RAM past the 40-bit physical address space", () =>
    expect(() => boot({ arch: "aarch64", ram: [...RAM, { base: 2 ** 40 - 0x1000, size: 0x2000 }] })).to.throw(
      /ram\[1\].*40-bit/,
    ));
  it("refuses a kernel image too small for its kernel-window tables", () =>
    refused({ kernelImageSize: 0x100000 }, "kernelImageSize", /kernel-window tables/));
  it("refuses an image that reaches USER_TOP", () =>
    refused({ userImage: { size: 0x1000, vbase: 0x7ffffffff000 } }, "userImage", /USER_TOP/));
  it("refuses the hypervisor configuration, saying what it would need", () =>
    refused({ hypervisor: true }, "hypervisor", /stage-2.*40-bit IPAs.*8 KiB root of 1024 entries.*VMIDs/));
  it("accepts hypervisor: false, the configuration it models", () =>
    expect(aarch64({ hypervisor: false }).state.config.userTop).to.equal(0x7fffffffffff));
  it("refuses ARM32's fpu key", () => expect(() => aarch64({ fpu: true })).to.throw(BootError, /fpu/));

  it("turns RAM at or above PADDR_TOP (0x7fc0000000) into device untypeds", () => {
    const m = boot({ arch: "aarch64", ram: [...RAM, { base: 0x7fc0000000, size: GiB }] });
    // nothing reserves it, so it merges with the device space around it: [0x4000000000, 0x8000000000)
    const at = m.bootInfo.untypedList.filter(
      (u) => u.paddr <= 0x7fc0000000 && 0x7fc0000000 < u.paddr + 2 ** u.sizeBits,
    );
    expect(at).to.deep.equal([{ paddr: 0x4000000000, sizeBits: 38, isDevice: true }]);
    expect(m.bootInfo.untypedList.filter((u) => !u.isDevice).every((u) => u.paddr < 0x80000000)).to.equal(true);
  });
});
