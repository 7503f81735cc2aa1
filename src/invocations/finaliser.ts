import { finaliseGenericCap } from "../kernel/delete.ts";
import type { Finaliser } from "../kernel/finalise.ts";
import { archOf } from "../arch/index.ts";

/**
 * seL4's finaliseCap: the architecture's caps go to its finaliser (finaliseArchCap: unmap,
 * release ASIDs), the rest to the generic part. Passed to cteDelete/cteRevoke, which live
 * below the architecture; what they flush is recorded on the draft's effect log.
 */
export const finaliseCap: Finaliser = (s, cap, slot, isFinal) => {
  switch (cap.type) {
    case "Frame":
    case "PageTable":
    case "PageDirectory":
    case "VSpace":
    case "ASIDPool":
      archOf(s.config).finaliseArchCap(s, cap, slot, isFinal);
      return;
    default:
      finaliseGenericCap(s, cap, isFinal, finaliseCap);
  }
};
