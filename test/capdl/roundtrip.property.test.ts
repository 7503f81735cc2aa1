import { expect } from "chai";
import fc from "fast-check";
import type { ASID } from "../../src/model/addresses.ts";
import type { KernelState } from "../../src/model/state.ts";
import { applyFuzzOp, buildFuzzWorld, concreteMappings, fuzzOpArbitrary } from "../../src/testing/index.ts";
import { exportCapdl, exportText } from "../../src/capdl/export.ts";
import { readCapdl } from "../../src/capdl/index.ts";
import { importCapdl, refusalText } from "../../src/capdl/import.ts";
import { getCap } from "../../src/kernel/cdt.ts";
import { slotAddress } from "../../src/kernel/cspace.ts";

/**
 * import(export(s)) gives back s, for random reachable states of the fuzz world: the mappings
 * by ASID and virtual address (frame, size), and the frame caps of the root CNode (frame, size,
 * mapped or not) as multisets, since import renumbers the root CNode's slots.
 */
const world = buildFuzzWorld();
const asids = (s: KernelState): ASID[] =>
  [...s.asidTable.entries()].flatMap(([high, pool]) => {
    const p = s.objects.get(pool);
    return p?.type === "ASIDPool" ? [...p.entries.keys()].map((low) => (high * 1024 + low) as ASID) : [];
  });
const mappings = (s: KernelState): unknown =>
  [...concreteMappings(s, asids(s))].map(([a, m]) => [a, [...m].sort((x, y) => x[0] - y[0])]);
function rootFrameCaps(s: KernelState): string[] {
  const root = getCap(s, slotAddress(s, world.machine.initThread, 0));
  if (root.type !== "CNode") return [];
  const out: string[] = [];
  for (const [, cte] of s.ctes.range(root.paddr, slotAddress(s, root.paddr, 2 ** root.radixBits)))
    if (cte.cap.type === "Frame")
      out.push(
        `${cte.cap.paddr} ${cte.cap.size} ${cte.cap.vmRights} ${cte.cap.mapping ? `${cte.cap.mapping.asid}@${cte.cap.mapping.vaddr}` : "-"}`,
      );
  return out.sort();
}

describe("capDL round trip (property)", () => {
  it("import(export(s)) reproduces s's mappings and root frame caps", () => {
    const names = new Map(
      [...world.frames, ...world.tables, ...world.vspaces, ...world.spares].map((n) => [n.name, n.slot]),
    );
    fc.assert(
      fc.property(fc.array(fuzzOpArbitrary({ badShare: 0.05 }), { maxLength: 25 }), (ops) => {
        let s = world.state;
        for (const op of ops) s = applyFuzzOp(world, s, op).state;
        const text = exportText(exportCapdl(s, { boot: world.machine, names }));
        const res = importCapdl(readCapdl(text), { boot: { ram: [{ base: 0, size: 256 * 2 ** 20 }] } });
        expect(refusalText(res), text).to.equal("");
        expect(mappings(res.state)).to.deep.equal(mappings(s));
        expect(rootFrameCaps(res.state)).to.deep.equal(rootFrameCaps(s));
      }),
      { numRuns: 40 },
    );
  });
});
