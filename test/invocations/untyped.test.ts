import { expect } from "chai";
import fc from "fast-check";
import { pow2, type PhysAddr } from "../../src/model/addresses.ts";
import { boot } from "../../src/boot/boot.ts";
import type { BootedMachine } from "../../src/boot/minimal.ts";
import { getCap, getCTE } from "../../src/kernel/cdt.ts";
import { capAt, slotAddress } from "../../src/kernel/cspace.ts";
import { readPhysical, writePhysical } from "../../src/machine/memory.ts";
import { DEFAULT_CONFIG, objectSizeBitsOfType } from "../../src/arch/index.ts";
import type { KernelState } from "../../src/model/state.ts";
import { entriesOf, getObject } from "../../src/kernel/store.ts";
import { OBJECT_TYPES, objectTypeNumber, type ObjectTypeName } from "../../src/arch/aarch32/objectTypes.ts";
import { pspaceDistinct, untypedChildrenInside } from "../../src/testing/invariants.ts";
import { PD_ASID_SLOT } from "../../src/arch/aarch32/globalMappings.ts";
import { capOf, paddrAt, rootSlot } from "../helpers/caps.ts";
import { bigUntyped, bootTestMachine, call, CNODE, expectError, expectOk } from "../helpers/machine.ts";

const m = bootTestMachine();
const T = m.initThread;
const s0 = m.state;
const slot = (i: number) => rootSlot(s0, T, i);
const U = bigUntyped(m, 21); // a 2^21-byte untyped
const uCap = capOf(s0, T, U, "Untyped");
const FREE = m.bootInfo.empty.start; // first empty slot of the initial CNode
const args = (type: ObjectTypeName | number, size: number, offset: number, count: number, depth = 0, index = 0) => [
  typeof type === "number" ? type : objectTypeNumber(type),
  size,
  index,
  depth,
  offset,
  count,
];
const retype = (s: KernelState, u: number, a: number[], extra: number[] = [CNODE]) =>
  call(s, T, u, "UntypedRetype", a, extra);
const del = (s: KernelState, i: number) => {
  const r = call(s, T, CNODE, "CNodeDelete", [i, 32]);
  expectOk(r);
  return r.state;
};
/** Retype and assert success; returns the new state. */
const ok = (s: KernelState, u: number, a: number[], extra: number[] = [CNODE]) => {
  const r = retype(s, u, a, extra);
  expectOk(r);
  return r.state;
};

describe("Untyped_Retype: errors, in seL4's order, with seL4's fields", () => {
  it("IllegalOperation for any other label", () =>
    expectError(s0, call(s0, T, U, "CNodeCopy", args("seL4_TCBObject", 0, FREE, 1), [CNODE]), {
      error: "IllegalOperation",
    }));

  it("TruncatedMessage with fewer than 6 words, or without the root CNode", () => {
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, FREE, 1).slice(0, 5)), { error: "TruncatedMessage" });
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, FREE, 1), []), {
      error: "TruncatedMessage",
    });
    expectError(s0, retype(s0, U, [], []), { error: "TruncatedMessage" });
  });

  it("InvalidArgument 0 for a type number at or above seL4_ObjectTypeCount (before the size check)", () => {
    expectError(s0, retype(s0, U, args(OBJECT_TYPES.length, 0, FREE, 1)), {
      error: "InvalidArgument",
      argumentNumber: 0,
    });
    expectError(s0, retype(s0, U, args(0xffffffff, 99, FREE, 0)), {
      error: "InvalidArgument",
      argumentNumber: 0,
    });
  });

  it("RangeError [0, seL4_MaxUntypedBits] when size_bits >= wordBits or the object would exceed 2^29", () => {
    const range = { error: "RangeError", rangeMin: 0, rangeMax: 29 } as const;
    expectError(s0, retype(s0, U, args("seL4_UntypedObject", 30, FREE, 1)), range);
    expectError(s0, retype(s0, U, args("seL4_CapTableObject", 26, FREE, 1)), range); // 2^26 slots of 16 bytes = 2^30
    // size_bits is checked even for fixed-size objects, which otherwise ignore it
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 32, FREE, 1)), range);
    expectError(s0, retype(s0, U, args("seL4_ARM_SmallPageObject", 0xffffffff, FREE, 1)), range);
    // comes before the CNode/untyped minimum checks and the destination checks
    expectError(s0, retype(s0, U, args("seL4_UntypedObject", 40, 99999, 0)), range);
  });

  it("a fixed-size object ignores size_bits below wordBits", () => {
    const s = ok(s0, U, args("seL4_TCBObject", 31, FREE, 1));
    expect(capAt(s, T, U)).to.include({ freeIndex: 1024 });
  });

  it("InvalidArgument 1 for a CNode of size 0 or an untyped below seL4_MinUntypedBits (before the destination checks)", () => {
    expectError(s0, retype(s0, U, args("seL4_CapTableObject", 0, FREE, 1)), {
      error: "InvalidArgument",
      argumentNumber: 1,
    });
    expectError(s0, retype(s0, U, args("seL4_UntypedObject", 3, FREE, 1)), {
      error: "InvalidArgument",
      argumentNumber: 1,
    });
    expectError(s0, retype(s0, U, args("seL4_CapTableObject", 0, 99999, 0)), {
      error: "InvalidArgument",
      argumentNumber: 1,
    });
  });

  it("FailedLookup (MissingCapability, bits left = node_depth) when the destination is not a CNode", () => {
    // depth 0: the root cap itself must be a CNode
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, FREE, 1), [U]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "MissingCapability", bitsLeft: 0 },
    });
    // depth 32: the cap found at node_index must be a CNode (an untyped, an empty slot)
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, 0, 1, 32, U)), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "MissingCapability", bitsLeft: 32 },
    });
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, 0, 1, 32, FREE)), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "MissingCapability", bitsLeft: 32 },
    });
  });

  it("lookupTargetSlot's own errors for a non-zero node_depth", () => {
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, 0, 1, 33, CNODE)), {
      error: "RangeError",
      rangeMin: 1,
      rangeMax: 32,
    });
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, 0, 1, 32, CNODE), [U]), {
      error: "FailedLookup",
      failedLookupWasSource: false,
      lookupFailure: { kind: "InvalidRoot" },
    });
  });

  it("RangeError [0, slots-1] for node_offset past the destination CNode (checked before the count)", () => {
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, 4096, 1)), {
      error: "RangeError",
      rangeMin: 0,
      rangeMax: 4095,
    });
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, 5000, 0)), {
      error: "RangeError",
      rangeMin: 0,
      rangeMax: 4095,
    });
    const s = ok(s0, U, args("seL4_CapTableObject", 4, FREE, 1)); // a 16-slot CNode
    expectError(s, retype(s, U, args("seL4_TCBObject", 0, 16, 1, 32, FREE)), {
      error: "RangeError",
      rangeMin: 0,
      rangeMax: 15,
    });
  });

  it("RangeError [1, CONFIG_RETYPE_FAN_OUT_LIMIT] for a count of 0 or above 256", () => {
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, FREE, 0)), {
      error: "RangeError",
      rangeMin: 1,
      rangeMax: 256,
    });
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, FREE, 257)), {
      error: "RangeError",
      rangeMin: 1,
      rangeMax: 256,
    });
  });

  it("RangeError [1, slots-offset] for a window that runs past the CNode's end", () => {
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, 4090, 10)), {
      error: "RangeError",
      rangeMin: 1,
      rangeMax: 6,
    });
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, 4095, 2)), {
      error: "RangeError",
      rangeMin: 1,
      rangeMax: 1,
    });
  });

  it("DeleteFirst when any slot of the window holds a cap (before any memory check)", () => {
    expectError(s0, retype(s0, U, args("seL4_TCBObject", 0, 0, 3)), {
      error: "DeleteFirst",
    }); // slot 0 is empty, slot 1 is the TCB
    expectError(s0, retype(s0, U, args("seL4_ARM_SectionObject", 0, U, 200)), {
      error: "DeleteFirst",
    });
  });

  it("NotEnoughMemory with memoryLeft = bytes from the (unaligned) free index to the end", () => {
    // no children: the untyped counts as empty, whatever its free index says
    expectError(s0, retype(s0, U, args("seL4_ARM_SectionObject", 0, FREE, 3)), {
      error: "NotEnoughMemory",
      memoryLeft: pow2(21),
    });
    const s1 = ok(s0, U, args("seL4_EndpointObject", 0, FREE, 1)); // 16 bytes used
    expectError(s1, retype(s1, U, args("seL4_ARM_SectionObject", 0, FREE + 1, 2)), {
      error: "NotEnoughMemory",
      memoryLeft: pow2(21) - 16,
    });
    // seL4 counts whole objects in the unaligned free bytes: one Section still fits, packed at the top
    const s2 = ok(s1, U, args("seL4_ARM_SectionObject", 0, FREE + 1, 1));
    expect(capAt(s2, T, FREE + 1)).to.include({ paddr: uCap.paddr + pow2(20) });
    expect(capAt(s2, T, U)).to.include({ freeIndex: pow2(21) });
    expectError(s2, retype(s2, U, args("seL4_EndpointObject", 0, FREE + 2, 1)), {
      error: "NotEnoughMemory",
      memoryLeft: 0,
    });
  });

  describe("device untyped", () => {
    // Boot makes device untypeds of everything outside RAM and the reserved regions; this one is
    // the 2^21 block after the mode-reserved MiB (0x1f200000 with physBase 0).
    const dm = boot({ ram: [{ base: 0, size: 64 * 2 ** 20 }] });
    const dIndex = dm.bootInfo.untypedList.findIndex((u) => u.isDevice && u.sizeBits === 21);
    const D = dm.bootInfo.untyped.start + dIndex;
    const DBASE = (dm.bootInfo.untypedList[dIndex] as { paddr: number }).paddr;
    const dfree = dm.bootInfo.empty.start;
    const dcall = (s: KernelState, a: number[]) => call(s, dm.initThread, D, "UntypedRetype", a, [CNODE]);

    it("InvalidArgument 1 for anything but frames or untyped, checked after the memory check", () => {
      for (const t of [
        "seL4_TCBObject",
        "seL4_EndpointObject",
        "seL4_NotificationObject",
        "seL4_ARM_PageTableObject",
        "seL4_ARM_PageDirectoryObject",
      ] as const) {
        expectError(dm.state, dcall(dm.state, args(t, 0, dfree, 1)), {
          error: "InvalidArgument",
          argumentNumber: 1,
        });
      }
      expectError(dm.state, dcall(dm.state, args("seL4_CapTableObject", 4, dfree, 1)), {
        error: "InvalidArgument",
        argumentNumber: 1,
      });
      // a CNode too big for the untyped: the memory check comes first
      expectError(dm.state, dcall(dm.state, args("seL4_CapTableObject", 20, dfree, 1)), {
        error: "NotEnoughMemory",
        memoryLeft: pow2(21),
      });
    });

    it("frames and untyped children carry the device flag", () => {
      const r = dcall(dm.state, args("seL4_ARM_SmallPageObject", 0, dfree, 2));
      expectOk(r);
      expect(capAt(r.state, dm.initThread, dfree)).to.deep.equal({
        type: "Frame",
        paddr: DBASE,
        size: "SmallPage",
        vmRights: "VMReadWrite",
        isDevice: true,
        mapping: null,
      });
      expect(getObject(r.state, (DBASE + 0x1000) as PhysAddr)).to.deep.equal({
        type: "Frame",
        paddr: DBASE + 0x1000,
        size: "SmallPage",
        isDevice: true,
      });
      const r2 = dcall(r.state, args("seL4_UntypedObject", 16, dfree + 2, 1));
      expectOk(r2);
      expect(capAt(r2.state, dm.initThread, dfree + 2)).to.deep.equal({
        type: "Untyped",
        paddr: DBASE + 0x10000,
        sizeBits: 16,
        isDevice: true,
        freeIndex: 0,
      });
    });

    it("reset never clears device memory (seL4 does not touch it)", () => {
      const r = dcall(dm.state, args("seL4_ARM_SmallPageObject", 0, dfree, 1));
      const written = writePhysical(r.state, DBASE as PhysAddr, new Uint8Array([1, 2, 3]));
      const deleted = (() => {
        const d = call(written, dm.initThread, CNODE, "CNodeDelete", [dfree, 32]);
        expectOk(d);
        return d.state;
      })();
      const again = dcall(deleted, args("seL4_ARM_SmallPageObject", 0, dfree, 1));
      expectOk(again);
      expect(capAt(again.state, dm.initThread, dfree)).to.include({
        paddr: DBASE,
      });
      expect([...readPhysical(again.state, DBASE as PhysAddr, 3)]).to.deep.equal([1, 2, 3]);
    });
  });
});

describe("Untyped_Retype: success", () => {
  it("every object type: seL4's cap, record, size and placement; each cap an original child of the untyped", () => {
    const cases: [ObjectTypeName, number][] = [
      ["seL4_UntypedObject", 12],
      ["seL4_TCBObject", 0],
      ["seL4_EndpointObject", 0],
      ["seL4_NotificationObject", 0],
      ["seL4_CapTableObject", 5],
      ["seL4_ARM_PageDirectoryObject", 0],
      ["seL4_ARM_SmallPageObject", 0],
      ["seL4_ARM_LargePageObject", 0],
      ["seL4_ARM_SectionObject", 0],
      ["seL4_ARM_PageTableObject", 0],
    ];
    for (const [type, userSize] of cases) {
      const bits = objectSizeBitsOfType(DEFAULT_CONFIG.sizes, type, userSize);
      const s = ok(s0, U, args(type, userSize, FREE, 2));
      for (const i of [0, 1]) {
        const paddr = paddrAt(s, T, FREE + i);
        expect(paddr, type).to.equal(uCap.paddr + i * pow2(bits));
        expect(getCTE(s, slot(FREE + i)), type).to.include({
          parent: slot(U),
          original: true,
        });
        if (type !== "seL4_UntypedObject") expect(getObject(s, paddr)?.paddr, type).to.equal(paddr);
      }
      expect(capAt(s, T, U), type).to.deep.equal({
        ...uCap,
        freeIndex: 2 * pow2(bits),
      });
      expect(s.objects.size - s0.objects.size, type).to.equal(type === "seL4_UntypedObject" ? 0 : 2);
    }
    const big = bigUntyped(m, 25);
    const bigCap = capOf(s0, T, big, "Untyped");
    const s = ok(s0, big, args("seL4_ARM_SuperSectionObject", 0, FREE, 2));
    expect(capAt(s, T, FREE + 1)).to.deep.equal({
      type: "Frame",
      paddr: bigCap.paddr + pow2(24),
      size: "SuperSection",
      vmRights: "VMReadWrite",
      isDevice: false,
      mapping: null,
    });
  });

  it("a new page directory holds the kernel's global entries and nothing else", () => {
    const s = ok(s0, U, args("seL4_ARM_PageDirectoryObject", 0, FREE, 1));
    const pd = getObject(s, uCap.paddr);
    const global = getObject(s, s.globalPD as PhysAddr);
    if (pd?.type !== "PageDirectory" || global?.type !== "PageDirectory") return expect.fail("no page directory");
    const first = s.config.userTop / pow2(20);
    const expected = [...entriesOf(s, global).range(first, 4096)].filter(([i]) => i !== PD_ASID_SLOT);
    expect(expected.length).to.be.greaterThan(0);
    expect([...entriesOf(s, pd).entries()]).to.deep.equal(expected);
  });

  it("places the objects into a CNode named by node_index/node_depth", () => {
    const s1 = ok(s0, U, args("seL4_CapTableObject", 4, FREE, 1));
    const sub = capOf(s1, T, FREE, "CNode").paddr;
    const s2 = ok(s1, U, args("seL4_EndpointObject", 0, 14, 2, 32, FREE));
    expect(getCap(s2, slotAddress(s2, sub, 14))).to.include({
      type: "Endpoint",
      paddr: uCap.paddr + 256,
    });
    expect(getCap(s2, slotAddress(s2, sub, 15))).to.include({
      type: "Endpoint",
      paddr: uCap.paddr + 256 + 16,
    });
  });

  it("aligns the first object up to its size and packs the rest after it (256 frames fill 2^20 exactly)", () => {
    const u20 = bigUntyped(m, 20);
    const c20 = capOf(s0, T, u20, "Untyped");
    expect(c20.sizeBits).to.equal(21); // the 2^21 untyped is also the first of at least 2^20
    let s = ok(s0, u20, args("seL4_TCBObject", 0, FREE, 1)); // 512 bytes
    s = ok(s, u20, args("seL4_ARM_PageTableObject", 0, FREE + 1, 1)); // 1 KiB: aligned to 0x400
    expect(capAt(s, T, FREE + 1)).to.include({ paddr: c20.paddr + 0x400 });
    s = ok(s, u20, args("seL4_ARM_SmallPageObject", 0, FREE + 2, 255)); // aligned to 0x1000
    expect(capAt(s, T, FREE + 2)).to.include({ paddr: c20.paddr + 0x1000 });
    expect(capAt(s, T, FREE + 256)).to.include({ paddr: c20.paddr + 0xff000 });
    expect(capAt(s, T, u20)).to.include({ freeIndex: 0x100000 });
  });

  it("a copy of the untyped cap is a child: the original no longer resets, the copy does", () => {
    const r = call(s0, T, CNODE, "CNodeCopy", [FREE, 32, U, 32, 15], [CNODE]);
    expectOk(r);
    expect(getCTE(r.state, slot(FREE))).to.deep.include({
      parent: slot(U),
      original: true,
    }); // untyped copies are revocable (isCapRevocable)
    // boot untypeds start with a full free index, and with a child there is no reset
    expectError(r.state, retype(r.state, U, args("seL4_EndpointObject", 0, FREE + 1, 1)), {
      error: "NotEnoughMemory",
      memoryLeft: 0,
    });
    const s = ok(r.state, FREE, args("seL4_EndpointObject", 0, FREE + 1, 1));
    expect(capAt(s, T, FREE + 1)).to.include({ paddr: uCap.paddr });
    expect(getCTE(s, slot(FREE + 1))).to.deep.include({
      parent: slot(FREE),
      original: true,
    });
  });

  it("reset: once every child is deleted, objects start again from the base and the used memory reads zero", () => {
    let s = ok(s0, U, args("seL4_ARM_SmallPageObject", 0, FREE, 2));
    s = writePhysical(s, (uCap.paddr + 0x1ff0) as PhysAddr, new Uint8Array(32).fill(7));
    // a child is left: no reset, the memory stays and allocation continues
    s = del(s, FREE);
    s = ok(s, U, args("seL4_EndpointObject", 0, FREE, 1));
    expect(capAt(s, T, FREE)).to.include({ paddr: uCap.paddr + 0x2000 });
    expect(readPhysical(s, (uCap.paddr + 0x1ff0) as PhysAddr, 32).every((b) => b === 7)).to.equal(true);
    // all children gone: the next retype resets
    s = del(del(s, FREE), FREE + 1);
    const before = s;
    s = ok(s, U, args("seL4_ARM_SectionObject", 0, FREE, 1));
    expect(capAt(s, T, FREE)).to.include({ paddr: uCap.paddr });
    expect(capAt(s, T, U)).to.include({ freeIndex: pow2(20) });
    expect(readPhysical(s, (uCap.paddr + 0x1ff0) as PhysAddr, 32).every((b) => b === 0)).to.equal(true);
    expect(readPhysical(before, (uCap.paddr + 0x1ff0) as PhysAddr, 32).every((b) => b === 7)).to.equal(true); // older states keep theirs
  });
});

// ---------------------------------------------------------------------------------------------
// Properties against a reference model of seL4's arithmetic, in BigInt

interface ModelUntyped {
  readonly paddr: bigint;
  readonly sizeBits: number;
  freeIndex: bigint;
  children: number;
}

/** seL4's decode arithmetic for one Retype from `u`: addresses of the new objects, or the memory left. */
function modelRetype(u: ModelUntyped, objectBits: number, count: number): { addrs: bigint[] } | { memoryLeft: bigint } {
  const freeIndex = u.children === 0 ? 0n : u.freeIndex;
  const freeBytes = (1n << BigInt(u.sizeBits)) - freeIndex;
  if (freeBytes >> BigInt(objectBits) < BigInt(count)) return { memoryLeft: freeBytes };
  const size = 1n << BigInt(objectBits);
  const first = ((u.paddr + freeIndex + size - 1n) / size) * size;
  return {
    addrs: Array.from({ length: count }, (_, i) => first + BigInt(i) * size),
  };
}

// Every type Retype can make: the property picks among all of them.
const propertyTypes: readonly ObjectTypeName[] = OBJECT_TYPES;

type Step =
  | {
      kind: "retype";
      type: ObjectTypeName;
      size: number;
      count: number;
      u: number;
    }
  | { kind: "delete"; pick: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("retype" as const),
      type: fc.constantFrom(...propertyTypes),
      size: fc.integer({ min: 4, max: 26 }),
      count: fc.integer({ min: 1, max: 5 }),
      u: fc.nat(64),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("delete" as const),
      pick: fc.nat(1000),
    }),
  },
);

const stats = { ok: 0, short: 0, nested: 0 };
/**
 * Runs the steps on a machine and on a BigInt model of seL4's arithmetic side by side. Sources
 * are the boot untypeds and any untyped made on the way; a delete picks a live object (not an
 * untyped that still has children, whose deletion would hand them to its parent).
 */
function runSteps(machine: BootedMachine, steps: readonly Step[]): void {
  const model = new Map<number, ModelUntyped>();
  for (let i = machine.bootInfo.untyped.start; i < machine.bootInfo.untyped.end; i++) {
    const c = capOf(machine.state, machine.initThread, i, "Untyped");
    // device untypeds hold no kernel objects; their own tests are above
    if (c.isDevice) continue;
    model.set(i, {
      paddr: BigInt(c.paddr),
      sizeBits: c.sizeBits,
      freeIndex: BigInt(c.freeIndex),
      children: 0,
    });
  }
  // live objects made here: slot -> its untyped's slot, [start, end), and whether it is an untyped
  const live = new Map<number, { parent: number; lo: bigint; hi: bigint; untyped: boolean }>();
  let s = machine.state;
  let dest = machine.bootInfo.empty.start;
  for (const st of steps) {
    if (st.kind === "delete") {
      const slots = [...live.keys()].filter((k) => (model.get(k)?.children ?? 0) === 0);
      if (slots.length === 0) continue;
      const victim = slots[st.pick % slots.length] as number;
      s = del(s, victim);
      (model.get((live.get(victim) as { parent: number }).parent) as ModelUntyped).children--;
      live.delete(victim);
      model.delete(victim);
      continue;
    }
    const sources = [...model.keys()];
    const u = sources[st.u % sources.length] as number;
    const mu = model.get(u) as ModelUntyped;
    const userSize = st.type === "seL4_CapTableObject" ? st.size - 3 : st.size;
    const bits = objectSizeBitsOfType(DEFAULT_CONFIG.sizes, st.type, userSize);
    const r = retype(s, u, args(st.type, userSize, dest, st.count));
    const expected = modelRetype(mu, bits, st.count);
    if ("memoryLeft" in expected) {
      stats.short++;
      expect(r.reply.kind === "error" && r.reply.error).to.include({
        error: "NotEnoughMemory",
        memoryLeft: Number(expected.memoryLeft),
      });
      expect(r.state).to.equal(s);
      continue;
    }
    expectOk(r);
    s = r.state;
    expected.addrs.forEach((a, i) => {
      expect(BigInt(paddrAt(s, machine.initThread, dest + i))).to.equal(a);
      const untyped = st.type === "seL4_UntypedObject";
      live.set(dest + i, {
        parent: u,
        lo: a,
        hi: a + (1n << BigInt(bits)),
        untyped,
      });
      if (untyped)
        model.set(dest + i, {
          paddr: a,
          sizeBits: bits,
          freeIndex: 0n,
          children: 0,
        });
    });
    mu.freeIndex = (expected.addrs[st.count - 1] as bigint) + (1n << BigInt(bits)) - mu.paddr;
    mu.children += st.count;
    expect(BigInt(capOf(s, machine.initThread, u, "Untyped").freeIndex)).to.equal(mu.freeIndex);
    dest += st.count;
    stats.ok++;
  }
  // Independent of the invariant checkers: each live object lies inside its untyped, and two
  // live objects overlap only when one is an untyped the other was made from (directly or not).
  const ancestorOf = (a: number, b: number): boolean => {
    for (let p = live.get(b)?.parent; p !== undefined; p = live.get(p)?.parent) if (p === a) return true;
    return false;
  };
  for (const [k, o] of live) {
    const parent = model.get(o.parent) as ModelUntyped;
    expect(
      o.lo >= parent.paddr && o.hi <= parent.paddr + (1n << BigInt(parent.sizeBits)),
      `slot ${k} leaves its untyped`,
    ).to.equal(true);
    for (const [k2, o2] of live) {
      if (k2 === k || o2.hi <= o.lo || o.hi <= o2.lo) continue;
      expect(ancestorOf(k, k2) || ancestorOf(k2, k), `slots ${k} and ${k2} overlap`).to.equal(true);
    }
  }
  stats.nested += [...live.values()].filter((o) => live.has(o.parent)).length;
  expect(pspaceDistinct(s)).to.deep.equal([]);
  expect(untypedChildrenInside(s)).to.deep.equal([]);
}

describe("Untyped_Retype: properties", () => {
  it("random retypes (also from untypeds made on the way) and deletes give seL4's addresses, free indexes and memoryLeft; objects never overlap nor leave their untyped", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 40, size: "max" }), (steps) => runSteps(m, steps)),
      { numRuns: 150 },
    );
    // both outcomes were exercised
    expect(stats.ok).to.be.greaterThan(100);
    expect(stats.short).to.be.greaterThan(10);
    expect(stats.nested).to.be.greaterThan(10);
  });

  it("a failed Retype returns the identical state, whatever its arguments", () => {
    const word = fc.oneof(fc.nat(12), fc.nat(40), fc.constant(0xffffffff), fc.nat(5000));
    const s1 = ok(s0, U, args("seL4_EndpointObject", 0, FREE, 1));
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 7 }),
        fc.constantFrom(U, CNODE, FREE, 1),
        fc.constantFrom<number[]>([CNODE], [], [U], [FREE]),
        (a, invoked, extra) => {
          for (const s of [s0, s1]) {
            const r = call(s, T, invoked, "UntypedRetype", a, extra);
            if (r.reply.kind !== "ok") expect(r.state).to.equal(s);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
