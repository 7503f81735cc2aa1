import { expect } from "chai";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { parsePlainYaml } from "../../src/scenario/plainYaml.ts";
import { fuzzScenario } from "../../src/cli/fuzzRuns.ts";
import { fuzzOpArbitrary } from "../../src/testing/arbitraries.ts";
import { buildFuzzWorld, type FuzzOp } from "../../src/testing/world.ts";
import { hostileCase, LIGHT_SIZE } from "../support/hostileFiles.ts";

const root = resolve(import.meta.dirname, "../..");

/**
 * yaml's reading of `text` as the scenario loader asks for it: the data and where each item of
 * the steps list starts, or undefined when yaml reports an error.
 */
function yamlReading(text: string): { data: unknown; steps: { line: number; column: number }[] } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: "silent" });
  if (doc.errors.length > 0) return undefined;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 10_000 });
  } catch {
    return undefined;
  }
  const steps = doc.get("steps", true) as { items?: { range?: [number] }[] } | undefined;
  const positions = (steps?.items ?? []).map((n) => {
    const p = lineCounter.linePos(n.range?.[0] ?? 0);
    return { line: p.line, column: p.col };
  });
  return { data, steps: positions };
}

/**
 * The plain reader either gives up or reads `text` exactly as yaml does: the same data, and
 * the same position for every step. Returns whether it read the text.
 */
function agreesWithYaml(text: string, what: string): boolean {
  const plain = parsePlainYaml(text);
  if ("gaveUpAt" in plain) return false;
  const y = yamlReading(text);
  expect(y, `${what}: the plain reader read a text yaml refuses`).to.not.equal(undefined);
  expect(plain.data, what).to.deep.equal(y?.data);
  const steps = (plain.data as { steps?: unknown } | null)?.steps;
  // A steps list in flow style has no positions of its own: the loader asks yaml for them.
  const positions = Array.isArray(steps) ? plain.items.get(steps) : undefined;
  if (positions !== undefined) expect(positions, what).to.deep.equal(y?.steps);
  return true;
}

describe("the plain YAML reader (the fast path for scenario files)", () => {
  it("reads every example as yaml does", () => {
    const dir = join(root, "examples");
    let read = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml")))
      if (agreesWithYaml(readFileSync(join(dir, f), "utf8"), f)) read++;
    // The examples are written in the subset: the fast path is the common path.
    expect(read).to.be.greaterThan(15);
  });

  it("reads the scenarios capsim fuzz writes as yaml does, on both architectures", () => {
    for (const arch of ["aarch32", "aarch64"] as const) {
      const w = buildFuzzWorld({ arch });
      const ops = fc.sample(fuzzOpArbitrary({ arch }), { seed: 3, numRuns: 300 }) as FuzzOp[];
      expect(agreesWithYaml(fuzzScenario(w, ops, `fuzz (${arch})`), arch)).to.equal(true);
    }
  });

  it("gives up or agrees with yaml on hostile files", () => {
    let read = 0;
    for (let i = 0; i < 1500; i++) {
      const c = hostileCase(23, i, LIGHT_SIZE);
      if (agreesWithYaml(c.text, `hostile case ${i} (${c.name})`)) read++;
    }
    // Many mutated files stay inside the subset, so the comparison has weight.
    expect(read).to.be.greaterThan(100);
  });

  it("gives up on what only yaml reads exactly", () => {
    const cases = [
      "a: &x 1\nb: *x\n", // anchors and aliases
      "a: !!str 1\n", // tags
      "a: |\n  text\n", // block scalars
      "a: one\n  two\n", // a plain scalar over two lines
      "a: 1\na: 2\n", // a duplicate key (yaml's error)
      'a: "x\\ty"\n', // escapes
      "a: 1.5\n", // floats
      "a: 0o17\n", // octal
      "a: 012\n", // a leading zero
      "a:\tb\n", // a tab
      "---\na: 1\n", // a document marker
      "a: x: y\n", // yaml's error
      "null: 1\n", // a key yaml reads as null
      "a: { b: 1, }\n", // a trailing comma
      "a: b\r\nc: d\r\n", // carriage returns (yaml keeps a lone one inside a scalar)
      `a: ${"[".repeat(5000)}${"]".repeat(5000)}\n`, // nesting deeper than the reader follows
      `a:\n${Array.from({ length: 200 }, (_, i) => `${" ".repeat(i + 1)}k${i}:`).join("\n")} x\n`, // deep blocks
    ];
    for (const text of cases) expect(parsePlainYaml(text), JSON.stringify(text)).to.have.property("gaveUpAt");
  });

  it("keeps a byte order mark or a no-break space inside a scalar, as yaml does (only spaces are trimmed)", () => {
    // A mark at a scalar's start is outside the subset (given up); inside or at the end it is kept.
    expect(agreesWithYaml("a: \uFEFFname\n", "a leading mark")).to.equal(false);
    expect(agreesWithYaml("b: x\u00A0\nc: y\uFEFFz\n", "marks inside and at the end")).to.equal(true);
  });

  it("reads names, integers, booleans, null, quotes and flow collections as yaml does", () => {
    const text = [
      "name: 10,000 steps (a test)",
      "steps:",
      "  - invoke: seL4_ARM_Page_Map # a comment",
      "    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, sizes: [4KiB, 64KiB] }",
      "    expect: { error: seL4_FailedLookup, failedLookupWasSource: false, bitsLeft: 20 }",
      "  - note: the cap's rights",
      '    as: "untyped[3]"',
      "    plain: untyped[3]",
      "    count: -12",
      "    empty:",
      "    yes: true",
      "    flags: [true, False, null, 0]",
      "  - { resolve: { vspace: X, vaddr: '0x10 #1' } }",
      "list:",
      "- a",
      "- b",
    ].join("\n");
    expect(agreesWithYaml(text, "the sample")).to.equal(true);
  });
});
