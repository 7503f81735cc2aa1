import type { PMap } from "../../model/pmap.ts";

/*
 * What the cached full check (checkAllCached) keeps between states: for a rule over the entries
 * of a store (a table's entries, the slots), the keys where it fails, per trie node (PMap.fold).
 * Consecutive states, and the runs of one fuzz world, share every node a step did not write, so a
 * full check a few steps after another, or after the world's first state was checked, recomputes
 * only the nodes on the written paths. The caches hold their nodes weakly: they shrink with the
 * states kept alive.
 */

/** A fold's per-node cache of summaries. */
export type FoldCache<S> = WeakMap<object, { readonly prefix: number; readonly summary: S }>;

/** The summary of a run of entries where nothing failed: one shared empty list. */
export const NONE: readonly never[] = [];

/** Two neighbouring runs' lists as one, in key order (a fold's combine; allocates only when both hold something). */
export function joined<T>(a: readonly T[], b: readonly T[]): readonly T[] {
  return a.length === 0 ? b : b.length === 0 ? a : [...a, ...b];
}

/**
 * The keys of `map`, ascending, whose entries fail `fails`, which must depend on the key and
 * value alone once `cache` is chosen (a rule's parameters pick the cache: cachesBy).
 */
export function failingKeys<V>(
  map: PMap<number, V>,
  fails: (key: number, value: V) => boolean,
  cache: FoldCache<readonly number[]>,
): readonly number[] {
  return map.fold<readonly number[]>((k, v) => (fails(k, v) ? [k] : NONE), joined, NONE, cache);
}

/** One cache per parameter set of a rule (a table type, USER_TOP's slot, a machine's config): each set its own. */
export function cachesBy<S>(): (params: string) => FoldCache<S> {
  const caches = new Map<string, FoldCache<S>>();
  return (params) => {
    let c = caches.get(params);
    if (c === undefined) caches.set(params, (c = new WeakMap()));
    return c;
  };
}
