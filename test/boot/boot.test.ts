import { expect } from "chai";
import { DEFAULT_CONFIG } from "../../src/arch/index.ts";
import fc from "fast-check";
import { pow2, type VirtAddr } from "../../src/model/addresses.ts";
import { boot } from "../../src/boot/boot.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { PPTR_TOP } from "../../src/arch/aarch32/kernelWindow.ts";
import { getCap } from "../../src/kernel/cdt.ts";
import { capAt, slotAddress } from "../../src/kernel/cspace.ts";
import { TCB_SLOTS } from "../../src/model/constants.ts";
import { objectSizeBits } from "../../src/kernel/store.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import { decodePDE } from "../../src/arch/aarch32/entries.ts";
import { resolve } from "../../src/arch/aarch32/walk.ts";
import { capOf } from "../helpers/caps.ts";

const maps = {
  "one small region": { ram: [{ base: 0x10000000, size: 32 * 2 ** 20 }] },
  "regions with holes": {
    ram: [
      { base: 0x80000000, size: 0x4000000 },
      { base: 0x90000000, size: 0x1000000 },
      { base: 0x9f000000, size: 0x200000 },
    ],
  },
  "supersection-friendly, with a device region": {
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
        expect(decodePDE(pd.entries.get(4095)!).kind).to.equal("Table");
      });
      it("the kernel window is identical in every page directory (except the hardware-ASID slot)", () => {
        const global = s.objects.get(s.globalPD!)!;
        const user = s.objects.get(capOf(s, m.initThread, INITIAL_CAP_SLOTS.InitThreadVSpace, "PageDirectory").paddr)!;
        if (global.type !== "PageDirectory" || user.type !== "PageDirectory") expect.fail("missing PD");
        for (let i = userTop / 2 ** 20; i < 4096; i++)
          if (i !== 4080) expect(user.entries.get(i), `slot ${i}`).to.equal(global.entries.get(i));
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
      it("bootinfo's untypeds cover exactly the free memory, without overlap", () => {
        const used: [number, number][] = [...s.objects.values()].map((o) => [
          o.paddr,
          o.paddr + pow2(objectSizeBits(DEFAULT_CONFIG.sizes, o)),
        ]);
        used.push([m.physBase, m.physBase + 2 ** 20]);
        const pieces = m.bootInfo.untypedList
          .filter((u) => !u.isDevice)
          .map((u) => [u.paddr, u.paddr + pow2(u.sizeBits)] as [number, number]);
        const all = [...pieces, ...used].sort((a, b) => a[0] - b[0]);
        const merged: [number, number][] = [];
        for (const [lo, hi] of all) {
          const last = merged[merged.length - 1];
          if (last && lo < last[1]) {
            // only kernel-image internals (global PD/PT) may nest inside the kernel image
            expect(lo >= m.physBase && hi <= m.physBase + 2 ** 20, `overlap at ${lo.toString(16)}`).to.equal(true);
            continue;
          }
          if (last && lo === last[1]) last[1] = hi;
          else merged.push([lo, hi]);
        }
        const ramTotal = map.ram.reduce((n, r) => n + r.size, 0);
        expect(merged.reduce((n, [lo, hi]) => n + hi - lo, 0)).to.equal(ramTotal);
        expect(m.bootInfo.untypedList.filter((u) => u.isDevice).reduce((n, u) => n + pow2(u.sizeBits), 0)).to.equal(
          ("devices" in map ? map.devices : []).reduce((n, d) => n + d.size, 0),
        );
      });
      it("puts caps in seL4's slot order", () => {
        const b = m.bootInfo;
        expect(b.userImagePaging.start).to.equal(16);
        expect(b.userImageFrames.start).to.equal(b.userImagePaging.end);
        expect(b.untyped.start).to.equal(b.userImageFrames.end);
        expect(b.empty).to.deep.equal({ start: b.untyped.end, end: 2 ** b.initThreadCNodeSizeBits });
        expect(capAt(s, m.initThread, 16).type).to.equal("PageTable");
        expect(capAt(s, m.initThread, b.userImageFrames.start).type).to.equal("Frame");
        expect(getCap(s, slotAddress(m.initThread, TCB_SLOTS.tcbBuffer))).to.include({ type: "Frame", mapping: null });
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
      boot({ ram: [{ base: 0, size: 0x1000000 }], userImage: { size: 0x1000, vbase: 0xdffff000 } }),
    ).to.throw(/at or above USER_TOP/);
  });

  it("property: random valid memory maps boot with every invariant holding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 3 }),
        (start, sizes) => {
          let base = start * 2 ** 24;
          const ram = sizes.map((mb, i) => {
            const r = { base, size: (i === 0 ? Math.max(mb, 4) : mb) * 2 ** 20 };
            base += r.size + 2 ** 20;
            return r;
          });
          const m = boot({ ram });
          expect(checkAll(m.state)).to.deep.equal([]);
        },
      ),
      { numRuns: 30 },
    );
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
  it("placeRootserverObjects puts the objects biggest first, aligned, in the first range that holds them, and says what is left", async () => {
    const { placeRootserverObjects } = await import("../../src/boot/rootserver.ts");
    const { placed, free } = placeRootserverObjects(
      DEFAULT_CONFIG.sizes,
      [
        [0x1000, 0x8000],
        [0x100000, 0x200000],
      ],
      { cnodeSizeBits: 12, pageTables: 1, bootFrames: true },
    );
    expect(placed[0]).to.deep.equal({ kind: "CNode", at: 0x100000 });
    expect(placed.map((p) => p.kind)).to.deep.equal([
      "CNode",
      "PageDirectory",
      "ASIDPool",
      "IPCBuffer",
      "BootInfo",
      "PageTable",
      "TCB",
    ]);
    for (const p of placed) expect(p.at % 2 ** 9).to.equal(0);
    expect(free[0]).to.deep.equal([0x1000, 0x8000]);
    expect(() =>
      placeRootserverObjects(DEFAULT_CONFIG.sizes, [[0, 0x8000]], {
        cnodeSizeBits: 12,
        pageTables: 1,
        bootFrames: true,
      }),
    ).to.throw(/too small or too fragmented/);
  });
  it("untypedsFor gives device regions first, then free RAM, in aligned blocks", async () => {
    const { untypedsFor } = await import("../../src/boot/rootserver.ts");
    const u = untypedsFor(DEFAULT_CONFIG.sizes, [{ base: 0x40000000, size: 0x3000 }], [[0x1000, 0x4000]]);
    expect(u).to.deep.equal([
      { paddr: 0x40000000, sizeBits: 13, isDevice: true },
      { paddr: 0x40002000, sizeBits: 12, isDevice: true },
      { paddr: 0x1000, sizeBits: 12, isDevice: false },
      { paddr: 0x2000, sizeBits: 13, isDevice: false },
    ]);
  });
});
