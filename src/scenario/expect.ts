import { hex } from "../model/addresses.ts";
import type { SyscallError } from "../model/errors.ts";
import type { Expect, Value } from "./schema.ts";
import type { Outcome, Path } from "./steps/context.ts";

const FIELD_ORDER = ["argumentNumber", "invalidCapNumber", "rangeMin", "rangeMax", "failedLookupWasSource", "bitsLeft", "memoryLeft"] as const;

/** The error's fields under libsel4's names (bitsLeft from the lookup failure). */
export function errorFields(e: SyscallError): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(e)) if (k !== "error" && k !== "why" && k !== "lookupFailure") out[k] = v as number | boolean;
  if (e.error === "FailedLookup" && "bitsLeft" in e.lookupFailure) out.bitsLeft = e.lookupFailure.bitsLeft;
  return out;
}

/** A step's outcome as a person reads it. */
export function describeOutcome(o: Outcome): string {
  if (o.kind === "error") {
    const f = errorFields(o.error);
    const parts = FIELD_ORDER.filter((k) => f[k] !== undefined).map((k) => `${k}=${String(f[k])}`);
    return `seL4_${o.error.error}${parts.length ? ` (${parts.join(", ")})` : ""}`;
  }
  if (o.kind === "fault") return o.text;
  const vals = Object.entries(o.values).map(([k, v]) => `${k}=${typeof v === "number" && k !== "pageSize" && k !== "hwASID" ? hex(v) : String(v)}`);
  return `ok${vals.length ? ` (${vals.join(", ")})` : ""}`;
}

/** Whether an outcome meets the step's expectation, and the expectation in words. */
export function checkExpectation(exp: Expect | undefined, o: Outcome, valueOf: (v: Value, sub: Path) => number): { held: boolean; expected?: string } {
  if (exp === undefined) return o.kind === "ok" ? { held: true } : { held: false, expected: "success (a step without expect must not fail)" };
  if (exp === "ok") return { held: o.kind === "ok", expected: "ok" };
  if ("fault" in exp) {
    const text = `a VM fault ${JSON.stringify(exp.fault)}`;
    if (o.kind !== "fault" || o.fault === undefined) return { held: false, expected: text };
    for (const [k, want] of Object.entries(exp.fault)) if ((o.fault as unknown as Record<string, unknown>)[k] !== want) return { held: false, expected: `${text}, got ${k} = ${String((o.fault as unknown as Record<string, unknown>)[k])}` };
    return { held: true, expected: text };
  }
  if ("ok" in exp) {
    if (o.kind !== "ok") return { held: false, expected: `ok ${JSON.stringify(exp.ok)}` };
    for (const [k, want] of Object.entries(exp.ok)) {
      const got = o.values[k];
      const w = typeof want === "object" || typeof want === "number" ? valueOf(want as Value, ["ok", k]) : want;
      const norm = typeof w === "string" ? w.replace(/^VM/, "") : w;
      if (got !== norm) return { held: false, expected: `${k} = ${typeof w === "number" ? hex(w) : String(w)}, got ${got === undefined ? "nothing" : typeof got === "number" ? hex(got) : String(got)}` };
    }
    return { held: true, expected: `ok ${JSON.stringify(exp.ok)}` };
  }
  const wantName = exp.error.replace(/^seL4_/, "");
  const expectedText = `seL4_${wantName}`;
  if (o.kind !== "error" || o.error.error !== wantName) return { held: false, expected: expectedText };
  const f = errorFields(o.error);
  for (const k of FIELD_ORDER) {
    const want = (exp as Record<string, unknown>)[k];
    if (want === undefined) continue;
    const w = typeof want === "boolean" ? want : k === "failedLookupWasSource" ? want !== 0 : want;
    if (f[k] !== w) return { held: false, expected: `${expectedText} with ${k}=${String(w)}, got ${String(f[k])}` };
  }
  return { held: true, expected: expectedText };
}
