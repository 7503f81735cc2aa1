import type { ASID, CPtr, HWASID, PhysAddr, VirtAddr } from "./addresses.ts";
import type { LookupFailure, SyscallError } from "./errors.ts";
import type { Cap } from "./caps.ts";
import type { CTE, KernelState, SlotAddr } from "./state.ts";
import type { InvocationLabel } from "./labels.ts";

/**
 * What a thread sends when it invokes a capability: the label, the message words (seL4's
 * message registers, MR0 first) and the CPtrs of the extra caps. `length` defaults to the
 * number of words given; seL4's decoders check it to report TruncatedMessage.
 */
export interface Message {
  readonly label: InvocationLabel;
  readonly args: readonly number[];
  readonly extraCaps: readonly CPtr[];
}

/** A cap sent with a message, as the kernel found it (seL4's `extra_caps`: the cap and its slot). */
export interface ExtraCap {
  readonly cap: Cap;
  readonly slot: SlotAddr;
}

/**
 * Everything a decoder may look at: the frozen state, the invoked cap (of the type the decoder
 * handles) and its slot, the message.
 */
export interface DecodeContext<C extends Cap = Cap> {
  readonly state: KernelState;
  readonly thread: PhysAddr;
  readonly cap: C;
  readonly slot: SlotAddr;
  /**
   * The invoked slot's CTE as the lookup read it (its cap is `cap`): a perform that rewrites the
   * invoked cap before any other change hands it to replaceCap instead of reading the slot again.
   */
  readonly cte: CTE;
  readonly label: InvocationLabel;
  readonly args: readonly number[];
  readonly extraCaps: readonly ExtraCap[];
  /**
   * The checks decode makes, by seL4's names, in seL4's order, when someone asked for them
   * (`invokeTraced`: capsim explain, the page). A decoder appends a check's name just before it
   * runs the check, so after a refusal the last name is the check that refused. Undefined on the
   * ordinary path, which then pays one comparison per check.
   */
  readonly checks: string[] | undefined;
}

/**
 * Something an invocation did besides changing the state's records, for a learner to see:
 * what the TLB lost, which cache lines a maintenance operation touched.
 */
export type Effect =
  | {
      readonly kind: "tlbFlushASID";
      readonly asid: ASID;
      readonly hwASID: HWASID;
      readonly why: string;
    }
  | {
      readonly kind: "tlbFlushPage";
      readonly asid: ASID;
      readonly hwASID: HWASID;
      readonly vaddr: VirtAddr;
      readonly why: string;
    }
  | { readonly kind: "tlbFlushAll"; readonly why: string }
  | {
      readonly kind: "cacheMaintenance";
      readonly operation: "Clean_Data" | "Invalidate_Data" | "CleanInvalidate_Data" | "Unify_Instruction";
      /** first virtual byte and the last (inclusive), as seL4 passes them to the cache code */
      readonly vstart: VirtAddr;
      readonly vend: VirtAddr;
      /** the physical address of the first byte */
      readonly pstart: PhysAddr;
      readonly why: string;
    }
  | { readonly kind: "note"; readonly text: string };

/** Where a CPtr failed to resolve, making a cap fault instead of a system-call error. */
export interface CapFault {
  /** "invoked": the invoked CPtr; "extraCap": extra cap number `index` (from 0) */
  readonly which: "invoked" | "extraCap";
  readonly index: number;
  readonly cptr: CPtr;
  readonly lookupFailure: LookupFailure;
}

/**
 * The kernel's answer to an invocation:
 * - ok: seL4_NoError, with the reply's message words (e.g. Page_GetAddress's physical address);
 * - error: a system-call error, exactly as seL4's decode returned it, and the reply words seL4 sets;
 * - capFault: a CPtr did not resolve; seL4 sends a cap fault to the thread's fault handler instead of replying;
 * - notModelled: capsim's own answer, not seL4's: every check seL4 makes first passed, and what
 *   seL4 would do next (IPC, interrupts, domains, ...) is outside capsim's model. The state is unchanged.
 */
/**
 * A message the kernel could not have been sent: a word or CPtr that is not an integer, so no
 * 32-bit register holds it. Thrown by `invoke`, never replied: seL4 has no error for this,
 * because on the hardware it cannot happen. `argument` names it: "cptr", "args[2]", "extraCaps[0]".
 */
export class MessageWordError extends RangeError {
  constructor(
    readonly argument: string,
    readonly value: unknown,
  ) {
    super(
      `${argument} must be an integer (a 32-bit register's word), got ${typeof value === "number" ? String(value) : typeof value}`,
    );
    this.name = "MessageWordError";
  }
}

/**
 * `n` as a 32-bit register holds it: a safe integer reduced mod 2^32 (so -1 is 0xffffffff, as
 * seL4 sees it); anything else is a MessageWordError naming `argument`.
 */
export function registerWord(n: unknown, argument: string, wordBits = 32): number {
  // ToUint32 (`>>> 0`) is exactly the reduction mod 2^32 for an integer; past 2^53 a number is no longer the integer it was written as.
  if (typeof n === "number" && Number.isSafeInteger(n)) {
    if (wordBits === 32) return n >>> 0;
    // A 64-bit register holds every non-negative safe integer as it is; a negative one would be
    // 2^64 + n, which no JavaScript number holds exactly, so it is refused rather than rounded.
    if (n >= 0) return n;
  }
  throw new MessageWordError(argument, n);
}

export type Reply<I extends InvocationRecord = InvocationRecord> =
  | {
      readonly kind: "ok";
      readonly mrs: readonly number[];
      readonly effects: readonly Effect[];
      readonly invocation: I;
    }
  | {
      readonly kind: "error";
      readonly error: SyscallError;
      readonly mrs: readonly number[];
    }
  | { readonly kind: "capFault"; readonly fault: CapFault }
  | { readonly kind: "notModelled"; readonly why: string };

/** What every decoded invocation record has: its kind, named after l4v's invocation constructors. */
export interface InvocationRecord {
  readonly kind: string;
}

/** The result of one invocation: the next state (the very same object when it failed) and the reply. */
export interface InvokeResult<I extends InvocationRecord = InvocationRecord> {
  readonly state: KernelState;
  readonly reply: Reply<I>;
}
