import type { z } from "zod";
import { closest } from "../scenario/errors.ts";

/**
 * The one command-line parser every capsim command uses. It works in two passes so that
 * `--help` and a mistyped flag are answered from a command's spec alone, before the command's
 * module (and zod, the kernel, fast-check, yaml) is loaded: `scanArgs` splits argv by the spec,
 * then the command validates the values with its own zod schema through `validateFlags`.
 */

/** One option of a command, as its help shows it. */
export interface FlagSpec {
  /** the long name, without dashes */
  readonly name: string;
  /** a one-letter alias, without the dash */
  readonly short?: string;
  /** the value's placeholder in help (N, DIR, ...); a flag without one is a switch */
  readonly value?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  /** one line, for the list of commands */
  readonly brief: string;
  readonly summary: string;
  /** the operands as usage shows them, e.g. "FILE|DIR..." */
  readonly operands: string;
  readonly minOperands: number;
  readonly maxOperands: number;
  /** what to say when the operand count is wrong */
  readonly operandsProblem: string;
  readonly flags: readonly FlagSpec[];
  /** paragraphs after the options */
  readonly notes?: readonly string[];
}

/** What a command line said, before the command checks the values. Keys are camelCase flag names. */
export interface ParsedArgs {
  readonly help: boolean;
  readonly flags: Readonly<Record<string, string | true>>;
  readonly operands: readonly string[];
}

/** A command line the command cannot run: exit status 2. */
export class UsageError extends Error {
  constructor(
    readonly command: string,
    readonly problem: string,
  ) {
    super(`capsim${command ? ` ${command}` : ""}: ${problem}`);
    this.name = "UsageError";
  }
}

export const HELP_FLAG: FlagSpec = {
  name: "help",
  short: "h",
  help: "show this help",
};

/** "check-invariants" -> "checkInvariants": the key zod schemas use. */
export const flagKey = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const flagsOf = (spec: CommandSpec): readonly FlagSpec[] => [...spec.flags, HELP_FLAG];

function unknownFlag(spec: CommandSpec, written: string): UsageError {
  const long = flagsOf(spec).map((f) => `--${f.name}`);
  const suggestion = closest(written, long);
  return new UsageError(
    spec.name,
    `unknown option ${written}${suggestion ? `; did you mean ${suggestion}?` : ""} (see capsim ${spec.name} --help)`,
  );
}

function findFlag(spec: CommandSpec, written: string): FlagSpec | undefined {
  if (written.startsWith("--")) return flagsOf(spec).find((f) => f.name === written.slice(2));
  return flagsOf(spec).find((f) => f.short !== undefined && f.short === written.slice(1));
}

/** A negative number is a value, not a flag. */
const looksLikeFlag = (arg: string): boolean => arg.startsWith("-") && arg !== "-" && !/^-\d/.test(arg);

/**
 * Split argv into flags and operands by the command's spec: `--name value`, `--name=value`,
 * `-x`, and `--` to end the flags. An unknown flag, a missing value, a value given to a switch,
 * or the wrong number of operands is a UsageError; `--help` anywhere wins over all of them.
 */
export function scanArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const operands: string[] = [];
  const problems: UsageError[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (!looksLikeFlag(arg)) {
      operands.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const written = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = findFlag(spec, written);
    if (flag === undefined) problems.push(unknownFlag(spec, written));
    else if (flag === HELP_FLAG) help = true;
    else if (flag.value === undefined) {
      if (eq > 0) problems.push(new UsageError(spec.name, `--${flag.name} takes no value`));
      flags[flagKey(flag.name)] = true;
    } else if (eq > 0) flags[flagKey(flag.name)] = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || looksLikeFlag(next))
        problems.push(new UsageError(spec.name, `--${flag.name} needs a value (${flag.value})`));
      else flags[flagKey(flag.name)] = (i++, next);
    }
  }
  if (help) return { help, flags, operands };
  const first = problems[0];
  if (first !== undefined) throw first;
  if (operands.length < spec.minOperands) throw new UsageError(spec.name, spec.operandsProblem);
  if (operands.length > spec.maxOperands) {
    throw new UsageError(
      spec.name,
      spec.maxOperands === 0
        ? `unexpected argument "${operands[0]}" (see capsim ${spec.name} --help)`
        : spec.operandsProblem,
    );
  }
  return { help, flags, operands };
}

/**
 * Check the flags' values with the command's zod schema. A key the spec does not know is
 * refused here too, for callers that built the record themselves.
 */
export function validateFlags<T>(
  spec: CommandSpec,
  schema: z.ZodType<T>,
  flags: Readonly<Record<string, string | true>>,
): T {
  const byKey = new Map(spec.flags.map((f) => [flagKey(f.name), f]));
  const unknown = Object.keys(flags).find((k) => !byKey.has(k));
  if (unknown !== undefined) throw unknownFlag(spec, `--${unknown}`);
  const parsed = schema.safeParse(flags);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? "");
  const flag = byKey.get(key);
  throw new UsageError(
    spec.name,
    `--${flag?.name ?? key}${flag?.value ? ` ${String(flags[key] ?? "")}` : ""}: ${issue?.message ?? "invalid"}`,
  );
}

/** A command's --help text. */
export function commandHelp(spec: CommandSpec): string {
  const label = (f: FlagSpec) => `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.value ? ` ${f.value}` : ""}`;
  const width = Math.max(...flagsOf(spec).map((f) => label(f).length)) + 3;
  const options = flagsOf(spec).map((f) => `  ${label(f).padEnd(width)}${f.help}`);
  const usage = `usage: capsim ${spec.name}${spec.flags.length ? " [options]" : ""}${spec.operands ? ` ${spec.operands}` : ""}`;
  return [usage, "", spec.summary, "", "options:", ...options, ...(spec.notes ?? []).flatMap((n) => ["", n])].join(
    "\n",
  );
}
