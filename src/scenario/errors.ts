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
      `${file}:${line}:${column}: ${field ? `${field}: ` : ""}${problem}${suggestion ? `; did you mean "${suggestion}"?` : ""}`,
    );
    this.name = "ScenarioError";
  }
}

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
export function closest(
  word: string,
  candidates: Iterable<string>,
): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(word, c);
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3))
    ? best
    : undefined;
}
