import type { ASID, HWASID } from "../../model/addresses.ts";
import { HW_ASID_COUNT } from "./constants.ts";
import type { MutableState } from "../../model/transition.ts";
import { invalidateTranslationASID } from "./tlb.ts";

/**
 * Hardware ASIDs (ARMv7 CONTEXTIDR.ASID, 8 bits) are handed to seL4 ASIDs lazily, when an
 * address space is loaded (seL4's getHWASID / findFreeHWASID / storeHWASID). seL4 keeps the
 * binding inside the page directory's slot 4080; capsim keeps it in `asidMap`/`hwASIDTable`
 * (the Haskell specification's armKSASIDMap and armKSHWASIDTable), which say the same.
 */

/** seL4's invalidateASID: forget the hardware ASID an seL4 ASID holds. */
export function invalidateASID(s: MutableState, a: ASID): void {
  s.asidMap = s.asidMap.delete(a);
}

/** seL4's invalidateASIDEntry: release an seL4 ASID's hardware ASID, if it holds one. */
export function invalidateASIDEntry(s: MutableState, a: ASID): void {
  const hw = s.asidMap.get(a);
  if (hw !== undefined) s.hwASIDTable = s.hwASIDTable.delete(hw);
  invalidateASID(s, a);
}

/**
 * seL4's findFreeHWASID: the first free hardware ASID from nextHWASID on (nextHWASID does not
 * move); when all 256 are taken, steal nextHWASID's, flush the TLB for it, and advance.
 */
export function findFreeHWASID(s: MutableState): HWASID {
  for (let i = 0; i < HW_ASID_COUNT; i++) {
    const hw = ((s.nextHWASID + i) % HW_ASID_COUNT) as HWASID;
    if (!s.hwASIDTable.has(hw)) return hw;
  }
  const hw = s.nextHWASID;
  const victim = s.hwASIDTable.get(hw) as ASID;
  invalidateASID(s, victim);
  invalidateTranslationASID(
    s,
    hw,
    victim,
    `hardware ASID ${hw} is taken from ASID ${victim}: all ${HW_ASID_COUNT} were in use`,
  );
  s.hwASIDTable = s.hwASIDTable.delete(hw);
  s.nextHWASID = ((hw + 1) % HW_ASID_COUNT) as HWASID;
  return hw;
}

/** seL4's getHWASID: the hardware ASID of `a`, allocating (and storing) one if it has none. */
export function getHWASID(s: MutableState, a: ASID): HWASID {
  const held = s.asidMap.get(a);
  if (held !== undefined) return held;
  const hw = findFreeHWASID(s);
  s.asidMap = s.asidMap.set(a, hw);
  s.hwASIDTable = s.hwASIDTable.set(hw, a);
  return hw;
}
