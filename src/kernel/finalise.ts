import type { Cap } from "../model/caps.ts";
import type { SlotAddr } from "../model/state.ts";
import type { MutableState } from "../model/transition.ts";

/**
 * seL4's finaliseCap, as a callback: what must happen when `cap` leaves `slot` (deleted, or
 * deleted during a revoke). `isFinal` says whether it was the last cap to its object.
 * `src/caps/` cannot import the VSpace code (the VSpace code imports caps), so the
 * dispatcher composes the generic part here with the ARM part and passes it in.
 */
export type Finaliser = (
  s: MutableState,
  cap: Cap,
  slot: SlotAddr,
  isFinal: boolean,
) => void;
