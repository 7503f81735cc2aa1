import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { CapdlError, readCapdl } from "../capdl/index.ts";
import { ImportError, importCapdl, refusalText, type ImportResult } from "../capdl/import.ts";
import type { BootOptions } from "../boot/boot.ts";
import { loadScenarioFile } from "../scenario/file.ts";
import { scenarioBootOptions } from "../scenario/run.ts";
import { replayScenario } from "../scenario/replay.ts";

export { replayScenario };
import { UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { IMPORT } from "./specs.ts";

export const ImportFlags = z.object({
  boot: z.string().min(1).optional(),
  scenario: z.string().min(1).optional(),
});

/** The boot options of a scenario file's boot block (defaults as `capsim run` applies them). */
export function bootOf(file: string): BootOptions {
  return scenarioBootOptions(loadScenarioFile(file));
}

/** `capsim import FILE.cdl [--boot SCENARIO] [--scenario OUT.yaml]`. */
export function execute(args: ParsedArgs): number {
  const opts = validateFlags(IMPORT, ImportFlags, args.flags);
  const file = args.operands[0] as string;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(IMPORT.name, `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let res: ImportResult;
  try {
    const model = readCapdl(text, file);
    for (const w of model.warnings) console.error(w);
    res = importCapdl(model, opts.boot ? { boot: bootOf(opts.boot) } : {});
  } catch (e) {
    if (e instanceof ImportError) {
      console.error(`capsim import: ${e.message}`);
      return 2;
    }
    if (e instanceof CapdlError) {
      console.error(`capsim import: capDL rejects ${file}:\n${e.message}`);
      return 2;
    }
    throw e;
  }
  for (const n of res.notes) console.error(`note: ${n}`);
  if (opts.scenario) writeFileSync(opts.scenario, replayScenario(res, file));
  if (res.refusal) {
    console.log(refusalText(res, file));
    return 1;
  }
  console.log(`${file}: seL4 built the whole spec in ${res.steps.length} invocations`);
  return 0;
}
