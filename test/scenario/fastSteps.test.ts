import { expect } from "chai";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { acceptStep } from "../../src/scenario/fastSteps.ts";
import { ACTION_KEYS, STEP_SCHEMAS } from "../../src/scenario/schema.ts";
import { fuzzScenario } from "../../src/cli/fuzzRuns.ts";
import { fuzzOpArbitrary } from "../../src/testing/arbitraries.ts";
import { buildFuzzWorld, type FuzzOp } from "../../src/testing/world.ts";

const root = resolve(import.meta.dirname, "../..");

/** The raw steps of a scenario text, as the loader hands them over. */
const rawSteps = (text: string): unknown[] => (parse(text) as { steps: unknown[] }).steps;

/**
 * acceptStep either leaves `raw` to zod or gives exactly zod's step: the same value, the same
 * keys in the same order (a message that lists a fault's fields reads them in that order).
 * Returns whether it took the step.
 */
function agreesWithZod(raw: unknown, what: string): boolean {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return false;
  const actions = ACTION_KEYS.filter((a) => a in raw);
  if (actions.length !== 1) return false;
  const action = actions[0]!;
  const fast = acceptStep(action, raw);
  if (fast === undefined) return false;
  const zod = STEP_SCHEMAS[action].safeParse(raw);
  expect(zod.success, `${what}: taken without zod, but zod refuses it: ${JSON.stringify(raw)}`).to.equal(true);
  expect(fast, what).to.deep.equal(zod.data);
  expect(JSON.stringify(fast), what).to.equal(JSON.stringify(zod.data));
  return true;
}

/** Values a mutated field may take: right and wrong types, numbers in and out of range, strings zod reads as numbers. */
const values = fc.constantFrom<unknown>(
  0,
  1,
  -1,
  1.5,
  2 ** 32,
  2 ** 53,
  4096,
  4097,
  Number.NaN,
  "",
  "x",
  "0x10",
  "4KiB",
  "12",
  " 12",
  "-3",
  "ok",
  "not_modelled",
  "seL4_ARM_Page_Map",
  "section",
  "translation",
  true,
  false,
  null,
  [],
  ["a"],
  [""],
  ["a", 1],
  {},
  { paddrOf: "f" },
  { paddrOf: "f", plus: "0x10" },
  { paddrOf: 3 },
  { error: "seL4_InvalidCapability" },
  { error: "seL4_RangeError", rangeMin: 1, rangeMax: "0x20" },
  { error: "seL4_FailedLookup", failedLookupWasSource: 1, bitsLeft: 20 },
  { error: 3 },
  { fault: { kind: "translation", level: "section", vaddr: "0x10" } },
  { fault: { level: 2, esr: 5, kind: "permission" } },
  { fault: { level: 4 } },
  { ok: { paddr: "0x1000", rights: "VMReadWrite", yes: true } },
  { ok: { paddr: -1 } },
  { ok: "x" },
  { vspace: "pd", vaddr: "0x1000" },
  { vaddr: 16, length: 4 },
  { vaddr: 16, length: 0 },
  { thread: "t" },
  { from: "a", as: "b", rights: "RW" },
  { type: "seL4_ARM_SmallPageObject", as: ["a", "b"], from: "u", count: 2, size_bits: "12" },
  { type: "x", as: [] },
);
const keys = fc.constantFrom(
  ...ACTION_KEYS,
  "cap",
  "args",
  "expect",
  "note",
  "type",
  "as",
  "from",
  "count",
  "size_bits",
  "rights",
  "vspace",
  "vaddr",
  "length",
  "thread",
  "ok",
  "error",
  "fault",
  "kind",
  "level",
  "paddrOf",
  "plus",
  "bitsLeft",
  "__proto__",
);

/** `v` with one value somewhere inside it replaced, added or removed. */
function mutate(v: unknown, path: readonly number[], key: string, value: unknown, op: number): unknown {
  if (v === null || typeof v !== "object") return value;
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
  if (entries.length === 0 || path.length === 0) {
    if (Array.isArray(v)) return op === 0 ? [...v, value] : v.slice(1);
    const copy: Record<string, unknown> = { ...(v as object) };
    if (op === 0) Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    else delete copy[key];
    return copy;
  }
  const i = (path[0] as number) % entries.length;
  const [k, x] = entries[i]!;
  const inner = mutate(x, path.slice(1), key, value, op);
  if (Array.isArray(v)) return v.map((y, j) => (j === i ? inner : y));
  return Object.fromEntries(entries.map(([kk, y]) => [kk, kk === k ? inner : y]));
}

function fuzzSteps(): unknown[] {
  return (["aarch32", "aarch64"] as const).flatMap((arch) =>
    rawSteps(
      fuzzScenario(
        buildFuzzWorld({ arch }),
        fc.sample(fuzzOpArbitrary({ arch }), { seed: 7, numRuns: 400 }) as FuzzOp[],
        `fuzz (${arch})`,
      ),
    ),
  );
}

describe("steps read without zod (fastSteps.ts)", () => {
  it("gives zod's step for every step of every example it takes, and takes most of them", () => {
    const dir = join(root, "examples");
    let taken = 0;
    let all = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml")))
      for (const [i, raw] of rawSteps(readFileSync(join(dir, f), "utf8")).entries()) {
        all++;
        if (agreesWithZod(raw, `${f} step ${i + 1}`)) taken++;
      }
    expect(taken).to.be.greaterThan(all / 2);
  });

  it("takes every step capsim fuzz writes on ARM32, and gives zod's step for each on both architectures", () => {
    const steps = fuzzSteps();
    const taken = steps.filter((s, i) => agreesWithZod(s, `fuzz step ${i}`)).length;
    const arm32 = rawSteps(
      fuzzScenario(buildFuzzWorld(), fc.sample(fuzzOpArbitrary(), { seed: 7, numRuns: 400 }) as FuzzOp[], "fuzz"),
    );
    expect(
      arm32.every((s) =>
        acceptStep(
          ACTION_KEYS.find((a) => a in (s as object))!,
          s as object,
        ),
      ),
    ).to.equal(true);
    expect(taken).to.be.greaterThan(arm32.length);
  });

  it("never takes a step zod refuses or reads differently, however a step is mutated", () => {
    const seeds = [
      ...fuzzSteps(),
      ...readdirSync(join(root, "examples"))
        .filter((n) => n.endsWith(".yaml"))
        .flatMap((f) => rawSteps(readFileSync(join(root, "examples", f), "utf8"))),
    ];
    let taken = 0;
    fc.assert(
      fc.property(
        fc.nat(seeds.length - 1),
        fc.array(fc.nat(), { maxLength: 4 }),
        keys,
        values,
        fc.nat(1),
        (at, path, key, value, op) => {
          const raw = mutate(seeds[at], path, key, value, op);
          if (agreesWithZod(raw, `mutated step ${JSON.stringify(raw)}`)) taken++;
        },
      ),
      { seed: 18, numRuns: 20_000 },
    );
    // Many mutations keep the step valid: the comparison has weight.
    expect(taken).to.be.greaterThan(2_000);
  });
});
