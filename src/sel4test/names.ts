import { basename, extname } from "node:path";

/**
 * sel4test keeps a test's name in a buffer of TEST_NAME_MAX bytes, 64 - 4 * sizeof(seL4_Word)
 * with the terminating NUL: 47 characters on ARM32, 31 on AArch64. Names stay within the
 * smaller, so one file serves both.
 */
export const TEST_NAME_LIMIT = 31;
export const DEFAULT_PREFIX = "CAPSIM";
/** A prefix a user may give: a C identifier short enough to leave room for the file's name. */
export const PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,15}$/;

/** FNV-1a, 32-bit: a short stable tag that keeps two long names that share a start apart. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The sel4test name of a scenario file's test: the prefix and the file's base name, upper case,
 * with every other character an underscore (`examples/01-map-a-frame.yaml` is
 * CAPSIM_01_MAP_A_FRAME). It depends only on the prefix and the file name, so `capsim compare`
 * finds a test's lines however many files were exported together.
 */
export function testNameOf(file: string, prefix: string = DEFAULT_PREFIX): string {
  const stem = basename(file, extname(file))
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const full = stem === "" ? prefix : `${prefix}_${stem}`;
  if (full.length <= TEST_NAME_LIMIT) return full;
  const tag = fnv1a(full).toString(16).padStart(8, "0").slice(0, 4).toUpperCase();
  return `${full.slice(0, TEST_NAME_LIMIT - 5).replace(/_+$/, "")}_${tag}`;
}

const C_KEYWORDS = new Set(["int", "char", "void", "if", "else", "for", "while", "return", "env", "cs"]);

/** Gives each scenario name a distinct C identifier, `cap_` and the name's letters, digits and underscores. */
export class CNames {
  private readonly byName = new Map<string, string>();
  private readonly taken = new Set<string>();

  constructor(private readonly prefix: string) {}

  of(name: string): string {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    const base = `${this.prefix}${name.replace(/[^A-Za-z0-9_]+/g, "_")}`;
    let id = C_KEYWORDS.has(base) ? `${base}_` : base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.taken.add(id);
    this.byName.set(name, id);
    return id;
  }

  /** the names given identifiers so far, in the order they were first asked for */
  entries(): [string, string][] {
    return [...this.byName.entries()];
  }
}
