import { expect } from "chai";
import { pptr, type ASID, type HWASID, type PhysAddr } from "../../src/model/addresses.ts";
import { transition, type MutableState } from "../../src/model/transition.ts";
import { INVARIANTS } from "../../src/testing/invariants.ts";
import { encodePDE, encodePTE } from "../../src/arch/aarch32/entries.ts";
import { buildFuzzWorld, type NamedSlot } from "../../src/testing/world.ts";
import { capOf } from "../helpers/caps.ts";
import { call, SLOT } from "../helpers/machine.ts";
import { brokenInvariants } from "../helpers/invariants.ts";
import { entriesOf, putEntries } from "../../src/kernel/store.ts";

const w = buildFuzzWorld();
const T = w.machine.initThread;
const named = (list: readonly NamedSlot[], name: string): number => {
  const found = list.find((n) => n.name === name);
  if (found === undefined) throw new Error(`the fuzz world has no ${name}`);
  return found.slot;
};
const PT = named(w.tables, "pt0");
const FRAME = named(w.frames, "smallpage0");
let s = call(w.state, T, PT, "ARMPageTableMap", [0x10000000, 3], [SLOT.InitThreadVSpace]).state;
s = call(s, T, FRAME, "ARMPageMap", [0x10000000, 3, 3], [SLOT.InitThreadVSpace]).state;
const pd = capOf(s, T, SLOT.InitThreadVSpace, "PageDirectory").paddr;
const pt = capOf(s, T, PT, "PageTable").paddr;
const frame = capOf(s, T, FRAME, "Frame").paddr;

const broken = (edit: (d: MutableState) => void): string[] => brokenInvariants(s, edit);

describe("each invariant catches its violation (and only the ones that follow from it)", () => {
  it("the healthy state satisfies every invariant", () => {
    for (const [name, inv] of Object.entries(INVARIANTS)) expect(inv(s), name).to.deep.equal([]);
  });
  it("valid_caps: a cap to an object that is gone", () => {
    expect(broken((d) => (d.objects = d.objects.delete(frame)))).to.include("valid_caps");
  });
  it("pspace_distinct: two objects overlap", () => {
    expect(
      broken(
        (d) =>
          (d.objects = d.objects.set((frame + 0x10) as PhysAddr, {
            type: "Endpoint",
            paddr: (frame + 0x10) as PhysAddr,
          })),
      ),
    ).to.deep.equal(["pspace_distinct"]);
  });
  it("pspace_aligned: an object not aligned to its size", () => {
    expect(
      broken(
        (d) =>
          (d.objects = d.objects.set(0x7ff00004 as PhysAddr, {
            type: "Endpoint",
            paddr: 0x7ff00004 as PhysAddr,
          })),
      ),
    ).to.deep.equal(["pspace_aligned"]);
  });
  it("violations carry the values that show them, as details", () => {
    const bad = transition(s, (d) => (d.objects = d.objects.delete(frame)));
    const [v] = INVARIANTS.valid_caps!(bad);
    expect(v?.details).to.deep.include({
      capType: "Frame",
      object: frame,
      found: null,
    });
  });
  it("valid_mdb: a cap whose parent slot is empty", () => {
    const child = [...s.ctes].find(([, c]) => c.parent !== null)!;
    expect(
      broken(
        (d) =>
          (d.ctes = d.ctes.set(child[0], {
            ...child[1],
            parent: 0x7fff0 as never,
          })),
      ),
    ).to.include("valid_mdb");
  });
  it("untyped_children_inside: an object outside its untyped", () => {
    const [slot, cte] = [...s.ctes].find(([, c]) => c.cap.type === "Frame" && c.parent !== null)!;
    expect(
      broken(
        (d) =>
          (d.ctes = d.ctes.set(slot, {
            ...cte,
            cap: {
              ...(cte.cap as never as object),
              paddr: 0xf0000000,
            } as never,
          })),
      ),
    ).to.include("untyped_children_inside");
  });
  it("valid_asid_map: one directory under two ASIDs", () => {
    expect(
      broken((d) => {
        const pool = d.objects.get(d.asidTable.get(0)!)!;
        if (pool.type === "ASIDPool")
          d.objects = d.objects.set(pool.paddr, {
            ...pool,
            entries: pool.entries.set(7, pd),
          });
      }),
    ).to.include("valid_asid_map");
  });
  it("unique_table_refs: a page table mapped twice", () => {
    expect(broken((d) => setPDE(d, 0x200, encodePDE({ kind: "Table", paddr: pt, parityEnabled: false })))).to.include(
      "unique_table_refs",
    );
  });
  it("kernel_mappings: a user section above USER_TOP", () => {
    expect(
      broken((d) =>
        setPDE(
          d,
          0xe10,
          encodePDE({
            kind: "Page",
            size: "Section",
            paddr: 0x100000 as PhysAddr,
            rights: "VMReadWrite",
            attributes: {
              cacheable: true,
              parityEnabled: false,
              executeNever: false,
            },
            global: false,
          }),
        ),
      ),
    ).to.include("kernel_mappings");
  });
  it("valid_vs_lookup: a leaf no frame cap claims", () => {
    expect(
      broken((d) => {
        const t = d.objects.get(pt)!;
        if (t.type === "PageTable")
          putEntries(
            d,
            pt,
            entriesOf(d, t).set(
              5,
              encodePTE({
                kind: "Page",
                size: "SmallPage",
                paddr: 0x5000 as PhysAddr,
                rights: "VMReadOnly",
                attributes: {
                  cacheable: true,
                  parityEnabled: false,
                  executeNever: false,
                },
                global: false,
              }),
            ),
          );
      }),
    ).to.deep.equal(["valid_vs_lookup"]);
  });
  it("tlb_consistent: a TLB line for a translation the tables do not have", () => {
    expect(
      broken((d) => {
        d.hwASIDTable = d.hwASIDTable.set(0 as HWASID, 1 as ASID);
        d.tlb = d.tlb.set(0x20000, {
          vbase: 0x20000000 as never,
          pbase: frame,
          size: "SmallPage",
          rights: "VMReadWrite",
          executeNever: false,
          cacheable: true,
          global: false,
          hwASID: 0 as HWASID,
        });
      }),
    ).to.deep.equal(["tlb_consistent"]);
  });
  it("equal_kernel_mappings: a directory whose kernel window differs from the global one", () => {
    expect(broken((d) => setPDE(d, 0xf00, 0))).to.deep.equal(["equal_kernel_mappings"]);
  });
  it("valid_objs: a page-table entry past the table's 256 entries; an ASID table entry naming no pool", () => {
    expect(
      broken((d) => {
        const t = d.objects.get(pt)!;
        if (t.type === "PageTable") putEntries(d, pt, entriesOf(d, t).set(256, 0));
      }),
    ).to.deep.equal(["valid_objs"]);
    // A frame filed as a pool: the kind is a lie on purpose, which valid_objs must catch.
    expect(broken((d) => (d.asidTable = d.asidTable.set(9, pptr(frame, "ASIDPool"))))).to.deep.equal(["valid_objs"]);
  });
  it("mdb_cte_at: the derivation tree lists a child whose slot is empty", () => {
    const [parent, kids] = [...s.cdtChildren].find(([, k]) => k.size > 0)!;
    expect(broken((d) => (d.cdtChildren = d.cdtChildren.set(parent, kids.set(0x7fff0 as never, true))))).to.deep.equal([
      "mdb_cte_at",
    ]);
  });
  it("cap_count: the count of caps naming an object is off (a delete would finalise it too early or never)", () => {
    expect(broken((d) => (d.capCount = d.capCount.set(frame, (d.capCount.get(frame) ?? 0) + 1)))).to.deep.equal([
      "cap_count",
    ]);
  });
  it("descriptors_round_trip: a stored word with bits the entry model does not produce", () => {
    expect(broken((d) => setPDE(d, 0x300, 0x00100002 | (1 << 5)))).to.include("descriptors_round_trip");
  });
});

function setPDE(d: MutableState, index: number, word: number): void {
  const o = d.objects.get(pd)!;
  if (o.type === "PageDirectory") putEntries(d, pd, entriesOf(d, o).set(index, word));
}
