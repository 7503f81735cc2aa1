import {
  deleteFirst,
  rangeError,
  revokeFirst,
  type SyscallError,
} from "../model/errors.ts";
import { err, ok, type Result } from "../model/result.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import { hasChildren, isSlotEmpty } from "./cdt.ts";

/** A check that passes with nothing to say, or fails with seL4's error. */
export type Check = Result<void, SyscallError>;

const PASS: Check = ok(undefined);

/** seL4's ensureEmptySlot (src/object/cnode.c): a slot a new cap goes into must be empty, else DeleteFirst. */
export function ensureEmptySlot(
  s: KernelState,
  slot: SlotAddr,
  what: string,
): Check {
  return isSlotEmpty(s, slot)
    ? PASS
    : err(deleteFirst(`${what} is not empty: delete its cap first`));
}

/** seL4's ensureNoChildren: the cap in `slot` must have no children in the derivation tree, else RevokeFirst. */
export function ensureNoChildren(
  s: KernelState,
  slot: SlotAddr,
  why: string,
): Check {
  return hasChildren(s, slot) ? err(revokeFirst(why)) : PASS;
}

/** seL4's rangeCheck: `value` must lie in [min, max], else RangeError with those bounds. */
export function rangeCheck(
  value: number,
  min: number,
  max: number,
  why: string,
): Check {
  return value < min || value > max ? err(rangeError(min, max, why)) : PASS;
}
