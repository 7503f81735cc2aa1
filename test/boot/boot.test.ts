import { expect } from "chai";
import { DEFAULT_CONFIG } from "../../src/arch/index.ts";
import fc from "fast-check";
import { pow2, type PhysAddr, type VirtAddr } from "../../src/model/addresses.ts";
import { boot, type FullyBootedMachine } from "../../src/boot/boot.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { PPTR_TOP } from "../../src/arch/aarch32/kernelWindow.ts";
import { getCap } from "../../src/kernel/cdt.ts";
import { capAt, slotAddress } from "../../src/kernel/cspace.ts";
import { TCB_SLOTS } from "../../src/model/constants.ts";
import { readPhysical } from "../../src/machine/memory.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import { decodePDE } from "../../src/arch/aarch32/entries.ts";
import { resolve } from "../../src/arch/aarch32/walk.ts";
import { capOf } from "../helpers/caps.ts";
import { entriesOf } from "../../src/kernel/store.ts";

const maps = {
  "one small region": { ram: [{ base: 0x10000000, size: 32 * 2 ** 20 }] },
  "regions with holes": {
    ram: [
      { base: 0x80000000, size: 0x4000000 },
      { base: 0x90000000, size: 0x1000000 },
      { base: 0x9f000000, size: 0x200000 },
    ],
  },
  "supersection-friendly, with a device region, RAM past PADDR_TOP": {
    ram: [{ base: 0, size: 512 * 2 ** 20 }],
    devices: [{ base: 0x40000000, size: 0x100000 }],
  },
  "small CNode and another USER_TOP": {
    ram: [{ base: 0x20000000, size: 0x3000000 }],
    cnodeSizeBits: 10,
    userTop: 0xa0000000,
  },
};

describe("boot (full)", () => {
  for (const [label, map] of Object.entries(maps)) {
    describe(label, () => {
      const m = boot(map);
      const s = m.state;
      const userTop = s.config.userTop;
      it("holds every invariant", () => expect(checkAll(s)).to.deep.equal([]));
      it("maps the kernel window linearly from physBase, kernel-only and global, with supersections then sections", () => {
        const pd = s.objects.get(s.globalPD!)!;
        if (pd.type !== "PageDirectory") expect.fail("no global PD");
        for (const r of map.ram) {
          for (let p = r.base; p < r.base + r.size; p += 2 ** 20) {
            const kv = userTop + (p - m.physBase);
            if (kv >= PPTR_TOP) continue;
            const got = resolve(s, s.globalPD!, (kv + 0x123) as VirtAddr);
            expect(got.mapped && got.paddr).to.equal(p + 0x123);
            expect(got.mapped && got.rights).to.equal("VMKernelOnly");
            expect(got.mapped && got.global).to.equal(true);
            expect(got.mapped && got.size).to.equal(kv / 2 ** 20 < 4080 ? "SuperSection" : "Section");
          }
        }
        expect(decodePDE(entriesOf(s, pd).get(4095)!).kind).to.equal("Table");
      });
      it("the kernel window is identical in every page directory (except the hardware-ASID slot)", () => {
        const global = s.objects.get(s.globalPD!)!;
        const user = s.objects.get(capOf(s, m.initThread, INITIAL_CAP_SLOTS.InitThreadVSpace, "PageDirectory").paddr)!;
        if (global.type !== "PageDirectory" || user.type !== "PageDirectory") expect.fail("missing PD");
        for (let i = userTop / 2 ** 20; i < 4096; i++)
          if (i !== 4080) expect(entriesOf(s, user).get(i), `slot ${i}`).to.equal(entriesOf(s, global).get(i));
      });
      it("the initial thread resolves its IPC buffer and bootinfo frames", () => {
        const pd = s.loadedVSpace!.pd;
        const ipc = capOf(s, m.initThread, INITIAL_CAP_SLOTS.InitThreadIPCBuffer, "Frame");
        const bi = capOf(s, m.initThread, INITIAL_CAP_SLOTS.BootInfoFrame, "Frame");
        const r1 = resolve(s, pd, m.bootInfo.ipcBuffer);
        const r2 = resolve(s, pd, m.bootInfo.bootInfoFrame);
        expect(r1.mapped && r1.paddr).to.equal(ipc.paddr);
        expect(r2.mapped && r2.paddr).to.equal(bi.paddr);
        expect(r1.mapped && r1.attributes.executeNever).to.equal(true);
      });
      it("untypeds as seL4 16.0.0 makes them: devices first, no RAM untyped past PADDR_TOP, tiling [0, 2^32) with the reserved regions and the root server", () => {
        expect(untypedLayoutProblems(m)).to.deep.equal([]);
      });
      it("puts caps in seL4's slot order", () => {
        const b = m.bootInfo;
        expect(b.userImagePaging.start).to.equal(16);
        expect(b.userImageFrames.start).to.equal(b.userImagePaging.end);
        expect(b.untyped.start).to.equal(b.userImageFrames.end);
        expect(b.empty).to.deep.equal({
          start: b.untyped.end,
          end: 2 ** b.initThreadCNodeSizeBits,
        });
        expect(capAt(s, m.initThread, 16).type).to.equal("PageTable");
        expect(capAt(s, m.initThread, b.userImageFrames.start).type).to.equal("Frame");
        expect(getCap(s, slotAddress(s, m.initThread, TCB_SLOTS.tcbBuffer))).to.include({
          type: "Frame",
          mapping: null,
        });
      });
    });
  }

  it("refuses bad memory maps, naming the region and why", () => {
    expect(() => boot({ ram: [] })).to.throw(/at least one RAM region/);
    expect(() => boot({ ram: [{ base: 0x1000, size: 0x1000000 }] })).to.throw(/physBase.*16 MiB aligned/);
    expect(() => boot({ ram: [{ base: 0, size: 0x1000001 }] })).to.throw(/ram\[0\].*not 4 KiB aligned/);
    expect(() =>
      boot({
        ram: [
          { base: 0, size: 0x2000000 },
          { base: 0x1000000, size: 0x1000000 },
        ],
      }),
    ).to.throw(/ram\[1\]: overlaps ram\[0\]/);
    expect(() => boot({ ram: [{ base: 0, size: 0x100000 }] })).to.throw(
      /no free RAM region can hold the initial thread's objects|does not fit/,
    );
    expect(() => boot({ ram: [{ base: 0, size: 0x1000000 }], kernelImageSize: 0x2000000 })).to.throw(
      /kernel image.*does not fit/,
    );
    expect(() =>
      boot({
        ram: [{ base: 0, size: 0x1000000 }],
        userImage: { size: 0x1000, vbase: 0xdffff000 },
      }),
    ).to.throw(/at or above USER_TOP/);
  });

  it("property: random valid memory maps boot with every invariant holding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.array(fc.integer({ min: 1, max: 64 }), {
          minLength: 1,
          maxLength: 3,
        }),
        (start, sizes) => {
          let base = start * 2 ** 24;
          const ram = sizes.map((mb, i) => {
            const r = {
              base,
              size: (i === 0 ? Math.max(mb, 4) : mb) * 2 ** 20,
            };
            base += r.size + 2 ** 20;
            return r;
          });
          const m = boot({ ram });
          expect(checkAll(m.state)).to.deep.equal([]);
          expect(untypedLayoutProblems(m)).to.deep.equal([]);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("boot lays memory out as seL4 16.0.0 does (src/kernel/boot.c init_freemem, create_rootserver_objects, create_untypeds)", () => {
  // Expected values worked out from seL4's source, not from capsim: RAM [0, 256 MiB), a 1 MiB
  // kernel image, a 64 KiB user image linked at 0x10000, USER_TOP 0xe0000000, radix 12, FPU on.
  const blocks = (m: FullyBootedMachine) =>
    m.bootInfo.untypedList.map((u) => [u.paddr, u.sizeBits, u.isDevice] as const);
  const dev = (paddr: number, bits: number) => [paddr, bits, true] as const;
  const ram = (paddr: number, bits: number) => [paddr, bits, false] as const;
  const m = boot({ ram: [{ base: 0, size: 0x10000000 }] });
  const cnode = (getCap(m.state, slotAddress(m.state, m.initThread, 0)) as { paddr: PhysAddr }).paddr;
  const paddrIn = (slot: number) => (getCap(m.state, slotAddress(m.state, cnode, slot)) as { paddr: number }).paddr;

  it("puts the root server at the top of the highest free region: CNode, PD, pool, IPC buffer, bootinfo, TCB, then the page table", () => {
    expect(m.layout.rootserver).to.deep.equal([0x0ffe0000, 0x0fff7800]);
    expect(cnode).to.equal(0x0ffe0000);
    expect(paddrIn(INITIAL_CAP_SLOTS.InitThreadVSpace)).to.equal(0x0fff0000);
    expect(paddrIn(INITIAL_CAP_SLOTS.InitThreadASIDPool)).to.equal(0x0fff4000);
    expect(paddrIn(INITIAL_CAP_SLOTS.InitThreadIPCBuffer)).to.equal(0x0fff5000);
    expect(paddrIn(INITIAL_CAP_SLOTS.BootInfoFrame)).to.equal(0x0fff6000);
    expect(m.initThread).to.equal(0x0fff7000);
    expect(paddrIn(m.bootInfo.userImagePaging.start)).to.equal(0x0fff7400);
  });

  it("leaves seL4_BootInfo in the bootinfo frame (0x0fff6000) in 32-bit words", () => {
    // libsel4 16.0.0 bootinfo_types.h without MCS: 21 words, then 8-byte untypedList entries.
    const b = readPhysical(m.state, 0x0fff6000 as PhysAddr, 4096);
    const word = (at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
    // extraLen, nodeID, numNodes, numIOPTLevels, ipcBuffer (right after the 64 KiB image at 0x10000)
    expect([0, 4, 8, 12, 16].map(word)).to.deep.equal([0, 0, 1, 0, 0x20000]);
    // empty, sharedFrames, userImageFrames, userImagePaging, ioSpaceCaps, extraBIPages
    expect([20, 28, 36, 44, 52, 60].map((at) => [word(at), word(at + 4)])).to.deep.equal([
      [70, 4096],
      [0, 0],
      [17, 33],
      [16, 17],
      [0, 0],
      [0, 0],
    ]);
    expect([word(68), word(72), word(76), word(80)]).to.deep.equal([12, 0, 33, 70]);
    const first = m.bootInfo.untypedList[0]!;
    expect([word(84), b[88], b[89]]).to.deep.equal([first.paddr, first.sizeBits, 1]);
    expect([word(84 + 8 * 36), b[84 + 8 * 36 + 5]]).to.deep.equal([m.bootInfo.untypedList[36]!.paddr, 0]);
  });

  it("lists device untypeds for all of [0, 2^32) outside the reserved set (slots 33-47), then free RAM ascending (48-69)", () => {
    expect(m.bootInfo.untyped).to.deep.equal({ start: 33, end: 70 });
    expect(m.bootInfo.empty).to.deep.equal({ start: 70, end: 4096 });
    expect(blocks(m)).to.deep.equal([
      dev(0x10000000, 27),
      dev(0x18000000, 26),
      dev(0x1c000000, 25),
      dev(0x1e000000, 24),
      // [0x1f000000, 0x1f100000) is the mode-reserved MiB (kernel VA 0xff000000): no untyped
      dev(0x1f100000, 20),
      dev(0x1f200000, 21),
      dev(0x1f400000, 22),
      dev(0x1f800000, 23),
      dev(0x20000000, 29),
      dev(0x40000000, 29),
      dev(0x60000000, 29),
      dev(0x80000000, 29),
      dev(0xa0000000, 29),
      dev(0xc0000000, 29),
      dev(0xe0000000, 29),
      ram(0x110000, 16),
      ram(0x120000, 17),
      ram(0x140000, 18),
      ram(0x180000, 19),
      ram(0x200000, 21),
      ram(0x400000, 22),
      ram(0x800000, 23),
      ram(0x1000000, 24),
      ram(0x2000000, 25),
      ram(0x4000000, 26),
      ram(0x8000000, 26),
      ram(0xc000000, 25),
      ram(0xe000000, 24),
      ram(0xf000000, 23),
      ram(0xf800000, 22),
      ram(0xfc00000, 21),
      ram(0xfe00000, 20),
      ram(0xff00000, 19),
      ram(0xff80000, 18),
      ram(0xffc0000, 17),
      ram(0xfff7800, 11),
      ram(0xfff8000, 15),
    ]);
    expect(m.layout.reserved).to.deep.equal([
      [0, 0x100000],
      [0x100000, 0x110000],
      [0x1f000000, 0x1f100000],
    ]);
  });

  it("makes RAM beyond the kernel window (PADDR_TOP 0x1ff00000) device untyped, and places the root server below it", () => {
    const big = boot({ ram: [{ base: 0, size: 0x30000000 }] });
    expect(big.layout.paddrTop).to.equal(0x1ff00000);
    const b = blocks(big);
    expect(b.slice(0, 8)).to.deep.equal([
      dev(0x1ff00000, 20),
      ...[1, 2, 3, 4, 5, 6, 7].map((k) => dev(k * 0x20000000, 29)),
    ]);
    expect(b[8]).to.deep.equal(ram(0x110000, 16));
    expect(big.bootInfo.untyped.start + 8).to.equal(41);
    expect(b.some(([p, bits]) => p < 0x1f100000 && p + 2 ** bits > 0x1f000000)).to.equal(false);
    expect(big.layout.rootserver[0]).to.equal(0x1fee0000);
  });

  it("without the FPU the TCB (2^9) goes after the page table, and the block is 0x200 shorter", () => {
    const noFPU = boot({ ram: [{ base: 0, size: 0x10000000 }], fpu: false });
    expect(noFPU.layout.rootserver).to.deep.equal([0x0ffe0000, 0x0fff7600]);
    expect(noFPU.initThread).to.equal(0x0fff7400);
  });

  it("the memory map's declared devices change nothing: every address outside RAM and the reserved set is device untyped already", () => {
    const withDevices = boot({
      ram: [{ base: 0, size: 0x10000000 }],
      devices: [
        { base: 0x40000000, size: 0x100000 },
        { base: 0x10000000, size: 0x1000 },
      ],
    });
    expect(withDevices.bootInfo).to.deep.equal(m.bootInfo);
  });
});

describe("boot steps", () => {
  it("listRAMRegions sorts the regions as [start, end) ranges", async () => {
    const { listRAMRegions } = await import("../../src/boot/rootserver.ts");
    expect(
      listRAMRegions([
        { base: 0x2000000, size: 0x1000 },
        { base: 0, size: 0x1000 },
      ]),
    ).to.deep.equal([
      [0, 0x1000],
      [0x2000000, 0x2001000],
    ]);
  });
  it("placeRootserverObjects takes the highest free range that holds the objects, at its top aligned position, and says what is left", async () => {
    const { placeRootserverObjects } = await import("../../src/boot/rootserver.ts");
    const { placed, block, free } = placeRootserverObjects(
      DEFAULT_CONFIG.sizes,
      [
        [0x1000, 0x8000],
        [0x100000, 0x200000],
        [0x300000, 0x310000],
      ],
      { cnodeSizeBits: 12, pageTables: 1, bootFrames: true },
    );
    // 0x17800 bytes do not fit in the highest range (64 KiB), so the next one down: 0x200000 - 0x17800, rounded down to 2^16
    expect(block).to.deep.equal([0x1e0000, 0x1f7800]);
    expect(placed.map((p) => [p.kind, p.at])).to.deep.equal([
      ["CNode", 0x1e0000],
      ["PageDirectory", 0x1f0000],
      ["ASIDPool", 0x1f4000],
      ["IPCBuffer", 0x1f5000],
      ["BootInfo", 0x1f6000],
      ["TCB", 0x1f7000],
      ["PageTable", 0x1f7400],
    ]);
    expect(free).to.deep.equal([
      [0x1000, 0x8000],
      [0x100000, 0x1e0000],
      [0x1f7800, 0x200000],
      [0x300000, 0x310000],
    ]);
    expect(() =>
      placeRootserverObjects(DEFAULT_CONFIG.sizes, [[0, 0x8000]], {
        cnodeSizeBits: 12,
        pageTables: 1,
        bootFrames: true,
      }),
    ).to.throw(/too small or too fragmented/);
  });
  it("createUntypeds gives device regions first, then the boot-only kernel memory, then free RAM, in aligned blocks", async () => {
    const { createUntypeds } = await import("../../src/boot/rootserver.ts");
    const u = createUntypeds(
      DEFAULT_CONFIG.sizes,
      [[0x40000000, 0x40003000]],
      [0x800000, 0x801000],
      [[0x1000, 0x4000]],
    );
    expect(u).to.deep.equal([
      { paddr: 0x40000000, sizeBits: 13, isDevice: true },
      { paddr: 0x40002000, sizeBits: 12, isDevice: true },
      { paddr: 0x800000, sizeBits: 12, isDevice: false },
      { paddr: 0x1000, sizeBits: 12, isDevice: false },
      { paddr: 0x2000, sizeBits: 13, isDevice: false },
    ]);
    // CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS: seL4 gives no cap past the 230th
    const many = createUntypeds(
      DEFAULT_CONFIG.sizes,
      Array.from({ length: 300 }, (_, i) => [i * 0x2000, i * 0x2000 + 0x1000] as const),
      [0, 0],
      [],
    );
    expect(many.length).to.equal(230);
  });
});

/**
 * What seL4 16.0.0's create_untypeds guarantees of the untyped list, as problems found: every
 * device entry comes before every RAM entry; no RAM entry lies at or above PADDR_TOP; and the
 * untypeds, the reserved regions and the root server's block tile [0, 2^32) without overlap,
 * apart from fragments under 2^4 bytes that no untyped can describe.
 */
function untypedLayoutProblems(m: FullyBootedMachine): string[] {
  const problems: string[] = [];
  const list = m.bootInfo.untypedList;
  const firstRAM = list.findIndex((u) => !u.isDevice);
  if (firstRAM >= 0 && list.slice(firstRAM).some((u) => u.isDevice))
    problems.push("a device untyped after a RAM untyped");
  for (const u of list)
    if (!u.isDevice && u.paddr + pow2(u.sizeBits) > m.layout.paddrTop)
      problems.push(`RAM untyped ${u.paddr.toString(16)} reaches past PADDR_TOP`);
  const pieces = [
    ...list.map((u) => [u.paddr, u.paddr + pow2(u.sizeBits)] as const),
    ...m.layout.reserved,
    m.layout.rootserver,
  ]
    .filter(([lo, hi]) => lo < hi)
    .sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [lo, hi] of pieces) {
    if (lo < at) problems.push(`overlap at ${lo.toString(16)}`);
    else if (lo - at >= 16) problems.push(`gap [${at.toString(16)}, ${lo.toString(16)})`);
    at = Math.max(at, hi);
  }
  if (2 ** 32 - at >= 16) problems.push(`gap [${at.toString(16)}, 2^32)`);
  return problems;
}
