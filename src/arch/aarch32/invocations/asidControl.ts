import { asidControlFamilyFor, type MakePoolInvocation } from "../../../kernel/asidControl.ts";
import { seL4_ASIDPoolBits } from "../constants.ts";
import { ASID_POOL_SIZE, ASID_TABLE_SIZE } from "../asid.ts";

export type { MakePoolInvocation };

/** seL4's ASIDControl_MakePool on ARM32: kernel/asidControl.ts with ARM32's ASID layout: 128 pools of 1024. */
export const asidControlFamily = asidControlFamilyFor({
  tableSize: ASID_TABLE_SIZE,
  poolSize: ASID_POOL_SIZE,
  poolBits: seL4_ASIDPoolBits,
});
