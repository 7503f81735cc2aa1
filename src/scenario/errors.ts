/**
 * A usage error in a scenario file: capsim's own, never the simulated kernel's. It says where
 * (file, line, column, the field's path), what was expected and what was found.
 */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly field: string,
    readonly problem: string,
    readonly suggestion?: string,
  ) {
    super(
      `${file}:${line}:${column}: ${field ? `${shortened(field)}: ` : ""}${shortened(problem)}${suggestion ? `; did you mean "${suggestion}"?` : ""}`,
    );
    this.name = "ScenarioError";
  }
}

/** The longest message part printed whole: a problem quoting a megabyte of the file must not print it back. */
const MAX_SHOWN = 400;

/** `text`, or its start and end around a count of what was left out. */
function shortened(text: string): string {
  if (text.length <= MAX_SHOWN) return text;
  const keep = MAX_SHOWN / 2;
  return `${text.slice(0, keep)} ...(${text.length - 2 * keep} characters)... ${text.slice(-keep)}`;
}

/**
 * A value from the file as a message quotes it: JSON, cut short. JSON.stringify itself would
 * throw on a value nested thousands deep, and print megabytes for a big one.
 */
export function shown(v: unknown, depth = 0): string {
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v);
  if (v === null || typeof v !== "object") return String(v);
  if (depth >= 2) return Array.isArray(v) ? "[...]" : "{...}";
  const entries = Array.isArray(v)
    ? v.map((x) => shown(x, depth + 1))
    : Object.entries(v).map(([k, x]) => `${shown(k)}:${shown(x, depth + 1)}`);
  const inner = entries.length > 4 ? [...entries.slice(0, 4), "..."] : entries;
  return Array.isArray(v) ? `[${inner.join(",")}]` : `{${inner.join(",")}}`;
}

/** Words longer than this get no suggestion: Levenshtein costs their length times each candidate's, and no typo is that long. */
const MAX_SUGGESTED_WORD = 64;

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] as number;
      d[j] = Math.min(
        (d[j] as number) + 1,
        (d[j - 1] as number) + 1,
        prev + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return d[b.length] as number;
}

/** The closest of `candidates` to `word`, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGESTED_WORD) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c.length > MAX_SUGGESTED_WORD) continue;
    const dd = distance(word, c);
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
