import { expect } from "chai";
import { DEFAULT_CONFIG } from "../../../src/arch/index.ts";
import type { ASID, HWASID } from "../../../src/model/addresses.ts";
import {
  findFreeHWASID,
  getHWASID,
  invalidateASIDEntry,
} from "../../../src/arch/aarch32/hwASID.ts";
import { emptyKernelState } from "../../../src/model/state.ts";
import {
  transition,
  transitionWithEffects,
} from "../../../src/model/transition.ts";
import type { VirtAddr } from "../../../src/model/addresses.ts";
import { tlbKey } from "../../../src/arch/aarch32/tlb.ts";

describe("hardware ASIDs (getHWASID, findFreeHWASID)", () => {
  it("hands out free hardware ASIDs lazily, keeps them, and steals round-robin when all 256 are taken, flushing the victim", () => {
    const first = transitionWithEffects(
      emptyKernelState(DEFAULT_CONFIG),
      (d) => {
        for (let a = 1; a <= 256; a++)
          expect(getHWASID(d, a as ASID)).to.equal(a - 1);
        expect(getHWASID(d, 5 as ASID)).to.equal(4);
        d.tlb = d.tlb.set(tlbKey(0, 0x1000 as VirtAddr), {
          vbase: 0x1000 as never,
          pbase: 0 as never,
          size: "SmallPage",
          rights: "VMReadWrite",
          executeNever: false,
          cacheable: true,
          global: false,
          hwASID: 0 as HWASID,
        });
      },
    );
    expect(first.effects).to.deep.equal([]);
    const second = transitionWithEffects(first.state, (d) => {
      expect(getHWASID(d, 300 as ASID)).to.equal(0);
      expect(d.asidMap.has(1 as ASID)).to.equal(false);
      expect(d.hwASIDTable.get(0 as HWASID)).to.equal(300);
      expect(d.nextHWASID).to.equal(1);
      expect(getHWASID(d, 301 as ASID)).to.equal(1);
    });
    expect(second.state.tlb.size).to.equal(0);
    expect(second.effects.map((e) => e.kind)).to.deep.equal([
      "tlbFlushASID",
      "tlbFlushASID",
    ]);
    transition(second.state, (d) => {
      invalidateASIDEntry(d, 100 as ASID);
      // a free one is found from nextHWASID on, without moving it
      expect(findFreeHWASID(d)).to.equal(99);
      expect(d.nextHWASID).to.equal(2);
    });
  });
});
