import type { Cap } from "../../model/caps.ts";
import type { SlotAddr } from "../../model/state.ts";
import { removeObject } from "../../kernel/store.ts";
import type { MutableState } from "../../model/transition.ts";
import { deleteASID, deleteASIDPool } from "./asidDelete.ts";
import { unmapPage, unmapPageTable } from "./mapping.ts";

/**
 * ARM's Arch_finaliseCap (src/arch/arm/32/object/objecttype.c):
 * - every mapped frame cap unmaps its own mapping, final or not (each cap tracks one mapping);
 * - the last page table cap unmaps the table from its directory (without zeroing it);
 * - the last page directory cap with an ASID releases the ASID (deleteASID);
 * - the last ASID pool cap releases the pool's ASIDs and its table slot.
 * The object leaves the store when its last cap goes.
 */
export function finaliseArchCap(
  s: MutableState,
  cap: Cap,
  _slot: SlotAddr,
  isFinal: boolean,
): void {
  switch (cap.type) {
    case "Frame":
      if (cap.mapping !== null)
        unmapPage(s, cap.size, cap.mapping.asid, cap.mapping.vaddr, cap.paddr);
      break;
    case "PageTable":
      if (isFinal && cap.mapping !== null)
        unmapPageTable(s, cap.mapping.asid, cap.mapping.vaddr, cap.paddr);
      break;
    case "PageDirectory":
      if (isFinal && cap.mappedASID !== null)
        deleteASID(s, cap.mappedASID, cap.paddr);
      break;
    case "ASIDPool":
      if (isFinal) deleteASIDPool(s, cap.asidBase, cap.paddr);
      break;
    default:
      return;
  }
  if (isFinal) removeObject(s, cap.paddr);
}
