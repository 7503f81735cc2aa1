import type { SyscallError } from "./errors.ts";
import type { Result } from "./result.ts";
import type { MutableState } from "./transition.ts";
import type { DecodeContext, Effect } from "./message.ts";

/**
 * The invocations of one kind of cap, as a matched decode/perform pair (l4v's
 * `decodeXInvocation` / `performXInvocation`):
 * - decode runs every check on the frozen state, in seL4's order, and computes everything
 *   perform needs into a plain-data Invocation record; it changes nothing;
 * - perform applies that record to a draft of the state and cannot fail; it returns the
 *   reply's message words and reports what it did to the TLB and caches in `effects`.
 */
export interface InvocationFamily<I extends { readonly kind: string }> {
  readonly decode: (ctx: DecodeContext) => Result<I, SyscallError>;
  readonly perform: (s: MutableState, inv: I) => readonly number[];
}

/** A decoded invocation bound to its family's perform, so the dispatcher needs no type switch. */
export interface DecodedInvocation {
  readonly invocation: { readonly kind: string };
  readonly perform: (s: MutableState) => readonly number[];
}

// A class rather than a closure per invocation: the dispatcher's hot path allocates one small
// object here, and tools that wrap named closures (tsx's keepNames) cost nothing.
class BoundInvocation<I extends { readonly kind: string }> implements DecodedInvocation {
  constructor(
    readonly invocation: I,
    private readonly family: InvocationFamily<I>,
  ) {}
  perform(s: MutableState): readonly number[] {
    return this.family.perform(s, this.invocation);
  }
}

/** Decodes with a family and binds the result to the family's perform. */
export function decodeWith<I extends { readonly kind: string }>(family: InvocationFamily<I>, ctx: DecodeContext): Result<DecodedInvocation, SyscallError> {
  const r = family.decode(ctx);
  if (!r.ok) return r;
  return { ok: true, value: new BoundInvocation(r.value, family) };
}
