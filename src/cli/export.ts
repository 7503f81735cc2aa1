import { z } from "zod";
import type { BootedMachine } from "../boot/minimal.ts";
import type { KernelState } from "../model/state.ts";
import { exportCapdl, exportText } from "../capdl/export.ts";
import { toInitializerJson } from "../capdl/json.ts";
import { toDot } from "../capdl/dot.ts";
import { loadScenarioFile } from "../scenario/load.ts";
import { runScenario } from "../scenario/run.ts";
import { UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { EXPORT } from "./specs.ts";

/** What an export format gets: the state after the chosen step and where it came from. */
export interface ExportContext {
  readonly file: string;
  readonly at: number;
  readonly state: KernelState;
  readonly machine: BootedMachine;
  readonly names: ReadonlyMap<string, number>;
}

/** The formats of `capsim export`; another format is one more entry here (and in EXPORT's help). */
export const EXPORT_FORMATS: Readonly<Record<string, (ctx: ExportContext) => string>> = {
  capdl: (ctx) => exportText(exportCapdl(ctx.state, { boot: ctx.machine, names: ctx.names })),
  json: (ctx) => {
    const { spec, dropped } = toInitializerJson(exportCapdl(ctx.state, { boot: ctx.machine, names: ctx.names }).model);
    for (const d of dropped) console.error(`capsim export: the initializer's JSON has no field for ${d}; left out`);
    return `${JSON.stringify(spec, null, 2)}\n`;
  },
  dot: (ctx) => toDot(exportCapdl(ctx.state, { boot: ctx.machine, names: ctx.names }).model, ctx.file),
};

export const ExportFlags = z.object({
  at: z.coerce.number().int().min(0).optional(),
  format: z
    .string()
    .default("capdl")
    .refine((f) => Object.hasOwn(EXPORT_FORMATS, f), {
      message: `the formats are ${Object.keys(EXPORT_FORMATS).join(", ")}`,
    }),
});

/** `capsim export FILE [--at STEP] [--format capdl|json|dot]`. */
export function execute(args: ParsedArgs): number {
  const opts = validateFlags(EXPORT, ExportFlags, args.flags);
  const file = args.operands[0] as string;
  const report = runScenario(loadScenarioFile(file));
  const at = opts.at ?? report.steps.length;
  const state = report.states[at];
  if (state === undefined)
    throw new UsageError(EXPORT.name, `--at ${at} is past the last step (${report.steps.length})`);
  const format = EXPORT_FORMATS[opts.format];
  if (format === undefined) throw new UsageError(EXPORT.name, `--format ${opts.format}: unknown format`);
  process.stdout.write(format({ file, at, state, machine: report.machine, names: report.names }));
  return 0;
}
