import { expect } from "chai";
import fc from "fast-check";
import type { PhysAddr, VirtAddr } from "../../../src/model/addresses.ts";
import type { KernelState } from "../../../src/model/state.ts";
import { checkAll } from "../../../src/testing/invariants.ts";
import { resolve } from "../../../src/arch/aarch32/walk.ts";
import { fuzzOpArbitrary } from "../../../src/testing/arbitraries.ts";
import { applyFuzzOp, buildFuzzWorld, type FuzzOp } from "../../../src/testing/world.ts";
import { capOf } from "../../helpers/caps.ts";
import { entriesOf } from "../../../src/kernel/store.ts";

/** An independent walk over the raw descriptor words, by the ARMv7 short-descriptor rules. */
function rawWalk(s: KernelState, pd: PhysAddr, v: number): number | undefined {
  const dir = s.objects.get(pd);
  if (dir?.type !== "PageDirectory") return undefined;
  const pde = (entriesOf(s, dir).get(Math.floor(v / 2 ** 20)) ?? 0) >>> 0;
  if ((pde & 3) === 2)
    return (pde & (1 << 18) ? (pde & 0xff000000) + (v % 2 ** 24) : (pde & 0xfff00000) + (v % 2 ** 20)) >>> 0;
  if ((pde & 3) !== 1) return undefined;
  const pt = s.objects.get(((pde & 0xfffffc00) >>> 0) as PhysAddr);
  if (pt?.type !== "PageTable") return undefined;
  const pte = (entriesOf(s, pt).get(Math.floor(v / 4096) % 256) ?? 0) >>> 0;
  if (pte & 2) return ((pte & 0xfffff000) >>> 0) + (v % 4096);
  if (pte & 1) return ((pte & 0xffff0000) >>> 0) + (v % 65536);
  return undefined;
}

describe("VSpace properties over random invocation sequences", () => {
  const world = buildFuzzWorld();
  const T = world.machine.initThread;
  const pdAt = (s: KernelState, slot: number) => capOf(s, T, slot, "PageDirectory").paddr;

  it("every invariant holds after every step; a failed call returns the identical state", () => {
    fc.assert(
      fc.property(fc.array(fuzzOpArbitrary(), { minLength: 1, maxLength: 40 }), (ops: FuzzOp[]) => {
        let s = world.state;
        for (const o of ops) {
          const r = applyFuzzOp(world, s, o);
          if (r.result !== undefined && r.result.reply.kind !== "ok") expect(r.state).to.equal(s);
          s = r.state;
          expect(checkAll(s), JSON.stringify(o)).to.deep.equal([]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("resolve agrees with an independent walk over the encoded descriptors", () => {
    fc.assert(
      fc.property(
        fc.array(fuzzOpArbitrary(), { maxLength: 30 }),
        fc.array(fc.integer({ min: 0x10000000, max: 0x14ffffff }), {
          minLength: 1,
          maxLength: 20,
        }),
        (ops, probes) => {
          let s = world.state;
          for (const o of ops) s = applyFuzzOp(world, s, o).state;
          for (const { slot } of world.vspaces) {
            const pd = pdAt(s, slot);
            for (const v of probes) {
              const r = resolve(s, pd, v as VirtAddr);
              expect(r.mapped ? r.paddr : undefined).to.equal(rawWalk(s, pd, v));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("after an unmap, no TLB line translates the unmapped page", () => {
    fc.assert(
      fc.property(fc.array(fuzzOpArbitrary(), { maxLength: 30 }), fc.nat(19), (ops, f) => {
        let s = world.state;
        for (const o of ops) s = applyFuzzOp(world, s, o).state;
        s = applyFuzzOp(world, s, { op: "switch" }).state;
        for (let v = 0x10000000; v < 0x10400000; v += 0x10000)
          s = applyFuzzOp(world, s, { op: "touch", vaddr: v }).state;
        const before = s;
        const r = applyFuzzOp(world, s, { op: "unmap", f });
        for (const [, line] of r.state.tlb) {
          const still = resolve(r.state, pdAt(r.state, world.vspaces[0]!.slot), line.vbase);
          expect(still.mapped && still.frame === line.pbase, `stale TLB line for ${line.vbase.toString(16)}`).to.equal(
            true,
          );
        }
        expect(before).to.not.equal(undefined);
      }),
      { numRuns: 100 },
    );
  });
});
