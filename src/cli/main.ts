import { readFileSync } from "node:fs";
import { closest, ScenarioError } from "../scenario/errors.ts";
import { commandHelp, scanArgs, UsageError, type ParsedArgs } from "./flags.ts";
import { exitQuietlyOnClosedPipe } from "./output.ts";
import { COMMAND_SPECS, type CommandName } from "./specs.ts";

/*
 * This module loads nothing heavy: --help, --version and usage errors are answered from the
 * specs, and a command's module (with zod, the kernel, fast-check or yaml) is imported only
 * when that command runs.
 */

interface CommandModule {
  execute(args: ParsedArgs): number | Promise<number>;
}

const COMMANDS: Readonly<Record<CommandName, () => Promise<CommandModule>>> = {
  run: () => import("./run.ts"),
  explain: () => import("./explain.ts"),
  show: () => import("./show.ts"),
  fuzz: () => import("./fuzz.ts"),
  export: () => import("./export.ts"),
  compare: () => import("./compare.ts"),
  import: () => import("./import.ts"),
  playground: () => import("./playground.ts"),
};

const isCommandName = (name: string): name is CommandName => Object.hasOwn(COMMAND_SPECS, name);

function help(): string {
  const specs = Object.values(COMMAND_SPECS);
  const label = (s: (typeof specs)[number]) => `${s.name}${s.operands ? ` ${s.operands}` : ""}`;
  const width = Math.max(...specs.map((s) => label(s).length)) + 3;
  return [
    "capsim: a simulator of seL4's capability and VSpace model",
    "",
    "usage: capsim <command> [options]",
    "",
    "commands:",
    ...specs.map((s) => `  ${label(s).padEnd(width)}${s.brief}`),
    "",
    "options:",
    `  ${"-h, --help".padEnd(width)}show this help; capsim <command> --help shows a command's options`,
    `  ${"-V, --version".padEnd(width)}print capsim's version`,
  ].join("\n");
}

function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return pkg !== null && typeof pkg === "object" && "version" in pkg ? String(pkg.version) : "unknown";
}

/** `capsim help [COMMAND]`, `--help`, `--version`, or a command; returns the exit code. */
async function dispatch(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    console.error(help());
    return 2;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const topic = rest[0];
    if (topic !== undefined && !isCommandName(topic)) throw unknownCommand(topic);
    console.log(topic === undefined ? help() : commandHelp(COMMAND_SPECS[topic]));
    return 0;
  }
  if (first === "--version" || first === "-V") {
    console.log(`capsim ${version()}`);
    return 0;
  }
  if (!isCommandName(first)) throw unknownCommand(first);
  const args = scanArgs(COMMAND_SPECS[first], rest);
  if (args.help) {
    console.log(commandHelp(COMMAND_SPECS[first]));
    return 0;
  }
  const command = await COMMANDS[first]();
  return await command.execute(args);
}

function unknownCommand(name: string): UsageError {
  const known = Object.keys(COMMAND_SPECS);
  const suggestion = closest(name, name.startsWith("-") ? ["--help", "--version"] : known);
  const what = name.startsWith("-") ? "option" : "command";
  return new UsageError(
    "",
    `unknown ${what} "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ""} (the commands are ${known.join(", ")}; see capsim --help)`,
  );
}

/** The capsim command line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  try {
    return await dispatch(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ScenarioError) {
      console.error(e.message);
      return 2;
    }
    // Anything else is capsim's own bug: say so, with the stack for the report, and keep it apart from 1 and 2.
    console.error(
      `capsim: internal error (a bug in capsim; please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    return 3;
  }
}
