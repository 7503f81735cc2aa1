import { expect } from "chai";
import {
  archGetNPaging,
  createItAddressSpace,
  createItFrameCap,
  DEFAULT_CONFIG,
  decodePDE,
  mapItFrameCap,
  mapKernelWindow,
  resolve,
} from "../../src/arch/index.ts";
import { paddr, pptr, type PhysAddr, type VirtAddr } from "../../src/model/addresses.ts";
import { emptyKernelState, type KernelState } from "../../src/model/state.ts";
import { transition } from "../../src/model/transition.ts";
import { TCB_SLOTS } from "../../src/model/constants.ts";
import { getCap, getCTE } from "../../src/kernel/cdt.ts";
import { slotAddress } from "../../src/kernel/cspace.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import {
  createRootserver,
  createRootserverObjects,
  itLayoutOf,
  populateBIFrame,
  type RootserverSpec,
} from "../../src/boot/rootserver.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import { entriesOf } from "../../src/kernel/store.ts";

const SIZES = DEFAULT_CONFIG.sizes;
const MiB = 2 ** 20;

/** A kernel with its window mapped from physBase 0, its image ending at 1 MiB: what the full boot builds on. */
function kernelWithWindow(): KernelState {
  return transition(emptyKernelState(DEFAULT_CONFIG), (s) => mapKernelWindow(s, 0, MiB));
}

describe("root server builder steps", () => {
  describe("create_rootserver_objects", () => {
    it("names each object, with the frames and page tables only when asked for, at the top of the free memory", () => {
      const free = [[0, 16 * MiB]] as const;
      // 0x18000 bytes, aligned to 2^16: the block starts at 16 MiB - 0x20000
      const full = createRootserverObjects(SIZES, free, {
        cnodeSizeBits: 12,
        pageTables: 2,
        bootFrames: true,
      });
      const B = 16 * MiB - 0x20000;
      expect(full.rootserver).to.deep.include({
        cnode: B,
        vspace: B + 0x10000,
        asidPool: B + 0x14000,
        ipcBuf: B + 0x15000,
        bootInfo: B + 0x16000,
        tcb: B + 0x17000,
      });
      expect(full.rootserver.paging).to.deep.equal([B + 0x17400, B + 0x17800]);
      expect(full.block).to.deep.equal([B, B + 0x17c00]);
      expect(full.free).to.deep.equal([
        [0, B],
        [B + 0x17c00, 16 * MiB],
      ]);
      const minimal = createRootserverObjects(SIZES, free, {
        cnodeSizeBits: 12,
        pageTables: 0,
        bootFrames: false,
      });
      const M = 16 * MiB - 0x20000;
      expect(minimal.rootserver).to.deep.equal({
        cnode: M,
        vspace: M + 0x10000,
        asidPool: M + 0x14000,
        ipcBuf: null,
        bootInfo: null,
        paging: [],
        tcb: M + 0x15000,
      });
      expect(minimal.free).to.deep.equal([
        [0, M],
        [M + 0x15400, 16 * MiB],
      ]);
    });

    it("orders the objects as seL4 does: the larger of CNode and page directory first, the TCB before the page tables only when it is at least as big", async () => {
      const { rootserverObjectOrder } = await import("../../src/boot/rootserver.ts");
      const kinds = (sizes: typeof SIZES, cnodeSizeBits: number) =>
        rootserverObjectOrder(sizes, {
          cnodeSizeBits,
          pageTables: 1,
          bootFrames: true,
        }).map((o) => o.kind);
      expect(kinds(SIZES, 12)).to.deep.equal([
        "CNode",
        "PageDirectory",
        "ASIDPool",
        "IPCBuffer",
        "BootInfo",
        "TCB",
        "PageTable",
      ]);
      // equal sizes (2^14): seL4's #if is strict, so the page directory comes first
      expect(kinds(SIZES, 10)).to.deep.equal([
        "PageDirectory",
        "CNode",
        "ASIDPool",
        "IPCBuffer",
        "BootInfo",
        "TCB",
        "PageTable",
      ]);
      expect(kinds({ ...SIZES, tcbBits: 9 }, 12)).to.deep.equal([
        "CNode",
        "PageDirectory",
        "ASIDPool",
        "IPCBuffer",
        "BootInfo",
        "PageTable",
        "TCB",
      ]);
    });
  });

  describe("the initial thread's virtual layout (try_init_kernel)", () => {
    it("puts the IPC buffer right after the image and the bootinfo frame after it; it_v_reg covers all three", () => {
      const l = itLayoutOf({ physStart: MiB, vStart: 0x10000, pages: 3 });
      expect(l).to.deep.equal({
        uiVReg: { start: 0x10000, end: 0x13000 },
        ipcBufVPtr: 0x13000,
        biFrameVPtr: 0x14000,
        itVReg: { start: 0x10000, end: 0x15000 },
      });
    });
    it("arch_get_n_paging counts the 1 MiB directory slots the range touches", () => {
      expect(archGetNPaging({ start: 0x10000, end: 0x15000 })).to.equal(1);
      expect(archGetNPaging({ start: 0xff000, end: 0x102000 })).to.equal(2);
      expect(archGetNPaging({ start: 0, end: 3 * MiB })).to.equal(3);
    });
  });

  describe("create_it_address_space and map_it_frame_cap (ARM32)", () => {
    it("copies the kernel window, hangs a page table per slot, and maps frames through them", () => {
      const pd = pptr(paddr(4 * MiB), "VSpaceRoot");
      const pts = [paddr(4 * MiB + 0x4000), paddr(4 * MiB + 0x4400)];
      let caps: ReturnType<typeof createItAddressSpace> | undefined;
      const s = transition(kernelWithWindow(), (d) => {
        caps = createItAddressSpace(d, pd, pts, {
          start: 0xff000,
          end: 0x102000,
        });
        mapItFrameCap(d, pd, createItFrameCap(d, paddr(5 * MiB), 0xff000 as VirtAddr), true);
        mapItFrameCap(d, pd, createItFrameCap(d, paddr(5 * MiB + 0x1000), 0x101000 as VirtAddr), false);
      });
      expect(caps?.vspaceCap).to.deep.equal({
        type: "PageDirectory",
        paddr: pd,
        mappedASID: 1,
      });
      expect(caps?.pagingCaps.map((c) => c.mapping)).to.deep.equal([
        { asid: 1, vaddr: 0 },
        { asid: 1, vaddr: MiB },
      ]);
      const dir = s.objects.get(pd);
      if (dir?.type !== "PageDirectory") return expect.fail("no initial page directory");
      expect(decodePDE(entriesOf(s, dir).get(0) ?? 0)).to.deep.equal({
        kind: "Table",
        paddr: pts[0],
        parityEnabled: false,
      });
      const global = s.globalPD === null ? undefined : s.objects.get(s.globalPD);
      if (global?.type !== "PageDirectory") return expect.fail("no global page directory");
      expect(entriesOf(s, dir).get(0xe00)).to.be.a("number").and.equal(entriesOf(s, global).get(0xe00));
      const image = resolve(s, pd, 0xff123 as VirtAddr);
      expect(image.mapped && [image.paddr, image.attributes.executeNever, image.rights]).to.deep.equal([
        5 * MiB + 0x123,
        false,
        "VMReadWrite",
      ]);
      const data = resolve(s, pd, 0x101000 as VirtAddr);
      expect(data.mapped && [data.paddr, data.attributes.executeNever]).to.deep.equal([5 * MiB + 0x1000, true]);
      expect(resolve(s, pd, 0x100000 as VirtAddr).mapped).to.equal(false);
    });
  });

  describe("createRootserver", () => {
    const spec: RootserverSpec = {
      cnodeSizeBits: 10,
      image: { physStart: MiB, vStart: 0x10000, pages: 3 },
      deviceRegions: [[0x40000000, 0x40002000]],
      bootMemReuse: [0, 0],
      free: [[MiB + 0x3000, 32 * MiB]],
    };
    const r = createRootserver(kernelWithWindow(), spec);
    const cnode = (
      getCap(r.state, slotAddress(r.state, r.initThread, TCB_SLOTS.tcbCTable)) as {
        paddr: PhysAddr;
      }
    ).paddr;
    const at = (i: number) => getCap(r.state, slotAddress(r.state, cnode, i));

    it("hands out caps in seL4's order: paging, image frames, then untypeds (device regions first), then empty", () => {
      const b = r.bootInfo;
      expect(b.userImagePaging).to.deep.equal({ start: 16, end: 17 });
      expect(b.userImageFrames).to.deep.equal({ start: 17, end: 20 });
      expect(b.untyped.start).to.equal(20);
      expect(b.empty).to.deep.equal({ start: b.untyped.end, end: 1024 });
      expect(at(16).type).to.equal("PageTable");
      expect([17, 18, 19].map((i) => at(i))).to.deep.equal(
        [0, 1, 2].map((k) => ({
          type: "Frame",
          paddr: MiB + k * 0x1000,
          size: "SmallPage",
          vmRights: "VMReadWrite",
          isDevice: false,
          mapping: { asid: 1, vaddr: 0x10000 + k * 0x1000 },
        })),
      );
      expect(b.untypedList[0]).to.deep.equal({
        paddr: 0x40000000,
        sizeBits: 13,
        isDevice: true,
      });
      expect(at(20)).to.deep.include({
        type: "Untyped",
        paddr: 0x40000000,
        isDevice: true,
        freeIndex: 0x2000,
      });
      expect(
        b.untypedList.every(
          (u, i) =>
            at(b.untyped.start + i).type === "Untyped" &&
            (at(b.untyped.start + i) as { paddr: number }).paddr === u.paddr,
        ),
      ).to.equal(true);
      expect(at(b.empty.start).type).to.equal("Null");
    });

    it("fills the well-known slots and gives the TCB copies of its roots and a derived IPC-buffer cap", () => {
      expect(at(INITIAL_CAP_SLOTS.InitThreadTCB)).to.deep.equal({
        type: "TCB",
        paddr: r.initThread,
      });
      expect(at(INITIAL_CAP_SLOTS.InitThreadCNode)).to.deep.equal({
        type: "CNode",
        paddr: cnode,
        radixBits: 10,
        guardSize: 22,
        guard: 0,
      });
      expect(at(INITIAL_CAP_SLOTS.BootInfoFrame)).to.deep.include({
        type: "Frame",
        mapping: { asid: 1, vaddr: 0x14000 },
      });
      expect(at(INITIAL_CAP_SLOTS.InitThreadIPCBuffer)).to.deep.include({
        type: "Frame",
        mapping: { asid: 1, vaddr: 0x13000 },
      });
      expect(at(INITIAL_CAP_SLOTS.ASIDControl)).to.deep.equal({
        type: "ASIDControl",
      });
      expect(at(INITIAL_CAP_SLOTS.InitThreadASIDPool)).to.deep.include({
        type: "ASIDPool",
        asidBase: 0,
      });
      const tcbSlot = (i: number) => getCTE(r.state, slotAddress(r.state, r.initThread, i));
      expect(tcbSlot(TCB_SLOTS.tcbCTable)).to.deep.include({
        parent: slotAddress(r.state, cnode, INITIAL_CAP_SLOTS.InitThreadCNode),
        original: false,
      });
      expect(tcbSlot(TCB_SLOTS.tcbVTable)).to.deep.include({
        parent: slotAddress(r.state, cnode, INITIAL_CAP_SLOTS.InitThreadVSpace),
        original: false,
      });
      expect(tcbSlot(TCB_SLOTS.tcbBuffer)?.cap).to.deep.include({
        type: "Frame",
        mapping: null,
      });
      expect(r.state.objects.get(r.initThread)).to.deep.include({
        type: "TCB",
        ipcBuffer: 0x13000,
      });
    });

    it("loads the initial thread's VSpace and keeps every invariant", () => {
      expect(r.state.currentThread).to.equal(r.initThread);
      expect(r.state.loadedVSpace?.pd).to.equal((at(INITIAL_CAP_SLOTS.InitThreadVSpace) as { paddr: PhysAddr }).paddr);
      expect(checkAll(r.state)).to.deep.equal([]);
    });

    it("without an image: no frames or page tables, an empty VSpace, nothing loaded", () => {
      const m = createRootserver(emptyKernelState(DEFAULT_CONFIG), {
        cnodeSizeBits: 12,
        image: null,
        deviceRegions: [],
        bootMemReuse: [0, 0],
        free: [[0, 16 * MiB]],
      });
      const root = (
        getCap(m.state, slotAddress(m.state, m.initThread, TCB_SLOTS.tcbCTable)) as {
          paddr: PhysAddr;
        }
      ).paddr;
      for (const n of ["BootInfoFrame", "InitThreadIPCBuffer"] as const)
        expect(getCap(m.state, slotAddress(m.state, root, INITIAL_CAP_SLOTS[n])).type, n).to.equal("Null");
      expect(getCTE(m.state, slotAddress(m.state, m.initThread, TCB_SLOTS.tcbBuffer))).to.equal(undefined);
      expect(m.bootInfo).to.deep.include({
        userImagePaging: { start: 16, end: 16 },
        userImageFrames: { start: 16, end: 16 },
        ipcBuffer: 0,
      });
      expect(m.bootInfo.untyped.start).to.equal(16);
      expect(m.state.loadedVSpace).to.equal(null);
      expect(checkAll(m.state)).to.deep.equal([]);
    });

    it("refuses more caps than the CNode has slots, before building anything", () => {
      expect(() => createRootserver(kernelWithWindow(), { ...spec, cnodeSizeBits: 4 })).to.throw(
        /cnodeSizeBits: \d+ caps do not fit in a CNode of 16 slots/,
      );
    });
  });

  describe("populate_bi_frame", () => {
    it("fills seL4's fixed fields, and the virtual addresses only when there is an image", () => {
      const regions = {
        userImagePaging: { start: 16, end: 16 },
        userImageFrames: { start: 16, end: 16 },
        untyped: { start: 16, end: 17 },
        empty: { start: 17, end: 256 },
      };
      const list = [{ paddr: 0x1000, sizeBits: 12, isDevice: false }];
      expect(populateBIFrame(8, null, regions, list)).to.deep.equal({
        nodeID: 0,
        numNodes: 1,
        // populate_bi_frame: no IOMMU levels; init_freemem's callers leave these S_REG_EMPTY on ARM
        numIOPTLevels: 0,
        extraLen: 0,
        ipcBuffer: 0,
        bootInfoFrame: 0,
        sharedFrames: { start: 0, end: 0 },
        ioSpaceCaps: { start: 0, end: 0 },
        extraBIPages: { start: 0, end: 0 },
        ...regions,
        untypedList: list,
        initThreadCNodeSizeBits: 8,
        initThreadDomain: 0,
      });
      const withImage = populateBIFrame(8, itLayoutOf({ physStart: 0, vStart: 0x10000, pages: 1 }), regions, list);
      expect([withImage.ipcBuffer, withImage.bootInfoFrame]).to.deep.equal([0x11000, 0x12000]);
    });
  });
});
