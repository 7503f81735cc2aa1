import { basicSetup, EditorView } from "codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { forEachDiagnostic, lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { autocompletion, type Completion, type CompletionContext } from "@codemirror/autocomplete";
import type { Text } from "@codemirror/state";
import type { ScenarioError } from "../scenario/errors.ts";
import type { CompletionWords } from "./session.ts";

/*
 * The scenario editor: CodeMirror 6 with YAML, built into a script of its own (codemirror.js) that
 * the page loads after its first drawing (see plainEditor.ts). The page runs the scenario on every pause in
 * typing and hands the loader's or runner's usage error back here as a diagnostic at its line;
 * completion offers step kinds, invocation names, object types and the names declared so far.
 */

/** An expectation that did not hold: the step's line, and expected against actual in words. */
export interface Unmet {
  readonly line: number;
  readonly message: string;
}

export interface ScenarioEditor {
  text(): string;
  setText(text: string): void;
  /**
   * Mark the usage error at its line (undefined: none), and each expectation that did not hold
   * at its step's line, as a warning saying what was expected and what happened.
   */
  showProblems(error: ScenarioError | undefined, unmet: readonly Unmet[]): void;
  /** The diagnostics shown now, with their 1-based lines. */
  diagnostics(): { line: number; message: string; severity: string }[];
  /** Put the cursor on a line and scroll to it (the timeline's step). */
  revealLine(line: number): void;
}

/** The diagnostic for a usage error: from its column to the end of its line (line 0, a whole-file problem: the first line). */
export function errorDiagnostic(doc: Text, error: ScenarioError): Diagnostic {
  const line = doc.line(Math.min(Math.max(error.line, 1), doc.lines));
  const from = Math.min(line.from + Math.max(error.column - 1, 0), line.to);
  const message = `${error.field ? `${error.field}: ` : ""}${error.problem}${error.suggestion ? `; did you mean "${error.suggestion}"?` : ""}`;
  return { from, to: Math.max(line.to, from), severity: "error", message, source: "capsim" };
}

function completionSource(words: () => CompletionWords) {
  return (ctx: CompletionContext) => {
    const word = ctx.matchBefore(/[\w[\]]+/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    const w = words();
    const options: Completion[] = [
      ...w.stepKinds.map((label) => ({ label, type: "keyword", detail: "step kind" })),
      ...w.invocations.map((label) => ({ label, type: "function", detail: "invocation" })),
      ...w.objectTypes.map((label) => ({ label, type: "type", detail: "object type" })),
      ...w.names.map((label) => ({ label, type: "variable", detail: "name" })),
    ];
    return { from: word.from, options, validFor: /^[\w[\]]*$/ };
  };
}

function diagnosticCount(view: EditorView): number {
  let n = 0;
  forEachDiagnostic(view.state, () => n++);
  return n;
}

export function createEditor(
  parent: HTMLElement,
  text: string,
  onChange: (text: string) => void,
  words: () => CompletionWords,
): ScenarioEditor {
  const view = new EditorView({
    doc: text,
    parent,
    extensions: [
      basicSetup,
      yaml(),
      lintGutter(),
      autocompletion({ override: [completionSource(words)] }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) onChange(u.state.doc.toString());
      }),
    ],
  });
  return {
    text: () => view.state.doc.toString(),
    setText(t) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } });
    },
    showProblems(error, unmet) {
      // A dispatch makes CodeMirror finish parsing the document at once: none when nothing changes.
      if (error === undefined && unmet.length === 0 && diagnosticCount(view) === 0) return;
      const doc = view.state.doc;
      const warnings = unmet
        .filter((u) => u.line >= 1 && u.line <= doc.lines)
        .map((u): Diagnostic => {
          const line = doc.line(u.line);
          return { from: line.from, to: line.to, severity: "warning", message: u.message, source: "capsim" };
        });
      view.dispatch(setDiagnostics(view.state, [...(error ? [errorDiagnostic(doc, error)] : []), ...warnings]));
    },
    diagnostics() {
      const out: { line: number; message: string; severity: string }[] = [];
      forEachDiagnostic(view.state, (d, from) =>
        out.push({ line: view.state.doc.lineAt(from).number, message: d.message, severity: d.severity }),
      );
      return out;
    },
    revealLine(line) {
      if (line < 1 || line > view.state.doc.lines) return;
      const pos = view.state.doc.line(line).from;
      view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: "center" }) });
    },
  };
}
