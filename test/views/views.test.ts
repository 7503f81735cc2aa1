import { expect } from "chai";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { loadScenarioFile } from "../../src/scenario/file.ts";
import { runScenario, type ScenarioReport } from "../../src/scenario/run.ts";
import { rootCNodeOf, slotAddress, threadCSpaceRoot } from "../../src/kernel/cspace.ts";
import type { PhysAddr, PPtr, VirtAddr } from "../../src/model/addresses.ts";
import { emptyKernelState, type KernelState } from "../../src/model/state.ts";
import { DEFAULT_CONFIGS } from "../../src/arch/index.ts";
import { staleAndOrphanSteps } from "../support/teachingScenarios.ts";
import {
  addressSplit,
  asidTableView,
  cnodeView,
  descriptorAt,
  diffStates,
  objectGraph,
  cptrResolution,
  cptrLines,
  threadCPtrResolution,
  orphanedTables,
  staleCaps,
  tlbView,
  walkCNode,
  walkView,
  type BitField,
} from "../../src/views/index.ts";
import { transition } from "../../src/model/transition.ts";

const run = (steps: string): ScenarioReport => runScenario(loadScenarioText("t.yaml", `name: t\nsteps:\n${steps}`));

const MAP_ONE = `
  - retype: { type: seL4_ARM_SmallPageObject, as: frame }
  - retype: { type: seL4_ARM_PageTableObject, as: pt }
  - invoke: seL4_ARM_PageTable_Map
    cap: pt
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, attr: default }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
`;

function capNamed(r: ScenarioReport, s: KernelState, name: string) {
  const root = rootCNodeOf(s, r.machine.initThread) as PhysAddr;
  const cte = s.ctes.get(slotAddress(s, root, r.names.get(name) as number));
  if (cte === undefined) throw new Error(`no cap ${name}`);
  return cte.cap;
}
function pdOf(r: ScenarioReport, s: KernelState, name = "InitThreadVSpace"): PPtr<"VSpaceRoot"> {
  const cap = capNamed(r, s, name);
  if (cap.type !== "PageDirectory") throw new Error(`${name} is no page directory cap`);
  return cap.paddr;
}
function paddrOf(r: ScenarioReport, s: KernelState, name: string): PhysAddr {
  const cap = capNamed(r, s, name);
  if (!("paddr" in cap)) throw new Error(`${name} names no object`);
  return cap.paddr;
}
const field = (fields: readonly BitField[], name: string) => fields.find((f) => f.name === name);
const last = (r: ScenarioReport) => r.states[r.states.length - 1] as KernelState;

describe("teaching views", () => {
  it("split an ARM32 address into PD index, PT index and offset, and into the section forms", () => {
    const r = run(MAP_ONE);
    const v = 0x10234567 as VirtAddr;
    const split = addressSplit(last(r), v);
    const byForm = new Map(split.forms.map((f) => [f.form, f.fields.map((x) => [x.name, x.value])]));
    // ARMv7 short descriptors: PD index = va[31:20], PT index = va[19:12], offset = the page's low bits
    expect(byForm.get("SmallPage")).to.deep.equal([
      ["PD index", 0x102],
      ["PT index", 0x34],
      ["offset", 0x567],
    ]);
    expect(byForm.get("Section")).to.deep.equal([
      ["PD index", 0x102],
      ["offset", 0x34567],
    ]);
    expect(byForm.get("SuperSection")).to.deep.equal([
      ["PD index", 0x102],
      ["offset", 0x234567],
    ]);
    expect(byForm.get("LargePage")?.[2]).to.deep.equal(["offset", 0x4567]);
  });

  it("split an AArch64 address into its four level indices", () => {
    const s = emptyKernelState(DEFAULT_CONFIGS.aarch64);
    // 4 KiB granule: L0 = va[47:39], L1 = va[38:30], L2 = va[29:21], L3 = va[20:12]
    const v = 3 * 2 ** 39 + 5 * 2 ** 30 + 7 * 2 ** 21 + 9 * 2 ** 12 + 0xabc;
    const forms = addressSplit(s, v as VirtAddr).forms;
    expect(forms.map((f) => f.form)).to.deep.equal(["SmallPage", "LargePage", "HugePage"]);
    expect(forms[0]?.fields.map((f) => f.value)).to.deep.equal([3, 5, 7, 9, 0xabc]);
    expect(forms[2]?.fields.map((f) => f.value)).to.deep.equal([3, 5, 7 * 2 ** 21 + 9 * 2 ** 12 + 0xabc]);
  });

  it("walk entry by entry to the translation, or to the fault and its level", () => {
    const r = run(MAP_ONE);
    const s = last(r);
    const pd = pdOf(r, s);
    const w = walkView(s, pd, 0x10000123 as VirtAddr);
    expect(w.entries.map((e) => [e.structure, e.index, e.descriptor.kind])).to.deep.equal([
      ["PageDirectory", 0x100, "Table"],
      ["PageTable", 0, "SmallPage"],
    ]);
    expect(w.entries[0]?.slot).to.equal(pd + 0x100 * 4);
    expect(w.end).to.include({ kind: "translation", paddr: paddrOf(r, s, "frame") + 0x123, size: "SmallPage" });
    expect(w.split.form).to.equal("SmallPage");

    const before = r.states[2] as KernelState; // the page table not yet mapped
    const f = walkView(before, pd, 0x10000123 as VirtAddr);
    expect(f.entries).to.have.length(1);
    expect(f.end).to.include({ kind: "fault", structure: "PageDirectory", level: 1 });
    const g = walkView(s, pd, 0x10001000 as VirtAddr);
    expect(g.entries).to.have.length(2);
    expect(g.end).to.include({ kind: "fault", structure: "PageTable", level: 2 });
  });

  it("decode a page-table entry's bits and name the seL4 attribute behind each", () => {
    const r = run(MAP_ONE);
    const s = last(r);
    const frame = paddrOf(r, s, "frame");
    const w = walkView(s, pdOf(r, s), 0x10000000 as VirtAddr);
    const pte = w.entries[1]?.descriptor;
    if (pte === undefined) throw new Error("no PTE");
    // makeUserPTE for RW, cacheable, executable: nG 1, TEX 0b101, AP 0b11, B 1, small-page type bit 1, XN 0
    const word = (frame | (1 << 11) | (5 << 6) | (3 << 4) | (1 << 2) | 2) >>> 0;
    expect(pte.word).to.equal(`0x${word.toString(16).padStart(8, "0")}`);
    expect(field(pte.fields, "AP[1:0]")).to.include({ value: 3, hi: 5, lo: 4 });
    expect(field(pte.fields, "AP[1:0]")?.from).to.match(/maskVMRights/);
    expect(field(pte.fields, "TEX")).to.include({ value: 5 });
    expect(field(pte.fields, "TEX")?.from).to.match(/PageCacheable/);
    expect(field(pte.fields, "XN")).to.include({ value: 0, hi: 0, lo: 0 });
    expect(field(pte.fields, "XN")?.from).to.match(/ExecuteNever/);
    expect(field(pte.fields, "nG")).to.include({ value: 1 });
    expect(field(pte.fields, "page base")).to.include({ value: frame / 4096 });
    // the fields tile the word: every bit belongs to exactly one field
    const covered = pte.fields.reduce((n, f) => n + (f.hi - f.lo + 1), 0);
    expect(covered).to.equal(32);
    // a supersection's word is tiled too (its base is bits 31:24, extended base bits 23:20 and 8:5)
    const sup = run(`
  - retype: { type: seL4_ARM_SuperSectionObject, as: big }
  - invoke: seL4_ARM_Page_Map
    cap: big
    args: { vspace: InitThreadVSpace, vaddr: 0x20000000, rights: RW, attr: default }
`);
    const supEntry = descriptorAt(last(sup), pdOf(sup, last(sup)), 0x200);
    expect(supEntry.kind).to.equal("SuperSection");
    expect(supEntry.fields.reduce((n, f) => n + (f.hi - f.lo + 1), 0)).to.equal(32);
    const pde = descriptorAt(s, pdOf(r, s), 0x100);
    expect(pde.kind).to.equal("Table");
    expect(field(pde.fields, "type")).to.include({ value: 1 });
  });

  it("mark a frame cap stale when another cap's mapping replaces its entry, and when its page table goes", () => {
    const r = run(`${MAP_ONE}
  - retype: { type: seL4_ARM_SmallPageObject, as: other }
  - invoke: seL4_ARM_Page_Map
    cap: other
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
`);
    const s = last(r);
    expect(staleCaps(r.states[4] as KernelState)).to.deep.equal([]);
    const stale = staleCaps(s);
    expect(stale).to.have.length(1);
    expect(stale[0]?.text).to.match(new RegExp(`@0x${paddrOf(r, s, "frame").toString(16)} `));
    expect(stale[0]?.why).to.match(/not this frame/);

    const u = run(`${MAP_ONE}
  - invoke: seL4_ARM_PageTable_Unmap
    cap: pt
`);
    expect(staleCaps(last(u)).map((c) => c.why)).to.deep.equal([`nothing is mapped at 0x10000000 in ASID 1 any more`]);
  });

  it("find a page table orphaned by deleting its page directory, and the caps left stale", () => {
    const r = run(staleAndOrphanSteps("RW"));
    expect(r.passed).to.equal(true);
    const assigned = r.states[4] as KernelState;
    const pools = asidTableView(assigned);
    // MakePool takes the lowest free ASID-table index (1; the root task's pool is 0), and Assign
    // the lowest free ASID in it: 1 << 10.
    expect(pools.map((p) => [p.index, p.firstASID, p.asids.map((a) => a.asid)])).to.deep.equal([
      [0, 0, [1]],
      [1, 1024, [1024]],
    ]);
    expect(pools[1]?.asids[0]?.root).to.equal(pdOf(r, assigned, "pd"));
    expect(orphanedTables(r.states[8] as KernelState)).to.deep.equal([]);
    const s = last(r);
    const orphans = orphanedTables(s);
    expect(orphans.map((o) => [o.paddr, o.validEntries])).to.deep.equal([[paddrOf(r, s, "pt"), 1]]);
    expect(staleCaps(s).map((c) => c.why)).to.deep.equal([
      "ASID 1024 names no page directory any more",
      "ASID 1024 names no page directory any more",
    ]);
  });

  it("list only a CNode's real slots", () => {
    const r = run(MAP_ONE);
    const s = last(r);
    const root = rootCNodeOf(s, r.machine.initThread) as PhysAddr;
    const v = cnodeView(s, root, r.names);
    expect(v.slotCount).to.equal(2 ** v.radixBits);
    expect(v.used.length).to.be.greaterThan(10);
    for (const slot of v.used) expect(slot.index).to.be.lessThan(v.slotCount);
    expect(v.used.find((x) => x.name === "frame")?.text).to.match(/^Frame SmallPage .* mapped ASID 1 at 0x10000000$/);
    // the initial thread's TCB slots lie after the CNode in physical memory but are not its slots
    const tcbSlots = [...s.ctes.range(r.machine.initThread, r.machine.initThread + 5 * 16)];
    expect(tcbSlots.length).to.be.greaterThan(0);
    for (const [slot] of tcbSlots) expect(v.used.map((x) => x.slot)).not.to.include(slot);
  });

  it("diff two states: the cap, the new entry, nothing else", () => {
    const r = run(MAP_ONE);
    const d = diffStates(r.states[2] as KernelState, r.states[3] as KernelState);
    expect(d.entries.map((e) => [e.structure, e.index, e.before, e.after.replace(/@0x[0-9a-f]+/, "@X")])).to.deep.equal(
      [["PageDirectory", 0x100, "invalid", "page table @X"]],
    );
    expect(d.slots).to.have.length(1);
    expect(d.slots[0]?.before).to.match(/unmapped$/);
    expect(d.slots[0]?.after).to.match(/mapped ASID 1 at 0x10000000$/);
    expect(d.objects).to.deep.equal([]);
    expect(diffStates(r.states[3] as KernelState, r.states[3] as KernelState).slots).to.deep.equal([]);
  });

  it("list the TLB's lines with their ASIDs, none stale while seL4 flushes as it should", () => {
    const r = runScenario(loadScenarioFile("examples/13-memory-and-faults.yaml"));
    const s = r.states[7] as KernelState; // after the write through 0x40000010 and the read through 0x50000010
    const lines = tlbView(s).filter((l) => !l.global);
    expect(lines.map((l) => [l.vbase, l.size, l.rights, l.asid, l.stale])).to.deep.equal([
      [0x40000000, "Section", "ReadWrite", 1, false],
      [0x50000000, "Section", "ReadOnly", 1, false],
    ]);
    expect(lines[0]?.pbase).to.equal(lines[1]?.pbase);
  });

  it("give plain JSON-able data", () => {
    const r = run(MAP_ONE);
    const s = last(r);
    const root = rootCNodeOf(s, r.machine.initThread) as PhysAddr;
    for (const view of [
      walkView(s, pdOf(r, s), 0x10000000 as VirtAddr),
      cnodeView(s, root, r.names),
      diffStates(r.states[0] as KernelState, s),
      asidTableView(s),
    ])
      expect(JSON.parse(JSON.stringify(view))).to.deep.equal(view);
  });

  it("draw the object graph: caps from the CNode, entries from table to table to frame, the step's change marked", () => {
    const r = run(MAP_ONE);
    const s = last(r);
    const cnode = rootCNodeOf(s, r.machine.initThread) as PhysAddr;
    const g = objectGraph(s, cnode, { boot: r.states[0], before: r.states[3], names: r.names });
    const pd = pdOf(r, s);
    const pt = paddrOf(r, s, "pt");
    const frame = paddrOf(r, s, "frame");
    const node = (paddr: PhysAddr) => g.nodes.find((n) => n.paddr === paddr && n.type !== "Untyped");
    expect(node(pd)?.type).to.equal("PageDirectory");
    // columns run CSpace, other objects, the root, its tables, frames
    expect([node(cnode)?.column, node(pd)?.column, node(pt)?.column, node(frame)?.column]).to.deep.equal([0, 2, 3, 4]);
    const entries = g.edges.filter((e) => e.kind === "entry");
    // 0x10000000: directory slot 256 -> the table, whose slot 0 -> the frame, written by the last step
    expect(entries.find((e) => e.from === node(pd)?.id && e.to === node(pt)?.id)).to.include({
      label: "[256] 0x10000000",
      changed: false,
    });
    expect(entries.find((e) => e.from === node(pt)?.id && e.to === node(frame)?.id)).to.include({
      label: "[0] 0x10000000",
      changed: true,
    });
    expect(g.edges.filter((e) => e.changed)).to.have.length(2);
    const frameCap = g.edges.find((e) => e.kind === "cap" && e.to === node(frame)?.id);
    expect(frameCap).to.include({
      from: node(cnode)?.id,
      label: `[${r.names.get("frame")}] frame ReadWrite`,
      changed: true,
    });
    // the untyped caps boot made that no step used are one node; the one retyped from is its own
    const untyped = g.nodes.find((n) => n.id === "boot-Untyped");
    const bootUntyped = r.machine.bootInfo.untypedList.length;
    expect(untyped?.count).to.be.within(1, bootUntyped - 1);
    expect(
      g.nodes.filter((n) => n.type === "Untyped" && n.count === undefined).length + (untyped?.count ?? 0),
    ).to.equal(bootUntyped);
    expect(g.edges.find((e) => e.to === "boot-Untyped")?.label).to.equal(`${untyped?.count} caps`);
  });

  it("resolve a CPtr CNode by CNode: guard, radix, bits left, and seL4's lookup-failure fields", () => {
    // a 16-slot CNode minted into the root with an 8-bit guard of 5 (seL4_CNode_CapData: size in bits 3-7, guard from bit 8)
    const r = run(`
  - retype: { type: seL4_CapTableObject, size_bits: 4, as: sub }
  - invoke: seL4_CNode_Mint
    args: { dest: subg, src: sub, rights: RW, badge: ${8 * 8 + 5 * 256} }
`);
    const s = last(r);
    const root = threadCSpaceRoot(s, r.machine.initThread);
    if (root.type !== "CNode") throw new Error("no root CNode");
    // the initial thread's CNode: radix 12 with a 20-bit zero guard, so a CPtr is its slot index
    const one = threadCPtrResolution(s, r.machine.initThread, 3);
    expect(one.levels).to.have.length(1);
    expect(one.levels[0]).to.include({
      bitsLeft: 32,
      guardSize: 20,
      guardRead: 0,
      index: 3,
      bitsAfter: 0,
      guardOk: true,
    });
    expect(one.end).to.include({ kind: "slot", bitsRemaining: 0 });
    // with the root's guard cut to 8 bits, 12 bits are left for the sub-CNode: guard [11:4], radix [3:0]
    const short = { ...root, guardSize: 8 };
    const sub = r.names.get("subg") as number;
    const two = cptrResolution(s, short, sub * 2 ** 12 + 0x53, 32);
    expect(two.levels.map((l) => [l.bitsLeft, l.index, l.bitsAfter])).to.deep.equal([
      [32, sub, 12],
      [12, 3, 0],
    ]);
    expect(two.levels[1]?.guardAt).to.deep.equal({ hi: 11, lo: 4, value: 5 });
    expect(two.end).to.include({ kind: "slot", cap: "empty" });
    // a guard of 6 where the cap's is 5: seL4's lookup_fault_guard_mismatch(guardFound 5, bitsLeft 12, bitsFound 8)
    const bad = cptrResolution(s, short, sub * 2 ** 12 + 0x63, 32);
    expect(bad.levels[1]).to.include({ guardRead: 6, guardOk: false });
    expect(bad.levels[1]?.index).to.equal(undefined);
    expect(bad.end).to.deep.include({
      kind: "failure",
      failure: { kind: "GuardMismatch", bitsLeft: 12, guardFound: 5, bitsFound: 8 },
      words: [4, 12, 5, 8],
    });
    expect(cptrLines(bad).at(-1)).to.match(/^ {2}-> lookup failure GuardMismatch \[4, 12, 5, 8\]/);
    // 8 bits deep cannot hold the root's 20-bit guard: a guard mismatch with 8 bits left
    expect(cptrResolution(s, root, 3, 8).end).to.deep.include({ words: [4, 8, 0, 20] });
  });
});

describe("walkCNode: the one CNode walk behind cnodeView and show", () => {
  it("enters each CNode before its slots, walks a nested CNode right after the slot naming it, and counts used slots", () => {
    const r = run(MAP_ONE);
    const s0 = last(r);
    const root = rootCNodeOf(s0, r.machine.initThread) as PhysAddr;
    const frame = [...s0.ctes.range(root, slotAddress(s0, root, 4096))].find(([, c]) => c.cap.type === "Frame");
    if (frame === undefined) throw new Error("no frame cap");
    // A 4-slot CNode in a free stretch of memory, named from root slot 4000, holding a copy of the frame cap.
    const inner = 0x7f000000 as PhysAddr;
    const s = transition(s0, (d) => {
      d.objects = d.objects.set(inner, { type: "CNode", paddr: inner, radixBits: 2 });
      const cap = { type: "CNode" as const, paddr: inner, radixBits: 2, guardSize: 0, guard: 0 };
      d.ctes = d.ctes
        .set(slotAddress(d, root, 4000), { ...frame[1], cap, parent: null })
        .set(slotAddress(d, inner, 1), { ...frame[1], parent: null });
    });
    const events: string[] = [];
    walkCNode(s, root, new Map(), {
      enter: (c, depth) => events.push(`enter ${depth} ${c.paddr === inner ? "inner" : "root"} ${c.usedCount()}`),
      slot: (v, depth) => events.push(`slot ${depth} ${v.index}`),
      leave: (c, depth) => events.push(`leave ${depth} ${c.paddr === inner ? "inner" : "root"}`),
    });
    const v = cnodeView(s, root);
    expect(events[0]).to.equal(`enter 0 root ${v.used.length}`);
    expect(events.slice(-5)).to.deep.equal([
      "slot 0 4000",
      "enter 1 inner 1",
      "slot 1 1",
      "leave 1 inner",
      "leave 0 root",
    ]);
    expect(v.used.find((x) => x.index === 4000)?.cnode?.used.map((x) => x.index)).to.deep.equal([1]);
  });
});
