import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";
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

/** Parse YAML (JSON is YAML too) keeping source positions. A syntax error is a ScenarioError with its line. */
export function parseSource(file: string, text: string): SourceFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    const lineText = text.split("\n")[pos.line - 1] ?? "";
    // A name like untyped[3] inside a { ... } map reads as the start of a YAML list.
    const hint = /\{[^}]*\w\[\d+\]/.test(lineText) ? ` (inside { }, quote names with brackets: "untyped[3]")` : "";
    throw new ScenarioError(file, pos.line, pos.col, "", `not valid YAML: ${first.message.split("\n")[0]}${hint}`);
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
  return { file, data: doc.toJS({ maxAliasCount: 100 }), position };
}
