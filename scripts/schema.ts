/**
 * Writes the scenario format's JSON Schema (src/scenario/jsonSchema.ts) to
 * schema/scenario.schema.json, the file the examples' yaml-language-server comments name and
 * the package ships. Run it with `npm run schema` after changing src/scenario/schema.ts;
 * test/scenario/jsonSchema.test.ts fails while the file is out of date.
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { scenarioJsonSchema } from "../src/scenario/jsonSchema.ts";

export const SCHEMA_FILE = "schema/scenario.schema.json";
export const schemaText = (): string =>
  `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  writeFileSync(SCHEMA_FILE, schemaText());
  console.log(`written ${SCHEMA_FILE}`);
}
