import { z } from "zod";
import type { BootedMachine } from "../boot/minimal.ts";
import type { KernelState } from "../model/state.ts";
import { exportCapdl, exportText } from "../capdl/export.ts";
import { toInitializerJson } from "../capdl/json.ts";
import { toDot } from "../capdl/dot.ts";
import { loadScenarioFile } from "../scenario/file.ts";
import { runScenario } from "../scenario/run.ts";
import { UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { execute as executeSel4test } from "./exportSel4test.ts";
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

/** sel4test is not a format of one state: it turns whole scenario files into C (./exportSel4test.ts). */
const SEL4TEST = "sel4test";

export const ExportFlags = z.object({
  at: z.coerce.number().int().min(0).optional(),
  format: z
    .string()
    .default("capdl")
    .refine((f) => f === SEL4TEST || Object.hasOwn(EXPORT_FORMATS, f), {
      message: `the formats are ${[...Object.keys(EXPORT_FORMATS), SEL4TEST].join(", ")}`,
    }),
  name: z.string().optional(),
});

/** `capsim export FILE [--at STEP] [--format capdl|json|dot]`, or `--format sel4test FILE|DIR... [--name PREFIX]`. */
export function execute(args: ParsedArgs): number {
  const opts = validateFlags(EXPORT, ExportFlags, args.flags);
  if (opts.format === SEL4TEST) {
    if (opts.at !== undefined)
      throw new UsageError(EXPORT.name, "--at is for capdl, json and dot: a sel4test export runs every step");
    return executeSel4test(args);
  }
  if (opts.name !== undefined) throw new UsageError(EXPORT.name, "--name is for --format sel4test");
  if (args.operands.length !== 1)
    throw new UsageError(EXPORT.name, `--format ${opts.format} exports one scenario file's state; name exactly one`);
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
