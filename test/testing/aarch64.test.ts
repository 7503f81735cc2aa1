import { expect } from "chai";
import fc from "fast-check";
import { pptr, type ASID, type PhysAddr, type VirtAddr } from "../../src/model/addresses.ts";
import type { PTEWord } from "../../src/model/objects.ts";
import type { KernelState, SlotAddr } from "../../src/model/state.ts";
import { TCB_SLOTS } from "../../src/model/constants.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { transition, type MutableState } from "../../src/model/transition.ts";
import { capAt } from "../../src/kernel/cspace.ts";
import { encodePTE } from "../../src/arch/aarch64/entries.ts";
import { tlbKey } from "../../src/arch/aarch64/tlb.ts";
import { fuzzOpArbitrary } from "../../src/testing/arbitraries.ts";
import { capsimCommands, modelRunSetup } from "../../src/testing/commands.ts";
import { checkTouched } from "../../src/testing/incremental.ts";
import { checkAll, INVARIANTS } from "../../src/testing/invariants.ts";
import { applyFuzzOp, buildFuzzWorld, type FuzzOp } from "../../src/testing/world.ts";
import { REGION_LOW } from "../../src/testing/world64.ts";
import { UNMAP_KEEPS_ENTRY_64, withFamilies } from "../support/faults.ts";
import { brokenInvariants, countingCommands } from "../helpers/invariants.ts";
import { entriesOf, putEntries } from "../../src/kernel/store.ts";

// The AArch64 forms of the invariants (l4v proof/invariant-abstract/AARCH64/ArchInvariants_AI.thy;
// ../shared/SEL4-AARCH64-REFERENCE.md for the walk, the descriptors and USER_TOP).
const world = buildFuzzWorld({ arch: "aarch64" });
const T = world.machine.initThread;
const ops64 = (badShare = 0.2) => fuzzOpArbitrary({ arch: "aarch64", badShare });

function run(s: KernelState, ...ops: FuzzOp[]): KernelState {
  for (const o of ops) {
    const r = applyFuzzOp(world, s, o);
    expect(r.result?.reply.kind, JSON.stringify(o)).to.equal("ok");
    s = r.state;
  }
  return s;
}

// The world's level-1, -2 and -3 tables at REGION_LOW, a 4 KiB page there and a 1 GiB page 1 GiB on.
const s = run(
  world.state,
  { op: "map", f: 5, pd: 0, slotIndex: 0, misalign: false, rights: 3 },
  { op: "map", f: 0, pd: 0, slotIndex: 1, misalign: false, rights: 3 },
);
const paddrAt = (slot: number): PhysAddr => {
  const c = capAt(s, T, slot);
  if (!("paddr" in c)) throw new Error(`slot ${slot} holds no object cap`);
  return c.paddr;
};
const vspace = paddrAt(world.vspaces[0]!.slot);
const l1 = paddrAt(world.tables[0]!.slot);
const l3 = paddrAt(world.tables[2]!.slot);
const spareTable = paddrAt(world.tables[3]!.slot);
const small = paddrAt(world.frames[5]!.slot);

const page = (size: "SmallPage" | "LargePage" | "HugePage", paddr: number, global = false): PTEWord =>
  encodePTE({
    kind: "Page",
    size,
    paddr: paddr as PhysAddr,
    rights: "VMReadWrite",
    attributes: { cacheable: true, executeNever: false },
    global,
  });
const tableWord = (paddr: PhysAddr): PTEWord => encodePTE({ kind: "Table", paddr: pptr(paddr, "PageTable") });

function setEntry(d: MutableState, table: PhysAddr, index: number, word: PTEWord | number): void {
  const o = d.objects.get(table);
  if (o?.type === "VSpace" || o?.type === "PageTable64")
    putEntries(d, table, entriesOf(d, o).set(index, word as PTEWord));
}

/** The invariants a deliberate break violates (the incremental check must name the same). */
const broken = (edit: (d: MutableState) => void): string[] => brokenInvariants(s, edit);

describe("aarch64: each invariant's AArch64 form catches its violation", () => {
  it("the healthy state (three table levels, a 4 KiB and a 1 GiB page) satisfies every invariant", () => {
    for (const [name, inv] of Object.entries(INVARIANTS)) expect(inv(s), name).to.deep.equal([]);
  });
  it("valid_vspace_objs: a table descriptor naming a frame; a block at level 0; a 2 MiB block naming a 4 KiB frame", () => {
    expect(broken((d) => setEntry(d, l1, 7, tableWord(small)))).to.include("valid_vspace_objs");
    // A block (type 0b01) in the VSpace itself: seL4 never writes one at level 0.
    expect(broken((d) => setEntry(d, vspace, 3, page("LargePage", 0x80000000)))).to.include("valid_vspace_objs");
    const l2 = paddrAt(world.tables[1]!.slot);
    expect(broken((d) => setEntry(d, l2, 9, page("LargePage", small)))).to.include("valid_vspace_objs");
  });
  it("valid_asid_map: one VSpace under two ASIDs; ASID 0 assigned", () => {
    const pool = s.asidTable.get(0)!;
    const withEntry = (low: number) => (d: MutableState) => {
      const o = d.objects.get(pool);
      if (o?.type === "ASIDPool")
        d.objects = d.objects.set(pool, { ...o, entries: o.entries.set(low, pptr(vspace, "VSpaceRoot")) });
    };
    expect(broken(withEntry(9))).to.include("valid_asid_map");
    expect(broken(withEntry(0))).to.include("valid_asid_map");
  });
  it("unique_table_refs: a page table named by two slots the walk reaches", () => {
    expect(broken((d) => setEntry(d, l1, 5, tableWord(paddrAt(world.tables[1]!.slot))))).to.include(
      "unique_table_refs",
    );
  });
  it("kernel_mappings: an entry in a VSpace slot above USER_TOP; a global page in a user table", () => {
    expect(broken((d) => setEntry(d, vspace, 256, tableWord(spareTable)))).to.include("kernel_mappings");
    expect(broken((d) => setEntry(d, l3, 4, page("SmallPage", small, true)))).to.include("kernel_mappings");
  });
  it("valid_vs_lookup: a page no frame cap records; a page table no page-table cap records", () => {
    expect(broken((d) => setEntry(d, l3, 5, page("SmallPage", small)))).to.deep.equal(["valid_vs_lookup"]);
    expect(broken((d) => setEntry(d, vspace, 4, tableWord(spareTable)))).to.deep.equal(["valid_vs_lookup"]);
  });
  it("tlb_consistent: a TLB line for a page the tables do not map", () => {
    const vaddr = (REGION_LOW + 0x5000) as VirtAddr;
    expect(
      broken((d) => {
        d.tlb = d.tlb.set(tlbKey(1, vaddr), {
          vbase: vaddr,
          pbase: small,
          size: "SmallPage",
          rights: "VMReadWrite",
          executeNever: false,
          cacheable: true,
          global: false,
          hwASID: 1 as never,
        });
      }),
    ).to.deep.equal(["tlb_consistent"]);
  });
  it("equal_kernel_mappings (valid_global_tables): the global user VSpace holds an entry", () => {
    const global = paddrAt(world.vspaces[2]!.slot);
    const withGlobal = transition(s, (d) => (d.globalPD = pptr(global, "VSpaceRoot")));
    expect(INVARIANTS.equal_kernel_mappings!(withGlobal)).to.deep.equal([]);
    const bad = transition(withGlobal, (d) => setEntry(d, global, 1, tableWord(spareTable)));
    expect(checkTouched(withGlobal, bad).map((v) => v.invariant)).to.include("equal_kernel_mappings");
    expect(INVARIANTS.equal_kernel_mappings!(bad).map((v) => v.invariant)).to.deep.equal(["equal_kernel_mappings"]);
  });
  it("valid_objs: an entry past a table's 512; a descriptor that is no 64-bit word", () => {
    expect(broken((d) => setEntry(d, spareTable, 512, page("SmallPage", small)))).to.include("valid_objs");
    expect(broken((d) => setEntry(d, spareTable, 3, ((1n << 64n) | 0x403n) as PTEWord))).to.include("valid_objs");
  });
  it("descriptors_round_trip: a stored word with bits seL4 does not write", () => {
    expect(broken((d) => setEntry(d, l3, 0, (page("SmallPage", small) | (1n << 55n)) as PTEWord))).to.include(
      "descriptors_round_trip",
    );
  });
  it("valid_mapping_records: a frame cap recording an address above USER_TOP", () => {
    const slot = world.frames[6]!.slot;
    const [addr, cte] = [...s.ctes].find(([, c]) => c.cap.type === "Frame" && c.cap.paddr === paddrAt(slot))!;
    expect(
      broken((d) => {
        if (cte.cap.type === "Frame")
          d.ctes = d.ctes.set(addr, {
            ...cte,
            cap: { ...cte.cap, mapping: { asid: 1 as ASID, vaddr: (2 ** 47) as VirtAddr } },
          });
      }),
    ).to.include("valid_mapping_records");
  });
  it("caps_inside_slots: a cap 16 bytes into a 32-byte CTE of the root CNode or of the TCB (ARM32's stride)", () => {
    const root = capAt(s, T, INITIAL_CAP_SLOTS.InitThreadCNode);
    if (root.type !== "CNode") expect.fail("slot 2 holds the root CNode");
    const [addr, cte] = [...s.ctes].find(([, c]) => c.cap.type === "Frame" && c.cap.paddr === small)!;
    const moveTo = (to: number) => (d: MutableState) => void (d.ctes = d.ctes.delete(addr).set(to as SlotAddr, cte));
    // seL4_SlotBits is 5 on AArch64: slot k of a CNode is at base + 32k, so base + 16k for odd k is inside a CTE.
    // (Moving the cap also breaks its derivation links: valid_mdb and mdb_cte_at say so either way.)
    expect(broken(moveTo(root.paddr + 16 * 201))).to.include("caps_inside_slots");
    expect(broken(moveTo(T + 32 * TCB_SLOTS.tcbBuffer + 16))).to.include("caps_inside_slots");
    // The last slot of the CNode ends at the object's end and is a slot.
    expect(broken(moveTo(root.paddr + 32 * (2 ** root.radixBits - 1)))).to.not.include("caps_inside_slots");
  });
  it("valid_caps: a page-table cap naming a destroyed table", () => {
    expect(broken((d) => (d.objects = d.objects.delete(spareTable)))).to.include("valid_caps");
  });
});

describe("aarch64: the property-testing kit on random AArch64 sequences", () => {
  it("every invariant holds after every step, and the incremental check agrees with the full one", () => {
    fc.assert(
      fc.property(fc.array(ops64(), { minLength: 20, maxLength: 60 }), (ops) => {
        let st = world.state;
        for (const o of ops) {
          const next = applyFuzzOp(world, st, o).state;
          expect(checkAll(next), JSON.stringify(o)).to.deep.equal([]);
          expect(checkTouched(st, next), JSON.stringify(o)).to.deep.equal([]);
          st = next;
        }
      }),
      { numRuns: 80, seed: 7 },
    );
  });

  it("with Page_Unmap broken, the incremental check still names what the full check names, at the first break", () => {
    let breaks = 0;
    withFamilies(UNMAP_KEEPS_ENTRY_64, () =>
      fc.assert(
        fc.property(fc.array(ops64(), { minLength: 20, maxLength: 60 }), (ops) => {
          let st = world.state;
          for (const o of ops) {
            const next = applyFuzzOp(world, st, o).state;
            const full = [...new Set(checkAll(next).map((v) => v.invariant))].sort();
            const incremental = [...new Set(checkTouched(st, next).map((v) => v.invariant))].sort();
            expect(incremental, JSON.stringify(o)).to.deep.equal(full);
            if (full.length > 0) {
              breaks++;
              return;
            }
            st = next;
          }
        }),
        { numRuns: 100, seed: 11 },
      ),
    );
    expect(breaks, "runs that reached the broken unmap").to.be.greaterThan(0);
  });

  it("model-based: thousands of steps against the per-ASID mapping model, every touched invariant checked", () => {
    const counter = { steps: 0 };
    const counting = countingCommands(capsimCommands({ arch: "aarch64" }), counter);
    fc.assert(
      fc.property(fc.commands(counting, { maxCommands: 200, size: "max" }), (cmds) =>
        fc.modelRun(modelRunSetup(world), cmds),
      ),
      { numRuns: 30, seed: 42 },
    );
    expect(counter.steps).to.be.at.least(2500);
  });

  it("model-based: a broken Page_Unmap is caught", () => {
    withFamilies(UNMAP_KEEPS_ENTRY_64, () => {
      const r = fc.check(
        fc.property(fc.commands(capsimCommands({ arch: "aarch64" }), { maxCommands: 100 }), (cmds) =>
          fc.modelRun(modelRunSetup(world), cmds),
        ),
        { numRuns: 200, seed: 5 },
      );
      expect(r.failed).to.equal(true);
      expect(String(r.errorInstance)).to.match(/valid_vs_lookup|model/);
    });
  });
});
