import type { Cap } from "../../caps/types.ts";
import type { SlotAddr } from "../../objects/state.ts";
import { removeObject } from "../../objects/store.ts";
import type { MutableState } from "../../objects/transition.ts";

/**
 * ARM's Arch_finaliseCap (src/arch/arm/32/object/objecttype.c).
 */
export function finaliseArchCap(s: MutableState, cap: Cap, _slot: SlotAddr, isFinal: boolean): void {
  if (isFinal && cap.type !== "Null" && cap.type !== "ASIDControl" && cap.type !== "Untyped") removeObject(s, cap.paddr);
}
