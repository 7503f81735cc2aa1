import { expect } from "chai";
import type { CPtr, PhysAddr, VirtAddr } from "../../src/model/addresses.ts";
import { boot } from "../../src/boot/boot.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { callLibsel4 } from "../../src/invocations/libsel4.ts";
import { kernelReadUser, resolveForThread, threadVSpaceRoot, userRead, userWrite } from "../../src/machine/access.ts";
import { kernelRead, kernelWindowToPhysical, kernelWrite, readPhysical } from "../../src/machine/memory.ts";
import { switchToThread } from "../../src/machine/threads.ts";
import type { KernelState } from "../../src/model/state.ts";
import { objectTypeNumber } from "../../src/arch/aarch64/objectTypes.ts";
import { ptrFromPAddr } from "../../src/arch/aarch64/kernelWindow.ts";
import { capAt } from "../../src/kernel/cspace.ts";
import { transition } from "../../src/model/transition.ts";
import { setVMRoot } from "../../src/arch/aarch64/vmRoot.ts";

/*
 * The machine on AArch64. Fault values are the architecture's (ARM ARM, ESR_ELx for a data abort
 * from EL0): EC 0x24 and IL give 0x92000000; WnR is bit 6; DFSC 0b0001LL is a translation fault
 * and 0b0011LL a permission fault at level LL.
 */

const m = boot({ arch: "aarch64", ram: [{ base: 0x40000000, size: 2 ** 30 }] });
const T = m.initThread;
const C = INITIAL_CAP_SLOTS.InitThreadCNode;
const VS = INITIAL_CAP_SLOTS.InitThreadVSpace;
const ok = (r: ReturnType<typeof callLibsel4>): KernelState => {
  if (r.reply.kind !== "ok") throw new Error(JSON.stringify(r.reply));
  return r.state;
};
const bytes = (...b: number[]) => new Uint8Array(b);
const u = m.bootInfo.untyped.start + m.bootInfo.untypedList.findIndex((x) => x.sizeBits >= 22 && !x.isDevice);
const free = m.bootInfo.empty.start;
const retype = (s: KernelState, type: Parameters<typeof objectTypeNumber>[0], slot: number) =>
  ok(
    callLibsel4(s, T, "seL4_Untyped_Retype", u as CPtr, {
      root: C,
      type: objectTypeNumber(type),
      size_bits: 0,
      node_index: 0,
      node_depth: 0,
      node_offset: slot,
      num_objects: 1,
    }),
  );
// A page table at free (mapped at 0x10000000, so it becomes the level-3 table there: the walk's
// first empty slot is in the boot's level-2 table), a small frame at free+1 mapped read-only.
let s = retype(m.state, "seL4_ARM_PageTableObject", free);
s = retype(s, "seL4_ARM_SmallPageObject", free + 1);
s = ok(callLibsel4(s, T, "seL4_ARM_PageTable_Map", free as CPtr, { vspace: VS, vaddr: 0x10000000, attr: 0 }));
s = ok(
  callLibsel4(s, T, "seL4_ARM_Page_Map", (free + 1) as CPtr, { vspace: VS, vaddr: 0x10001000, rights: 2, attr: 1 }),
);
const frameCap = capAt(s, T, free + 1);
const frame = (frameCap.type === "Frame" ? frameCap.paddr : 0) as PhysAddr;
const ptCap = capAt(s, T, free);
const pt = (ptCap.type === "PageTable" ? ptCap.paddr : 0) as PhysAddr;

describe("the machine on AArch64", () => {
  it("resolves from a thread's VSpace root: VA -> PA, page size, rights, and the level-3 entry's address", () => {
    const r = resolveForThread(s, T, 0x10001234 as VirtAddr);
    expect(r).to.deep.include({
      mapped: true,
      paddr: frame + 0x234,
      pageSize: 4096,
      size: "SmallPage",
      rights: "VMReadOnly",
      slot: pt + 1 * 8,
    });
    const root = capAt(s, T, VS);
    expect(threadVSpaceRoot(s, T)).to.equal(root.type === "VSpace" ? root.paddr : -1);
  });

  it("names the table of an unmapped address with its ARM level", () => {
    expect(resolveForThread(s, T, 0x10002000 as VirtAddr)).to.deep.equal({
      mapped: false,
      level: "PageTable",
      depth: 3,
    });
    expect(resolveForThread(s, T, 0x40000000 as VirtAddr)).to.deep.equal({
      mapped: false,
      level: "PageTable",
      depth: 1,
    });
    expect(resolveForThread(s, T, 0x8000000000 as VirtAddr)).to.deep.equal({
      mapped: false,
      level: "VSpace",
      depth: 0,
    });
  });

  it("user reads and writes go through the walk and the TLB to physical memory", () => {
    const w = userWrite(s, 0x10004 as VirtAddr, bytes(1, 2, 3));
    if (!w.ok) expect.fail(w.fault.why);
    const image = capAt(s, T, m.bootInfo.userImageFrames.start);
    const imagePaddr = (image.type === "Frame" ? image.paddr : 0) as PhysAddr;
    expect([...readPhysical(w.state, (imagePaddr + 4) as PhysAddr, 3)]).to.deep.equal([1, 2, 3]);
    const r = userRead(w.state, 0x10004 as VirtAddr, 3);
    expect(r.ok && [...r.value]).to.deep.equal([1, 2, 3]);
    expect(r.state.tlb.size).to.be.greaterThan(0);
    expect([...(kernelReadUser(w.state, T, 0x10004 as VirtAddr, 3) ?? [])]).to.deep.equal([1, 2, 3]);
  });

  it("the kernel reaches physical memory through its TTBR1 window at PPTR_BASE + paddr", () => {
    const k = kernelWrite(s, ptrFromPAddr((frame + 8) as PhysAddr), bytes(9, 8, 7));
    expect([...readPhysical(k, (frame + 8) as PhysAddr, 3)]).to.deep.equal([9, 8, 7]);
    expect([...kernelRead(k, 0xffffff8000000000n + BigInt(frame) + 8n, 3)]).to.deep.equal([9, 8, 7]);
    const r = userRead(k, 0x10001008 as VirtAddr, 3);
    expect(r.ok && [...r.value]).to.deep.equal([9, 8, 7]);
    expect(kernelWindowToPhysical(s, 0xffffff807fc00000n)).to.equal(0x7fc00000);
    expect(() => kernelWindowToPhysical(s, 0x40000000 as VirtAddr)).to.throw(/bigint/);
    expect(() => kernelWindowToPhysical(s, 0xffffffffc0000000n)).to.throw(/does not map/);
  });

  it("faults carry ESR_EL1: translation faults at the level whose entry was invalid", () => {
    const at = (v: number, write = false) => {
      const r = write ? userWrite(s, v as VirtAddr, bytes(0)) : userRead(s, v as VirtAddr, 1);
      return r.ok ? undefined : r.fault;
    };
    expect(at(0x10002000)).to.deep.include({ arch: "aarch64", kind: "translation", level: 3, esr: 0x92000007 });
    expect(at(0x40000000)).to.deep.include({ kind: "translation", level: 1, esr: 0x92000005 });
    expect(at(0x200000000000, true)).to.deep.include({ kind: "translation", level: 0, esr: 0x92000044 });
    // above USER_TOP: root entries 256..511 are never valid (the kernel is in TTBR1)
    expect(at(0x800000000000)).to.deep.include({ kind: "translation", level: 0, esr: 0x92000004 });
    expect(at(2 ** 48 + 0x1000)).to.deep.include({ kind: "translation", level: 0 });
  });

  it("a write to a read-only page is a level-3 permission fault with WnR, whether the line is in the TLB or not", () => {
    const miss = userWrite(s, 0x10001000 as VirtAddr, bytes(1));
    expect(!miss.ok && miss.fault).to.deep.include({ kind: "permission", level: 3, esr: 0x9200004f, write: true });
    const filled = userRead(s, 0x10001000 as VirtAddr, 1);
    expect(filled.ok).to.equal(true);
    const hit = userWrite(filled.state, 0x10001000 as VirtAddr, bytes(1));
    expect(!hit.ok && hit.fault).to.deep.include({ kind: "permission", level: 3, esr: 0x9200004f });
  });

  it("setVMRoot on a switch: a thread without a valid VSpace runs on the empty global user VSpace, where every access faults", () => {
    const noRoot = transition(s, (d) => {
      setVMRoot(d, null);
    });
    expect(noRoot.loadedVSpace).to.deep.equal({ pd: s.globalPD, hwASID: 0 });
    const r = userRead(noRoot, 0x10000 as VirtAddr, 1);
    expect(!r.ok && r.fault).to.deep.include({ kind: "translation", level: 0 });
    const back = switchToThread(noRoot, T);
    expect(back.state.loadedVSpace?.hwASID).to.equal(1);
    expect(userRead(back.state, 0x10000 as VirtAddr, 1).ok).to.equal(true);
  });

  it("a Page_Unmap flushes the line: the next access walks and faults", () => {
    const filled = userRead(s, 0x10001000 as VirtAddr, 1);
    const unmapped = ok(callLibsel4(filled.state, T, "seL4_ARM_Page_Unmap", (free + 1) as CPtr, {}));
    const r = userRead(unmapped, 0x10001000 as VirtAddr, 1);
    expect(!r.ok && r.fault).to.deep.include({ kind: "translation", level: 3 });
  });
});
