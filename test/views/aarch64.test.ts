import { expect } from "chai";
import { pptr, type CPtr, type PhysAddr, type VirtAddr } from "../../src/model/addresses.ts";
import { invokeTraced } from "../../src/invocations/dispatch.ts";
import { capAt } from "../../src/kernel/cspace.ts";
import { staleCaps, walkView } from "../../src/views/index.ts";
import { ok, withVSpace, type Machine } from "../arch/aarch64/machine.ts";

/**
 * AArch64's teaching views and decoder checks on the hand-built machine (no AArch64 boot yet).
 * Orders from ../shared/SEL4-AARCH64-REFERENCE.md §5.1 and §5.3 (seL4 16.0.0 V64).
 */

const VS = 20;
const RW = 3;
const ATTR = 3;
const V = 0x10025000;
const LOOKUPS = [
  "look up the invoked cap (lookupCapAndSlot)",
  "look up extra cap 0 (lookupCapAndSlot)",
  "the invoked cap is not the null cap",
];

const paddrAt = (m: Machine, slot: number): PhysAddr => {
  const c = capAt(m.state, m.thread, slot);
  if (!("paddr" in c)) throw new Error(`slot ${slot} names no object`);
  return c.paddr;
};
const traced = (m: Machine, cptr: number, label: "ARMPageMap" | "ARMPageTableMap", args: number[]) =>
  invokeTraced(m.state, m.thread, cptr as CPtr, { label, args, extraCaps: [VS as CPtr] });

describe("AArch64 teaching views and decoder checks", () => {
  it("Page_Map's checks: alignment comes after the ASID lookup, FailedLookup at lookupPTSlot", () => {
    const m = withVSpace();
    const map = [
      ...LOOKUPS,
      "message length and extra caps",
      "VSpace cap with an ASID",
      "findVSpaceForASID",
      "the VSpace is the one its ASID names",
      "alignment (checkVPAlignment)",
      "the frame's last byte at most USER_TOP",
      "the walk stops at the frame's level (lookupPTSlot)",
    ];
    const missing = traced(m, 40, "ARMPageMap", [V, RW, ATTR]);
    expect(missing.reply.kind).to.equal("error");
    expect(missing.checks).to.deep.equal(map);
    const unaligned = traced(m, 40, "ARMPageMap", [V + 8, RW, ATTR]);
    expect(unaligned.checks).to.deep.equal(map.slice(0, map.indexOf("alignment (checkVPAlignment)") + 1));
    const pt = traced(m, 30, "ARMPageTableMap", [V, ATTR]);
    expect(pt.reply.kind).to.equal("ok");
    expect(pt.checks).to.deep.equal([
      ...LOOKUPS,
      "invocation label",
      "message length and extra caps",
      "page table cap not mapped yet",
      "VSpace cap with an ASID",
      "vaddr at most USER_TOP",
      "findVSpaceForASID",
      "the VSpace is the one its ASID names",
      "an empty slot for the table on the walk (lookupPTSlot)",
    ]);
  });

  it("walk four levels to a 4 KiB page, decoding each descriptor; a frame cap goes stale when its table is unmapped", () => {
    let m = withVSpace();
    for (const slot of [30, 31, 32]) m = ok(m, slot, "ARMPageTableMap", [V, ATTR], [VS]);
    m = ok(m, 40, "ARMPageMap", [V, RW, ATTR], [VS]);
    const root = pptr(paddrAt(m, VS), "VSpaceRoot");
    const w = walkView(m.state, root, (V + 0x123) as VirtAddr);
    // 4 KiB granule indices of 0x10025123: L0 0, L1 0, L2 0x80, L3 0x25
    expect(w.entries.map((e) => [e.structure, e.index, e.descriptor.kind])).to.deep.equal([
      ["VSpace", 0, "Table"],
      ["PageTable (level 1)", 0, "Table"],
      ["PageTable (level 2)", 0x80, "Table"],
      ["PageTable (level 3)", 0x25, "SmallPage"],
    ]);
    expect(w.end).to.include({ kind: "translation", paddr: paddrAt(m, 40) + 0x123 });
    const leaf = w.entries[3]?.descriptor;
    const f = (n: string) => leaf?.fields.find((x) => x.name === n);
    // makeUserPagePTE for RW, cacheable: AP[2:1] 0b01, AttrIndx 4 (normal), AF 1, nG 1, UXN 0, type 0b11
    expect(f("AP[2:1]")?.value).to.equal(1);
    expect(f("AttrIndx")?.value).to.equal(4);
    expect(f("AF")?.value).to.equal(1);
    expect(f("nG")?.value).to.equal(1);
    expect(f("UXN")).to.include({ value: 0, hi: 54, lo: 54 });
    expect(f("output address")?.value).to.equal(paddrAt(m, 40));
    // the fields tile the 64-bit word, in the leaf and in each table descriptor
    for (const e of w.entries) expect(e.descriptor.fields.reduce((n, x) => n + x.hi - x.lo + 1, 0)).to.equal(64);
    expect(staleCaps(m.state)).to.deep.equal([]);
    m = ok(m, 32, "ARMPageTableUnmap");
    expect(staleCaps(m.state).map((c) => c.why)).to.deep.equal([`nothing is mapped at 0x10025000 in ASID 1 any more`]);
    const g = walkView(m.state, root, V as VirtAddr);
    expect(g.end).to.include({ kind: "fault", level: 2 });
  });
});
