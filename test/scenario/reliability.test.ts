import { expect } from "chai";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/scenario/run.ts";
import { closest, ScenarioError } from "../../src/scenario/errors.ts";
import { looksLikeBracketName, MAX_FILE_CHARS, MAX_LINE_CHARS, MAX_YAML_CHARS } from "../../src/scenario/source.ts";
import { MAX_STEPS } from "../../src/scenario/load.ts";

/** The usage error a text must raise, with its line; anything else thrown fails the test. */
function usageError(text: string): ScenarioError {
  try {
    runScenario(loadScenarioText("t.yaml", text));
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  return expect.fail("the file was accepted");
}

const run = (text: string) => runScenario(loadScenarioText("t.yaml", text));

describe("scenario files: the reliability review's defects (issue 17)", () => {
  describe("names found on Object.prototype are not names", () => {
    for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"]) {
      it(`invoke: ${name} is an unknown invocation`, () => {
        const e = usageError(`name: x\nsteps:\n  - invoke: ${name}\n    cap: InitThreadTCB\n`);
        expect(e.line).to.equal(3);
        expect(e.message).to.match(/unknown invocation/);
      });
    }
    it("rights: constructor and attr: [hasOwnProperty] are refused, not taken as no rights", () => {
      expect(
        usageError("name: x\nsteps:\n  - copy: { from: InitThreadTCB, as: t, rights: constructor }\n").message,
      ).to.match(/copy\.rights: expected rights letters/);
      const e = usageError(
        "name: x\nsteps:\n  - invoke: seL4_ARM_Page_Map\n    cap: InitThreadTCB\n    args: { vspace: InitThreadVSpace, vaddr: 0x10000, rights: RW, attr: [hasOwnProperty] }\n",
      );
      expect(e.line).to.equal(5);
      expect(e.message).to.match(/unknown attribute "hasOwnProperty"/);
    });
    it("an expectation naming toString is a value the step does not have", () => {
      const r = run(
        "name: x\nsteps:\n  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000 }\n    expect: { ok: { toString: 1 } }\n",
      );
      expect(r.steps[0]?.held).to.equal(false);
      expect(r.steps[0]?.expected).to.match(/got nothing/);
    });
  });

  describe("YAML aliases", () => {
    it("an alias with no anchor is a usage error at the alias", () => {
      const e = usageError("name: x\nsteps: *nope\n");
      expect([e.line, e.column]).to.deep.equal([2, 8]);
      expect(e.message).to.match(/alias \*nope has no anchor/);
    });
    it("one anchor used 150 times is ordinary use", () => {
      const steps =
        "  - resolve: { vspace: &pd InitThreadVSpace, vaddr: 0x10000 }\n" +
        "  - resolve: { vspace: *pd, vaddr: 0x10000 }\n".repeat(150);
      expect(run(`name: x\nsteps:\n${steps}`).passed).to.equal(true);
    });
    it("an alias bomb (billion laughs) is a usage error at an alias, quickly", () => {
      const levels = [
        "a: &a [x,x,x,x,x,x,x,x,x]",
        ...["b", "c", "d", "e", "f", "g", "h"].map(
          (k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefg"[i]}`).join(",")}]`,
        ),
      ];
      const e = usageError(`name: x\n${levels.join("\n")}\nsteps: []\n`);
      expect(e.message).to.match(/aliases expand to more than/);
      expect(e.line).to.be.within(3, 10);
    });
  });

  it("a step after the initial thread lost its CSpace root is a cap fault, not a crash", () => {
    const r = run(
      "name: x\nsteps: [ { revoke: InitThreadCNode }, { resolve: { vspace: InitThreadVSpace, vaddr: 0x10000 } }, { switch: { thread: InitThreadTCB } }, { invoke: seL4_ARM_Page_GetAddress, cap: InitThreadIPCBuffer } ]\n",
    );
    expect(r.steps.map((s) => s.outcome.kind)).to.deep.equal(["ok", "fault", "fault", "fault"]);
    expect(r.steps[1]?.result).to.match(/no CSpace root.*InvalidRoot/);
    expect(r.states[2]).to.equal(r.states[1]);
  });

  describe("bounded reads, writes and numbers", () => {
    it("a read longer than a page, or a byte above 0xff, is a usage error", () => {
      expect(usageError("name: x\nsteps:\n  - read: { vaddr: 0x10000, length: 4294967297 }\n").message).to.match(
        /read\.length: expected a length from 1 to 4096/,
      );
      expect(usageError("name: x\nsteps:\n  - write: { vaddr: 0x10000, bytes: [1, 256] }\n").message).to.match(
        /bytes\[1\]: expected a byte/,
      );
    });
    it("a page-sized read lists its bytes and gives no value (a value is one word)", () => {
      const r = run(
        "name: x\nsteps:\n  - switch: { thread: InitThreadTCB }\n  - read: { vaddr: 0x10000, length: 4096 }\n  - read: { vaddr: 0x10000 }\n",
      );
      const [, page, word] = r.steps.map((s) => s.outcome);
      expect(page?.kind === "ok" && page.values.value).to.equal(undefined);
      expect(page?.kind === "ok" && String(page.values.bytes).split(" ")).to.have.length(4096);
      expect(word?.kind === "ok" && typeof word.values.value).to.equal("number");
    });
    for (const [what, text] of [
      [
        "a vaddr of 2^32 or more in a message word",
        "  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n  - invoke: seL4_ARM_Page_Map\n    cap: f\n    args: { vspace: InitThreadVSpace, vaddr: 0x110000000, rights: RW, attr: default }\n",
      ],
      [
        "the same in decimal",
        "  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n  - invoke: seL4_ARM_Page_Map\n    cap: f\n    args: { vspace: InitThreadVSpace, vaddr: 4294967296, rights: RW, attr: default }\n",
      ],
      [
        "a NaN rights number",
        "  - invoke: seL4_CNode_Mint\n    args: { dest: t, src: InitThreadTCB, rights: .nan, badge: 0 }\n",
      ],
      [
        "a fractional attr",
        "  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n  - invoke: seL4_ARM_Page_Map\n    cap: f\n    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: 1.5 }\n",
      ],
      ["a resolve at 2^32", "  - resolve: { vspace: InitThreadVSpace, vaddr: 0x100000000 }\n"],
    ] as const) {
      it(`${what} is a usage error with its line`, () => {
        const e = usageError(`name: x\nsteps:\n${text}`);
        expect(e.message).to.match(/32-bit word|expected/);
        expect(e.line).to.be.greaterThan(2);
      });
    }
  });

  describe("long input", () => {
    it("a long line of { is refused as nested too deeply, and the bracket hint reads it (its regex was quadratic: 43 s at 200 KB; time is the long campaign's to watch)", () => {
      const e = usageError(`name: x\nsteps: [${"{".repeat(MAX_LINE_CHARS - 20)}\n`);
      expect(e.message).to.match(/not valid YAML: the file nests .* too deeply/);
      expect(looksLikeBracketName("{".repeat(200_000))).to.equal(false);
      expect(looksLikeBracketName("- { resolve: untyped[3] }")).to.equal(true);
      expect(looksLikeBracketName("- { a: 1 } untyped[3]")).to.equal(false);
    });
    it("deep nesting is parsed without stack traces on yaml's errors, and the host's own limit is restored", () => {
      const before = Error.stackTraceLimit;
      Error.stackTraceLimit = Infinity;
      try {
        const e = usageError(`name: x\nsteps:\n  - ${"{a: ".repeat(3000)}\n`);
        expect(e.message).to.match(/not valid YAML: the file nests .* too deeply/);
        expect(Error.stackTraceLimit).to.equal(Infinity);
      } finally {
        Error.stackTraceLimit = before;
      }
    });
    it("a line or a file past the limits is refused at once, naming the line", () => {
      const long = usageError(`name: x\nsteps:\n  - invoke: ${"a".repeat(MAX_LINE_CHARS)}\n`);
      expect(long.line).to.equal(3);
      expect(long.message).to.match(/line is longer than capsim reads/);
      const big = usageError(
        `name: x\nsteps:\n${"  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000 }\n".repeat(MAX_FILE_CHARS / 50)}`,
      );
      expect(big.message).to.match(/file is longer than capsim reads/);
      expect(big.line).to.be.greaterThan(1000);
    });
    it("a 10,000-step file in plain YAML is read; past the yaml length, other YAML and past MAX_STEPS, steps are refused at their line", () => {
      const step = "  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000 }\n";
      const plain = `name: x\nsteps:\n${step.repeat(10_000)}`;
      expect(plain.length).to.be.greaterThan(MAX_YAML_CHARS);
      const sc = loadScenarioText("long.yaml", plain);
      expect(sc.steps).to.have.length(10_000);
      expect(sc.stepLines[9_999]).to.equal(10_002);
      // An escape (only yaml reads it) on line 5,003 of a file that long.
      const lines = plain.split("\n");
      lines[5_002] = '  - resolve: { vspace: "InitThreadVSpac\\x65", vaddr: 0x10000 }';
      const escaped = usageError(lines.join("\n"));
      expect(escaped.line).to.equal(5_003);
      expect(escaped.message).to.match(/must be plain YAML/);
      const tooMany = usageError(`name: x\nsteps:\n${step.repeat(MAX_STEPS + 1)}`);
      expect(tooMany.line).to.equal(MAX_STEPS + 3);
      expect(tooMany.message).to.match(/at most 12000 steps/);
    });
    it("a long unknown name gets no suggestion, and the message does not repeat it whole", () => {
      const name = "x".repeat(30000);
      const e = usageError(`name: x\nsteps:\n  - invoke: ${name}\n    cap: InitThreadTCB\n`);
      expect(e.message.length).to.be.below(1000);
      expect(closest(name, ["seL4_ARM_Page_Map"])).to.equal(undefined);
      expect(closest("seL4_ARM_Page_Mapp", ["seL4_ARM_Page_Map"])).to.equal("seL4_ARM_Page_Map");
    });
    it("a value nested thousands deep is quoted briefly, not stringified whole", () => {
      const e = usageError(
        `name: x\nsteps:\n  - invoke: seL4_ARM_Page_Map\n    cap: InitThreadTCB\n    args: { vspace: InitThreadVSpace, vaddr: ${"[".repeat(400)}${"]".repeat(400)} }\n`,
      );
      expect(e.message).to.match(/vaddr/);
      expect(e.message.length).to.be.below(1000);
    });
  });
});
