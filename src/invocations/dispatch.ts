import type { CPtr, PhysAddr } from "../model/addresses.ts";
import { errorReplyMRs, invalidCapability, isNotModelled, notModelled, type DecodeError } from "../model/errors.ts";
import type { Result } from "../model/result.ts";
import { lookupCapAndSlotFrom, resolveAddressBits, threadCSpaceRoot } from "../kernel/cspace.ts";
import type { CapOfType } from "../model/caps.ts";
import type { KernelState } from "../model/state.ts";
import { transitionWithEffects } from "../model/transition.ts";
import type { Decoder, DecodedInvocation, InvocableCapType } from "../model/family.ts";
import { FAMILIES_BY_ARCH, type Invocation } from "./families.ts";
import { registerWord, type DecodeContext, type ExtraCap, type InvokeResult, type Message } from "../model/message.ts";

let familyTables = FAMILIES_BY_ARCH;

/**
 * Test support only (not part of the package's surface): decode through other family tables,
 * such as a deliberately broken family that shows the invariant checkers and `capsim fuzz`
 * catch a real bug. Returns the tables it replaces, so a test can put them back. Nothing in
 * capsim itself calls it: a broken transition is injected from outside, never switched on
 * inside the kernel code.
 */
export function useFamilyTables(tables: typeof FAMILIES_BY_ARCH): typeof FAMILIES_BY_ARCH {
  const before = familyTables;
  familyTables = tables;
  return before;
}

const NULL_CAP_INVOKED = invalidCapability(0, "the invoked slot holds the null cap");

/**
 * seL4's decodeInvocation (src/object/objecttype.c): the decoder for the invoked cap's type,
 * found in the family table. Every cap type boot or Retype can make has an entry; one without
 * would be a cap capsim holds but cannot say anything about, so it is "not modelled".
 */
function decodeInvocation<T extends InvocableCapType>(
  ctx: DecodeContext<CapOfType<T>>,
  type: T,
): Result<DecodedInvocation<Invocation>, DecodeError> {
  const decoder: Decoder<T, Invocation> | undefined = familyTables[ctx.state.config.arch][type];
  if (decoder === undefined)
    return {
      ok: false,
      error: notModelled(`capsim does not model invocations of ${type} caps (${ctx.label})`),
    };
  return decoder(ctx);
}

/** Whether every element already is a 32-bit word: the common case, kept to one tight loop. */
function allWords(xs: readonly unknown[]): boolean {
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== "number" || x >>> 0 !== x) return false;
  }
  return true;
}

/**
 * `xs` as 32-bit registers hold them (registerWord), the same array when every one already is a
 * word: the common case costs one comparison per word and no allocation.
 */
function registerWords<T extends number>(xs: readonly T[], what: string, wordBits: number): readonly T[] {
  if (!Array.isArray(xs)) throw new TypeError(`message.${what} must be an array of 32-bit words`);
  if (wordBits === 32 && allWords(xs)) return xs;
  let out: T[] | undefined;
  for (let i = 0; i < xs.length; i++) {
    const x: unknown = xs[i];
    if (typeof x === "number" && (wordBits === 32 ? x >>> 0 === x : Number.isSafeInteger(x) && x >= 0)) {
      out?.push(x as T);
      continue;
    }
    out ??= xs.slice(0, i);
    out.push(registerWord(x, `${what}[${i}]`, wordBits) as T);
  }
  return out ?? xs;
}

/**
 * Invoke a capability as `thread` would with seL4_Call: `state + invocation -> new state + reply`.
 *
 * 1. look up the invoked CPtr and each extra cap's CPtr in the thread's CSpace (a failure is a
 *    cap fault, not an error reply, exactly as in seL4's handleInvocation);
 * 2. decode: every check, in seL4's order, on the unchanged state;
 * 3. perform: the changes, as one transition (objects/transition.ts) that cannot fail;
 * 4. reply.
 * When the call fails, or capsim does not model what it would do, the returned state is the
 * very same object as `state`.
 *
 * The message is what seL4's registers would carry (docs/api.md): the CPtr, each word and each
 * extra cap's CPtr is reduced mod 2^32 as a 32-bit register holds it (-1 arrives as 0xffffffff;
 * on a 64-bit architecture a non-negative safe integer passes as it is and a negative one is refused);
 * a value that is not a safe integer (NaN, 0.5, Infinity, a string) is thrown back as a
 * MessageWordError naming it, since no register could hold it and seL4 has no reply for it.
 */
export function invoke(state: KernelState, thread: PhysAddr, cptr: CPtr, message: Message): InvokeResult<Invocation> {
  return invokeWith(state, thread, cptr, message, undefined);
}

/** What `invokeTraced` gives: the result, and the checks the kernel made in order (the last refused, when the call failed). */
export interface TracedInvokeResult extends InvokeResult<Invocation> {
  readonly checks: readonly string[];
}

/**
 * `invoke`, recording every check the kernel makes by seL4's name, in seL4's order: the cap
 * lookups, then each check of the cap type's decoder. When the call fails (an error, a cap
 * fault, or capsim's "not modelled"), the last check listed is the one that refused; when it
 * succeeds, every check listed passed. For explain and the page; the ordinary `invoke` records
 * nothing.
 */
export function invokeTraced(state: KernelState, thread: PhysAddr, cptr: CPtr, message: Message): TracedInvokeResult {
  const checks: string[] = [];
  const r = invokeWith(state, thread, cptr, message, checks);
  return { state: r.state, reply: r.reply, checks };
}

function invokeWith(
  state: KernelState,
  thread: PhysAddr,
  cptr: CPtr,
  message: Message,
  checks: string[] | undefined,
): InvokeResult<Invocation> {
  const wordBits = state.config.sizes.wordBits;
  if (wordBits !== 32 || cptr >>> 0 !== cptr) cptr = registerWord(cptr, "cptr", wordBits) as CPtr;
  const args = registerWords(message.args, "args", wordBits);
  const extraCapPtrs = registerWords(message.extraCaps, "extraCaps", wordBits);
  checks?.push("look up the invoked cap (lookupCapAndSlot)");
  // Every lookup of this call starts at the thread's CSpace root, in the same state: read it once.
  const root = threadCSpaceRoot(state, thread);
  const invoked = resolveAddressBits(state, root, cptr, wordBits);
  if (!invoked.ok) {
    return {
      state,
      reply: {
        kind: "capFault",
        fault: {
          which: "invoked",
          index: 0,
          cptr,
          lookupFailure: invoked.error,
        },
      },
    };
  }
  const extraCaps: ExtraCap[] = [];
  for (let i = 0; i < extraCapPtrs.length; i++) {
    const c = extraCapPtrs[i] as CPtr;
    checks?.push(`look up extra cap ${i} (lookupCapAndSlot)`);
    const found = lookupCapAndSlotFrom(state, root, c);
    if (!found.ok)
      return {
        state,
        reply: {
          kind: "capFault",
          fault: {
            which: "extraCap",
            index: i,
            cptr: c,
            lookupFailure: found.error,
          },
        },
      };
    extraCaps.push(found.value);
  }
  const slot = invoked.value.slot;
  const cte = state.ctes.get(slot);
  const cap = cte?.cap;
  // Invoking the null cap is InvalidCapability 0 (decodeInvocation's default case in seL4).
  checks?.push("the invoked cap is not the null cap");
  if (cte === undefined || cap === undefined || cap.type === "Null")
    return {
      state,
      reply: {
        kind: "error",
        error: NULL_CAP_INVOKED,
        mrs: errorReplyMRs(NULL_CAP_INVOKED),
      },
    };
  const decoded = decodeInvocation(
    { state, thread, cap, slot, cte, label: message.label, args, extraCaps, checks },
    cap.type,
  );
  if (!decoded.ok) {
    const e = decoded.error;
    return {
      state,
      reply: isNotModelled(e)
        ? { kind: "notModelled", why: e.why }
        : { kind: "error", error: e, mrs: errorReplyMRs(e) },
    };
  }
  let mrs: readonly number[] = [];
  const next = transitionWithEffects(state, (draft) => {
    mrs = decoded.value.perform(draft);
  });
  return {
    state: next.state,
    reply: {
      kind: "ok",
      mrs,
      effects: next.effects,
      invocation: decoded.value.invocation,
    },
  };
}
