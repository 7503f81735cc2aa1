/**
 * A fast reader for the plain subset of YAML that scenario files are written in: block maps and
 * sequences by indentation, flow maps and lists on one line, plain scalars (names, decimal and
 * hex integers, true, false, null) and comments. yaml's document model, which keeps every node
 * and its position, reads about 1 MB a second; a 10,000-step scenario is about 1.3 MB, so yaml
 * took over a second before the first step ran (docs/performance.md, "capsim run of a
 * 10,000-step scenario").
 *
 * It gives up (saying on which line) on anything outside the subset, and on anything yaml might
 * read differently or refuse: quotes, anchors, aliases, tags, block scalars, multi-line plain
 * scalars, duplicate keys, tabs, carriage returns, documents markers, a plain scalar that is
 * neither a name nor an integer it can read exactly. The caller then parses with yaml, which
 * gives the data or the error with its line. A test checks that, on every example, on fuzz-written
 * scenarios and on thousands of hostile files, this reader either gives up or gives yaml's data.
 */

/** Where each item of a block sequence starts (1-based line and column), as yaml's node ranges say. */
export type ItemPositions = Map<readonly unknown[], readonly { readonly line: number; readonly column: number }[]>;

export interface PlainParse {
  readonly data: unknown;
  readonly items: ItemPositions;
}

/** What parsePlainYaml gives when the text leaves the subset: the line where it did. */
export interface GaveUp {
  readonly gaveUpAt: number;
}

/** Thrown inside the reader when the text leaves the subset; never escapes parsePlainYaml. */
class GiveUp {}
const GIVE_UP = new GiveUp();
/** The line the reader is on (1-based), for GaveUp. */
let reached = 1;
/**
 * The deepest nesting the reader follows (flow collections inside each other, or block levels):
 * deeper text goes to yaml, which reports nesting too deep for it with the line. Scenario files
 * nest a handful of levels.
 */
const MAX_DEPTH = 64;

interface Line {
  readonly indent: number;
  readonly text: string;
  readonly line: number;
}

const DECIMAL = /^-?(?:0|[1-9][0-9]{0,14})$/;
const HEX = /^0x[0-9a-fA-F]{1,13}$/;
/** A name or size inside a flow collection, as scenario files write them (4KiB, untyped[3]). */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-[\]/ ]*$/;
/** Text on a block line: no colon, no #, not starting with an indicator. */
const TEXT = /^[A-Za-z0-9_(][^:#]*$/;
/**
 * A character no number of YAML 1.2's core schema has (decimal, hex, octal, float, .inf): text
 * starting with a digit is a string for yaml only when it has one.
 */
const NOT_NUMERIC = /[^0-9a-fA-FxXoO.eE+-]/;
/** Plain scalars YAML 1.2's core schema reads as something other than a string. */
const SPECIAL = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;

/**
 * A plain scalar's value as YAML 1.2's core schema reads it (strings matching `strings`), or
 * a give-up outside the forms read exactly here.
 */
function scalar(s: string, strings: RegExp): unknown {
  if (DECIMAL.test(s)) return s === "-0" ? giveUp() : Number(s);
  if (HEX.test(s)) return parseInt(s.slice(2), 16);
  if (SPECIAL.test(s)) return s[0] === "n" || s[0] === "N" ? null : s[0] === "t" || s[0] === "T";
  const digit = s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;
  if (strings.test(s) && !s.endsWith(" ") && (!digit || NOT_NUMERIC.test(s))) return s;
  return giveUp();
}

function giveUp(): never {
  throw GIVE_UP;
}

/** Whether character code `c` may start a key ([A-Za-z_]) or, with `digits`, continue one ([A-Za-z0-9_]). */
function keyChar(c: number, digits: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (digits && c >= 48 && c <= 57);
}

/**
 * The length of the key `text` starts with at `from` (a name followed by a colon and a space or
 * the end), or 0. Written out rather than as a regular expression's exec: a scenario has a key on most lines, and
 * the regular expression's match arrays were a sixth of the reader's time.
 */
function keyLength(text: string, from: number): number {
  let i = from;
  if (!keyChar(text.charCodeAt(i), false)) return 0;
  while (keyChar(text.charCodeAt(i), true)) i++;
  if (text.charCodeAt(i) !== 58 /* : */) return 0;
  const after = text.charCodeAt(i + 1);
  return i + 1 === text.length || after === 32 ? i - from : 0;
}

/**
 * The key `text` starts with at `from`, new to `out`. A key yaml would read as null or a
 * boolean, or one already in the map (yaml refuses duplicates), is a give-up.
 */
function keyOf(text: string, out: Record<string, unknown>, from = 0): string {
  const length = keyLength(text, from);
  if (length === 0) return giveUp();
  const key = text.slice(from, from + length);
  if (key === "__proto__" || SPECIAL.test(key) || Object.hasOwn(out, key)) return giveUp();
  return key;
}

/**
 * Where a line's comment starts: the first # after a space outside quotes (a quote opens only
 * where a scalar may start: the line's start, or after a colon, dash, bracket, brace or comma).
 */
function commentStart(r: string, from: number): number {
  let quote = "";
  let last = "";
  for (let i = from; i < r.length; i++) {
    const c = r[i] as string;
    if (quote !== "") {
      if (c === quote) quote = "";
    } else if ((c === '"' || c === "'") && (i === from || ":-{[,".includes(last))) quote = c;
    else if (c === "#" && r[i - 1] === " ") return i;
    if (c !== " ") last = c;
  }
  return r.length;
}

/**
 * `s` without its leading and trailing spaces. Only spaces: JavaScript's trim also takes a byte
 * order mark or a no-break space, which yaml keeps in a scalar.
 */
function withoutSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (s.charCodeAt(a) === 32) a++;
  while (b > a && s.charCodeAt(b - 1) === 32) b--;
  return s.slice(a, b);
}

/**
 * The significant lines one at a time (indentation, text without its comment and trailing
 * spaces, 1-based line number), each cut from the text when the reader reaches it: a 10,000-step
 * file has about 60,000 lines, and holding a record of each until the end made them all survive
 * into the old generation. Only a line with a # is scanned for where its comment starts.
 */
class Lines {
  /** the next line's first character */
  private start = 0;
  /** the line number of the last line scanned */
  private scanned = 0;
  /** the first # at or after what has been scanned, or -1 */
  private hash: number;
  private current: Line | undefined;

  constructor(private readonly text: string) {
    this.hash = text.indexOf("#");
    this.current = this.scan();
  }

  /** The line the reader is at, or undefined at the end. */
  get peek(): Line | undefined {
    return this.current;
  }

  get atEnd(): boolean {
    return this.current === undefined;
  }

  /** Where the reader is: the current line's number, or past the last line. */
  get lineNumber(): number {
    return this.current?.line ?? this.scanned;
  }

  next(): void {
    this.current = this.scan();
  }

  /** Reads the current line as `l` instead (a map starting on a sequence item's line). */
  replace(l: Line): void {
    this.current = l;
  }

  private scan(): Line | undefined {
    const text = this.text;
    while (this.start <= text.length) {
      const start = this.start;
      const line = ++this.scanned;
      const newline = text.indexOf("\n", start);
      const end = newline < 0 ? text.length : newline;
      this.start = end + 1;
      let at = start;
      while (text.charCodeAt(at) === 32) at++;
      if (at === end || text.charCodeAt(at) === 35 /* # */) continue;
      if (this.hash >= 0 && this.hash < at) this.hash = text.indexOf("#", at);
      let stop = end;
      if (this.hash >= 0 && this.hash < end) stop = start + commentStart(text.slice(start, end), at - start);
      while (stop > at && text.charCodeAt(stop - 1) === 32) stop--;
      const body = text.slice(at, stop);
      if (body.includes("\t") || (at === start && (body.startsWith("---") || body.startsWith("...")))) {
        reached = line;
        giveUp();
      }
      return { indent: at - start, text: body, line };
    }
    return undefined;
  }
}

/**
 * A quoted scalar that is all of `s` from `at` up to its closing quote: its text, and the index
 * after it. Escapes ("\\" in double quotes, '' in single ones) are left to yaml.
 */
function quoted(s: string, at: number): [string, number] {
  const q = s[at] as string;
  const end = s.indexOf(q, at + 1);
  if (end < 0) return giveUp();
  const body = s.slice(at + 1, end);
  if ((q === '"' && body.includes("\\")) || s[end + 1] === q) return giveUp();
  return [body, end + 1];
}

/** Reads one line's flow collection or plain scalar. */
class Flow {
  private at = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  /** The whole string as one value. */
  all(): unknown {
    const v = this.value();
    this.spaces();
    if (this.at !== this.s.length) giveUp();
    return v;
  }

  private spaces(): void {
    while (this.s.charCodeAt(this.at) === 32) this.at++;
  }

  private value(): unknown {
    this.spaces();
    const c = this.s[this.at];
    if (c === "{" || c === "[") {
      if (++this.depth > MAX_DEPTH) giveUp();
      const v = c === "{" ? this.map() : this.list();
      this.depth--;
      return v;
    }
    if (c === '"' || c === "'") {
      const [text, end] = quoted(this.s, this.at);
      this.at = end;
      return text;
    }
    return this.plain();
  }

  /** A plain scalar inside a flow collection: up to the next , [ ] { } */
  private plain(): unknown {
    const start = this.at;
    while (this.at < this.s.length && !",[]{}".includes(this.s[this.at] as string)) this.at++;
    const text = withoutSpaces(this.s.slice(start, this.at));
    if (text === "" || text.includes(":")) giveUp();
    return scalar(text, NAME);
  }

  private map(): Record<string, unknown> {
    this.at++;
    const out: Record<string, unknown> = {};
    this.spaces();
    if (this.s[this.at] === "}") {
      this.at++;
      return out;
    }
    for (;;) {
      this.spaces();
      const key = keyOf(this.s, out, this.at);
      this.at += key.length + 1;
      out[key] = this.value();
      this.spaces();
      const c = this.s[this.at++];
      if (c === "}") return out;
      if (c !== ",") giveUp();
    }
  }

  private list(): unknown[] {
    this.at++;
    const out: unknown[] = [];
    this.spaces();
    if (this.s[this.at] === "]") {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.spaces();
      const c = this.s[this.at++];
      if (c === "]") return out;
      if (c !== ",") giveUp();
    }
  }
}

/** The block structure, line by line. */
class Block {
  private depth = 0;
  readonly items: ItemPositions = new Map();
  constructor(private readonly lines: Lines) {}

  document(): unknown {
    const first = this.lines.peek;
    if (first === undefined || first.indent !== 0) {
      reached = this.lines.lineNumber;
      return giveUp();
    }
    const v = this.node(first);
    if (!this.lines.atEnd) this.beyond();
    return v;
  }

  private node(l: Line): unknown {
    if (++this.depth > MAX_DEPTH) giveUp();
    const v = l.text === "-" || l.text.startsWith("- ") ? this.seq(l.indent) : this.map(l.indent);
    this.depth--;
    return v;
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    const positions: { line: number; column: number }[] = [];
    for (let l = this.lines.peek; l !== undefined && l.indent === indent; l = this.lines.peek) {
      if (!l.text.startsWith("- ")) break;
      reached = l.line;
      let skip = 2;
      while (l.text.charCodeAt(skip) === 32) skip++;
      const rest = l.text.slice(skip);
      if (rest.startsWith("-")) giveUp();
      const column = indent + skip;
      positions.push({ line: l.line, column: column + 1 });
      if (keyLength(rest, 0) > 0) {
        // A map whose first key shares the item's line: read it as if that key began its own line.
        this.lines.replace({ indent: column, text: rest, line: l.line });
        out.push(this.map(column));
      } else {
        this.lines.next();
        out.push(this.inline(rest, indent));
      }
    }
    if ((this.lines.peek?.indent ?? 0) > indent) this.beyond();
    this.items.set(out, positions);
    return out;
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let l = this.lines.peek; l !== undefined && l.indent === indent; l = this.lines.peek) {
      if (l.text.startsWith("- ") || l.text === "-") break;
      reached = l.line;
      const key = keyOf(l.text, out);
      const rest = withoutSpaces(l.text.slice(l.text.indexOf(":") + 1));
      this.lines.next();
      if (rest !== "") {
        out[key] = this.inline(rest, indent);
        continue;
      }
      const next = this.lines.peek;
      if (next !== undefined && next.indent > indent) out[key] = this.node(next);
      else if (next !== undefined && next.indent === indent && next.text.startsWith("- ")) out[key] = this.seq(indent);
      else out[key] = null;
    }
    if ((this.lines.peek?.indent ?? 0) > indent) this.beyond();
    return out;
  }

  /** Gives up at the next line: one the structure read so far cannot take. */
  private beyond(): never {
    reached = this.lines.peek?.line ?? reached;
    return giveUp();
  }

  /** A value written on its key's or item's line; the next line must not continue it. */
  private inline(text: string, indent: number): unknown {
    const next = this.lines.peek;
    if (next !== undefined && next.indent > indent) giveUp();
    const c = text[0];
    if (c === "{" || c === "[") return new Flow(text).all();
    if (c === '"' || c === "'") {
      const [body, end] = quoted(text, 0);
      return end === text.length ? body : giveUp();
    }
    return scalar(text, TEXT);
  }
}

/** The data of `text` and where its block sequences' items start, or the line where yaml must take over. */
export function parsePlainYaml(text: string): PlainParse | GaveUp {
  reached = 1;
  // yaml reads a carriage return inside a line as part of the scalar: such files are yaml's.
  const cr = text.indexOf("\r");
  if (cr >= 0) return { gaveUpAt: text.slice(0, cr).split("\n").length };
  try {
    const block = new Block(new Lines(text));
    const data = block.document();
    return { data, items: block.items };
  } catch {
    // A give-up, or anything the reader did not foresee: yaml reads the file, as it always did.
    return { gaveUpAt: reached };
  }
}
