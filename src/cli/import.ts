import { readFileSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { z } from "zod";
import { CapdlError, readCapdl } from "../capdl/index.ts";
import { ImportError, importCapdl, refusalText, type ImportResult } from "../capdl/import.ts";
import type { BootOptions } from "../boot/boot.ts";
import { loadScenarioFile } from "../scenario/file.ts";
import { scenarioBootOptions } from "../scenario/run.ts";
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

/** The replay as a scenario file: the boot block, then every step with the spec line it came from. */
export function replayScenario(res: ImportResult, file: string): string {
  const steps = res.steps.map((s, i) => {
    const note = `${s.what}${s.pos ? ` (${file} line ${s.pos.line})` : ""}`;
    const failed = res.refusal !== null && i === res.refusal.step - 1;
    return { ...s.step, note: failed ? `${note}; seL4 refuses it: ${res.refusal?.error ?? ""}` : note };
  });
  // The architecture and the API generation are header fields of a scenario, not part of its boot block.
  const { api, ...rest } = res.bootOptions;
  const { arch, ...bootBlock } = "arch" in rest ? rest : { ...rest, arch: undefined };
  const doc = {
    name: `import of ${file}`,
    ...(arch ? { arch } : {}),
    ...(api ? { api } : {}),
    boot: bootBlock,
    steps,
  };
  return `# capsim import ${file}: the spec replayed as invocations (docs/capdl.md)\n${stringify(doc, { lineWidth: 0 })}`;
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
