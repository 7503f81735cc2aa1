import { finaliseGenericCap } from "../kernel/delete.ts";
import type { Finaliser } from "../kernel/finalise.ts";
import { finaliseArchCap } from "../arch/index.ts";
import type { Effect } from "../model/message.ts";

/**
 * The whole finaliseCap: ARM's VM caps go to finaliseArchCap (unmap, release ASIDs), the rest
 * to the generic part. Passed to cteDelete/cteRevoke, which live below the VSpace code; what
 * the ARM part flushes is reported into `effects`.
 */
export function finaliserReporting(effects: Effect[]): Finaliser {
  const finaliser: Finaliser = (s, cap, slot, isFinal) => {
    switch (cap.type) {
      case "Frame":
      case "PageTable":
      case "PageDirectory":
      case "ASIDPool":
        finaliseArchCap(s, cap, slot, isFinal, effects);
        return;
      default:
        finaliseGenericCap(s, cap, isFinal, finaliser);
    }
  };
  return finaliser;
}
