import type { ScenarioEditor, Unmet } from "./editor.ts";
import type { CompletionWords } from "./session.ts";
import type { ScenarioError } from "../scenario/errors.ts";

/*
 * The editor the page starts with: a plain text box that edits and runs the scenario at once,
 * until codemirror.js (CodeMirror, compiled after the page's first drawing) arrives and takes over
 * with the same text and problems. Keeping CodeMirror out of the first script is what lets the
 * page be interactive sooner.
 */

/** What codemirror.js puts on the page's global object. */
export interface EditorModule {
  createEditor(
    parent: HTMLElement,
    text: string,
    onChange: (text: string) => void,
    words: () => CompletionWords,
  ): ScenarioEditor;
}

/** The plain text box: the problems it is given are kept, to hand to CodeMirror, and listed by `diagnostics`. */
export function plainEditor(
  parent: HTMLElement,
  text: string,
  onChange: (text: string) => void,
): ScenarioEditor & { readonly problems: () => [ScenarioError | undefined, readonly Unmet[]] } {
  const box = document.createElement("textarea");
  box.className = "plain-editor";
  box.spellcheck = false;
  box.value = text;
  box.addEventListener("input", () => onChange(box.value));
  parent.replaceChildren(box);
  let error: ScenarioError | undefined;
  let unmet: readonly Unmet[] = [];
  return {
    text: () => box.value,
    setText(t) {
      box.value = t;
      onChange(t);
    },
    showProblems(e, u) {
      error = e;
      unmet = u;
    },
    diagnostics: () => [
      ...(error ? [{ line: error.line, message: error.problem, severity: "error" }] : []),
      ...unmet.map((u) => ({ line: u.line, message: u.message, severity: "warning" })),
    ],
    revealLine(line) {
      const lines = box.value.split("\n");
      const from = lines.slice(0, Math.max(line - 1, 0)).reduce((n, l) => n + l.length + 1, 0);
      box.setSelectionRange(from, from);
    },
    problems: () => [error, unmet],
  };
}
