import { createEditor } from "./editor.ts";

/*
 * codemirror.js: CodeMirror and the scenario editor, a classic script of its own. CodeMirror is
 * about 40% of the page's code; loaded second, it is compiled after the page has run its first
 * scenario and drawn it, and the page swaps it in for its plain text box (plainEditor.ts).
 */
Object.assign(globalThis, { CapsimEditor: { createEditor } });
