import { TCB_SLOTS } from "../model/constants.ts";
import type { CTE, SlotAddr } from "../model/state.ts";
import { getObjectOfType, removeObject } from "./store.ts";
import type { MutableState } from "../model/transition.ts";
import { comparePositions, descendantsOf, emptySlot, getCTE, isFinalCapability } from "./cdt.ts";
import type { Finaliser } from "./finalise.ts";
import { slotAddress } from "./cspace.ts";
import type { Cap } from "../model/caps.ts";

/**
 * seL4's cteDelete: finalise the cap in `slot` (with `finaliser`, told whether it is the last
 * cap to its object) and empty the slot. Deleting an empty slot does nothing.
 */
export function cteDelete(s: MutableState, slot: SlotAddr, finaliser: Finaliser): void {
  const cte = getCTE(s, slot);
  if (cte === undefined) return;
  const isFinal = isFinalCapability(s, slot);
  // Empty the slot first: a CNode or TCB being destroyed must not find its own cap again.
  emptySlot(s, slot);
  finaliser(s, cte.cap, slot, isFinal);
}

/**
 * seL4's cteRevoke: delete every cap derived from the one in `slot`, each finalised as a
 * delete would finalise it, in the order seL4 meets them: it deletes the cap after `slot` in
 * the MDB list while that is a descendant, so the descendants go in list order, each before
 * its own descendants. The cap in `slot` itself stays.
 */
export function cteRevoke(s: MutableState, slot: SlotAddr, finaliser: Finaliser): void {
  const descendants = descendantsOf(s, slot).map((d) => ({
    slot: d,
    position: (s.ctes.get(d) as CTE).position,
  }));
  descendants.sort((a, b) => comparePositions(a.position, b.position));
  for (const d of descendants) cteDelete(s, d.slot, finaliser);
}

/**
 * The architecture-independent part of finaliseCap: when the last cap to a CNode or TCB goes,
 * the caps inside it are deleted in turn, and the object leaves the store; endpoints and
 * notifications just leave the store. Untyped and ASID control caps own no object.
 */
export function finaliseGenericCap(s: MutableState, cap: Cap, isFinal: boolean, finaliser: Finaliser): void {
  if (!isFinal) return;
  switch (cap.type) {
    case "CNode": {
      const cnode = getObjectOfType(s, cap.paddr, "CNode");
      if (cnode === undefined) return;
      removeObject(s, cap.paddr);
      for (const [slot] of [...s.ctes.range(cap.paddr, slotAddress(s, cap.paddr, 2 ** cnode.radixBits))])
        cteDelete(s, slot, finaliser);
      return;
    }
    case "TCB": {
      if (getObjectOfType(s, cap.paddr, "TCB") === undefined) return;
      removeObject(s, cap.paddr);
      for (const i of Object.values(TCB_SLOTS)) cteDelete(s, slotAddress(s, cap.paddr, i), finaliser);
      if (s.currentThread === cap.paddr) s.currentThread = null;
      return;
    }
    case "Endpoint":
    case "Notification":
      removeObject(s, cap.paddr);
      return;
    default:
      return;
  }
}
