import { expect } from "chai";
import fc from "fast-check";
import type { ASID } from "../../src/model/addresses.ts";
import type { ArchName, KernelState, SlotAddr } from "../../src/model/state.ts";
import {
  applyFuzzOp,
  buildFuzzWorld,
  concreteMappings,
  fuzzOpArbitrary,
  type FuzzOp,
} from "../../src/testing/index.ts";
import type { BootOptions } from "../../src/boot/boot.ts";
import { AARCH64_WORLD_BOOT } from "../../src/testing/world64.ts";
import { aarch64, ASID_POOL_SIZE } from "../../src/arch/index.ts";
import { exportCapdl, exportText, mappingHolders } from "../../src/capdl/export.ts";
import { readCapdl } from "../../src/capdl/index.ts";
import { importCapdl, refusalText } from "../../src/capdl/import.ts";
import { getCap } from "../../src/kernel/cdt.ts";
import { slotAddress, slotIndex } from "../../src/kernel/cspace.ts";
import type { Cap } from "../../src/model/caps.ts";

/**
 * import(export(s)) gives back s, for random reachable states of the fuzz world on each
 * architecture: the mappings by ASID and virtual address (frame, size; ASIDs that map
 * something); the frame caps of the root CNode (frame, size, mapped or not) as multisets, since
 * import renumbers the root CNode's slots; every CNode's and TCB's contents by slot (the root's
 * as a multiset); and the CDT's shape, each cap with its parent, up to names.
 */
const BOOTS: Readonly<Record<ArchName, BootOptions>> = {
  aarch32: { ram: [{ base: 0, size: 256 * 2 ** 20 }] },
  aarch64: AARCH64_WORLD_BOOT,
};

// CAPSIM_CAPDL_ARCH=aarch32 (or aarch64) runs one architecture's property alone, for long searches.
const ARCHS = (["aarch32", "aarch64"] as const satisfies readonly ArchName[]).filter(
  (a) => (process.env.CAPSIM_CAPDL_ARCH ?? a) === a,
);
for (const arch of ARCHS) {
  const world = buildFuzzWorld({ arch });
  const poolSize = arch === "aarch64" ? aarch64.ASID_POOL_SIZE : ASID_POOL_SIZE;
  const asids = (s: KernelState): ASID[] =>
    [...s.asidTable.entries()].flatMap(([high, pool]) => {
      const p = s.objects.get(pool);
      return p?.type === "ASIDPool" ? [...p.entries.keys()].map((low) => (high * poolSize + low) as ASID) : [];
    });
  // Both capDL loaders give every VSpace root an ASID, so a root without one comes back with
  // one (and nothing mapped): ASIDs that map nothing are left out of the comparison.
  const mappings = (s: KernelState): unknown =>
    [...concreteMappings(s, asids(s))]
      .filter(([, m]) => m.size > 0)
      .map(([a, m]) => [a, [...m].sort((x, y) => x[0] - y[0])]);
  /**
   * Whether capDL can say a frame cap maps: a cap whose recorded mapping is gone (its table
   * deleted, its entry unmapped through another cap: seL4 leaves the record stale) cannot be
   * written, since capDL's `asid:` means a live mapping; and of the caps that record one live
   * entry (the frame mapped again at the same address through a copy) capDL gives it to one,
   * the one export chooses (mappingHolders), so the others count as unmapped. A mapped 1 GiB
   * frame cap (AArch64) has `asid:` but no `mapping:` (the tool names no pud slot), so where its
   * frame has several mappings in that VSpace capDL cannot say which is the cap's: the address
   * is left out.
   */
  const capdlMapping = (s: KernelState): ((c: Cap, at: SlotAddr) => string) => {
    const live = concreteMappings(s, asids(s));
    const holders = mappingHolders(s);
    return (c, at) => {
      if (c.type !== "Frame") return "-";
      const m = c.mapping;
      const space = m === null ? undefined : live.get(m.asid);
      if (m === null || !holders.has(at) || space?.get(m.vaddr)?.frame !== c.paddr) return "-";
      const ambiguous = c.size === "HugePage" && [...space.values()].filter((x) => x.frame === c.paddr).length > 1;
      return ambiguous ? `${m.asid}@one of its mappings` : `${m.asid}@${m.vaddr}`;
    };
  };
  const rootFrameCaps = (s: KernelState): string[] => {
    const mapping = capdlMapping(s);
    const root = getCap(s, slotAddress(s, world.machine.initThread, 0));
    if (root.type !== "CNode") return [];
    const out: string[] = [];
    for (const [at, cte] of s.ctes.range(root.paddr, slotAddress(s, root.paddr, 2 ** root.radixBits))) {
      const c = cte.cap;
      if (c.type !== "Frame") continue;
      out.push(`${c.paddr} ${c.size} ${c.vmRights} ${mapping(c, at)}`);
    }
    return out.sort();
  };

  /** A cap up to names: its type, its frame or untyped region, and what capDL says of it (capdlMapping). */
  const describeCap = (c: Cap, at: SlotAddr, mapping: ReturnType<typeof capdlMapping>): string => {
    switch (c.type) {
      case "Frame":
        return `Frame ${c.paddr} ${c.size} ${c.vmRights} ${mapping(c, at)}`;
      case "Untyped":
        return `Untyped ${c.paddr}/${c.sizeBits}`;
      case "Null":
      case "ASIDControl":
      case "IRQControl":
      case "Domain":
        return c.type;
      case "CNode":
        return `CNode ${c.radixBits} guard ${c.guard}/${c.guardSize}`;
      case "Endpoint":
      case "Notification":
        return `${c.type} badge ${c.badge}`;
      default:
        // capDL gives only frames and untypeds a paddr: other objects are compared by kind.
        return c.type;
    }
  };
  /**
   * The CDT's shape up to names: each cap in a CNode or TCB with its parent's (as multisets),
   * and each CNode's contents by slot (the root CNode's as a multiset: import renumbers it).
   * Filler untypeds (which import retypes to move a watermark up to a paddr: untyped regions
   * that `original` has no cap to) are left out.
   */
  const cdtShape = (s: KernelState, original: KernelState = s): { edges: string[]; cnodes: string[] } => {
    const regions = new Set<string>();
    for (const [, cte] of original.ctes)
      if (cte.cap.type === "Untyped") regions.add(`${cte.cap.paddr}/${cte.cap.sizeBits}`);
    const mapping = capdlMapping(s);
    const root = getCap(s, slotAddress(s, world.machine.initThread, 0));
    const rootBase = root.type === "CNode" ? root.paddr : -1;
    const edges: string[] = [];
    const cnodes: string[] = [];
    const isFiller = (c: Cap): boolean => c.type === "Untyped" && !regions.has(`${c.paddr}/${c.sizeBits}`);
    for (const o of s.objects.values()) {
      if (o.type !== "CNode" && o.type !== "TCB") continue;
      const count = o.type === "CNode" ? 2 ** o.radixBits : 5;
      for (const [addr, cte] of s.ctes.range(o.paddr, slotAddress(s, o.paddr, count))) {
        if (cte.cap.type === "Null" || isFiller(cte.cap)) continue;
        const d = describeCap(cte.cap, addr, mapping);
        const parent = cte.parent === null ? "-" : describeCap(getCap(s, cte.parent), cte.parent, mapping);
        edges.push(`${d} <- ${parent}`);
        cnodes.push(o.paddr === rootBase ? `root: ${d}` : `${o.type} ${o.paddr} ${slotIndex(s, o.paddr, addr)}: ${d}`);
      }
    }
    return { edges: edges.sort(), cnodes: cnodes.sort() };
  };

  /**
   * A frame mapped, its cap copied, and the copy mapped at the same address (two caps recording
   * one entry, which random ops alone almost never reach), among random ops. ARM32 first maps a
   * page table at 0x10000000, where the world's small and large pages map.
   */
  const remapThroughCopy: fc.Arbitrary<FuzzOp[]> = fc
    .record({
      f: fc.nat(world.frames.length - 1),
      to: fc.nat(world.spares.length - 1),
      pd: fc.nat(1),
      slotIndex: fc.nat(3),
      t: fc.nat(world.tables.length - 1),
    })
    .map(({ f, to, pd, slotIndex, t }) => {
      const map = (frame: number): FuzzOp => ({ op: "map", f: frame, pd, slotIndex, misalign: false, rights: 3 });
      return [
        ...(arch === "aarch32" ? [{ op: "mapPT" as const, t, pd, vaddr: 0x10000000 }] : []),
        map(f),
        { op: "copy" as const, f, to },
        map(world.frames.length + to),
      ];
    });
  const randomOps = fc.array(fuzzOpArbitrary({ badShare: 0.05, arch }), { maxLength: 25 });
  const opsArbitrary = fc.oneof(
    { weight: 3, arbitrary: randomOps },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.array(fuzzOpArbitrary({ badShare: 0.05, arch }), { maxLength: 12 }), remapThroughCopy, randomOps)
        .map(([before, remap, after]) => [...before, ...remap, ...after.slice(0, 12)]),
    },
  );
  describe(`capDL round trip on ${arch} (property)`, () => {
    it("import(export(s)) reproduces s's mappings, root frame caps, CNode contents and CDT shape", () => {
      const names = new Map(
        [...world.frames, ...world.tables, ...world.vspaces, ...world.spares].map((n) => [n.name, n.slot]),
      );
      fc.assert(
        fc.property(opsArbitrary, (ops) => {
          let s = world.state;
          for (const op of ops) s = applyFuzzOp(world, s, op).state;
          const text = exportText(exportCapdl(s, { boot: world.machine, names }));
          const res = importCapdl(readCapdl(text), { boot: BOOTS[arch] });
          expect(refusalText(res), text).to.equal("");
          expect(mappings(res.state)).to.deep.equal(mappings(s));
          expect(rootFrameCaps(res.state)).to.deep.equal(rootFrameCaps(s));
          expect(cdtShape(res.state, s)).to.deep.equal(cdtShape(s));
        }),
        // A fixed seed keeps CI's verdict the same run to run; a long search (CAPSIM_CAPDL_RUNS=2500,
        // CAPSIM_CAPDL_SEED=any) still finds the open round-trip gaps docs/capdl.md lists.
        {
          numRuns: Number(process.env.CAPSIM_CAPDL_RUNS ?? 40),
          seed: Number(process.env.CAPSIM_CAPDL_SEED ?? 2026),
        },
      );
    });
  });
}
