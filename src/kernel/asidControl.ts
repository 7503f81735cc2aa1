import { asid as toASID, pow2, pptr, type CPtr, type PPtr } from "../model/addresses.ts";
import {
  deleteFirst,
  illegalOperation,
  invalidCapability,
  truncatedMessage,
  type SyscallError,
} from "../model/errors.ts";
import { PMap } from "../model/pmap.ts";
import { err, ok, type Result } from "../model/result.ts";
import { cteInsert, updateCap } from "./cdt.ts";
import { ensureEmptySlot, ensureNoChildren } from "./guards.ts";
import { lookupTargetSlot } from "./cspace.ts";
import type { ASIDControlCap, UntypedCap } from "../model/caps.ts";
import { zeroPhysical } from "./physmem.ts";
import type { SlotAddr } from "../model/state.ts";
import { putObject } from "./store.ts";
import type { MutableState } from "../model/transition.ts";
import type { DecodeContext } from "../model/message.ts";
import type { InvocationFamily } from "../model/family.ts";

/** The ASID layout of an architecture: pools in the ASID table, ASIDs per pool, log2 of a pool's bytes. */
export interface ASIDShape {
  readonly tableSize: number;
  readonly poolSize: number;
  readonly poolBits: number;
}

export interface MakePoolInvocation {
  readonly kind: "ASIDControlMakePool";
  readonly untypedSlot: SlotAddr;
  /** the untyped cap perform writes back: all of its memory now belongs to the pool */
  readonly untyped: UntypedCap;
  readonly pool: PPtr<"ASIDPool">;
  readonly dest: SlotAddr;
  /** the ASID-table index the pool takes */
  readonly tableIndex: number;
}

/**
 * seL4's ASIDControl_MakePool (decodeARMMMUInvocation, ASID control case), the same on ARM32
 * and AArch64 but for the ASID layout. cap0 = a 4 KiB
 * untyped, cap1 = the root CNode, MR0 = index, MR1 = depth of the destination slot. The first
 * check is for a free slot in the 128-entry ASID table, before the untyped is even looked at.
 */
export function decodeASIDControlInvocation(
  ctx: DecodeContext<ASIDControlCap>,
  shape: ASIDShape,
): Result<MakePoolInvocation, SyscallError> {
  const { tableSize: ASID_TABLE_SIZE, poolBits: seL4_ASIDPoolBits } = shape;
  const checks = ctx.checks;
  checks?.push("invocation label");
  if (ctx.label !== "ARMASIDControlMakePool")
    return err(illegalOperation(`${ctx.label} is not an invocation of the ASID control cap`));
  const [untyped, root] = ctx.extraCaps;
  checks?.push("message length and extra caps");
  if (ctx.args.length < 2 || untyped === undefined || root === undefined)
    return err(
      truncatedMessage(
        "ASIDControl_MakePool needs 2 message words (index, depth) and two extra caps (untyped, root CNode)",
      ),
    );
  const { state } = ctx;
  checks?.push("a free slot in the ASID table");
  let tableIndex = -1;
  for (let i = 0; i < ASID_TABLE_SIZE; i++) {
    if (!state.asidTable.has(i)) {
      tableIndex = i;
      break;
    }
  }
  if (tableIndex < 0) return err(deleteFirst(`all ${ASID_TABLE_SIZE} ASID pools exist already: delete one first`));
  const ut = untyped.cap;
  checks?.push("a 4 KiB non-device untyped cap");
  if (ut.type !== "Untyped" || ut.sizeBits !== seL4_ASIDPoolBits || ut.isDevice) {
    return err(
      invalidCapability(
        1,
        `an ASID pool is made from a non-device untyped of exactly 4 KiB (2^${seL4_ASIDPoolBits} bytes)`,
      ),
    );
  }
  checks?.push("the untyped has no children (ensureNoChildren)");
  const childless = ensureNoChildren(
    state,
    untyped.slot,
    "the untyped has children: revoke it first, the pool takes all its memory",
  );
  if (!childless.ok) return childless;
  checks?.push("destination slot lookup (lookupTargetSlot)");
  const dest = lookupTargetSlot(state, root.cap, ctx.args[0] as CPtr, ctx.args[1] as number);
  if (!dest.ok) return dest;
  checks?.push("destination slot empty (ensureEmptySlot)");
  const empty = ensureEmptySlot(state, dest.value, "the destination slot");
  if (!empty.ok) return empty;
  const full: UntypedCap = { ...ut, freeIndex: pow2(ut.sizeBits) };
  return ok({
    kind: "ASIDControlMakePool",
    untypedSlot: untyped.slot,
    untyped: full,
    pool: pptr(ut.paddr, "ASIDPool"),
    dest: dest.value,
    tableIndex,
  });
}

/** seL4's performASIDControlInvocation: the pool takes the whole untyped and a slot of the ASID table. */
export function performASIDControlInvocation(
  s: MutableState,
  inv: MakePoolInvocation,
  shape: ASIDShape,
): readonly number[] {
  const ASID_POOL_SIZE = shape.poolSize;
  updateCap(s, inv.untypedSlot, inv.untyped);
  zeroPhysical(s, inv.pool, pow2(inv.untyped.sizeBits));
  putObject(s, { type: "ASIDPool", paddr: inv.pool, entries: PMap.empty() });
  // seL4 inserts the pool cap with cteInsert: a child of the untyped, but not revocable
  // (Arch_isCapRevocable is false for ASID pool caps), so its copies are its siblings and
  // revoking it deletes nothing. The boot pool's cap, written by boot, is revocable.
  cteInsert(
    s,
    {
      type: "ASIDPool",
      paddr: inv.pool,
      asidBase: toASID(inv.tableIndex * ASID_POOL_SIZE),
    },
    inv.untypedSlot,
    inv.dest,
  );
  s.asidTable = s.asidTable.set(inv.tableIndex, inv.pool);
  return [];
}

/** ASIDControl_MakePool's family for an architecture's ASID layout: every ARM architecture's is this one. */
export function asidControlFamilyFor(shape: ASIDShape): InvocationFamily<ASIDControlCap, MakePoolInvocation> {
  return {
    decode: (ctx) => decodeASIDControlInvocation(ctx, shape),
    perform: (s, inv) => performASIDControlInvocation(s, inv, shape),
  };
}
