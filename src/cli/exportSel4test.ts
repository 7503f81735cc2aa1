import { readFileSync } from "node:fs";
import { z } from "zod";
import { ScenarioError } from "../scenario/errors.ts";
import { DEFAULT_PREFIX, exportSel4test, PREFIX_PATTERN, TestNameClash } from "../sel4test/index.ts";
import { UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { scenarioFiles } from "./run.ts";
import { EXPORT } from "./specs.ts";

export const ExportSel4testFlags = z.object({
  format: z.literal("sel4test", { message: "the formats are: sel4test" }),
  name: z
    .string()
    .regex(PREFIX_PATTERN, "a test name prefix is a letter, then up to 15 letters, digits or underscores")
    .default(DEFAULT_PREFIX),
});

/** A file's text, or the usage error that says it cannot be read. */
export function readText(command: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(command, `cannot read ${file}: ${(e as Error).message}`);
  }
}

/** `capsim export --format sel4test FILE...` (reached through ./export.ts): the C file on stdout; exit 2 for an invalid file. */
export function execute(args: ParsedArgs): number {
  const { name } = validateFlags(EXPORT, ExportSel4testFlags, args.flags);
  const files = scenarioFiles(args.operands);
  const sources = files.map((file) => {
    try {
      return { file, text: readFileSync(file, "utf8") };
    } catch (e) {
      throw new ScenarioError(file, 0, 0, "", `cannot read the file: ${(e as Error).message}`);
    }
  });
  try {
    process.stdout.write(exportSel4test(sources, { prefix: name }));
  } catch (e) {
    if (e instanceof TestNameClash) throw new UsageError(EXPORT.name, e.message);
    throw e;
  }
  return 0;
}
