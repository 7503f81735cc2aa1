import { expect } from "chai";
import fc from "fast-check";
import type { CPtr, PhysAddr } from "../../src/model/addresses.ts";
import type { KernelState } from "../../src/model/state.ts";
import { changedObjects, changedTables, entriesOf, isTable, tableKey, tableOfKey } from "../../src/kernel/store.ts";
import { capAt } from "../../src/kernel/cspace.ts";
import { boot } from "../../src/boot/boot.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { callLibsel4 } from "../../src/invocations/libsel4.ts";
import { objectTypeNumber } from "../../src/arch/aarch64/objectTypes.ts";
import { applyInvocation, invocationArbitrary } from "../../src/testing/invocations.ts";
import { buildFuzzWorld } from "../../src/testing/world.ts";
import { StateChange } from "../../src/testing/invariants/change.ts";

/** The addresses of the paging structures the object store holds, and those the entries store has words for. */
function tableSets(s: KernelState): { live: PhysAddr[]; withEntries: PhysAddr[] } {
  const live = [...s.objects].filter(([, o]) => isTable(o)).map(([a]) => a);
  return { live, withEntries: [...s.tableEntries.keys()].map(tableOfKey) };
}

describe("the table entries store", () => {
  it("holds words for exactly the live paging structures over random retypes, maps, deletes and revokes", () => {
    const world = buildFuzzWorld();
    const T = world.machine.initThread;
    let created = 0;
    let destroyed = 0;
    fc.assert(
      fc.property(
        fc.array(
          invocationArbitrary({
            badShare: 0.05,
            // Retype, Delete and Revoke listed more than once: a table is one object type among many.
            only: [
              "seL4_Untyped_Retype",
              "seL4_Untyped_Retype",
              "seL4_Untyped_Retype",
              "seL4_CNode_Delete",
              "seL4_CNode_Delete",
              "seL4_CNode_Revoke",
              "seL4_CNode_Revoke",
              "seL4_ARM_PageTable_Map",
              "seL4_ARM_PageTable_Unmap",
              "seL4_ARM_Page_Map",
              "seL4_ARM_ASIDPool_Assign",
            ],
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (invs) => {
          let s = world.state;
          for (const inv of invs) {
            const next = applyInvocation(s, T, inv).state;
            const { live, withEntries } = tableSets(next);
            expect(withEntries, JSON.stringify(inv)).to.deep.equal(live);
            const before = new Set(tableSets(s).live);
            const after = new Set(live);
            created += live.filter((a) => !before.has(a)).length;
            destroyed += [...before].filter((a) => !after.has(a)).length;
            s = next;
          }
        },
      ),
      { numRuns: 150 },
    );
    // Both ends of a table's life were exercised.
    expect(created).to.be.greaterThan(10);
    expect(destroyed).to.be.greaterThan(0);
  });

  it("AArch64: a new table starts empty, its words are its own, and deleting it drops them", () => {
    const m = boot({ arch: "aarch64", ram: [{ base: 0x4000_0000, size: 256 * 2 ** 20 }] });
    const T = m.initThread;
    const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
    const untyped = m.bootInfo.untypedList
      .map((u, i) => ({ ...u, slot: m.bootInfo.untyped.start + i }))
      .filter((u) => !u.isDevice)
      .sort((a, b) => b.sizeBits - a.sizeBits)[0];
    if (untyped === undefined) return expect.fail("no untyped");
    const slot = m.bootInfo.empty.start;
    let s = m.state;
    const call = (name: string, cptr: number, params: Record<string, number>) => {
      const r = callLibsel4(s, T, name, cptr as CPtr, params);
      expect(r.reply.kind, name).to.equal("ok");
      s = r.state;
    };
    call("seL4_Untyped_Retype", untyped.slot, {
      type: objectTypeNumber("seL4_ARM_PageTableObject"),
      size_bits: 0,
      root: CNODE,
      node_index: 0,
      node_depth: 0,
      node_offset: slot,
      num_objects: 1,
    });
    const made = capAt(s, T, slot);
    if (made.type !== "PageTable") return expect.fail("no page table cap");
    const pt = s.objects.get(made.paddr);
    if (pt?.type !== "PageTable64") return expect.fail("no page table record");
    expect(entriesOf(s, pt).isEmpty).to.equal(true);
    expect(s.tableEntries.has(tableKey(pt.paddr))).to.equal(true);
    const beforeMap = s;
    call("seL4_ARM_PageTable_Map", slot, {
      vspace: INITIAL_CAP_SLOTS.InitThreadVSpace,
      vaddr: 0x2000_0000,
      attr: 3,
    });
    // the map wrote a word into some table: the change names that table, and the new one is untouched
    expect(changedTables(beforeMap, s)).to.have.length(1);
    // no record changed, yet the written table counts as a changed object (for the incremental checks)
    expect(beforeMap.objects).to.equal(s.objects);
    expect(changedObjects(beforeMap, s)).to.deep.equal(changedTables(beforeMap, s));
    expect(new StateChange(beforeMap, s).objects).to.deep.equal(changedTables(beforeMap, s));
    expect(entriesOf(s, pt).isEmpty).to.equal(true);
    const beforeDelete = s;
    call("seL4_CNode_Delete", CNODE, { index: slot, depth: 64 });
    expect(s.objects.get(pt.paddr)).to.equal(undefined);
    expect(s.tableEntries.has(tableKey(pt.paddr))).to.equal(false);
    expect(changedTables(beforeDelete, s)).to.include(pt.paddr);
    const { live, withEntries } = tableSets(s);
    expect(withEntries).to.deep.equal(live);
  });
});
