import { alignDown, type ASID, type HWASID, type VirtAddr } from "../../model/addresses.ts";
import { frameBits } from "./objectTypes.ts";
import type { TLBEntry } from "../../model/state.ts";
import type { MutableState } from "../../model/transition.ts";

/**
 * The TLB model: lines tagged by hardware ASID, keyed by (hardware ASID, 4 KiB virtual page
 * number of the access that filled them); kernel-window lines are global and live in their own
 * key range. A line holds the translation of its whole page, as a real TLB entry does.
 */
const LINES_PER_ASID = 2 ** 20;
/** Global (kernel) lines sit after the 256 hardware-ASID ranges. */
export const GLOBAL_TLB_TAG = 256;

/** The key of the TLB line for an access at `vaddr` under hardware ASID `tag` (or GLOBAL_TLB_TAG). */
export function tlbKey(tag: number, vaddr: VirtAddr): number {
  return tag * LINES_PER_ASID + Math.floor(vaddr / 4096);
}

/** seL4's invalidateTranslationASID (TLBIASID): drop every line tagged with `hwASID`; `a` is the seL4 ASID holding it, for the effect. */
export function invalidateTranslationASID(s: MutableState, hwASID: HWASID, a: ASID, why: string): void {
  s.tlb = s.tlb.deleteRange(hwASID * LINES_PER_ASID, (hwASID + 1) * LINES_PER_ASID);
  s.effects.push({ kind: "tlbFlushASID", asid: a, hwASID, why });
}

/** seL4's invalidateTLBByASID: flush an seL4 ASID's lines, if it holds a hardware ASID (otherwise it has none); it never switches or allocates. */
export function invalidateTLBByASID(s: MutableState, a: ASID, why: string): void {
  const hw = s.asidMap.get(a);
  if (hw !== undefined) invalidateTranslationASID(s, hw, a, why);
}

/**
 * seL4's invalidateTranslationSingle (TLBIMVA by MVA and hardware ASID): drop the lines of
 * `hw` whose page covers `vaddr`, whatever the page's size. `a` is the seL4 ASID that holds
 * `hw`, for the effect.
 */
export function invalidateTranslationSingle(s: MutableState, hw: HWASID, a: ASID, vaddr: VirtAddr, why: string): void {
  // A line covering vaddr was filled by an access inside its page, at most 16 MiB away.
  const lo = tlbKey(hw, alignDown(vaddr, 24));
  const hi = tlbKey(hw, (alignDown(vaddr, 24) + 2 ** 24) as VirtAddr);
  let tlb = s.tlb;
  for (const [key, line] of s.tlb.range(lo, hi)) {
    if (line.vbase <= vaddr && vaddr < line.vbase + 2 ** sizeBitsOfLine(line)) tlb = tlb.delete(key);
  }
  s.tlb = tlb;
  // The page's address is a field of the effect; `why` stays a constant string, so the hot
  // path formats nothing (explain prints both).
  s.effects.push({
    kind: "tlbFlushPage",
    asid: a,
    hwASID: hw,
    vaddr: alignDown(vaddr, 12),
    why,
  });
}

function sizeBitsOfLine(line: TLBEntry): number {
  return frameBits(line.size);
}
