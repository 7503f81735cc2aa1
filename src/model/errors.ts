/**
 * seL4's system-call errors (libsel4 `errors.h`) and lookup failures (`constants.h`),
 * with exactly the fields seL4 writes into the error reply's message registers.
 *
 * Every error also carries `why`: one sentence in the manual's vocabulary saying which
 * check failed. seL4 does not send it (a debug kernel prints something like it); capsim
 * keeps it so that a learner can see the reason, and nothing compares it.
 */

/** seL4's numeric error codes, as `seL4_Error` numbers them. */
export const ERROR_CODES = {
  NoError: 0,
  InvalidArgument: 1,
  InvalidCapability: 2,
  IllegalOperation: 3,
  RangeError: 4,
  AlignmentError: 5,
  FailedLookup: 6,
  TruncatedMessage: 7,
  DeleteFirst: 8,
  RevokeFirst: 9,
  NotEnoughMemory: 10,
} as const;

export type ErrorName = Exclude<keyof typeof ERROR_CODES, "NoError">;

/**
 * Why a CSpace (or VSpace) lookup failed (seL4 `lookup_fault`). The user-visible numbers are
 * InvalidRoot 1, MissingCapability 2, DepthMismatch 3, GuardMismatch 4.
 */
export type LookupFailure =
  | { readonly kind: "InvalidRoot" }
  | { readonly kind: "MissingCapability"; readonly bitsLeft: number }
  | {
      readonly kind: "DepthMismatch";
      readonly bitsLeft: number;
      readonly bitsFound: number;
    }
  | {
      readonly kind: "GuardMismatch";
      readonly bitsLeft: number;
      readonly guardFound: number;
      readonly bitsFound: number;
    };

export const LOOKUP_FAILURE_CODES = {
  InvalidRoot: 1,
  MissingCapability: 2,
  DepthMismatch: 3,
  GuardMismatch: 4,
} as const;

interface Why {
  /** Which check failed, in plain words. Not part of seL4's reply. */
  readonly why: string;
}

/** A system-call error, as seL4's decode stage returns it. */
export type SyscallError =
  | ({
      readonly error: "InvalidArgument";
      readonly argumentNumber: number;
    } & Why)
  | ({
      readonly error: "InvalidCapability";
      readonly invalidCapNumber: number;
    } & Why)
  | ({ readonly error: "IllegalOperation" } & Why)
  | ({
      readonly error: "RangeError";
      readonly rangeMin: number;
      readonly rangeMax: number;
    } & Why)
  | ({ readonly error: "AlignmentError" } & Why)
  | ({
      readonly error: "FailedLookup";
      readonly failedLookupWasSource: boolean;
      readonly lookupFailure: LookupFailure;
    } & Why)
  | ({ readonly error: "TruncatedMessage" } & Why)
  | ({ readonly error: "DeleteFirst" } & Why)
  | ({ readonly error: "RevokeFirst" } & Why)
  | ({ readonly error: "NotEnoughMemory"; readonly memoryLeft: number } & Why);

export const invalidArgument = (argumentNumber: number, why: string): SyscallError => ({
  error: "InvalidArgument",
  argumentNumber,
  why,
});
export const invalidCapability = (invalidCapNumber: number, why: string): SyscallError => ({
  error: "InvalidCapability",
  invalidCapNumber,
  why,
});
export const illegalOperation = (why: string): SyscallError => ({
  error: "IllegalOperation",
  why,
});
export const rangeError = (rangeMin: number, rangeMax: number, why: string): SyscallError => ({
  error: "RangeError",
  rangeMin,
  rangeMax,
  why,
});
export const alignmentError = (why: string): SyscallError => ({
  error: "AlignmentError",
  why,
});
export const failedLookup = (
  failedLookupWasSource: boolean,
  lookupFailure: LookupFailure,
  why: string,
): SyscallError => ({
  error: "FailedLookup",
  failedLookupWasSource,
  lookupFailure,
  why,
});
export const truncatedMessage = (why: string): SyscallError => ({
  error: "TruncatedMessage",
  why,
});
export const deleteFirst = (why: string): SyscallError => ({
  error: "DeleteFirst",
  why,
});
export const revokeFirst = (why: string): SyscallError => ({
  error: "RevokeFirst",
  why,
});
export const notEnoughMemory = (memoryLeft: number, why: string): SyscallError => ({
  error: "NotEnoughMemory",
  memoryLeft,
  why,
});

/**
 * capsim's own answer where seL4 would act but capsim does not model what it would do (IPC,
 * interrupts, scheduling domains, the TCB invocations other than SetSpace). It is not an seL4
 * error and has no seL4 code, so a caller can tell "seL4 refused" from "capsim cannot say".
 * seL4's own checks that come before the unmodelled part still run first.
 */
export interface NotModelled {
  readonly notModelled: true;
  /** what capsim does not model, in plain words */
  readonly why: string;
}

export const notModelled = (why: string): NotModelled => ({
  notModelled: true,
  why,
});

/** What a decoder may answer instead of an invocation: seL4's error, or capsim's "not modelled". */
export type DecodeError = SyscallError | NotModelled;

export function isNotModelled(e: DecodeError): e is NotModelled {
  return "notModelled" in e;
}

/**
 * The message registers of seL4's error reply (src/api/faults.c, setMRs_syscall_error):
 * what a real thread would read after the failed call.
 */
export function errorReplyMRs(e: SyscallError): number[] {
  switch (e.error) {
    case "InvalidArgument":
      return [e.argumentNumber];
    case "InvalidCapability":
      return [e.invalidCapNumber];
    case "RangeError":
      return [e.rangeMin, e.rangeMax];
    case "FailedLookup":
      return [e.failedLookupWasSource ? 1 : 0, ...lookupFailureMRs(e.lookupFailure)];
    case "NotEnoughMemory":
      return [e.memoryLeft];
    default:
      return [];
  }
}

/** The words seL4 writes for a lookup failure: its user-visible type, then its details. */
export function lookupFailureMRs(f: LookupFailure): number[] {
  const code = LOOKUP_FAILURE_CODES[f.kind];
  switch (f.kind) {
    case "InvalidRoot":
      return [code];
    case "MissingCapability":
      return [code, f.bitsLeft];
    case "DepthMismatch":
      return [code, f.bitsLeft, f.bitsFound];
    case "GuardMismatch":
      return [code, f.bitsLeft, f.guardFound, f.bitsFound];
  }
}

/** One line for a person: the error, its fields, and why. */
export function describeError(e: SyscallError): string {
  const { error, why, ...fields } = e;
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  return `seL4_${error}${parts.length ? ` (${parts.join(", ")})` : ""}: ${why}`;
}
