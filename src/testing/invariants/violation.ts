import type { KernelState } from "../../model/state.ts";

/** One broken invariant: which, what is wrong, and the values that show it. */
export interface Violation {
  readonly invariant: string;
  readonly message: string;
  /** the values that show it (addresses, slots, indices as numbers), for programs rather than people */
  readonly details: ViolationDetails;
}

export type ViolationDetails = Readonly<
  Record<string, string | number | boolean | null>
>;

/** A violation record; `details` defaults to none. */
export const violation = (
  invariant: string,
  message: string,
  details: ViolationDetails = {},
): Violation => ({ invariant, message, details });

/** An invariant checker: returns the violations (none when it holds). */
export type Invariant = (s: KernelState) => Violation[];

/** The violations a one-item rule finds over `items`, appended to `out` (how every full and delta check applies its rule). */
export function collect<T>(
  items: Iterable<T>,
  rule: (item: T) => Violation | undefined,
  out: Violation[] = [],
): Violation[] {
  for (const item of items) {
    const v = rule(item);
    if (v !== undefined) out.push(v);
  }
  return out;
}
