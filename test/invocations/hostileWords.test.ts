import { expect } from "chai";
import fc from "fast-check";
import type { CPtr } from "../../src/model/addresses.ts";
import { callLibsel4, LIBSEL4 } from "../../src/invocations/libsel4.ts";
import { invoke } from "../../src/invocations/dispatch.ts";
import { INVOCATION_LABELS, type InvocationLabel } from "../../src/model/labels.ts";
import { MessageWordError, type InvokeResult } from "../../src/model/message.ts";
import type { KernelState } from "../../src/model/state.ts";
import { checkTouched } from "../../src/testing/incremental.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import { invocationArbitrary, resolveInvocation } from "../../src/testing/invocations.ts";
import { buildFuzzWorld } from "../../src/testing/world.ts";

/** Values no caller should send, and values only a 32-bit register's reduction makes sense of. */
const HOSTILE = [
  NaN,
  Infinity,
  -Infinity,
  -1,
  -4096,
  0.5,
  4096.5,
  2 ** 32,
  2 ** 32 + 0x10000000,
  2 ** 40,
  2 ** 53,
  2 ** 53 + 2,
  1e300,
  -0,
  0xffffffff,
  2 ** 31,
];

/**
 * The campaign's size: 40 sequences in `npm test`; the long mode sets CAPSIM_HOSTILE_API_RUNS
 * (about 65,000 sequences make 10^6 calls) and CAPSIM_HOSTILE_API_SEED, and prints the count.
 */
const RUNS = Number(process.env.CAPSIM_HOSTILE_API_RUNS ?? 40);
const SEED = Number(process.env.CAPSIM_HOSTILE_API_SEED ?? 17);

/** The reply as data, without the `why` texts (which may quote the word as written). */
const replyShape = (r: InvokeResult) => JSON.stringify(r.reply, (k, v: unknown) => (k === "why" ? undefined : v));

describe("hostile words at the kernel API (a standing campaign)", () => {
  const world = buildFuzzWorld();
  const T = world.machine.initThread;

  it("every invocation, with one word, cap or service CPtr replaced by a hostile value: a safe integer acts as the same call with it mod 2^32; anything else is a MessageWordError; invariants hold and a failed call returns the identical state", () => {
    const hostileCall = fc.record({
      inv: invocationArbitrary({ badShare: 0.1 }),
      at: fc.nat(),
      value: fc.constantFrom(...HOSTILE),
      hostile: fc.boolean(),
    });
    let thrown = 0;
    let reduced = 0;
    let callCount = 0;
    fc.assert(
      fc.property(fc.array(hostileCall, { minLength: 1, maxLength: 30 }), (calls) => {
        let s: KernelState = world.state;
        for (const { inv, at, value, hostile } of calls) {
          const { service, params } = resolveInvocation(s, T, inv);
          const names = Object.keys(params);
          const target = hostile
            ? at % (names.length + 1) === names.length
              ? "service"
              : names[at % (names.length + 1)]
            : undefined;
          const withValue = (v: number) =>
            target === undefined || target === "service" ? params : { ...params, [target]: v };
          const serviceWith = (v: number) => (target === "service" ? (v as CPtr) : service);
          const what = `${inv.fn} ${target ?? ""}=${value}`;
          callCount++;
          if (target !== undefined && !Number.isSafeInteger(value)) {
            expect(() => callLibsel4(s, T, inv.fn, serviceWith(value), withValue(value)), what).to.throw(
              MessageWordError,
            );
            thrown++;
            continue;
          }
          const r = callLibsel4(s, T, inv.fn, serviceWith(value), withValue(value));
          if (target !== undefined) {
            const asRegister = callLibsel4(s, T, inv.fn, serviceWith(value >>> 0), withValue(value >>> 0));
            expect(replyShape(r), what).to.equal(replyShape(asRegister));
            reduced++;
          }
          if (r.reply.kind !== "ok") expect(r.state, what).to.equal(s);
          expect(checkTouched(s, r.state), what).to.deep.equal([]);
          s = r.state;
        }
        expect(checkAll(s)).to.deep.equal([]);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    if (process.env.CAPSIM_HOSTILE_API_RUNS !== undefined)
      console.log(`      ${callCount} calls (${thrown} refused words, ${reduced} reduced mod 2^32), seed ${SEED}`);
    expect(thrown).to.be.greaterThan(0);
    expect(reduced).to.be.greaterThan(0);
  });

  it("every label, and names found on Object.prototype, on every kind of cap: an error reply or a success, never a throw; a failure returns the identical state", () => {
    const labels = [
      ...INVOCATION_LABELS,
      "toString",
      "constructor",
      "__proto__",
      "valueOf",
      "hasOwnProperty",
      "",
      "ARMPageMapp",
    ] as InvocationLabel[];
    const s = world.state;
    for (const cptr of Array.from({ length: 64 }, (_, i) => i)) {
      for (const label of labels) {
        const r = invoke(s, T, cptr as CPtr, { label, args: [0, 64, 3], extraCaps: [3 as CPtr] });
        if (r.reply.kind !== "ok") expect(r.state, `${label} on ${cptr}`).to.equal(s);
        else expect(Object.hasOwn(LIBSEL4, `seL4_${label}`) || INVOCATION_LABELS.includes(label), label).to.equal(true);
        expect(checkTouched(s, r.state), `${label} on ${cptr}`).to.deep.equal([]);
      }
    }
  });
});
