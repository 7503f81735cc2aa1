import type { ASIDControlCap } from "../../../model/caps.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import {
  decodeASIDControlInvocation,
  performASIDControlInvocation,
  type ASIDShape,
  type MakePoolInvocation,
} from "../../../kernel/asidControl.ts";
import { seL4_ASIDPoolBits } from "../constants.ts";
import { ASID_POOL_SIZE, ASID_TABLE_SIZE } from "../asid.ts";

export type { MakePoolInvocation };

/** AArch64's ASIDs: 128 pools of 512 (asidLowBits 9). */
const SHAPE: ASIDShape = {
  tableSize: ASID_TABLE_SIZE,
  poolSize: ASID_POOL_SIZE,
  poolBits: seL4_ASIDPoolBits,
};

/** seL4's ASIDControl_MakePool on AArch64 (kernel/asidControl.ts with AArch64's ASID layout). */
export const asidControlFamily: InvocationFamily<ASIDControlCap, MakePoolInvocation> = {
  decode: (ctx) => decodeASIDControlInvocation(ctx, SHAPE),
  perform: (s, inv) => performASIDControlInvocation(s, inv, SHAPE),
};
