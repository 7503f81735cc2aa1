import { expect } from "chai";
import { capAt } from "../../../src/kernel/cspace.ts";
import { expectError } from "../../helpers/machine.ts";
import { CNODE, aarch64Machine, call, ok, retype } from "./machine.ts";

/*
 * CNode_Mint's data word on a 64-bit kernel, from libsel4 16.0.0's mode_include/64 shared_types.bf
 * (seL4_CNode_CapData: guardSize in bits 0-5, guard in bits 6-63) and types.h (seL4_BadgeBits 64),
 * applied by updateCapData (src/object/objecttype.c), whose radix check is against wordBits (64).
 * The 32-bit layout (guard size in bits 3-7, guard in bits 8-25, 28-bit badges) reads the same
 * words differently, which is what each case below would catch.
 */
const DEST = 70;
const mint = (data: number) => [DEST, 64, CNODE, 64, 0xf, data];

describe("aarch64: CNode_Mint's data word in the 64-bit layout", () => {
  it("a CNode cap takes guardSize from bits 0-5 and the guard from bits 6 up", () => {
    const m = ok(aarch64Machine(), CNODE, "CNodeMint", mint(0x5a * 64 + 8), [CNODE]);
    expect(capAt(m.state, m.thread, DEST)).to.include({ type: "CNode", radixBits: 8, guardSize: 8, guard: 0x5a });
  });

  it("a guard wider than 31 bits fits a 64-bit word: guard size 40 with radix 8", () => {
    const guard = 2 ** 39 + 3;
    const m = ok(aarch64Machine(), CNODE, "CNodeMint", mint(guard * 64 + 40), [CNODE]);
    expect(capAt(m.state, m.thread, DEST)).to.include({ guardSize: 40, guard });
  });

  it("a guard size that with the radix passes 64 bits makes the null cap: IllegalOperation", () => {
    const m = aarch64Machine();
    expectError(m.state, call(m, CNODE, "CNodeMint", mint(57), [CNODE]), { error: "IllegalOperation" });
  });

  it("an endpoint's badge keeps the whole word (seL4_BadgeBits is 64)", () => {
    const m = retype(aarch64Machine(), "seL4_EndpointObject", 60);
    const badge = 2 ** 40 + 5;
    const r = ok(m, CNODE, "CNodeMint", [DEST, 64, 60, 64, 0xf, badge], [CNODE]);
    expect(capAt(r.state, r.thread, DEST)).to.include({ type: "Endpoint", badge });
  });
});
