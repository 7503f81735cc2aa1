import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from "lz-string";

/*
 * Share by URL: the scenario's text and the timeline position live in the fragment, so nothing
 * is sent to any server (docs/playground.md describes the format):
 *   #s=<lz-string compressToEncodedURIComponent(text)>&step=<N>[&exercise=1]
 */

export interface Shared {
  readonly text: string;
  /** the timeline position: 0 is straight after boot, N after step N */
  readonly step: number;
  /** open in exercise mode: each step's result hidden until the learner predicts it */
  readonly exercise: boolean;
}

/** The fragment (with its `#`) that opens `text` at `step`. */
export function shareFragment(text: string, step: number, exercise = false): string {
  return `#s=${compressToEncodedURIComponent(text)}&step=${step}${exercise ? "&exercise=1" : ""}`;
}

/** What a fragment shares, or undefined when it holds no scenario (or one that does not decompress). */
export function readFragment(hash: string): Shared | undefined {
  const params = new Map<string, string>();
  for (const part of hash.replace(/^#/, "").split("&")) {
    const eq = part.indexOf("=");
    if (eq > 0) params.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const packed = params.get("s");
  if (packed === undefined) return undefined;
  const text = decompressFromEncodedURIComponent(packed);
  if (text === null || text === "") return undefined;
  const step = Number(params.get("step") ?? "0");
  return { text, step: Number.isSafeInteger(step) && step >= 0 ? step : 0, exercise: params.get("exercise") === "1" };
}
