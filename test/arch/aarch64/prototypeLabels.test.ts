import { expectError } from "../../helpers/machine.ts";
import { call, ok, withVSpace, type Machine } from "./machine.ts";

/*
 * A label reaches the decoders as a string from JavaScript callers, so a name that every object
 * inherits ("toString", "constructor", "__proto__") must not be taken for an invocation: seL4 has
 * no such label, and its decoders answer an unknown label with IllegalOperation.
 */
const VS = 20;
const V = 0x10025000;

function mapped(): Machine {
  let m = withVSpace();
  for (let i = 0; i < 3; i++) m = ok(m, 30 + i, "ARMPageTableMap", [V, 3], [VS]);
  return ok(m, 40, "ARMPageMap", [V, 3, 3], [VS]);
}

describe("aarch64: inherited property names are not invocation labels", () => {
  const m = mapped();
  for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"])
    for (const [slot, what] of [
      [40, "mapped frame"],
      [VS, "VSpace"],
      [30, "page table"],
    ] as const)
      it(`${name} on a ${what} cap is IllegalOperation`, () => {
        const label = name as Parameters<typeof call>[2];
        expectError(m.state, call(m, slot, label, [0, 1]), { error: "IllegalOperation" });
      });
});
