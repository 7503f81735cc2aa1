import { hex, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import type { KernelState } from "../model/state.ts";
import type { ScenarioEditor } from "./editor.ts";
import { plainEditor, type EditorModule } from "./plainEditor.ts";
import { $, el } from "./dom.ts";
import {
  completionWords,
  openScenario,
  positions,
  stateAt,
  stepAt,
  stepFailed,
  stepLabel,
  type Ran,
  type Session,
} from "./session.ts";
import type { StepReport } from "../scenario/run.ts";
import { readFragment, shareFragment } from "./share.ts";
import { asidTableView, cdtView, cnodeView, diffStates, objectGraph, tlbView, walkView } from "../views/index.ts";
import { graphSvg } from "./graph.ts";
import { exportAt, importSpec } from "./capdl.ts";
import { rootCNodeOf, capAt } from "../kernel/cspace.ts";
import { entriesOf, vspaceRootAt } from "../kernel/store.ts";
import type { SlotAddr } from "../model/state.ts";
import { parseNumberText } from "../scenario/schema.ts";
import { asidPanel, cdtPanel, changesPanel, cptrPanel, cspacePanel, descriptorPanel, walkPanel } from "./panels.ts";
import { threadCPtrResolution, cptrResolution } from "../views/index.ts";
import { threadCSpaceRoot } from "../kernel/cspace.ts";
import { invokedCPtr } from "../scenario/steps/invoke.ts";
import { ANSWER_CHOICES, answerOf, predictionHolds, translationProblem } from "./exercise.ts";
import { addressLimit, rootsOf, tableExists, tableSegments, type Segment } from "./tables.ts";
import { teachingOf } from "../arch/index.ts";

/*
 * The page: one classic script (an IIFE bundle, so it runs from file://). Every view is a
 * function of the current run and the timeline position; moving along the timeline only picks
 * another of the run's immutable states and redraws. Nothing here edits the machine: the only
 * way to change a state is a step of the scenario, which is an invocation.
 */

/** The example scenarios, put in by the build (scripts/playground.ts) from examples/*.yaml. */
declare const CAPSIM_EXAMPLES: readonly { readonly file: string; readonly text: string }[];

interface Selection {
  readonly level: number;
  readonly table: PhysAddr;
  readonly index: number;
}

/** A table below the root the learner opened by clicking its entry, and the first address it covers. */
interface Opened {
  readonly table: PhysAddr;
  readonly base: number;
  /** the slot of the entry above that points at it */
  readonly from: number;
}

interface App {
  editor: ScenarioEditor;
  /** the last run that succeeded: the views show it, even while the text has an error */
  ran: Ran | undefined;
  session: Session | undefined;
  at: number;
  /** the VSpace root the grids show */
  root: PhysAddr | undefined;
  /** the tables opened below it, one per level, each reached from an entry of the one before */
  opened: Opened[];
  selected: Selection | undefined;
  /** exercise mode: a step's result stays hidden until the learner predicts it or opens its solution */
  exercise: boolean;
  /** the steps (1-based) whose result the learner has seen in exercise mode */
  revealed: Set<number>;
  /** what the last prediction got, shown until the timeline moves */
  verdict: string | undefined;
  /** the address the walk panel follows: the one typed, or the current resolve step's */
  walkVA: number | undefined;
  /** how many of the walk's entries are drawn so far (the walk is revealed entry by entry) */
  walkShown: number;
  walkTimer: ReturnType<typeof setTimeout> | undefined;
  /** the CSpace slot whose derivation tree is shown */
  capSlot: SlotAddr | undefined;
  cspaceTimer: ReturnType<typeof setTimeout> | undefined;
  /** the CPtr (and depth) the lookup panel follows: the one typed, or the current step's invoked cap */
  cptr: { readonly cptr: number; readonly depth: number } | undefined;
  /** how long the last CSpace drawing took (the benchmark reads it) */
  cspaceMs: number;
}

const RUN_DELAY_MS = 250;

/** When the bundle began to run (the build's banner sets it), and when its modules had initialised: the benchmark reads both. */
declare const CAPSIM_SCRIPT_START: number | undefined;
const SCRIPT_START = typeof CAPSIM_SCRIPT_START === "number" ? CAPSIM_SCRIPT_START : NaN;
const MODULES_READY = performance.now();

function start(): void {
  const examples = CAPSIM_EXAMPLES;
  const shared = readFragment(location.hash);
  const first =
    shared?.text ?? examples[0]?.text ?? "name: empty\nsteps:\n  - resolve: { vspace: InitThreadVSpace, vaddr: 0 }\n";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ranText = "";
  const started = performance.now();
  const onChange = (text: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => load(text, app.at), RUN_DELAY_MS);
  };
  const plain = plainEditor($("editor"), first, onChange);
  let editorAt: number | undefined;
  /** CodeMirror takes over from the plain box once codemirror.js has run, with the same text and problems. */
  const upgrade = () => {
    const mod = (globalThis as { CapsimEditor?: EditorModule }).CapsimEditor;
    if (mod === undefined || editorAt !== undefined) return;
    const text = plain.text();
    $("editor").replaceChildren();
    app.editor = mod.createEditor($("editor"), text, onChange, () => completionWords(app.editor.text(), app.ran));
    app.editor.showProblems(...plain.problems());
    editorAt = performance.now();
  };
  const app: App = {
    editor: plain,
    ran: undefined,
    session: undefined,
    at: 0,
    root: undefined,
    opened: [],
    selected: undefined,
    exercise: shared?.exercise ?? false,
    revealed: new Set(),
    verdict: undefined,
    walkVA: undefined,
    walkShown: 0,
    walkTimer: undefined,
    capSlot: undefined,
    cspaceTimer: undefined,
    cspaceMs: 0,
    cptr: undefined,
  };
  $<HTMLInputElement>("exercise").checked = app.exercise;
  $("answers").replaceChildren(...ANSWER_CHOICES.map((a) => el("option", { value: a })));

  const select = $<HTMLSelectElement>("example");
  select.append(el("option", { value: "" }, shared ? "(shared link)" : "(choose)"));
  for (const ex of examples) select.append(el("option", { value: ex.file }, ex.file));
  if (!shared && examples[0]) select.value = examples[0].file;
  select.addEventListener("change", () => {
    const ex = examples.find((e) => e.file === select.value);
    if (ex === undefined) return;
    clearTimeout(timer);
    app.editor.setText(ex.text);
    clearTimeout(timer);
    load(ex.text, 0, true);
  });

  /** Run a text; an example opened from the menu sets exercise mode to its own `exercise:` header. */
  function load(text: string, at: number, fromExample = false): void {
    const session = openScenario(text);
    app.session = session;
    if (fromExample && session.kind === "ran") {
      app.exercise = session.scenario.header.exercise === true;
      $<HTMLInputElement>("exercise").checked = app.exercise;
      ranText = "";
    }
    app.editor.showProblems(
      session.kind === "refused" ? session.error : undefined,
      // in exercise mode an unmet expectation would give the answer away
      session.kind === "ran" && !app.exercise
        ? session.report.steps
            .filter((st) => !st.held)
            .map((st) => ({
              line: st.line,
              message: `step ${st.index}: expected ${st.expected ?? "something else"}, got ${st.result}`,
            }))
        : [],
    );
    $("problem").textContent =
      session.kind === "refused"
        ? `line ${session.error.line}: ${session.error.problem}${app.ran ? "\nThe views show the last version that ran." : ""}`
        : "";
    if (session.kind === "ran") {
      if (ranText !== text) app.revealed = new Set();
      ranText = text;
      app.ran = session;
      app.opened = [];
      app.selected = undefined;
      app.root = undefined;
      app.walkVA = undefined;
      app.cptr = undefined;
      renderTimeline(app);
      goTo(Math.min(at, positions(session) - 1));
    }
    $("status").textContent =
      session.kind === "refused"
        ? "error"
        : `${session.report.steps.length} steps, ${session.report.passed ? "every expectation held" : "an expectation failed"}`;
  }

  function goTo(at: number): void {
    const ran = app.ran;
    if (ran === undefined) return;
    app.at = Math.max(0, Math.min(at, positions(ran) - 1, app.exercise ? firstHidden(app, ran) - 1 : Infinity));
    app.verdict = undefined;
    // a typed address stays walked from step to step, until a resolve step brings its own
    const raw = ran.scenario.steps[app.at - 1];
    if (raw !== undefined && "resolve" in raw) app.walkVA = undefined;
    app.walkShown = 0;
    render(app);
    const step = stepAt(ran, app.at);
    if (step) app.editor.revealLine(step.line);
  }

  $("back").addEventListener("click", () => goTo(app.at - 1));
  $("forward").addEventListener("click", () => goTo(app.at + 1));
  $<HTMLInputElement>("position").addEventListener("input", (e) => goTo(Number((e.target as HTMLInputElement).value)));
  $("steps").addEventListener("click", (e) => {
    const li = (e.target as HTMLElement).closest("li");
    if (li?.dataset.at !== undefined) goTo(Number(li.dataset.at));
  });
  document.addEventListener("keydown", (e) => {
    if ((e.target as HTMLElement).closest(".cm-editor, input, select")) return;
    if (e.key === "ArrowLeft") goTo(app.at - 1);
    if (e.key === "ArrowRight") goTo(app.at + 1);
  });
  $<HTMLInputElement>("exercise").addEventListener("change", (e) => {
    app.exercise = (e.target as HTMLInputElement).checked;
    // the steps already passed stay shown: the exercise starts at the next one
    for (let i = 1; i <= app.at; i++) app.revealed.add(i);
    if (app.ran) renderTimeline(app);
    goTo(app.at);
  });
  $("problem-new").addEventListener("click", () => {
    const seedBox = $<HTMLInputElement>("seed");
    const seed = seedBox.value === "" ? Math.floor(Math.random() * 1e6) : Number(seedBox.value);
    seedBox.value = String(seed);
    const text = translationProblem(seed);
    clearTimeout(timer);
    app.editor.setText(text);
    clearTimeout(timer);
    app.exercise = true;
    $<HTMLInputElement>("exercise").checked = true;
    select.value = "";
    load(text, 0);
  });
  $("predict").addEventListener("submit", (e) => {
    e.preventDefault();
    const ran = app.ran;
    const step = ran ? stepAt(ran, app.at + 1) : undefined;
    if (!ran || !step) return;
    const guess = $<HTMLInputElement>("guess").value;
    const answer = answerOf(step);
    app.revealed.add(step.index);
    renderTimeline(app);
    goTo(app.at + 1);
    app.verdict = predictionHolds(guess, answer)
      ? `Right: step ${step.index} answered ${answer}.`
      : `Not quite: you said ${guess.trim() || "nothing"}, step ${step.index} answered ${answer}.`;
    renderPredict(app, ran);
  });
  $("predict").addEventListener(
    "toggle",
    (e) => {
      const ran = app.ran;
      const step = ran ? stepAt(ran, app.at + 1) : undefined;
      if (ran && step && (e.target as HTMLDetailsElement).open) {
        app.revealed.add(step.index);
        app.verdict = `Solution: step ${step.index} answers ${answerOf(step)}.`;
        renderTimeline(app);
        render(app);
      }
    },
    true,
  );
  $("walk-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const v = parseNumberText($<HTMLInputElement>("walk-va").value.trim());
    const limit = app.ran ? addressLimit(stateAt(app.ran, app.at)) : 2 ** 32;
    if (v === undefined || v < 0 || v >= limit) {
      $("walk").replaceChildren(
        el("p", { class: "bad" }, `a virtual address: decimal or 0x hex, below 2^${Math.log2(limit)}`),
      );
      return;
    }
    app.walkVA = v;
    app.walkShown = 0;
    render(app);
  });
  $("cptr-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const cptr = parseNumberText($<HTMLInputElement>("cptr").value.trim());
    const depthText = $<HTMLInputElement>("cptr-depth").value.trim();
    const wordBits = app.ran ? stateAt(app.ran, app.at).config.sizes.wordBits : 32;
    const depth = depthText === "" ? wordBits : parseNumberText(depthText);
    if (
      cptr === undefined ||
      cptr < 0 ||
      cptr >= 2 ** wordBits ||
      depth === undefined ||
      depth < 1 ||
      depth > wordBits
    ) {
      $("cptr-view").replaceChildren(
        el("p", { class: "bad" }, `a CPtr below 2^${wordBits} (decimal or 0x hex) and a depth from 1 to ${wordBits}`),
      );
      return;
    }
    app.cptr = { cptr, depth };
    render(app);
  });
  $("capdl-export").addEventListener("click", () => {
    if (!app.ran) return;
    const out = exportAt(app.ran, app.at);
    const box = $("capdl-out");
    box.className = out.kind === "text" ? "mono capdl" : "mono capdl bad";
    box.textContent =
      out.kind === "text"
        ? `-- the state after step ${app.at}\n${out.text}`
        : `capsim does not export this state: ${out.message}`;
  });
  $("capdl-import").addEventListener("click", () => {
    const input = $<HTMLTextAreaElement>("capdl-in");
    const spec = input.value;
    const out = importSpec(spec);
    const result = $("capdl-result");
    const items: HTMLElement[] = [];
    if (out.kind === "built")
      items.push(el("p", { class: "ok" }, `seL4 built the whole spec in ${out.invocations} invocations.`));
    else items.push(el("pre", { class: "mono bad" }, out.message));
    const line = out.kind === "built" ? undefined : out.line;
    if (line !== undefined) {
      // the spec line named, shown and selected in the paste box
      const lines = spec.split("\n");
      const from = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
      input.focus();
      input.setSelectionRange(from, from + (lines[line - 1]?.length ?? 0));
      items.push(el("p", { class: "mono", "data-testid": "capdl-line" }, `line ${line}: ${lines[line - 1] ?? ""}`));
    }
    if (out.kind !== "rejected") {
      for (const n of out.notes) items.push(el("p", { class: "mono" }, `note: ${n}`));
      const open = el("button", { type: "button", "data-testid": "capdl-open" }, "Step through the replay");
      open.addEventListener("click", () => {
        clearTimeout(timer);
        app.editor.setText(out.scenario);
        clearTimeout(timer);
        select.value = "";
        // a refused replay opens at the refusal, a built one at its end
        load(out.scenario, Number.MAX_SAFE_INTEGER, true);
      });
      items.push(open);
    }
    result.replaceChildren(...items);
  });
  $("cspace").addEventListener("click", (e) => {
    const li = (e.target as HTMLElement).closest<HTMLElement>("li[data-slot]");
    if (!li) return;
    app.capSlot = Number(li.dataset.slot) as SlotAddr;
    render(app);
  });
  $("share").addEventListener("click", () => {
    history.replaceState(null, "", shareFragment(app.editor.text(), app.at, app.exercise));
    void navigator.clipboard?.writeText(location.href).catch(() => undefined);
    $("status").textContent = "link in the address bar";
  });
  $<HTMLSelectElement>("directory").addEventListener("change", (e) => {
    app.root = Number((e.target as HTMLSelectElement).value) as PhysAddr;
    app.opened = [];
    app.selected = undefined;
    render(app);
  });
  $("grids").addEventListener("click", (e) => {
    const seg = (e.target as HTMLElement).closest<HTMLElement>(".seg.entry");
    if (!seg?.dataset.table || !app.ran) return;
    const t = teachingOf(app.ran.report.machine.state.config);
    const level = Number(seg.dataset.level);
    const table = Number(seg.dataset.table) as PhysAddr;
    const index = Number(seg.dataset.index);
    app.selected = { level, table, index };
    // a table entry opens the table it points at one level down, closing the deeper ones
    const depth = level - t.rootLevel;
    if (seg.dataset.next) {
      const base = Number(seg.dataset.base);
      app.opened = [...app.opened.slice(0, depth), { table: Number(seg.dataset.next) as PhysAddr, base, from: index }];
    }
    render(app);
  });

  const editorReady = performance.now();
  load(first, shared?.step ?? 0);
  const readyAt = performance.now();
  const hooks = {
    ready: true,
    readyAt,
    /** where the time to interactive went, for the benchmark: modules, editor, first run and drawing */
    timings: {
      scriptStart: SCRIPT_START,
      modulesReady: MODULES_READY,
      started,
      editorMs: editorReady - started,
      loadMs: readyAt - editorReady,
    },
    position: () => app.at,
    positions: () => (app.ran ? positions(app.ran) : 0),
    goTo,
    text: () => app.editor.text(),
    setText: (t: string) => app.editor.setText(t),
    diagnostics: () => app.editor.diagnostics(),
    /** whether CodeMirror has taken over from the plain text box, and when */
    editorReady: () => editorAt !== undefined,
    editorAt: () => editorAt,
    loadExample: (file: string) => {
      select.value = file;
      select.dispatchEvent(new Event("change"));
    },
    shareURL: () => `${location.href.replace(/#.*$/, "")}${shareFragment(app.editor.text(), app.at, app.exercise)}`,
    cspaceMs: () => app.cspaceMs,
    answers: () => (app.ran ? app.ran.report.steps.map(answerOf) : []),
  };
  Object.assign(window, { __capsim: hooks });
  // codemirror.js comes after this script: it may have run already (a cached page), or will soon
  upgrade();
  if (editorAt === undefined) $("editor-script").addEventListener("load", upgrade);
}

function renderTimeline(app: App): void {
  const ran = app.ran;
  if (!ran) return;
  const list = $("steps");
  list.replaceChildren(
    el("li", { "data-at": "0" }, "0. boot"),
    ...ran.report.steps.map((s) =>
      hidden(app, s.index)
        ? el("li", { "data-at": String(s.index), class: "hidden" }, `${s.index}. ${s.action}: ?`)
        : el("li", { "data-at": String(s.index), class: stepFailed(s) ? "failed" : "" }, stepLabel(s)),
    ),
  );
  $<HTMLInputElement>("position").max = String(positions(ran) - 1);
}

function render(app: App): void {
  const ran = app.ran;
  if (!ran) return;
  const state = stateAt(ran, app.at);
  $<HTMLInputElement>("position").value = String(app.at);
  $("where").textContent = `${app.at} / ${positions(ran) - 1}`;
  for (const li of $("steps").children)
    li.classList.toggle("current", (li as HTMLElement).dataset.at === String(app.at));
  $("steps").children[app.at]?.scrollIntoView({ block: "nearest" });
  renderPredict(app, ran);
  renderNarration(app, ran);
  $("changes").replaceChildren(
    el("h2", {}, "What the step changed"),
    ...changesPanel(app.at >= 1 ? diffStates(stateAt(ran, app.at - 1), state) : undefined),
  );
  renderGrids(app, ran, state);
  renderWalk(app, ran, state);
  renderCPtr(app, ran, state);
  // The CSpace view checks every cap's mapping against the tables, the slowest view by far in a
  // long scenario: it is drawn just after the step, and skipped when the timeline has moved on.
  clearTimeout(app.cspaceTimer);
  app.cspaceTimer = setTimeout(() => {
    const t = performance.now();
    renderCSpace(app, ran, state);
    $("asids").replaceChildren(...asidPanel(asidTableView(state), tlbView(state), teachingOf(state.config).rootName));
    renderGraph(app, ran, state);
    app.cspaceMs = performance.now() - t;
  }, 0);
}

/** The address a `resolve` step asks about, with the VSpace root its vspace names. */
function resolveOf(ran: Ran, at: number, state: KernelState): { va: number; root: PhysAddr | undefined } | undefined {
  const step = ran.scenario.steps[at - 1];
  if (step === undefined || !("resolve" in step)) return undefined;
  const slot = ran.report.names.get(step.resolve.vspace);
  const cap = slot === undefined ? undefined : capAt(state, ran.report.machine.initThread, slot);
  return {
    va: step.resolve.vaddr,
    root: cap?.type === "PageDirectory" || cap?.type === "VSpace" ? cap.paddr : undefined,
  };
}

const WALK_STEP_MS = 350;

/** The walk panel: the entries appear one by one, then the translation or the fault. */
function renderWalk(app: App, ran: Ran, state: KernelState): void {
  clearTimeout(app.walkTimer);
  const fromStep = resolveOf(ran, app.at, state);
  const va = app.walkVA ?? fromStep?.va;
  const rootAt = (app.walkVA === undefined ? fromStep?.root : undefined) ?? app.root;
  const root = rootAt === undefined ? undefined : vspaceRootAt(state, rootAt);
  const box = $("walk");
  if (va === undefined || root === undefined) {
    $<HTMLInputElement>("walk-va").value = "";
    box.replaceChildren(el("em", {}, "type an address, or step to a resolve"));
    return;
  }
  if (app.walkVA === undefined) $<HTMLInputElement>("walk-va").value = hex(va);
  const w = walkView(state, root, va as VirtAddr);
  box.replaceChildren(...walkPanel(w, app.walkShown));
  if (app.walkShown < w.entries.length)
    app.walkTimer = setTimeout(() => {
      app.walkShown++;
      renderWalk(app, ran, state);
    }, WALK_STEP_MS);
}

/**
 * The CPtr lookup panel: a typed CPtr resolves in the state shown; otherwise an invoke step's cap
 * resolves in the state before the step, as the kernel looked it up.
 */
function renderCPtr(app: App, ran: Ran, state: KernelState): void {
  const box = $("cptr-view");
  const tcb = ran.report.machine.initThread;
  if (app.cptr !== undefined) {
    const root = threadCSpaceRoot(state, tcb);
    box.replaceChildren(...cptrPanel(cptrResolution(state, root, app.cptr.cptr, app.cptr.depth)));
    return;
  }
  const raw = ran.scenario.steps[app.at - 1];
  const cptr = raw === undefined ? undefined : invokedCPtr(raw, ran.report.names);
  if (cptr === undefined) {
    $<HTMLInputElement>("cptr").value = "";
    box.replaceChildren(el("em", {}, "type a CPtr, or step to an invocation"));
    return;
  }
  $<HTMLInputElement>("cptr").value = String(cptr);
  box.replaceChildren(
    el("p", {}, `How step ${app.at} found the cap it invokes, in the state before it:`),
    ...cptrPanel(threadCPtrResolution(stateAt(ran, app.at - 1), tcb, cptr)),
  );
}

/** The CSpace tree of the initial thread, and the derivation tree of the cap clicked. */
function renderCSpace(app: App, ran: Ran, state: KernelState): void {
  const root = rootCNodeOf(state, ran.report.machine.initThread);
  if (root === undefined) {
    $("cspace").replaceChildren(el("em", {}, "the initial thread has no CSpace root now"));
    return;
  }
  $("cspace").replaceChildren(cspacePanel(cnodeView(state, root, ran.report.names), app.capSlot));
  const cdt = $("cdt");
  if (app.capSlot === undefined || state.ctes.get(app.capSlot) === undefined)
    cdt.replaceChildren(el("em", {}, "click a cap for its derivation tree"));
  else cdt.replaceChildren(...cdtPanel(cdtView(state, app.capSlot)));
}

/** The object graph of the initial thread's CSpace and every VSpace, the step's changes in red. */
function renderGraph(app: App, ran: Ran, state: KernelState): void {
  const root = rootCNodeOf(state, ran.report.machine.initThread);
  const box = $("graph");
  if (root === undefined) {
    box.replaceChildren(el("em", {}, "the initial thread has no CSpace root now"));
    return;
  }
  const g = objectGraph(state, root, {
    boot: stateAt(ran, 0),
    ...(app.at >= 1 ? { before: stateAt(ran, app.at - 1) } : {}),
    names: ran.report.names,
  });
  box.replaceChildren(graphSvg(g));
}

/** Whether a step's result is hidden from the learner now. */
const hidden = (app: App, index: number): boolean => app.exercise && !app.revealed.has(index);

/** The first step whose result is hidden (one past the last step when none is): the timeline stops before it. */
function firstHidden(app: App, ran: Ran): number {
  for (const s of ran.report.steps) if (hidden(app, s.index)) return s.index;
  return positions(ran);
}

/** The exercise box: predict the next step's result, or open its solution. */
function renderPredict(app: App, ran: Ran): void {
  const box = $("predict");
  box.hidden = !app.exercise;
  if (!app.exercise) return;
  const next = stepAt(ran, app.at + 1);
  const verdict = app.verdict
    ? [
        el(
          "p",
          {
            class: app.verdict.startsWith("Right") ? "ok" : app.verdict.startsWith("Not") ? "bad" : "",
            "data-testid": "verdict",
          },
          app.verdict,
        ),
      ]
    : [];
  if (next === undefined || !hidden(app, next.index)) {
    box.replaceChildren(
      el("h2", {}, "Exercise"),
      ...verdict,
      el("p", {}, next ? "Step forward to the next step." : "Every step is done."),
    );
    return;
  }
  box.replaceChildren(
    el("h2", {}, "Exercise"),
    ...verdict,
    el(
      "p",
      {},
      `Step ${next.index} (line ${next.line}): ${next.action}. What will happen? seL4's answer (ok or the error's name), for a resolve the physical address or "not mapped", for a read the value, for a memory access that faults "VM fault".`,
    ),
    el(
      "form",
      { "data-testid": "predict-form" },
      el("input", { id: "guess", list: "answers", "data-testid": "guess", autocomplete: "off", size: "28" }),
      " ",
      el("button", { type: "submit", "data-testid": "check" }, "Check"),
    ),
    el(
      "details",
      { class: "solution", "data-testid": "solution" },
      el("summary", {}, "Solution"),
      el("p", { class: "mono" }, answerOf(next)),
    ),
  );
}

function renderNarration(app: App, ran: Ran): void {
  const box = $("narration");
  const step = stepAt(ran, app.at);
  const body: HTMLElement[] = [];
  if (step === undefined)
    body.push(el("p", {}, "Straight after boot: the root task's CSpace and VSpace as seL4 builds them."));
  else {
    const ok = step.outcome.kind === "ok";
    body.push(
      el(
        "p",
        { "data-testid": "result" },
        `Step ${step.index} (line ${step.line}): ${step.action} -> `,
        el("b", { class: ok ? "ok" : "bad" }, step.result),
      ),
    );
    if (step.note) body.push(el("p", {}, `note: ${step.note}`));
    if (step.checks !== undefined && step.checks.length > 0) body.push(checksList(step));
    if (step.why) body.push(el("p", {}, `why: ${step.why}`));
    if (!ok && step.outcome.kind === "error")
      body.push(el("p", {}, "A failed invocation changes nothing: the state is exactly as before."));
    for (const e of step.effects)
      body.push(el("p", { class: "mono" }, `effect: ${e.kind === "note" ? e.text : e.kind}`));
    body.push(
      el(
        "p",
        { class: step.held ? "ok" : "bad" },
        step.held ? "As the scenario expected." : `The scenario expected ${step.expected ?? "something else"}.`,
      ),
    );
  }
  box.replaceChildren(el("h2", {}, "This step"), ...body);
}

/** The checks the kernel made, in seL4's order: every one passed, or the last one refused the call. */
function checksList(step: StepReport): HTMLElement {
  const checks = step.checks ?? [];
  const refused = step.outcome.kind === "error" ? `refused: ${step.result}` : undefined;
  return el(
    "ol",
    { class: "mono", "data-testid": "checks" },
    ...checks.map((c, i) =>
      i === checks.length - 1 && refused !== undefined
        ? el("li", { class: "bad" }, `${c}: ${refused}`)
        : el("li", { class: "ok" }, `${c}: ok`),
    ),
  );
}

/** The slots of a table that the step leading to this position changed. */
function changedSlots(ran: Ran, at: number, table: PhysAddr): Set<number> {
  if (at < 1) return new Set();
  const was = stateAt(ran, at - 1);
  const now = stateAt(ran, at);
  const before = was.objects.get(table);
  const after = now.objects.get(table);
  if (before === undefined || after === undefined || before.type !== after.type) return new Set();
  if ((before.type === "PageDirectory" || before.type === "PageTable") && after.type === before.type)
    return new Set(entriesOf(was, before).changedKeys(entriesOf(now, after)));
  if ((before.type === "VSpace" || before.type === "PageTable64") && after.type === before.type)
    return new Set(entriesOf(was, before).changedKeys(entriesOf(now, after)));
  return new Set();
}

/** The test ids of a level's grid and entries: ARM32's pd and pt (pde-N, pte-N), AArch64's l0..l3 (l0e-N, ...). */
const gridName = (state: KernelState, level: number): string =>
  state.config.arch === "aarch32" ? (level === 1 ? "pd" : "pt") : `l${level}`;

interface GridPlace {
  readonly level: number;
  readonly name: string;
  readonly table: PhysAddr;
  /** the first address the table covers */
  readonly base: number;
  readonly spanBits: number;
}

function segmentElement(
  seg: Segment,
  at: GridPlace,
  changed: ReadonlySet<number>,
  selected: Selection | undefined,
  aboveUserTop: string,
): HTMLElement {
  if (seg.kind === "invalid") {
    const slots = seg.first === seg.last ? `slot ${seg.first}` : `slots ${seg.first}-${seg.last}`;
    const label = seg.kernel ? ` (${aboveUserTop})` : "";
    return el("div", { class: `seg invalid${seg.kernel ? " kernel" : ""}` }, `${slots}: invalid${label}`);
  }
  const r = seg.link;
  const slots = r.count > 1 ? `slots ${r.index}-${r.index + r.count - 1}` : `slot ${r.index}`;
  const va = at.base + r.index * 2 ** at.spanBits;
  let hit = false;
  for (let i = r.index; i < r.index + r.count; i++) hit ||= changed.has(i);
  const isSelected = selected?.level === at.level && selected.table === at.table && selected.index === r.index;
  const attrs: Record<string, string> = {
    class: `seg entry${seg.kernel ? " kernel" : ""}${hit ? " changed" : ""}${isSelected ? " selected" : ""}`,
    "data-table": String(at.table),
    "data-level": String(at.level),
    "data-index": String(r.index),
    "data-base": String(va),
    "data-testid": `${at.name}e-${r.index}`,
  };
  if (r.kind === "Table") attrs["data-next"] = String(r.paddr);
  return el("div", attrs, `${slots} @${hex(va)}: ${seg.words}`);
}

/** The root's valid entries at or above USER_TOP, folded into one shaded line that opens on a click. */
function kernelFold(items: HTMLElement[], count: number, aboveUserTop: string): HTMLElement {
  const d = el("details", { class: "seg kernel" }, el("summary", {}, `${aboveUserTop}: ${count} valid entries`));
  d.append(...items);
  return d;
}

/** One level's grid: a heading and the table's segments, kernel part folded at the root. */
function gridOf(app: App, ran: Ran, state: KernelState, at: GridPlace, title: string): HTMLElement[] {
  const t = teachingOf(state.config);
  const changed = changedSlots(ran, app.at, at.table);
  const user: HTMLElement[] = [];
  const kernel: HTMLElement[] = [];
  let kernelEntries = 0;
  for (const seg of tableSegments(state, at.table, at.level)) {
    const e = segmentElement(seg, at, changed, app.selected, t.aboveUserTop);
    if (!seg.kernel) user.push(e);
    else {
      kernel.push(e);
      if (seg.kind === "entry") kernelEntries++;
    }
  }
  const body = at.level === t.rootLevel ? [...user, kernelFold(kernel, kernelEntries, t.aboveUserTop)] : user;
  return [
    el("h3", { "data-testid": `${at.name}-title` }, title),
    el("div", { class: "grid", id: `${at.name}-grid`, "data-testid": `${at.name}-grid` }, ...body),
  ];
}

/**
 * The grids: the VSpace root, then each table the learner opened below it (ARM32: a page table;
 * AArch64: level 1, 2 and 3 tables), then a hint for the next level while there is one.
 */
function renderGrids(app: App, ran: Ran, state: KernelState): void {
  const t = teachingOf(state.config);
  const choices = rootsOf(state, ran.report.machine.initThread);
  const picker = $<HTMLSelectElement>("directory");
  if (app.root === undefined || !choices.some((c) => c.paddr === app.root)) {
    app.root = choices[0]?.paddr;
    app.opened = [];
  }
  picker.replaceChildren(...choices.map((c) => el("option", { value: String(c.paddr) }, c.label)));
  const grids = $("grids");
  if (app.root === undefined) {
    grids.replaceChildren(el("em", {}, `no ${t.rootName}`));
    renderBits(app, state);
    return;
  }
  picker.value = String(app.root);
  const place = (level: number, table: PhysAddr, base: number): GridPlace => ({
    level,
    name: gridName(state, level),
    table,
    base,
    spanBits: t.spanBits(level),
  });
  const out = gridOf(
    app,
    ran,
    state,
    place(t.rootLevel, app.root, 0),
    `${t.structureName(t.rootLevel)} @${hex(app.root)}`,
  );
  let level = t.rootLevel + 1;
  for (const o of app.opened) {
    // a table deleted under its entry ends the chain: the grids stop where the tables do
    if (!tableExists(state, o.table)) break;
    out.push(
      ...gridOf(
        app,
        ran,
        state,
        place(level, o.table, o.base),
        `${t.structureName(level)} @${hex(o.table)} (from slot ${o.from}, covers ${hex(o.base)})`,
      ),
    );
    level++;
  }
  if (level <= t.leafLevel)
    out.push(
      el("h3", {}, t.structureName(level)),
      el(
        "div",
        { class: "grid", id: `${gridName(state, level)}-grid`, "data-testid": `${gridName(state, level)}-grid` },
        el("em", {}, `click a page-table entry above to open the ${t.structureName(level)} it points at`),
      ),
    );
  grids.replaceChildren(...out);
  renderBits(app, state);
}

function renderBits(app: App, state: KernelState): void {
  const box = $("bits");
  const sel = app.selected;
  const table = sel ? state.objects.get(sel.table) : undefined;
  if (!sel || !table || !teachingOf(state.config).isPagingStructure(table)) {
    box.replaceChildren(el("h2", {}, "Descriptor bits"), el("em", {}, "click an entry"));
    return;
  }
  const d = teachingOf(state.config).describeEntry(state, sel.table, sel.index, sel.level);
  box.replaceChildren(
    el("h2", {}, `Descriptor bits: slot ${sel.index} of the ${d.structure} @${hex(sel.table)}`),
    ...descriptorPanel(d),
  );
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
