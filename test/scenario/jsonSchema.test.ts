import { Ajv } from "ajv";
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { SCHEMA_FILE, schemaText } from "../../scripts/schema.ts";

/**
 * The JSON Schema editors use (schema/scenario.schema.json, shipped in the package) is the one
 * generated from the zod schemas, every example names it, and it agrees with the loader: it
 * accepts every scenario capsim runs and rejects the malformed files the loader rejects.
 */
describe("the scenario JSON Schema", () => {
  const committed = readFileSync(SCHEMA_FILE, "utf8");
  const validate = new Ajv({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
  }).compile(JSON.parse(committed) as object);
  const valid = [
    ...readdirSync("examples")
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `examples/${f}`),
    ...readdirSync("test/scenarios")
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `test/scenarios/${f}`),
  ];

  it("is what the zod schemas generate (run `npm run schema` after changing src/scenario/schema.ts)", () => {
    expect(committed).to.equal(schemaText());
  });

  it("is named by every example in a yaml-language-server comment on its first line", () => {
    for (const f of valid.filter((v) => v.startsWith("examples/"))) {
      expect(readFileSync(f, "utf8").split("\n")[0], f).to.equal(
        "# yaml-language-server: $schema=../schema/scenario.schema.json",
      );
    }
  });

  it("accepts every scenario under examples/ and test/scenarios/", () => {
    for (const f of valid) {
      expect(
        validate(parse(readFileSync(f, "utf8"))),
        `${f}: ${JSON.stringify(validate.errors?.slice(0, 3))}`,
      ).to.equal(true);
    }
  });

  it("rejects the malformed files an editor can catch: unknown keys, two actions, no name, unknown invocations and object types, wrong types", () => {
    for (const name of [
      "unknown-key",
      "two-actions",
      "missing-name",
      "unknown-invocation",
      "bad-object-type",
      "wrong-type",
    ]) {
      const f = `test/scenarios/invalid/${name}.yaml`;
      expect(validate(parse(readFileSync(f, "utf8"))), f).to.equal(false);
    }
  });
});
