import { expect } from "chai";
import type { PhysAddr, VirtAddr } from "../../src/model/addresses.ts";
import { getCap } from "../../src/kernel/cdt.ts";
import { slotAddress } from "../../src/kernel/cspace.ts";
import type { FrameCap, PageTableCap } from "../../src/model/caps.ts";
import type { KernelState, SlotAddr } from "../../src/model/state.ts";
import { transition, type MutableState } from "../../src/model/transition.ts";
import { checkTouched } from "../../src/testing/incremental.ts";
import { checkAll, INVARIANTS } from "../../src/testing/invariants.ts";
import { PMap } from "../../src/model/pmap.ts";
import { buildFuzzWorld } from "../../src/testing/world.ts";
import { call, SLOT } from "../helpers/machine.ts";

const w = buildFuzzWorld();
// The fuzz world's first page table, unmapped.
const PT = (w.tables[0] as { slot: number }).slot;
const T = w.machine.initThread;
let s = call(w.state, T, PT, "ARMPageTableMap", [0x10000000, 3], [SLOT.InitThreadVSpace]).state;
const SMALL = (w.frames.find((f) => f.name.startsWith("smallpage")) as { slot: number }).slot;
s = call(s, T, SMALL, "ARMPageMap", [0x10000000, 3, 3], [SLOT.InitThreadVSpace]).state;
const cnode = (getCap(s, slotAddress(s, T, 0)) as { paddr: PhysAddr }).paddr;
const frameSlot = slotAddress(s, cnode, SMALL);
const tableSlot = slotAddress(s, cnode, PT);

/** The invariants a deliberately broken state violates; the incremental check must name the same ones. */
function broken(edit: (d: MutableState) => void): string[] {
  const bad: KernelState = transition(s, edit);
  const names = Object.entries(INVARIANTS)
    .filter(([, inv]) => inv(bad).length > 0)
    .map(([name]) => name)
    .sort();
  expect([...new Set(checkTouched(s, bad).map((v) => v.invariant))].sort(), "the incremental check").to.deep.equal(
    names,
  );
  return names;
}

const moveCap = (d: MutableState, from: SlotAddr, to: number) => {
  const cte = d.ctes.get(from)!;
  d.ctes = d.ctes.delete(from).set(to as SlotAddr, cte);
};

describe("caps_inside_slots and valid_mapping_records (the reliability review's corruptions)", () => {
  it("the healthy state satisfies both", () => {
    expect(INVARIANTS.caps_inside_slots!(s)).to.deep.equal([]);
    expect(INVARIANTS.valid_mapping_records!(s)).to.deep.equal([]);
  });

  it("caps_inside_slots: a cap at CNode index -1 (Retype at node_offset -1 put one there)", () => {
    const spare = slotAddress(s, cnode, 200);
    expect(
      broken((d) => (d.ctes = d.ctes.set(slotAddress(d, cnode, -1), d.ctes.get(frameSlot)!).delete(frameSlot))),
    ).to.include("caps_inside_slots");
    expect(broken((d) => moveCap(d, frameSlot, spare + 8))).to.include("caps_inside_slots");
  });

  it("caps_inside_slots: a cap past a TCB's five slots, and caps left behind in a destroyed CNode", () => {
    expect(broken((d) => moveCap(d, frameSlot, slotAddress(d, T, 7)))).to.include("caps_inside_slots");
    expect(broken((d) => (d.objects = d.objects.delete(cnode)))).to.include("caps_inside_slots");
  });

  it("valid_mapping_records: a frame recorded at 2^32 + 0x10000000 (Page_Map's old corruption) or at NaN", () => {
    const frame = s.ctes.get(frameSlot)!;
    const withVaddr = (v: number) => (d: MutableState) =>
      (d.ctes = d.ctes.set(frameSlot, {
        ...frame,
        cap: { ...(frame.cap as FrameCap), mapping: { asid: 1, vaddr: v as VirtAddr } } as FrameCap,
      }));
    expect(broken(withVaddr(2 ** 32 + 0x10000000))).to.include("valid_mapping_records");
    expect(broken(withVaddr(NaN))).to.include("valid_mapping_records");
    expect(broken(withVaddr(0x10000800))).to.include("valid_mapping_records");
  });

  it("valid_mapping_records: a page table recorded at NaN (PageTable_Map's old NaN vaddr)", () => {
    const table = s.ctes.get(tableSlot)!;
    expect(
      broken(
        (d) =>
          (d.ctes = d.ctes.set(tableSlot, {
            ...table,
            cap: { ...(table.cap as PageTableCap), mapping: { asid: 1, vaddr: NaN as VirtAddr } } as PageTableCap,
          })),
      ),
    ).to.include("valid_mapping_records");
  });

  it("a stale record (the page table under a mapped frame unmapped) is not a violation: seL4 keeps it", () => {
    const r = call(s, T, PT, "ARMPageTableUnmap");
    expect(r.reply.kind).to.equal("ok");
    expect((getCap(r.state, frameSlot) as FrameCap).mapping).to.not.equal(null);
    expect(INVARIANTS.valid_mapping_records!(r.state)).to.deep.equal([]);
  });
});

describe("hand-broken states give violations, never a throw", () => {
  it("a frame recorded in a negative ASID is a valid_mapping_records violation (the claims index once threw a RangeError)", () => {
    const frame = s.ctes.get(frameSlot)!;
    const names = broken(
      (d) =>
        (d.ctes = d.ctes.set(frameSlot, {
          ...frame,
          cap: { ...(frame.cap as FrameCap), mapping: { asid: -1, vaddr: 0x10000000 as VirtAddr } } as FrameCap,
        })),
    );
    expect(names).to.include("valid_mapping_records");
  });

  it("a derivation-tree cycle between two untyped caps is reported, not walked forever", () => {
    const untyped = [...s.ctes].filter(([, cte]) => cte.cap.type === "Untyped").slice(0, 2);
    const [[a], [b]] = untyped as [[SlotAddr, unknown], [SlotAddr, unknown]];
    const bad: KernelState = transition(s, (d) => {
      d.cdtChildren = d.cdtChildren
        .set(a, (d.cdtChildren.get(a) ?? PMap.empty<SlotAddr, true>()).set(b, true))
        .set(b, (d.cdtChildren.get(b) ?? PMap.empty<SlotAddr, true>()).set(a, true));
    });
    expect(
      INVARIANTS.untyped_inc!(bad)
        .map((v) => v.message)
        .join("\n"),
    ).to.match(/cycle/);
    // every other invariant ends on it too, and so does the incremental check
    expect(checkAll(bad).some((v) => v.invariant === "untyped_inc" && v.details.cycle === true)).to.equal(true);
    expect(checkTouched(s, bad)).to.not.deep.equal([]);
  });
});
