/**
 * The capDL tool's lexical rules (capDL-tool/CapDL/ParserUtils.hs, `capDL_Lang`): `--` line
 * comments, nesting `/* … *\/` comments, identifiers that start with a letter and go on with
 * letters, digits and `- _ @ .`, and Parsec naturals (decimal, `0x` hex, `0o` octal; a leading 0
 * is still decimal). Tokens carry their line and column (1-based) so every later error can name
 * them.
 */

export interface Pos {
  readonly line: number;
  readonly column: number;
}

export type Token =
  | { readonly kind: "ident"; readonly text: string; readonly pos: Pos }
  | { readonly kind: "number"; readonly value: number; readonly text: string; readonly pos: Pos }
  | { readonly kind: "punct"; readonly text: string; readonly pos: Pos }
  | { readonly kind: "eof"; readonly text: ""; readonly pos: Pos };

/** A capDL input the tool would refuse, with where and (when we know one) how to fix it. */
export class CapdlError extends Error {
  constructor(
    /** The capDL tool's own message stem where it has one (so a test can match the tool's reason). */
    readonly stem: string,
    readonly pos: Pos | null,
    readonly hint: string | null = null,
    readonly file: string = "",
  ) {
    super(
      `${file ? `${file}:` : ""}${pos ? `line ${pos.line}, column ${pos.column}: ` : ""}${stem}${hint ? `\n  hint: ${hint}` : ""}`,
    );
    this.name = "CapdlError";
  }
  withFile(file: string): CapdlError {
    return new CapdlError(this.stem, this.pos, this.hint, file);
  }
}

const isLetter = (c: string): boolean => /^[A-Za-z]$/.test(c);
const isIdentLetter = (c: string): boolean => /^[A-Za-z0-9\-_@.]$/.test(c);
const PUNCT2 = [".."];
const PUNCT1 = "{}()[],;:=/<>-";

/** An on-demand tokenizer: the parser can also read raw text (the `fill:` entries) from the cursor. */
export class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;
  private peeked: Token | null = null;

  constructor(private readonly src: string) {}

  private advance(n: number): void {
    for (let k = 0; k < n; k++) {
      if (this.src[this.i] === "\n") {
        this.line++;
        this.col = 1;
      } else this.col++;
      this.i++;
    }
  }

  private here(): Pos {
    return { line: this.line, column: this.col };
  }

  skipSpace(): void {
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined) return;
      if (/\s/.test(c)) this.advance(1);
      else if (this.src.startsWith("--", this.i)) {
        while (this.i < this.src.length && this.src[this.i] !== "\n") this.advance(1);
      } else if (this.src.startsWith("/*", this.i)) {
        const start = this.here();
        let depth = 0;
        do {
          if (this.src.startsWith("/*", this.i)) {
            depth++;
            this.advance(2);
          } else if (this.src.startsWith("*/", this.i)) {
            depth--;
            this.advance(2);
          } else if (this.i >= this.src.length) {
            throw new CapdlError("unterminated comment", start, "close it with */ (comments nest)");
          } else this.advance(1);
        } while (depth > 0);
      } else return;
    }
  }

  private lex(): Token {
    this.skipSpace();
    const pos = this.here();
    const c = this.src[this.i];
    if (c === undefined) return { kind: "eof", text: "", pos };
    if (isLetter(c)) {
      let j = this.i + 1;
      while (j < this.src.length && isIdentLetter(this.src[j] as string)) j++;
      const text = this.src.slice(this.i, j);
      this.advance(j - this.i);
      return { kind: "ident", text, pos };
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|[0-9]+)/.exec(this.src.slice(this.i, this.i + 40)) as RegExpExecArray;
      const text = m[0];
      const value = text.length > 2 && (text[1] === "o" || text[1] === "O") ? parseInt(text.slice(2), 8) : Number(text);
      this.advance(text.length);
      if (!Number.isSafeInteger(value))
        throw new CapdlError(`number ${text} is too large`, pos, "capsim reads numbers up to 2^53");
      return { kind: "number", value, text, pos };
    }
    for (const p of PUNCT2)
      if (this.src.startsWith(p, this.i)) {
        this.advance(p.length);
        return { kind: "punct", text: p, pos };
      }
    if (PUNCT1.includes(c)) {
      this.advance(1);
      return { kind: "punct", text: c, pos };
    }
    throw new CapdlError(`unexpected character ${JSON.stringify(c)}`, pos, null);
  }

  peek(): Token {
    this.peeked ??= this.lex();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = null;
    return t;
  }

  /** The raw text up to (not including) `stop`, for `fill:` entries; nothing may be peeked. */
  rawUntil(stop: string): { text: string; pos: Pos } {
    if (this.peeked) throw new Error("rawUntil after peek");
    const pos = this.here();
    const j = this.src.indexOf(stop, this.i);
    if (j < 0) throw new CapdlError(`missing ${JSON.stringify(stop)}`, pos, null);
    const text = this.src.slice(this.i, j);
    this.advance(j - this.i);
    return { text, pos };
  }

  /** Save and restore the cursor, for the few places the tool's parser backtracks (Parsec `try`). */
  mark(): { i: number; line: number; col: number; peeked: Token | null } {
    return { i: this.i, line: this.line, col: this.col, peeked: this.peeked };
  }
  reset(m: { i: number; line: number; col: number; peeked: Token | null }): void {
    this.i = m.i;
    this.line = m.line;
    this.col = m.col;
    this.peeked = m.peeked;
  }
}
