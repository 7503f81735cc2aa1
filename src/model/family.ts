import type { Cap, CapOfType, CapType } from "./caps.ts";
import type { DecodeError } from "./errors.ts";
import type { Result } from "./result.ts";
import type { MutableState } from "./transition.ts";
import type { DecodeContext, InvocationRecord } from "./message.ts";

/**
 * The invocations of one kind of cap, as a matched decode/perform pair (l4v's
 * `decodeXInvocation` / `performXInvocation`):
 * - decode runs every check on the frozen state, in seL4's order, and computes everything
 *   perform needs (the caps it writes included) into a plain-data Invocation record; it
 *   changes nothing;
 * - perform applies that record to a draft of the state and cannot fail; it returns the
 *   reply's message words and records what it did to the TLB and caches on the draft.
 */
export interface InvocationFamily<C extends Cap, I extends InvocationRecord> {
  readonly decode: (ctx: DecodeContext<C>) => Result<I, DecodeError>;
  readonly perform: (s: MutableState, inv: I) => readonly number[];
}

/** A decoded invocation bound to its family's perform, so the dispatcher needs no type switch. */
export interface DecodedInvocation<I extends InvocationRecord = InvocationRecord> {
  readonly invocation: I;
  perform(s: MutableState): readonly number[];
}

// A class rather than a closure per invocation: the dispatcher's hot path allocates one small
// object here, and tools that wrap named closures (tsx's keepNames) cost nothing.
class BoundInvocation<C extends Cap, I extends InvocationRecord> implements DecodedInvocation<I> {
  constructor(
    readonly invocation: I,
    private readonly family: InvocationFamily<C, I>,
  ) {}
  perform(s: MutableState): readonly number[] {
    return this.family.perform(s, this.invocation);
  }
}

/** Decodes with a family and binds the result to the family's perform. */
export function decodeWith<C extends Cap, I extends InvocationRecord>(
  family: InvocationFamily<C, I>,
  ctx: DecodeContext<C>,
): Result<DecodedInvocation<I>, DecodeError> {
  const r = family.decode(ctx);
  if (!r.ok) return r;
  return { ok: true, value: new BoundInvocation(r.value, family) };
}

/** The cap types that can be invoked at all (the null cap cannot). */
export type InvocableCapType = Exclude<CapType, "Null">;

/** The decoder for one cap type. */
export type Decoder<T extends InvocableCapType, I extends InvocationRecord = InvocationRecord> = (
  ctx: DecodeContext<CapOfType<T>>,
) => Result<DecodedInvocation<I>, DecodeError>;

/**
 * Which decoder handles each cap type: the dispatch table of seL4's decodeInvocation. A cap
 * type without an entry has no invocations in capsim.
 */
export type FamilyTable<I extends InvocationRecord = InvocationRecord> = {
  readonly [T in InvocableCapType]?: Decoder<T, I>;
};
