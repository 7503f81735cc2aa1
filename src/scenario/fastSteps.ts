import { FIELD_ORDER } from "./expect.ts";
import {
  MAX_ACCESS_BYTES,
  numberValueOf,
  WORD_LIMIT,
  type ActionKey,
  type Expect,
  type Step,
  type Value,
} from "./schema.ts";

/*
 * The steps scenario files are mostly made of, read without zod. zod's safeParse of one step
 * costs about 20 µs before the JIT has warmed up, so validating a 10,000-step file took about
 * 0.2 s of a run (docs/performance.md, "capsim run of a 10,000-step scenario"). acceptStep gives
 * the very step zod's schema (schema.ts) would give, keys in the schema's order, for the forms
 * it knows, and undefined for anything else: zod then reads that step, so every error is still
 * zod's, with its field. It only ever accepts; a property test (test/scenario/fastSteps.test.ts)
 * holds it to zod's output on every example, on fuzz-written files and on mutated steps.
 */

/** Returned by a reader below for anything it does not take: the caller hands the step to zod. */
const NOT_MINE = Symbol("not mine");
type Read<T> = T | typeof NOT_MINE;

type Fields = Readonly<Record<string, unknown>>;

/** A map whose keys are all among `allowed` (a strict object's rule), with no value undefined. */
function mapWithin(v: unknown, allowed: readonly string[]): v is Fields {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) return false;
    if ((v as Fields)[k] === undefined) return false;
  }
  return true;
}

/** A map of any keys (a record's rule), with no value undefined; "__proto__" is left to zod. */
const anyMap = (v: unknown): v is Fields =>
  v !== null && typeof v === "object" && mapWithin(v, Object.keys(v)) && !Object.hasOwn(v, "__proto__");

/** z.string().min(1): a name. */
const isName = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/** NumberValue, with an optional bound (WordValue, a length). */
function number(v: unknown, ok: (n: number) => boolean = () => true): Read<number> {
  if (typeof v !== "number" && typeof v !== "string") return NOT_MINE;
  const n = numberValueOf(v);
  return n !== undefined && ok(n) ? n : NOT_MINE;
}

/** Copies `from[key]` through `read` into `out` when present, in the order the caller calls it. */
function optional<T>(out: Record<string, unknown>, from: Fields, key: string, read: (v: unknown) => Read<T>): boolean {
  if (!(key in from)) return true;
  const v = read(from[key]);
  if (v === NOT_MINE) return false;
  out[key] = v;
  return true;
}

const ERROR_FIELDS = FIELD_ORDER;
const ERROR_KEYS = ["error", ...ERROR_FIELDS];
const FAULT_KEYS = ["kind", "level", "fsr", "esr", "vaddr"];
const FAULT_KINDS: readonly unknown[] = ["translation", "permission"];
const FAULT_LEVELS: readonly unknown[] = ["section", "page", 0, 1, 2, 3];

/** A value in `expect: { ok: {...} }`: Value, a boolean or a string, as the union reads them in that order. */
function okValue(v: unknown): Read<Value | boolean | string> {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return numberValueOf(v) ?? v;
  if (typeof v === "number") return number(v);
  if (!mapWithin(v, ["paddrOf", "plus"]) || typeof v.paddrOf !== "string") return NOT_MINE;
  const out: Record<string, unknown> = { paddrOf: v.paddrOf };
  return optional(out, v, "plus", number) ? (out as Value) : NOT_MINE;
}

function expectation(v: unknown): Read<Expect> {
  if (v === "ok" || v === "not_modelled") return v;
  if (mapWithin(v, ["ok"])) {
    if (!anyMap(v.ok)) return NOT_MINE;
    const ok: Record<string, Value | boolean | string> = {};
    for (const [k, x] of Object.entries(v.ok)) {
      const r = okValue(x);
      if (r === NOT_MINE) return NOT_MINE;
      ok[k] = r;
    }
    return { ok };
  }
  if (mapWithin(v, ERROR_KEYS)) {
    if (typeof v.error !== "string") return NOT_MINE;
    const out: Record<string, unknown> = { error: v.error };
    for (const k of ERROR_FIELDS) {
      const read =
        k === "failedLookupWasSource"
          ? (x: unknown) => (typeof x === "boolean" || Number.isSafeInteger(x) ? x : NOT_MINE)
          : number;
      if (!optional(out, v, k, read)) return NOT_MINE;
    }
    return out as Expect;
  }
  if (mapWithin(v, ["fault"]) && mapWithin(v.fault, FAULT_KEYS)) {
    const f = v.fault;
    const fault: Record<string, unknown> = {};
    const among = (allowed: readonly unknown[]) => (x: unknown) => (allowed.includes(x) ? x : NOT_MINE);
    const ok =
      optional(fault, f, "kind", among(FAULT_KINDS)) &&
      optional(fault, f, "level", among(FAULT_LEVELS)) &&
      optional(fault, f, "fsr", number) &&
      optional(fault, f, "esr", number) &&
      optional(fault, f, "vaddr", number);
    return ok ? ({ fault } as Expect) : NOT_MINE;
  }
  return NOT_MINE;
}

const COMMON = ["expect", "note"];
const word = (v: unknown) => number(v, (n) => n < WORD_LIMIT);
const name = (v: unknown): Read<string> => (isName(v) ? v : NOT_MINE);

/** The action's own value, by the step schema of each action key (write and its bytes are zod's alone). */
const ACTIONS: Partial<Record<ActionKey, (v: unknown) => Read<unknown>>> = {
  invoke: (v) => (typeof v === "string" ? v : NOT_MINE),
  delete: name,
  revoke: name,
  switch: (v) => (mapWithin(v, ["thread"]) && isName(v.thread) ? { thread: v.thread } : NOT_MINE),
  copy: (v) => {
    if (!mapWithin(v, ["from", "as", "rights"]) || !isName(v.from) || !isName(v.as)) return NOT_MINE;
    const out: Record<string, unknown> = { from: v.from, as: v.as };
    return optional(out, v, "rights", (r) => (typeof r === "string" ? r : NOT_MINE)) ? out : NOT_MINE;
  },
  resolve: (v) => {
    if (!mapWithin(v, ["vspace", "vaddr"]) || !isName(v.vspace)) return NOT_MINE;
    const vaddr = number(v.vaddr);
    return vaddr === NOT_MINE ? NOT_MINE : { vspace: v.vspace, vaddr };
  },
  read: (v) => {
    if (!mapWithin(v, ["vaddr", "length"])) return NOT_MINE;
    const vaddr = number(v.vaddr);
    if (vaddr === NOT_MINE) return NOT_MINE;
    const out: Record<string, unknown> = { vaddr };
    return optional(out, v, "length", (x) => number(x, (n) => n >= 1 && n <= MAX_ACCESS_BYTES)) ? out : NOT_MINE;
  },
  retype: (v) => {
    if (!mapWithin(v, ["type", "as", "from", "size_bits", "count"]) || typeof v.type !== "string") return NOT_MINE;
    const as = v.as;
    const names = Array.isArray(as) && as.length > 0 && as.every(isName) ? [...as] : isName(as) ? as : NOT_MINE;
    if (names === NOT_MINE) return NOT_MINE;
    const out: Record<string, unknown> = { type: v.type, as: names };
    return optional(out, v, "from", name) && optional(out, v, "size_bits", word) && optional(out, v, "count", word)
      ? out
      : NOT_MINE;
  },
};

/** The step zod's schema for `action` gives for `raw`, when raw is in a form read here; undefined otherwise. */
export function acceptStep(action: ActionKey, raw: object): Step | undefined {
  const readAction = ACTIONS[action];
  const invoke = action === "invoke";
  const keys = invoke ? [action, "cap", "args", ...COMMON] : [action, ...COMMON];
  if (readAction === undefined || !mapWithin(raw, keys)) return undefined;
  const value = readAction(raw[action]);
  if (value === NOT_MINE) return undefined;
  const out: Record<string, unknown> = { [action]: value };
  if (invoke) {
    if ("cap" in raw && !isName(raw.cap)) return undefined;
    if ("cap" in raw) out.cap = raw.cap;
    if ("args" in raw) {
      if (!anyMap(raw.args)) return undefined;
      out.args = { ...raw.args };
    }
  }
  if (!optional(out, raw, "expect", expectation)) return undefined;
  if (!optional(out, raw, "note", (n) => (typeof n === "string" ? n : NOT_MINE))) return undefined;
  return out as Step;
}
