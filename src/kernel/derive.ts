import { illegalOperation, revokeFirst, type SyscallError } from "../model/errors.ts";
import { err, ok, type Result } from "../model/result.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import { hasChildren } from "./cdt.ts";
import { frameCapWithMapping, NULL_CAP, type Cap } from "../model/caps.ts";

/**
 * seL4's deriveCap (src/object/objecttype.c with Arch_deriveCap for ARM 32-bit): the cap that
 * CNode Copy and Mint place in the destination.
 * - an untyped cap with children cannot be copied (RevokeFirst), as seL4's ensureNoChildren;
 * - a frame copy starts unmapped: each frame cap tracks one mapping of its own;
 * - an IRQ control cap derives to the null cap, so Copy and Mint refuse it (there is one);
 * - a page table cap that is not mapped, or a page directory cap without an ASID, cannot be
 *   copied (IllegalOperation): seL4 keeps each such object reachable through one cap until it is
 *   placed in an address space.
 */
export function deriveCap(s: KernelState, slot: SlotAddr, cap: Cap): Result<Cap, SyscallError> {
  switch (cap.type) {
    case "Untyped":
      return hasChildren(s, slot)
        ? err(revokeFirst("an untyped cap with children cannot be copied: revoke it first"))
        : ok(cap);
    case "IRQControl":
      return ok(NULL_CAP);
    case "Frame":
      return ok(frameCapWithMapping(cap, null));
    case "PageTable":
      return cap.mapping === null
        ? err(illegalOperation("a page table cap that is not mapped cannot be copied: map the table first"))
        : ok(cap);
    case "PageDirectory":
      return cap.mappedASID === null
        ? err(illegalOperation("a page directory cap without an ASID cannot be copied: assign it an ASID first"))
        : ok(cap);
    case "VSpace":
      return cap.mappedASID === null
        ? err(illegalOperation("a VSpace cap without an ASID cannot be copied: assign it an ASID first"))
        : ok(cap);
    default:
      return ok(cap);
  }
}

/**
 * seL4's updateCapData (Mint's badge word, Mutate's data word), in the word layout of the machine
 * (libsel4's seL4_CNode_CapData and seL4_BadgeBits, mode_include/32 and /64):
 * - endpoint and notification caps take the badge (its low seL4_BadgeBits: 28 on 32-bit, the whole
 *   word on 64-bit), unless already badged or `preserve` (Mutate) is set: then the null cap;
 * - a CNode cap takes a new guard from seL4_CNode_CapData (32-bit: guard size in bits 3-7, guard
 *   in bits 8-25; 64-bit: guard size in bits 0-5, guard in bits 6-63); a guard size that with the
 *   radix overflows the word gives the null cap;
 * - every other cap is unchanged (ARM's Arch_updateCapData returns the cap as it is).
 */
/** Where seL4_CNode_CapData's fields sit, and how much of a word a badge keeps. */
interface CapDataLayout {
  readonly guardSizeShift: number;
  readonly guardSizeBits: number;
  readonly guardShift: number;
  readonly guardBits: number;
  readonly badge: (data: number) => number;
}
const CAP_DATA_32: CapDataLayout = {
  guardSizeShift: 3,
  guardSizeBits: 5,
  guardShift: 8,
  guardBits: 18,
  badge: (data) => data % 2 ** 28,
};
// Words reach capsim as numbers below 2^53, so the 58-bit guard field and the 64-bit badge keep every bit given.
const CAP_DATA_64: CapDataLayout = {
  guardSizeShift: 0,
  guardSizeBits: 6,
  guardShift: 6,
  guardBits: 58,
  badge: (data) => data,
};

export function updateCapData(preserve: boolean, data: number, cap: Cap, wordBits: number): Cap {
  const layout = wordBits === 64 ? CAP_DATA_64 : CAP_DATA_32;
  switch (cap.type) {
    case "Endpoint":
    case "Notification":
      if (!preserve && cap.badge === 0) return { ...cap, badge: layout.badge(data) };
      return NULL_CAP;
    case "CNode": {
      const guardSize = Math.floor(data / 2 ** layout.guardSizeShift) % 2 ** layout.guardSizeBits;
      const guardWord = Math.floor(data / 2 ** layout.guardShift) % 2 ** layout.guardBits;
      if (guardSize + cap.radixBits > wordBits) return NULL_CAP;
      const guard = guardSize === 0 ? 0 : guardWord % 2 ** guardSize;
      return { ...cap, guardSize, guard };
    }
    default:
      return cap;
  }
}
