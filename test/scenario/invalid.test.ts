import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/scenario/run.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";

const dir = "test/scenarios/invalid";

/** Load and run a file's text; return the usage error it must raise. */
function usageError(file: string, text = readFileSync(file, "utf8")): ScenarioError {
  try {
    runScenario(loadScenarioText(file, text));
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  expect.fail(`${file} was accepted`);
}

describe("scenario files: malformed input gets a specific error with its line", () => {
  const cases: [string, number, RegExp][] = [
    ["bad-yaml.yaml", 5, /not valid YAML/],
    ["unknown-key.yaml", 4, /unknown key "expct"; did you mean "expect"\?/],
    [
      "unknown-invocation.yaml",
      4,
      /steps\[1\]\.invoke: unknown invocation "seL4_ARM_Page_Mapp"; did you mean "seL4_ARM_Page_Map"\?/,
    ],
    ["unknown-name.yaml", 5, /steps\[1\]\.cap: no capability is named "frme"; did you mean "frame"\?/],
    ["two-actions.yaml", 4, /exactly one action, this one has delete and revoke/],
    ["wrong-type.yaml", 3, /steps\[0\]\.resolve\.vaddr: expected a non-negative integer/],
    ["missing-name.yaml", 1, /name/],
    ["bad-attribute.yaml", 6, /unknown attribute "PageCachable" .*; did you mean "PageCacheable"\?/],
    ["unquoted-bracket-name.yaml", 3, /quote names with brackets/],
    ["retype-without-as.yaml", 4, /steps\[0\]\.retype\.as: expected a name for the new object, .*but it is missing/],
    ["retype-as-number.yaml", 4, /steps\[0\]\.retype\.as: expected a name for the new object, .*found 5/],
    ["bad-object-type.yaml", 3, /unknown object type "seL4_ARM_SmallPage"; did you mean "seL4_ARM_SmallPageObject"\?/],
  ];
  for (const [file, line, message] of cases) {
    it(`${file}: line ${line}, ${message.source}`, () => {
      const e = usageError(`${dir}/${file}`);
      expect(e.line).to.equal(line);
      expect(e.message).to.match(message);
      expect(e.message.startsWith(`${dir}/${file}:${line}:`)).to.equal(true);
    });
  }

  it("never throws anything but a ScenarioError naming a line, whatever a valid file is mutated into", () => {
    const base = readFileSync("examples/05-delete-first.yaml", "utf8");
    const lines = base.split("\n");
    const mutation = fc.record({
      line: fc.nat({ max: lines.length - 1 }),
      kind: fc.constantFrom("delete", "duplicate", "truncate", "insert"),
      at: fc.nat({ max: 60 }),
      text: fc.constantFrom(
        ":",
        "{",
        "}",
        "[",
        " - ",
        "0x",
        "seL4_",
        "expect: ok",
        "  ",
        "\t",
        "as: x",
        "vaddr: -1",
        "9999999999999999999",
      ),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        const ls = [...lines];
        for (const m of ms) {
          const l = ls[m.line % ls.length] ?? "";
          if (m.kind === "delete") ls.splice(m.line % ls.length, 1);
          else if (m.kind === "duplicate") ls.splice(m.line % ls.length, 0, l);
          else if (m.kind === "truncate") ls[m.line % ls.length] = l.slice(0, m.at);
          else ls[m.line % ls.length] = l.slice(0, m.at) + m.text + l.slice(m.at);
        }
        try {
          runScenario(loadScenarioText("mutant.yaml", ls.join("\n")));
        } catch (e) {
          expect(e).to.be.instanceOf(ScenarioError);
          expect((e as ScenarioError).line).to.be.greaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
