import type { Cap } from "../../model/caps.ts";
import { PMap } from "../../model/pmap.ts";
import type { KernelState } from "../../model/state.ts";
import type { StateChange } from "./change.ts";

/**
 * The mapping records of the caps (what valid_vs_lookup checks a reachable object against),
 * keyed by a number the architecture picks and holding one text per record. A persistent
 * index, kept per slot store and derived from the previous state's, so that consecutive states
 * update it by their changed slots only.
 */
export type Claims = PMap<number, readonly string[]>;

/** One cap's record: its key and its text; undefined for a cap that records no mapping. */
export type ClaimOf = (c: Cap | undefined) => { readonly key: number; readonly what: string } | undefined;

/** The claims of a state under `claimOf`; from those of the state before `change` and its changed slots, when given. */
export function claimsIndex(claimOf: ClaimOf): (s: KernelState, change?: StateChange) => Claims {
  const cache = new WeakMap<object, Claims>();
  const withClaim = (claims: Claims, c: Cap | undefined): Claims => {
    const now = claimOf(c);
    return now ? claims.set(now.key, [...(claims.get(now.key) ?? []), now.what]) : claims;
  };
  const claimsOf = (s: KernelState, change?: StateChange): Claims => {
    const cached = cache.get(s.ctes);
    if (cached) return cached;
    let claims: Claims = change ? claimsOf(change.before) : PMap.empty();
    if (change) {
      for (const slot of change.ctes) {
        const old = claimOf(change.before.ctes.get(slot)?.cap);
        if (old) {
          const rest = [...(claims.get(old.key) ?? [])];
          rest.splice(rest.indexOf(old.what), 1);
          claims = rest.length ? claims.set(old.key, rest) : claims.delete(old.key);
        }
        claims = withClaim(claims, s.ctes.get(slot)?.cap);
      }
    } else for (const cte of s.ctes.values()) claims = withClaim(claims, cte.cap);
    cache.set(s.ctes, claims);
    return claims;
  };
  return claimsOf;
}
