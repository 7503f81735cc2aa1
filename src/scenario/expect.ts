import { hex } from "../model/addresses.ts";
import type { SyscallError } from "../model/errors.ts";
import type { Expect, Value } from "./schema.ts";
import type { Outcome, Path } from "./steps/context.ts";

const FIELD_ORDER = [
  "argumentNumber",
  "invalidCapNumber",
  "rangeMin",
  "rangeMax",
  "failedLookupWasSource",
  "bitsLeft",
  "memoryLeft",
] as const;

/**
 * The smallest number printed in hex among an error's range bounds: below it a bound is a count
 * (slots, objects, depth bits), at or above it an address, which people read in hex.
 */
const ADDRESS_LIKE = 2 ** 16;
const SIZE_UNITS = [
  [2 ** 30, "GiB"],
  [2 ** 20, "MiB"],
  [2 ** 10, "KiB"],
] as const;

/** A byte count as scenarios write it (4KiB, 1MiB), or in hex when it is no whole unit. */
export function sizeText(bytes: number): string {
  const unit = SIZE_UNITS.find(([n]) => bytes >= n && bytes % n === 0);
  return unit ? `${bytes / unit[0]}${unit[1]}` : hex(bytes);
}

/** One error field for people: addresses and byte counts in hex, counts and numbers of bits in decimal. */
function fieldText(k: string, v: number | boolean, f: Readonly<Record<string, number | boolean>>): string {
  if (typeof v !== "number") return String(v);
  if (k === "memoryLeft") return hex(v);
  const bounds = [f.rangeMin, f.rangeMax].filter((b): b is number => typeof b === "number");
  if ((k === "rangeMin" || k === "rangeMax") && bounds.some((b) => b >= ADDRESS_LIKE)) return hex(v);
  return String(v);
}

/** An ok value for people: sizes with their unit, the hardware ASID and a translation level as numbers, the rest (addresses, words) in hex. */
function valueText(k: string, v: number | boolean | string): string {
  if (typeof v !== "number") return String(v);
  if (k === "pageSize") return sizeText(v);
  return k === "hwASID" || k === "depth" ? String(v) : hex(v);
}

/** The error's fields under libsel4's names (bitsLeft from the lookup failure). */
export function errorFields(e: SyscallError): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(e))
    if (k !== "error" && k !== "why" && k !== "lookupFailure") out[k] = v as number | boolean;
  if (e.error === "FailedLookup" && "bitsLeft" in e.lookupFailure) out.bitsLeft = e.lookupFailure.bitsLeft;
  return out;
}

/** A step's outcome as a person reads it. */
export function describeOutcome(o: Outcome): string {
  if (o.kind === "error") {
    const f = errorFields(o.error);
    const parts = FIELD_ORDER.flatMap((k) => (f[k] === undefined ? [] : [`${k}=${fieldText(k, f[k], f)}`]));
    return `seL4_${o.error.error}${parts.length ? ` (${parts.join(", ")})` : ""}`;
  }
  if (o.kind === "fault") return o.text;
  if (o.kind === "notModelled") return `not modelled: ${o.why}`;
  if (o.kind === "internal") return `internal error: ${o.message}`;
  const vals = Object.entries(o.values).map(([k, v]) => `${k}=${valueText(k, v)}`);
  return `ok${vals.length ? ` (${vals.join(", ")})` : ""}`;
}

const WORD_TEXT = /^(0x[0-9a-fA-F]+|[0-9]+)$/;

/**
 * Whether a result value is the one expected. A word at or above 2^53 is a hex string on both
 * sides (a read returns it so, a file must quote it), so such strings compare by value.
 */
function sameValue(got: unknown, want: unknown): boolean {
  if (got === want) return true;
  return (
    typeof got === "string" &&
    typeof want === "string" &&
    WORD_TEXT.test(got) &&
    WORD_TEXT.test(want) &&
    BigInt(got) === BigInt(want)
  );
}

/** Whether an outcome meets the step's expectation, and the expectation in words. */
export function checkExpectation(
  exp: Expect | undefined,
  o: Outcome,
  valueOf: (v: Value, sub: Path) => number,
): { held: boolean; expected?: string } {
  if (exp === undefined)
    return o.kind === "ok"
      ? { held: true }
      : {
          held: false,
          expected: "success (a step without expect must not fail)",
        };
  if (exp === "ok") return { held: o.kind === "ok", expected: "ok" };
  if (exp === "not_modelled")
    return {
      held: o.kind === "notModelled",
      expected: "not_modelled (capsim does not model this call)",
    };
  if ("fault" in exp) {
    const text = `a VM fault ${JSON.stringify(exp.fault)}`;
    if (o.kind !== "fault" || o.fault === undefined) return { held: false, expected: text };
    for (const [k, want] of Object.entries(exp.fault))
      if ((o.fault as unknown as Record<string, unknown>)[k] !== want)
        return {
          held: false,
          expected: `${text}, got ${k} = ${String((o.fault as unknown as Record<string, unknown>)[k])}`,
        };
    return { held: true, expected: text };
  }
  if ("ok" in exp) {
    if (o.kind !== "ok") return { held: false, expected: `ok ${JSON.stringify(exp.ok)}` };
    for (const [k, want] of Object.entries(exp.ok)) {
      const got = Object.hasOwn(o.values, k) ? o.values[k] : undefined;
      const w = typeof want === "object" || typeof want === "number" ? valueOf(want as Value, ["ok", k]) : want;
      const norm = typeof w === "string" ? w.replace(/^VM/, "") : w;
      if (!sameValue(got, norm))
        return {
          held: false,
          expected: `${k} = ${valueText(k, w)}, got ${got === undefined ? "nothing" : valueText(k, got)}`,
        };
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
    const got = f[k];
    if (got !== w)
      return {
        held: false,
        expected: `${expectedText} with ${k}=${fieldText(k, w as number | boolean, f)}, got ${got === undefined ? "nothing" : fieldText(k, got, f)}`,
      };
  }
  return { held: true, expected: expectedText };
}
