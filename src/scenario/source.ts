import { isMap, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from "yaml";
import { ScenarioError } from "./errors.ts";
import { parsePlainYaml } from "./plainYaml.ts";

/** A parsed scenario file: its plain data, and where in the file each value came from. */
export interface SourceFile {
  readonly file: string;
  readonly data: unknown;
  /** line and column (1-based) of the value at `path`, or of its nearest enclosing value */
  position(path: readonly (string | number)[]): {
    line: number;
    column: number;
  };
}

/**
 * The largest scenario file capsim reads, in characters: room for a 10,000-step scenario in
 * block style (about 1.3 MB), which the plain reader (plainYaml.ts) reads in about 0.1 s. A
 * file yaml must read is held to MAX_YAML_CHARS, and every file to MAX_STEPS steps (load.ts),
 * so hostile input stays within a few seconds and a few hundred MB (50 MB files took minutes
 * and ran out of memory before there were limits).
 */
export const MAX_FILE_CHARS = 2 ** 21;
/**
 * The longest file yaml's document model reads: about 4,000 steps. yaml reads about 1 MB/s and
 * keeps every node, so a 2 MB file with escapes (outside the plain subset) took 7 s of CPU and
 * 480 MB; a longer file must be in the plain subset.
 */
export const MAX_YAML_CHARS = 2 ** 18;
/** The longest line: a flow-style step is about 100 characters, a 4 KiB `write` of bytes about 25,000. */
export const MAX_LINE_CHARS = 2 ** 15;
/**
 * How many nodes aliases may expand to (yaml's maxAliasCount). yaml's default of 100 refuses a
 * scalar anchor used 100 times, which is ordinary use; this bound still refuses alias bombs,
 * whose expansion grows exponentially.
 */
const MAX_ALIAS_EXPANSION = 10_000;

/** A name like untyped[3] inside a { ... } map reads as the start of a YAML list. Linear: each `}`-free stretch is scanned once. */
export function looksLikeBracketName(line: string): boolean {
  return line.split("}").some((part) => {
    const open = part.indexOf("{");
    return open >= 0 && /\w\[\d+\]/.test(part.slice(open));
  });
}

/** The first line longer than MAX_LINE_CHARS (1-based), if any. */
function longLine(text: string): number | undefined {
  let line = 1;
  let start = 0;
  for (;;) {
    const end = text.indexOf("\n", start);
    const stop = end < 0 ? text.length : end;
    if (stop - start > MAX_LINE_CHARS) return line;
    if (end < 0) return undefined;
    line++;
    start = end + 1;
  }
}

/** The line of character `offset`. */
const lineAt = (text: string, offset: number): number => text.slice(0, offset).split("\n").length;

/**
 * Runs yaml with no stack traces on its errors. yaml makes an Error for every problem it meets
 * and recurses once per nesting level, so an unclosed flow nested deep makes many errors, each
 * on a deep stack; a host that sets `Error.stackTraceLimit = Infinity` (mocha does) made V8
 * record every frame of each, and one 6 KB file took 20 s. Only the messages are used.
 */
function withoutStackTraces<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Why yaml could not build the data: too deep for the parser's recursion, or a message of its own. */
function yamlProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return /call stack/i.test(message)
    ? "the file nests [ ], { } or indented blocks too deeply"
    : (message.split("\n")[0] ?? message);
}

/** The plain data of the document; an alias yaml cannot expand is a ScenarioError at the alias. */
function toData(file: string, doc: Document.Parsed, lineCounter: LineCounter): unknown {
  try {
    return withoutStackTraces(() => doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION }));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // yaml finds these only while building the data, so look for the alias it stopped at.
    const unresolved = /Unresolved alias.*: (.*)$/.exec(message)?.[1];
    let at: Node | undefined;
    visit(doc, {
      Alias(_, node) {
        if (unresolved === undefined || node.source === unresolved) {
          at = node;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    const pos = lineCounter.linePos(at?.range?.[0] ?? 0);
    const problem =
      unresolved !== undefined
        ? `the alias *${unresolved} has no anchor &${unresolved} before it`
        : /alias count/i.test(message)
          ? `the aliases expand to more than ${MAX_ALIAS_EXPANSION} values (an alias of an alias of ...): write the values out`
          : yamlProblem(e);
    throw new ScenarioError(file, pos.line, pos.col, "", `not valid YAML: ${problem}`);
  }
}

/**
 * Parse YAML (JSON is YAML too) keeping source positions. A syntax error is a ScenarioError with
 * its line. Text in the plain subset scenario files are written in is read by plainYaml.ts, about
 * 30 times faster than yaml's document model; its steps' positions come from that reader, and
 * any other position (for an error message) from yaml, parsed then.
 */
export function parseSource(file: string, text: string): SourceFile {
  if (text.length > MAX_FILE_CHARS)
    throw new ScenarioError(
      file,
      lineAt(text, MAX_FILE_CHARS),
      1,
      "",
      `the file is longer than capsim reads (${MAX_FILE_CHARS} characters): split it into several scenarios`,
    );
  const tooLong = longLine(text);
  if (tooLong !== undefined)
    throw new ScenarioError(
      file,
      tooLong,
      1,
      "",
      `the line is longer than capsim reads (${MAX_LINE_CHARS} characters)`,
    );
  const plain = parsePlainYaml(text);
  if ("gaveUpAt" in plain) {
    if (text.length > MAX_YAML_CHARS)
      throw new ScenarioError(
        file,
        plain.gaveUpAt,
        1,
        "",
        `a file longer than ${MAX_YAML_CHARS} characters must be plain YAML (block maps and lists, flow maps and lists on one line, names, integers, quotes without escapes, no anchors, tags or block scalars); this line is not: split the file or write the line plainly`,
      );
  } else {
    const data = plain.data;
    const steps = data !== null && typeof data === "object" && "steps" in data ? data.steps : undefined;
    const stepPositions = Array.isArray(steps) ? plain.items.get(steps) : undefined;
    let full: SourceFile | undefined;
    return {
      file,
      data,
      position: (path) => {
        // A step's own position is the reader's; in a file too long for yaml, so is every position inside a step.
        const inStep = path[0] === "steps" && (path.length === 2 || text.length > MAX_YAML_CHARS);
        const step = inStep ? stepPositions?.[path[1] as number] : undefined;
        if (step !== undefined) return step;
        // yaml never reads a file this long (its nodes would take hundreds of MB): the top-level key's line.
        if (text.length > MAX_YAML_CHARS) return { line: topLevelKeyLine(text, path[0]), column: 1 };
        full ??= parseWithYaml(file, text);
        return full.position(path);
      },
    };
  }
  return parseWithYaml(file, text);
}

/** The line of the top-level key `key` (1 when it is absent or not a key). */
function topLevelKeyLine(text: string, key: string | number | undefined): number {
  const at = typeof key === "string" ? (text.startsWith(`${key}:`) ? 0 : text.indexOf(`\n${key}:`) + 1) : 0;
  return at <= 0 ? 1 : lineAt(text, at);
}

/** parseSource by yaml's document model, which keeps every node's position. */
function parseWithYaml(file: string, text: string): SourceFile {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed | undefined;
  let failure: unknown;
  try {
    // logLevel "error": yaml would print a process warning for a key that is a list or map; such a key is reported as an unknown key instead.
    doc = withoutStackTraces(() =>
      parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: "error" }),
    );
  } catch (e) {
    failure = e;
  }
  if (doc === undefined) throw new ScenarioError(file, 1, 1, "", `not valid YAML: ${yamlProblem(failure)}`);
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    const lineText = text.split("\n")[pos.line - 1] ?? "";
    const hint = looksLikeBracketName(lineText) ? ` (inside { }, quote names with brackets: "untyped[3]")` : "";
    throw new ScenarioError(file, pos.line, pos.col, "", `not valid YAML: ${yamlProblem(first)}${hint}`);
  }
  const position = (path: readonly (string | number)[]) => {
    let node: unknown = doc.contents;
    let best = node as Node | null;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        if (!pair) break;
        node = pair.value ?? pair.key;
        if (pair.key && !pair.value) best = pair.key as Node;
      } else if (isSeq(node)) {
        node = node.items[key as number];
      } else break;
      if (node && (node as Node).range) best = node as Node;
    }
    const offset = best?.range?.[0] ?? 0;
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return { file, data: toData(file, doc, lineCounter), position };
}
