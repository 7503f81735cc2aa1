import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/scenario/run.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";
import { rng } from "../../src/model/random.ts";

/**
 * Hostile scenario files: mutations of the examples and of the invalid corpus (line, byte,
 * number, encoding and YAML-structure edits, alias bombs, deep nesting, Object.prototype names,
 * huge files), each case a pure function of (seed, index) so a failing case can be regenerated
 * from its two numbers. `classify` runs one case in-process and says what became of it.
 */

export { rng };

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)] as T;

const DIRS = ["examples", "test/scenarios/invalid"];

/** The seed files' texts, read once. */
export const SEEDS: readonly { readonly file: string; readonly text: string }[] = DIRS.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({ file: join(d, f), text: readFileSync(join(d, f), "utf8") })),
);

const NUMBERS = [
  "-1",
  "-4096",
  "0.5",
  "4096.5",
  "4294967295",
  "4294967296",
  "0x110000000",
  "0xffffffffffffffff",
  "9007199254740993",
  "1e300",
  ".nan",
  ".inf",
  "-.inf",
  "-0",
  "0x",
  "0x1g",
  "'12'",
  '"0x10"',
  "!!str 5",
  "!!binary aGk=",
  "16GiB",
  "4KiB",
  "0",
  "null",
  "~",
  "true",
  "[]",
  "{}",
  "18446744073709551616",
];
const PROTO = [
  "toString",
  "constructor",
  "__proto__",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "__defineGetter__",
  "prototype",
];
const JUNK = [
  ":",
  "{",
  "}",
  "[",
  "]",
  " - ",
  "&a ",
  "*a",
  "<<: *a",
  "? ",
  "|",
  ">",
  "#",
  "!",
  "%",
  "@",
  "`",
  '"',
  "'",
  ",",
  "\t",
  "\0",
  "\r",
  "\ufeff",
  "\ufffd",
  "\u2028",
  "---",
  "...",
  "  ",
];

/** Replace the k-th number-looking token (decimal, hex, size) with a hostile one. */
function replaceNumber(r: Rand, text: string, all: boolean): string {
  let n = 0;
  const target = int(r, 40);
  return text.replace(/\b(0x[0-9a-fA-F]+|\d+(?:KiB|MiB|GiB)?)\b/g, (m) =>
    all || n++ === target ? pick(r, NUMBERS) : m,
  );
}

/** Replace a word-like value with an Object.prototype name. */
function replaceWord(r: Rand, text: string): string {
  let n = 0;
  const target = int(r, 30);
  return text.replace(/(:\s*)([A-Za-z_][\w[\]]*)/g, (m, pre: string) =>
    n++ === target ? `${pre}${pick(r, PROTO)}` : m,
  );
}

const lines = (t: string) => t.split("\n");

/** An alias bomb: `levels` levels, each `width` aliases of the one below. */
function billionLaughs(levels: number, width: number): string {
  const out = ["name: laughs", "l0: &l0 [lol, lol]"];
  for (let i = 1; i <= levels; i++)
    out.push(
      `l${i}: &l${i} [${Array(width)
        .fill(`*l${i - 1}`)
        .join(", ")}]`,
    );
  return `${out.join("\n")}\nsteps:\n  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000 }\n`;
}

/** Steps that reach the kernel, with hostile values, shaped as valid steps. */
function grammarStep(r: Rand): string {
  const name = pick(r, [
    "frame",
    "pt",
    "InitThreadVSpace",
    "InitThreadCNode",
    "InitThreadTCB",
    "untyped[0]",
    '"untyped[3]"',
    "ASIDControl",
    "InitThreadASIDPool",
    ...PROTO,
  ]);
  const num = () => (r() < 0.6 ? `0x${int(r, 2 ** 32).toString(16)}` : pick(r, NUMBERS));
  return pick(r, [
    `  - revoke: InitThreadCNode`,
    `  - delete: ${name}`,
    `  - retype: { type: ${pick(r, ["seL4_ARM_SmallPageObject", "seL4_ARM_PageTableObject", "seL4_ARM_PageDirectoryObject", "seL4_UntypedObject", "seL4_CapTableObject", ...PROTO])}, as: ${pick(r, ["frame", "pt", "x"])}, size_bits: ${pick(r, ["0", "12", num()])} }`,
    `  - invoke: ${pick(r, ["seL4_ARM_Page_Map", "seL4_ARM_PageTable_Map", "seL4_Untyped_Retype", "seL4_CNode_Mint", "seL4_ARM_Page_Clean_Data", "seL4_ARM_PageDirectory_Clean_Data", "seL4_TCB_SetSpace", ...PROTO])}\n    cap: ${name}\n    args: { vspace: InitThreadVSpace, vaddr: ${num()}, rights: ${pick(r, ["RW", "R", ...PROTO, num()])}, attr: ${pick(r, ["default", "[ExecuteNever]", `[${pick(r, PROTO)}]`, num()])} }`,
    `  - resolve: { vspace: ${name}, vaddr: ${num()} }`,
    `  - read: { vaddr: ${num()}, length: ${pick(r, ["1", "4", "4096", "4097", num()])} }`,
    `  - write: { vaddr: ${num()}, bytes: [${num()}, 1] }`,
    `  - switch: { thread: ${name} }`,
    `  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000 }\n    expect: { ok: { ${pick(r, PROTO)}: 1 } }`,
    `  - invoke: seL4_ARM_Page_GetAddress\n    cap: ${name}\n    expect: { ok: { paddr: { paddrOf: ${name} } } }`,
  ]);
}

/** The mutation operators: each takes a seed file's text and returns a hostile one. */
/** `big` is the largest size an operator that makes something big (nesting, lines, files) may draw. */
const OPERATORS: readonly [name: string, weight: number, op: (r: Rand, t: string, big: number) => string][] = [
  [
    "deleteLine",
    4,
    (r, t) => {
      const ls = lines(t);
      ls.splice(int(r, ls.length), 1);
      return ls.join("\n");
    },
  ],
  [
    "duplicateLine",
    4,
    (r, t) => {
      const ls = lines(t);
      const i = int(r, ls.length);
      ls.splice(i, 0, ls[i] ?? "");
      return ls.join("\n");
    },
  ],
  [
    "swapLines",
    3,
    (r, t) => {
      const ls = lines(t);
      const i = int(r, ls.length);
      const j = int(r, ls.length);
      [ls[i], ls[j]] = [ls[j] ?? "", ls[i] ?? ""];
      return ls.join("\n");
    },
  ],
  [
    "indent",
    3,
    (r, t) => {
      const ls = lines(t);
      const i = int(r, ls.length);
      ls[i] = pick(r, ["", " ", "   ", "\t", "        "]) + (ls[i] ?? "").trimStart();
      return ls.join("\n");
    },
  ],
  [
    "junk",
    6,
    (r, t) => {
      const at = int(r, t.length + 1);
      return t.slice(0, at) + pick(r, JUNK) + t.slice(at);
    },
  ],
  [
    "randomBytes",
    3,
    (r, t) => {
      const at = int(r, t.length + 1);
      return (
        t.slice(0, at) + String.fromCharCode(...Array.from({ length: 1 + int(r, 16) }, () => int(r, 256))) + t.slice(at)
      );
    },
  ],
  ["truncate", 3, (r, t) => t.slice(0, int(r, t.length))],
  ["number", 8, (r, t) => replaceNumber(r, t, false)],
  ["allNumbers", 2, (r, t) => replaceNumber(r, t, true)],
  ["protoWord", 5, (r, t) => replaceWord(r, t)],
  ["protoKey", 2, (r, t) => t.replace(/^(\s*)(\w+):/m, `$1${pick(r, PROTO)}:`)],
  ["crlf", 1, (_, t) => t.replace(/\n/g, "\r\n")],
  ["loneCR", 1, (_, t) => t.replace(/\n/g, "\r")],
  ["bom", 1, (_, t) => `\ufeff${t}`],
  ["utf16", 1, (_, t) => `\ufffd\ufffd${[...t].map((c) => `${c}\0`).join("")}`],
  [
    "nonUtf8",
    1,
    (r, t) => {
      const at = int(r, t.length + 1);
      return `${t.slice(0, at)}\ufffd\ufffd${t.slice(at)}`;
    },
  ],
  [
    "anchorAlias",
    3,
    (r, t) =>
      t
        .replace(/(vspace: )InitThreadVSpace/, "$1&v InitThreadVSpace")
        .replace(/(vspace: )InitThreadVSpace/g, () => (r() < 0.5 ? "vspace: *v" : "vspace: *nope")),
  ],
  [
    "unresolvedAlias",
    2,
    (r, t) => {
      const ls = lines(t);
      const i = int(r, ls.length);
      ls[i] = (ls[i] ?? "").replace(/: .*/, ": *missing");
      return ls.join("\n");
    },
  ],
  [
    "mergeKey",
    1,
    (_, t) => t.replace(/^steps:/m, "base: &b { expect: ok }\nsteps:").replace(/^(\s+)expect: ok/m, "$1<<: *b"),
  ],
  ["laughs", 2, (r) => billionLaughs(3 + int(r, 8), 2 + int(r, 9))],
  [
    "deepFlow",
    2,
    (r, t, big) => {
      const d = 50 + int(r, big);
      const open = pick(r, ["[", "{a: ", "{"]);
      return t.replace(/^steps:/m, `deep: ${open.repeat(d)}\nsteps:`);
    },
  ],
  [
    "deepBlock",
    1,
    (r, t, big) => {
      const d = 50 + int(r, big / 20);
      return `${t}\ndeep:\n${Array.from({ length: d }, (_, i) => `${" ".repeat(i)}- `).join("\n")}x\n`;
    },
  ],
  ["duplicateKey", 2, (_, t) => t.replace(/^name: .*/m, (m) => `${m}\n${m}`)],
  ["multiDoc", 1, (r, t) => pick(r, [`${t}\n---\n${t}`, `%YAML 1.2\n---\n${t}`, `--- !!map\n${t}`, "---\n"])],
  ["empty", 1, (r) => pick(r, ["", "\ufeff", "\n\n", "null", "[]", "name: x", "steps: []"])],
  [
    "grammar",
    8,
    (r, t) => `${t.replace(/\n*$/, "")}\n${Array.from({ length: 1 + int(r, 6) }, () => grammarStep(r)).join("\n")}\n`,
  ],
  ["revokeRoot", 2, (r, t) => t.replace(/^steps:\n/m, `steps:\n  - revoke: InitThreadCNode\n${grammarStep(r)}\n`)],
  ["longLine", 1, (r, t, big) => t.replace(/^(\s+- invoke: )\S+/m, `$1${"x".repeat(1000 + int(r, big))}`)],
  [
    "hugeFile",
    1,
    (r, t, big) =>
      `${t.replace(/\n*$/, "")}\n${"  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000 }\n".repeat(100 + int(r, big / 2))}`,
  ],
  [
    "splice",
    2,
    (r, t) => {
      const o = pick(r, SEEDS).text;
      const a = int(r, t.length);
      const b = int(r, o.length);
      return t.slice(0, a) + o.slice(b);
    },
  ],
];
const TOTAL_WEIGHT = OPERATORS.reduce((n, [, w]) => n + w, 0);

function operator(r: Rand): (typeof OPERATORS)[number] {
  let x = r() * TOTAL_WEIGHT;
  for (const o of OPERATORS) if ((x -= o[1]) < 0) return o;
  return OPERATORS[0] as (typeof OPERATORS)[number];
}

export interface HostileCase {
  readonly index: number;
  readonly name: string;
  readonly text: string;
  readonly checkInvariants: boolean;
}

/** Sizes of the big operators: the full campaign reaches past every limit; the light one (npm test) stays quick. */
export const FULL_SIZE = 45_000;
export const LIGHT_SIZE = 1_500;

/** Case `index` of the campaign `seed`: a seed file with one to four operators applied. */
export function hostileCase(seed: number, index: number, big = FULL_SIZE): HostileCase {
  const r = rng((seed * 0x9e3779b1 + index * 0x85ebca6b) >>> 0);
  const base = pick(r, SEEDS);
  const ops = Array.from({ length: r() < 0.7 ? 1 : 2 + int(r, 3) }, () => operator(r));
  let text = base.text;
  for (const [, , op] of ops) text = op(r, text, big);
  return { index, name: `${base.file} + ${ops.map(([n]) => n).join(" + ")}`, text, checkInvariants: r() < 0.5 };
}

/** What one case came to. Only the last three are defects. */
export type Verdict =
  | { readonly kind: "passed" | "failed" | "invalid" }
  | { readonly kind: "crash" | "internal" | "violation" | "noLine"; readonly message: string };

export const DEFECTS: ReadonlySet<Verdict["kind"]> = new Set(["crash", "internal", "violation", "noLine"]);

/**
 * Load and run a case as `capsim run` would. A usage error must name a line inside the file
 * (or one past its end); anything thrown that is not a usage error is a crash; a step whose
 * outcome is an internal error, or a broken invariant under checkInvariants, is a defect too.
 */
export function classify(c: HostileCase): Verdict {
  try {
    const report = runScenario(loadScenarioText("hostile.yaml", c.text), { checkInvariants: c.checkInvariants });
    const internal = report.steps.find((s) => s.outcome.kind === "internal");
    if (internal) return { kind: "internal", message: internal.result };
    const broken = report.steps.find((s) => s.expected?.startsWith("every invariant to hold"));
    if (broken) return { kind: "violation", message: broken.expected ?? "" };
    return { kind: report.passed ? "passed" : "failed" };
  } catch (e) {
    if (!(e instanceof ScenarioError))
      return { kind: "crash", message: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 500) : String(e) };
    const lineCount = c.text.split(/\r\n|\r|\n/).length;
    if (e.line < 1 || e.line > lineCount + 1) return { kind: "noLine", message: e.message.slice(0, 500) };
    return { kind: "invalid" };
  }
}
