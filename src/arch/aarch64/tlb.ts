import { alignDown, type ASID, type HWASID, type VirtAddr } from "../../model/addresses.ts";
import type { MutableState } from "../../model/transition.ts";

/**
 * AArch64's TLB without hypervisor support: the seL4 ASID IS the hardware ASID (TTBR0_EL1.ASID,
 * 16 bits; armv_contextSwitch writes it directly), so nothing is allocated or stolen. Lines are
 * keyed by (ASID, 4 KiB virtual page number of the access that filled them); kernel lines are
 * global and sit in their own range after the 2^16 ASIDs. Keys stay below 2^53: 2^16 * 2^36.
 */
export const LINES_PER_ASID = 2 ** 36;
/** The tag of global (nG = 0) lines. */
export const GLOBAL_TLB_TAG = 2 ** 16;

/** The key of the TLB line for an access at `vaddr` under hardware ASID `tag`. */
export function tlbKey(tag: number, vaddr: VirtAddr): number {
  return tag * LINES_PER_ASID + Math.floor(vaddr / 4096);
}

/**
 * seL4 16.0.0's invalidateTLBByASID on AArch64 without hypervisor: `tlbi aside1` through
 * invalidateTranslationASID, whose parameter is a uint8_t hw_asid_t, while the caller passes the
 * 16-bit seL4 ASID. So an ASID >= 256 flushes ASID & 0xff instead of itself (seL4 issue #1735,
 * fixed after 16.0.0 by PR #1741). capsim models what 16.0.0 does: the lines of ASID & 0xff go,
 * the lines of a >= 256 stay, and the effect says so.
 */
export function invalidateTLBByASID(s: MutableState, a: ASID, why: string): void {
  const hw = (a % 256) as HWASID;
  s.tlb = s.tlb.deleteRange(hw * LINES_PER_ASID, (hw + 1) * LINES_PER_ASID);
  const truncated =
    (hw as number) !== (a as number)
      ? ` (seL4 16.0.0 truncates the ASID to 8 bits here, issue #1735: hardware ASID ${hw} is flushed, ASID ${a}'s lines stay)`
      : "";
  s.effects.push({
    kind: "tlbFlushASID",
    asid: a,
    hwASID: hw,
    why: why + truncated,
  });
}

/**
 * seL4's invalidateTLBByASIDVA (`tlbi vae1` with (asid << 48) | (vaddr >> 12)): drop the lines of
 * ASID `a` whose page covers `vaddr`, whatever its size. Not truncated: the operand is built
 * from the full 16-bit ASID.
 */
export function invalidateTLBByASIDVA(s: MutableState, a: ASID, vaddr: VirtAddr, why: string): void {
  const hw = a as number as HWASID;
  // A line covering vaddr was filled by an access inside its page, at most 1 GiB away.
  const base = alignDown(vaddr, 30);
  let tlb = s.tlb;
  for (const [key, line] of s.tlb.range(tlbKey(hw, base), tlbKey(hw, (base + 2 ** 30) as VirtAddr))) {
    const bits = line.size === "HugePage" ? 30 : line.size === "LargePage" ? 21 : 12;
    if (line.vbase <= vaddr && vaddr < line.vbase + 2 ** bits) tlb = tlb.delete(key);
  }
  s.tlb = tlb;
  s.effects.push({
    kind: "tlbFlushPage",
    asid: a,
    hwASID: hw,
    vaddr: alignDown(vaddr, 12),
    why,
  });
}
