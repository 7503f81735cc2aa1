import { expect } from "chai";
import { getCap } from "../../src/kernel/cdt.ts";
import { slotAddress } from "../../src/kernel/cspace.ts";
import { callLibsel4 } from "../../src/invocations/libsel4.ts";
import { MessageWordError, registerWord } from "../../src/model/message.ts";
import type { InvocationLabel } from "../../src/model/labels.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import { buildFuzzWorld } from "../../src/testing/world.ts";
import { bigUntyped, call, CNODE, expectError, expectOk, SLOT } from "../helpers/machine.ts";
import { objectTypeNumber } from "../../src/arch/aarch32/objectTypes.ts";

const w = buildFuzzWorld();
// The fuzz world's first page table, unmapped.
const PT = (w.tables[0] as { slot: number }).slot;
const T = w.machine.initThread;
// The fuzz world names its frames by size: the first small page.
const frame = (w.frames.find((f) => f.name.startsWith("smallpage")) as { slot: number }).slot;
const mapped = (() => {
  const r = call(w.state, T, PT, "ARMPageTableMap", [0x10000000, 3], [SLOT.InitThreadVSpace]);
  return call(expectOk(r) && r.state, T, frame, "ARMPageMap", [0x10000000, 3, 3], [SLOT.InitThreadVSpace]).state;
})();

/** The MessageWordError `f` throws. */
function wordError(f: () => unknown): MessageWordError {
  try {
    f();
  } catch (e) {
    if (e instanceof MessageWordError) return e;
    throw e;
  }
  return expect.fail("expected a MessageWordError");
}

describe("the kernel API's messages are 32-bit words (docs/api.md)", () => {
  it("registerWord reduces a safe integer mod 2^32 and refuses anything else", () => {
    expect(
      [0, -0, 1, 0xffffffff, -1, -4096, 2 ** 32, 2 ** 32 + 0x10000000, 2 ** 40 + 5].map((n) => registerWord(n, "x")),
    ).to.deep.equal([0, 0, 1, 0xffffffff, 0xffffffff, 0xfffff000, 0, 0x10000000, 5]);
    for (const bad of [NaN, Infinity, -Infinity, 0.5, 2 ** 53 + 2, 1e300, "12", null, undefined, {}])
      expect(() => registerWord(bad, "x"), String(bad)).to.throw(MessageWordError, /^x must be an integer/);
  });

  it("Page_Map at 2^32 + 0x10000000 is Page_Map at 0x10000000: the entry and the cap's record agree (it was corrupt)", () => {
    const r = call(w.state, T, PT, "ARMPageTableMap", [2 ** 32 + 0x10000000, 3], [SLOT.InitThreadVSpace]);
    const s = call(r.state, T, frame, "ARMPageMap", [2 ** 32 + 0x10000000, 3, 3], [SLOT.InitThreadVSpace]);
    expectOk(s);
    const cnode = (getCap(s.state, slotAddress(s.state, T, 0)) as { paddr: number }).paddr;
    expect(getCap(s.state, slotAddress(s.state, cnode as never, frame))).to.deep.include({
      mapping: { asid: 1, vaddr: 0x10000000 },
    });
    expect(checkAll(s.state)).to.deep.equal([]);
  });

  it("Retype at node_offset -1 is node_offset 0xffffffff: a RangeError, not a cap outside the CNode", () => {
    const u = bigUntyped(w.machine, 20);
    const r = call(w.state, T, u, "UntypedRetype", [objectTypeNumber("seL4_EndpointObject"), 0, 0, 0, -1, 1], [CNODE]);
    expectError(w.state, r, { error: "RangeError", rangeMin: 0, rangeMax: 2 ** 12 - 1 });
  });

  it("a CPtr of 2^32 + 1 names slot 1; a NaN CPtr is refused", () => {
    expect(call(w.state, T, 2 ** 32 + SLOT.InitThreadVSpace, "ARMPageGetAddress").reply.kind).to.not.equal("capFault");
    expect(wordError(() => call(w.state, T, NaN, "ARMPageGetAddress")).argument).to.equal("cptr");
  });

  for (const [what, args, argument] of [
    ["NaN num_objects", [0, 0, 0, 0, 200, NaN], "args[5]"],
    ["a fractional node_offset", [0, 0, 0, 0, 200.5, 1], "args[4]"],
    ["an infinite size_bits", [0, Infinity, 0, 0, 200, 1], "args[1]"],
  ] as const) {
    it(`Retype with ${what} throws a MessageWordError naming ${argument}, and changes nothing`, () => {
      const u = bigUntyped(w.machine, 20);
      const e = wordError(() => call(w.state, T, u, "UntypedRetype", [...args], [CNODE]));
      expect(e.argument).to.equal(argument);
      expect(e).to.be.instanceOf(RangeError);
      expect(checkAll(w.state)).to.deep.equal([]);
    });
  }

  it("an extra cap's CPtr that is not an integer is refused, naming it; a message without args is a TypeError", () => {
    expect(wordError(() => call(w.state, T, frame, "ARMPageMap", [0x10000000, 3, 3], [0.5])).argument).to.equal(
      "extraCaps[0]",
    );
    expect(() => call(w.state, T, frame, "ARMPageMap", null as never)).to.throw(
      TypeError,
      /message\.args must be an array/,
    );
  });

  it("labels found on Object.prototype are IllegalOperation on a page directory and a mapped frame (they were cache operations)", () => {
    for (const label of ["toString", "constructor", "valueOf", "hasOwnProperty", "__proto__"]) {
      for (const cptr of [SLOT.InitThreadVSpace, frame]) {
        const r = call(mapped, T, cptr, label as InvocationLabel, [0, 64]);
        expect(r.reply.kind === "error" && r.reply.error.error, `${label} on ${cptr}`).to.equal("IllegalOperation");
        expect(r.state).to.equal(mapped);
      }
    }
  });

  it("callLibsel4 refuses names found on Object.prototype as unknown functions", () => {
    for (const name of ["toString", "constructor", "__proto__"])
      expect(() => callLibsel4(w.state, T, name, 1 as never, {})).to.throw(/unknown libsel4 function/);
  });
});
