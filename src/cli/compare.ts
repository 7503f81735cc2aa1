import { z } from "zod";
import { compareWithLog, DEFAULT_PREFIX, LogError, PREFIX_PATTERN, type CompareRow } from "../sel4test/index.ts";
import { readText } from "./exportSel4test.ts";
import { UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { palette, type Palette } from "./output.ts";
import { COMPARE } from "./specs.ts";

export const CompareFlags = z.object({
  name: z
    .string()
    .regex(PREFIX_PATTERN, "a test name prefix is a letter, then up to 15 letters, digits or underscores")
    .default(DEFAULT_PREFIX),
});

function rowText(r: CompareRow, paint: Palette): string[] {
  const mark =
    r.verdict === "agree" ? paint.good("agree ") : r.verdict === "differ" ? paint.bad("DIFFER") : r.verdict.padEnd(6);
  const head = `  step ${String(r.index).padStart(3)} (line ${r.line}) ${mark} ${r.action}`;
  const lines = [head];
  if (r.kernel !== undefined) lines.push(`      kernel: ${r.kernel}`);
  if (r.capsim !== undefined) lines.push(`      capsim: ${r.capsim}`);
  if (r.why !== undefined && r.verdict !== "agree")
    lines.push(`      ${r.verdict === "not run" ? "not run: " : ""}${r.why}`);
  return lines;
}

/** `capsim compare FILE.yaml LOG`: exit 0 all agree, 1 a step differs, 2 bad or incomplete input. */
export function execute(args: ParsedArgs): number {
  const { name } = validateFlags(COMPARE, CompareFlags, args.flags);
  const [file, logFile] = args.operands as [string, string];
  const source = { file, text: readText(COMPARE.name, file) };
  const log = { file: logFile, text: readText(COMPARE.name, logFile) };
  let report;
  try {
    report = compareWithLog(source, log, { prefix: name });
  } catch (e) {
    if (e instanceof LogError) throw new UsageError(COMPARE.name, `the log is not readable: ${e.message}`);
    throw e;
  }
  const paint = palette(process.stdout);
  console.log(`${report.file}: test ${report.testName}, log ${logFile}`);
  for (const n of report.notes) console.log(`  note: ${n}`);
  for (const r of report.rows) console.log(rowText(r, paint).join("\n"));
  const c = report.counts;
  console.log(
    `${c.agree} agree, ${c.differ} differ, ${c["not run"]} not run, ${c["not compared"]} not compared, ${c.missing} missing`,
  );
  if (c.differ > 0) return 1;
  if (!report.complete) {
    console.error(`capsim compare: the log does not answer every step of ${report.testName} (see the notes above)`);
    return 2;
  }
  return 0;
}
