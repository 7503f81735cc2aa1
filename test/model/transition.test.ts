import { expect } from "chai";
import { DEFAULT_CONFIG } from "../../src/arch/index.ts";
import fc from "fast-check";
import { isDraft } from "immer";
import { paddr, pptr, vaddr, type HWASID, type PhysAddr } from "../../src/model/addresses.ts";
import { PMap } from "../../src/model/pmap.ts";
import { boot } from "../../src/boot/boot.ts";
import { writePhysical } from "../../src/machine/memory.ts";
import { switchToThread } from "../../src/machine/threads.ts";
import { mmuTranslate } from "../../src/arch/aarch32/mmu.ts";
import { emptyKernelState, type KernelState } from "../../src/model/state.ts";
import { rootCopyEngine, transition, transitionWithEffects } from "../../src/model/transition.ts";
import { immerEngine, withEngine } from "../support/immerEngine.ts";
import { applyInvocation, invocationArbitrary } from "../../src/testing/invocations.ts";
import { buildFuzzWorld } from "../../src/testing/world.ts";

/** Asserts two states hold equal values (PMaps compared on the keys whose values are not shared). */
function expectEqualStates(a: KernelState, b: KernelState, where: string): void {
  for (const field of Object.keys(a) as (keyof KernelState)[]) {
    const x = a[field];
    const y = b[field];
    if (x instanceof PMap && y instanceof PMap) {
      for (const k of (x as PMap<number, unknown>).changedKeys(y as PMap<number, unknown>)) {
        expect((x as PMap<number, unknown>).get(k), `${where}: ${field}[${k}]`).to.deep.equal(
          (y as PMap<number, unknown>).get(k),
        );
      }
    } else {
      expect(x, `${where}: ${field}`).to.deep.equal(y);
    }
  }
}

describe("transitions", () => {
  const fields = Object.keys(emptyKernelState(DEFAULT_CONFIG)) as (keyof KernelState)[];

  for (const [name, engine] of [
    ["root-copy", rootCopyEngine],
    ["immer", immerEngine],
  ] as const) {
    it(`${name}: changing any one field gives a new state sharing every other field; changing nothing gives the same state`, () => {
      withEngine(engine, () => {
        const base = emptyKernelState(DEFAULT_CONFIG);
        expect(transition(base, () => {})).to.equal(base);
        expect(transition(base, (d) => void (d.objects = base.objects))).to.equal(base);
        for (const field of fields) {
          const marker = { changed: field };
          const next = transition(base, (d) => {
            (d as unknown as Record<string, unknown>)[field] = marker;
          });
          expect(next, field).to.not.equal(base);
          expect(next[field], field).to.equal(marker);
          for (const other of fields)
            if (other !== field) expect(next[other], `${field} then ${other}`).to.equal(base[other]);
          expect(base[field], `${field} in the old state`).to.not.equal(marker);
        }
      });
    });
  }

  it("the immer engine hands the recipe the fields of an immer draft; the root-copy engine a plain copy", () => {
    const base: KernelState = {
      ...emptyKernelState(DEFAULT_CONFIG),
      loadedVSpace: { pd: pptr(0x4000 as PhysAddr, "VSpaceRoot"), hwASID: 0 as HWASID },
    };
    const seen: boolean[] = [];
    withEngine(immerEngine, () => transition(base, (d) => void seen.push(isDraft(d.loadedVSpace))));
    withEngine(rootCopyEngine, () => transition(base, (d) => void seen.push(isDraft(d.loadedVSpace) || d === base)));
    expect(seen).to.deep.equal([true, false]);
  });

  it("the immer engine hands out the configuration itself, not a draft: no transition changes it", () => {
    const base = emptyKernelState(DEFAULT_CONFIG);
    const seen: unknown[] = [];
    withEngine(immerEngine, () => transition(base, (d) => void seen.push(d.config)));
    expect(seen).to.deep.equal([base.config]);
    expect(seen[0]).to.equal(base.config);
  });

  it("effects recorded on the draft come back beside the state, and never become part of it", () => {
    const base = emptyKernelState(DEFAULT_CONFIG);
    for (const engine of [rootCopyEngine, immerEngine]) {
      const r = withEngine(engine, () =>
        transitionWithEffects(base, (d) => {
          d.effects.push({ kind: "note", text: "one" });
          d.nextHWASID = 7 as HWASID;
        }),
      );
      expect(r.effects).to.deep.equal([{ kind: "note", text: "one" }]);
      expect(r.state.nextHWASID).to.equal(7);
      expect(Object.keys(r.state)).to.deep.equal(Object.keys(base));
      const quiet = withEngine(engine, () =>
        transitionWithEffects(base, (d) => void d.effects.push({ kind: "note", text: "only a note" })),
      );
      expect(quiet.state).to.equal(base);
      expect(quiet.effects).to.have.length(1);
    }
  });

  it("both engines give equal states for the transitions outside invocations: thread switch, memory write, TLB fill", () => {
    const m = boot({ ram: [{ base: 0x10000000, size: 64 * 2 ** 20 }] });
    const run = () => {
      let s = switchToThread(m.state, m.initThread).state;
      s = writePhysical(s, paddr(0x10200000), Uint8Array.from([1, 2, 3]));
      // USER_TOP is the first address of the kernel window: the walk fills a global TLB line.
      const t = mmuTranslate(s, vaddr(m.state.config.userTop + 0x1234));
      expect(t.translation.ok).to.equal(true);
      return [s, t.state] as const;
    };
    const fast = withEngine(rootCopyEngine, run);
    const reference = withEngine(immerEngine, run);
    expect(fast[1].tlb.size).to.be.greaterThan(m.state.tlb.size);
    for (let i = 0; i < fast.length; i++)
      expectEqualStates(fast[i] as KernelState, reference[i] as KernelState, `transition ${i}`);
  });

  it("both engines give equal states and replies over random libsel4 calls (immer is the reference)", () => {
    const start = buildFuzzWorld();
    const T = start.machine.initThread;
    fc.assert(
      fc.property(
        fc.array(invocationArbitrary({ badShare: 0.1 }), {
          minLength: 1,
          maxLength: 40,
        }),
        (invs) => {
          let s: KernelState = start.state;
          for (const inv of invs) {
            const fast = withEngine(rootCopyEngine, () => applyInvocation(s, T, inv));
            const reference = withEngine(immerEngine, () => applyInvocation(s, T, inv));
            const where = JSON.stringify(inv);
            expect(fast.reply, where).to.deep.equal(reference.reply);
            expect(fast.state === s, `${where}: unchanged`).to.equal(reference.state === s);
            expectEqualStates(fast.state, reference.state, where);
            s = fast.state;
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
