import { expect } from "chai";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CapdlError, modelValue, printCapdl, readCapdl, parseCapdl, makeModel } from "../../src/capdl/index.ts";

/**
 * The capDL reader against the capDL tool's own examples and golden normal forms
 * (../shared/capdl-examples, read in place), and the tool's error stems on small bad specs.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const EXAMPLES = resolve(repoRoot, "../shared/capdl-examples");
const SPECS = ["example-arm", "example-aarch64", "camkes-adder-arm", "hello-dump"];
const read = (name: string): string => readFileSync(resolve(EXAMPLES, name), "utf8");

/** The tool's printer drops `asid:` on pgd/pud caps (only PT and PD caps print it), so the .right cannot carry it. */
function withoutUnprintedAsids(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x: unknown) =>
      x !== null && typeof x === "object" && "kind" in x && (x.kind === "pgd" || x.kind === "pud") && "asid" in x
        ? { ...x, asid: null }
        : x,
    ),
  );
}

function rejection(text: string): CapdlError {
  try {
    readCapdl(text, "t.cdl");
  } catch (e) {
    if (e instanceof CapdlError) return e;
    throw e;
  }
  throw new Error("accepted");
}

describe("capDL reader", () => {
  for (const spec of SPECS) {
    describe(spec, () => {
      it("parses and passes the tool's model checks", () => {
        expect(() => readCapdl(read(`${spec}.cdl`))).not.to.throw();
      });
      it("gives the same model as the tool's normal form (.right)", () => {
        const a = modelValue(readCapdl(read(`${spec}.cdl`)));
        const b = modelValue(readCapdl(read(`${spec}.right`)));
        expect(withoutUnprintedAsids(a)).to.deep.equal(withoutUnprintedAsids(b));
      });
      it("prints the tool's normal form exactly (up to the final newline)", () => {
        expect(printCapdl(readCapdl(read(`${spec}.cdl`))).trimEnd()).to.equal(read(`${spec}.right`).trimEnd());
      });
      it("parse, print, parse is a fixpoint", () => {
        const once = printCapdl(readCapdl(read(`${spec}.cdl`)));
        expect(printCapdl(readCapdl(once))).to.equal(once);
      });
    });
  }

  it("warns, as the tool does, about a child listed twice in a cover", () => {
    const m = readCapdl(read("example-arm.cdl"));
    expect(m.warnings.join("\n")).to.contain(
      "specifying untyped child multiple times is deprecated: ut = name, child = a",
    );
  });

  it("reads numbers as Parsec does: a leading 0 is decimal, 0o is octal", () => {
    const m = makeModel(parseCapdl("arch arm11 objects { c = cnode (4 bits) e = ep } caps { c { 010: e 0o17: e } }"));
    expect(printCapdl(m)).to.contain("10: e\n    15: e");
  });

  it("prints frame Grant as X and other Grant as G; badge before rights; defaults left out", () => {
    const m = readCapdl(
      "arch arm11 objects { c = cnode (4 bits) e = ep f = frame (4k) } caps { c { 1: f (G) 2: e (badge: 7, X) 3: c (guard: 0, guard_size: 28) } }",
    );
    const out = printCapdl(m);
    expect(out).to.contain("1: f (X)");
    expect(out).to.contain("2: e (badge: 7, G)");
    expect(out).to.contain("3: c (guard_size: 28)");
  });

  describe("the tool's own rejections, with its message stems", () => {
    const cases: [string, string, string][] = [
      ["duplicate name", "arch arm11 objects { a = ep a = ep }", "Duplicate name declaration: a"],
      [
        "unknown object",
        "arch arm11 objects { c = cnode (2 bits) } caps { c { 0: nope } }",
        'Unknown object "nope" for cap in c',
      ],
      ["unknown container", "arch arm11 objects { e = ep } caps { nope { 0: e } }", "Unknown cap container: nope"],
      [
        "slot filled",
        "arch arm11 objects { c = cnode (2 bits) e = ep } caps { c { 0: e 0: e } }",
        "Slot already filled: 0",
      ],
      ["object params", "arch arm11 objects { e = ep (4 bits) }", "Incorrect params for e"],
      [
        "cap params",
        "arch arm11 objects { c = cnode (2 bits) e = ep } caps { c { 0: e (guard: 3) } }",
        "Incorrect params for cap to e in c; got",
      ],
      ["cnode bits", "arch arm11 objects { c = cnode }", "Needs bitsize parameter: c"],
      ["frame size", "arch arm11 objects { f = frame (3k) }", "Frame size not power of 2: f"],
      ["tcb params", "arch arm11 objects { t = tcb (ip: 0x1000) }", "Incorrect extra tcb parameters: t"],
      [
        "copies and unnumbered",
        "arch arm11 objects { c = cnode (2 bits) e = ep } caps { c { 0: x = e <x> } }",
        "c uses both copies of caps and unnumbered slots",
      ],
      [
        "unknown cap ref",
        "arch arm11 objects { c = cnode (2 bits) } caps { c { 0: <x> } }",
        "Unknown cap reference: x",
      ],
      ["cyclic", "arch arm11 objects { c = cnode (2 bits) } caps { c { 0: a = <b> 1: b = <a> } }", "Cyclic reference"],
      [
        "two parents",
        "arch arm11 objects { c = cnode (2 bits) e = ep } caps { c { 0: e 1: e 2: e } } cdt { (c, 0) { (c, 2) } (c, 1) { (c, 2) } }",
        "has multiple parents",
      ],
      ["irq twice", "arch arm11 objects { i = irq j = irq } irq maps { 3: i 3: j }", "IRQ already mapped: 3"],
      ["content", "arch arm11 objects { e = ep { f = ep } }", "Only untyped caps can have objects as content"],
      ["cover of non-untyped", "arch arm11 objects { e = ep e/f = ep }", 'Untyped object expected at "e"'],
      ["arch object", "arch arm11 objects { g = pgd }", '("g",Nothing) is not a valid object for this architecture'],
      [
        "pt in pt",
        "arch arm11 objects { pt0 = pt pt1 = pt } caps { pt0 { 0: pt1 } }",
        'The cap at slot 0 in ("pt0",Nothing) is not valid for this object',
      ],
      [
        "PD in two pools",
        "arch arm11 objects { a = asid_pool b = asid_pool p = pd } caps { a { 1: p } b { 1: p } }",
        "is mapped into multiple ASID's",
      ],
      [
        "PT in two PDs",
        "arch arm11 objects { a = pd b = pd t = pt } caps { a { 1: t } b { 1: t } }",
        "is mapped into multiple PD's",
      ],
      [
        "two caps one mapping",
        "arch arm11 objects { c = cnode (2 bits) t = pt f = frame (4k) } caps { t { 1: f } c { 0: f (mapping: (t, 1)) 1: f (mapping: (t, 1)) } }",
        "Mappings referenced by multiple frame caps",
      ],
      [
        "mapping of empty slot",
        "arch arm11 objects { c = cnode (2 bits) t = pt f = frame (4k) } caps { c { 0: f (mapping: (t, 1)) } }",
        "Frame references mapping in empty or non-existent slot",
      ],
      [
        "intersecting covers",
        "arch arm11 objects { u = ut { e } v = ut { e } e = ep }",
        "At least two untypeds have intersecting covers",
      ],
    ];
    for (const [what, text, stem] of cases)
      it(`${what}: "${stem}"`, () => {
        const e = rejection(text);
        expect(e.message).to.contain(stem);
        expect(e.message).to.match(/^t\.cdl:line \d+, column \d+: /);
      });
  });

  describe("malformed input: a line and column and a hint, never a stack trace", () => {
    const cases: [string, string, number, RegExp][] = [
      ["aarch32", "arch aarch32\nobjects {}", 1, /capDL calls 32-bit ARM `arm11`/],
      ["irq_maps", "arch arm11\nobjects { }\nirq_maps { }", 3, /irq maps/],
      [
        "asid not a pair",
        "arch arm11\nobjects { p = pd c = cnode (2 bits) }\ncaps { c {\n 0: p (asid: 5) } }",
        4,
        /asid: \(high, low\)/,
      ],
      ["missing =", "arch arm11\nobjects {\n  e ep\n}", 3, /expecting "="/],
      ["bad size", "arch arm11\nobjects {\n  f = frame (4 q)\n}", 3, /4k/],
      ["unterminated comment", "arch arm11\n/* objects {", 2, /unterminated comment/],
      ["bad character", "arch arm11\nobjects { e = ep ! }", 2, /unexpected character "!"/],
      ["empty file", "", 1, /arch arm11/],
    ];
    for (const [what, text, line, hint] of cases)
      it(what, () => {
        const e = rejection(text);
        expect(e.pos?.line).to.equal(line);
        expect(e.message).to.match(hint);
        expect(e.message).not.to.match(/\n\s+at /);
      });
  });
});
