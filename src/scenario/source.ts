import { isMap, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from "yaml";
import { ScenarioError } from "./errors.ts";

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
 * The largest scenario file capsim reads, in characters: about 4,000 steps. yaml parses well
 * under 1 MB/s and a run keeps every state, so this bound keeps any file under a second or two
 * and a few hundred MB (50 MB files took minutes and ran out of memory); the largest example is
 * a few KB.
 */
export const MAX_FILE_CHARS = 2 ** 18;
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
    return doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
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

/** Parse YAML (JSON is YAML too) keeping source positions. A syntax error is a ScenarioError with its line. */
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
  const lineCounter = new LineCounter();
  let doc: Document.Parsed | undefined;
  let failure: unknown;
  // yaml makes an Error for every problem it meets, and an unclosed flow nested deep makes many, each
  // capturing the parser's deep stack: with Error.stackTraceLimit = Infinity (as mocha sets it) one
  // hostile file took 20 s. Only their messages are used, so they are made without stacks.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    // logLevel "error": yaml would print a process warning for a key that is a list or map; such a key is reported as an unknown key instead.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: "error" });
  } catch (e) {
    failure = e;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
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
