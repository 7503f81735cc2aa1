import { hex, isAligned, pow2, type ASID, type PhysAddr, type VirtAddr } from "../../../model/addresses.ts";
import { alignmentError, illegalOperation, invalidArgument, invalidCapability, truncatedMessage, type SyscallError } from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import { getCap, updateCap } from "../../../kernel/cdt.ts";
import { maskVMRights } from "../../../kernel/rights.ts";
import { capRightsFromWord, frameCapWithMapping, type FrameCap } from "../../../model/caps.ts";
import type { SlotAddr } from "../../../model/state.ts";
import type { MutableState } from "../../../model/transition.ts";
import { FRAME_SIZE_BITS } from "../objectTypes.ts";
import { attributesFromWord } from "../entries.ts";
import { createSafeMappingEntries, unmapPage, writeMapping, type MappingEntries } from "../mapping.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext, Effect } from "../../../model/message.ts";
import { ensurePDMatches, findPDForASIDOrFail, validPDCap } from "./guards.ts";
import { decodePageFlush, isPageFlushLabel, performPageFlush, type PageFlushInvocation } from "./pageFlush.ts";

export type PageInvocation =
  | {
      readonly kind: "PageMap";
      readonly frameSlot: SlotAddr;
      /** the cap as perform writes it back (recording the mapping), computed by decode as in seL4 and l4v */
      readonly cap: FrameCap;
      readonly asid: ASID;
      readonly vaddr: VirtAddr;
      readonly entries: MappingEntries;
      /** false for legacy Page_Remap, which rewrites the entries but leaves the cap as it is */
      readonly updateCap: boolean;
    }
  | { readonly kind: "PageUnmap"; readonly frameSlot: SlotAddr; readonly cap: FrameCap }
  | { readonly kind: "PageGetAddress"; readonly frameSlot: SlotAddr }
  | PageFlushInvocation;

/** The last byte a frame of this cap would reach at vaddr, computed in 32-bit wrapping arithmetic as seL4 does. */
function lastByte32(vaddr: number, cap: FrameCap): number {
  return (vaddr + pow2(FRAME_SIZE_BITS[cap.size]) - 1) % 2 ** 32;
}

function aboveUserTop(cap: FrameCap, vaddr: VirtAddr, userTop: VirtAddr): SyscallError {
  return invalidArgument(0, `a ${cap.size} at ${hex(vaddr)} would reach ${hex(lastByte32(vaddr, cap))}, at or above USER_TOP (${hex(userTop)}), the kernel's part of the address space`);
}

function decodeMapCommon(ctx: DecodeContext, cap: FrameCap, pdAsid: ASID, pd: PhysAddr, vaddr: VirtAddr, rightsWord: number, attrWord: number, updateCapToo: boolean): Result<PageInvocation, SyscallError> {
  const vmRights = maskVMRights(cap.vmRights, capRightsFromWord(rightsWord));
  const bits = FRAME_SIZE_BITS[cap.size];
  if (!isAligned(vaddr, bits)) return err(alignmentError(`${hex(vaddr)} is not aligned to the ${cap.size}'s size (2^${bits} bytes)`));
  const entries = createSafeMappingEntries(ctx.state, pd, vaddr, cap.size, cap.paddr, vmRights, attributesFromWord(attrWord));
  if (!entries.ok) return entries;
  return ok({ kind: "PageMap", frameSlot: ctx.slot, cap: frameCapWithMapping(cap, { asid: pdAsid, vaddr }), asid: pdAsid, vaddr, entries: entries.value, updateCap: updateCapToo });
}

/**
 * seL4's Page_Map (decodeARMFrameInvocation). Message: cap0 = page directory, MR0 = vaddr,
 * MR1 = rights mask, MR2 = attributes. The current API (seL4 11.0.0 on) lets a mapped cap be
 * mapped again at the same ASID and vaddr, which changes rights and attributes in place; seL4
 * 10.x refused any mapped cap and checked USER_TOP after the ASID lookup.
 */
function decodePageMap(ctx: DecodeContext, cap: FrameCap): Result<PageInvocation, SyscallError> {
  const { state, args } = ctx;
  if (args.length < 3 || ctx.extraCaps.length < 1) return err(truncatedMessage("Page_Map needs 3 message words (vaddr, rights, attr) and the page directory as an extra cap"));
  const vaddr = args[0] as VirtAddr;
  const userTop = state.config.userTop;
  if (state.config.api === "legacy") {
    if (cap.mapping !== null) return err(invalidCapability(0, `this frame cap already maps ${hex(cap.mapping.vaddr)}: seL4 10.x needs Page_Remap to change a mapping, or a copy of the cap to map the frame again`));
    const pdCap = validPDCap(ctx.extraCaps[0], 1);
    if (!pdCap.ok) return pdCap;
    const found = findPDForASIDOrFail(state, pdCap.value.mappedASID);
    if (!found.ok) return found;
    const mismatch = ensurePDMatches(found.value, pdCap.value, 1);
    if (mismatch) return err(mismatch);
    if (lastByte32(vaddr, cap) >= userTop) return err(aboveUserTop(cap, vaddr, userTop));
    return decodeMapCommon(ctx, cap, pdCap.value.mappedASID, found.value, vaddr, args[1] as number, args[2] as number, true);
  }
  const pdCap = validPDCap(ctx.extraCaps[0], 1);
  if (!pdCap.ok) return pdCap;
  if (cap.mapping !== null) {
    if (cap.mapping.asid !== pdCap.value.mappedASID) {
      return err(invalidCapability(1, `this frame cap already maps the frame in ASID ${cap.mapping.asid}; a cap tracks one mapping: copy the cap to map the frame into another address space`));
    }
    if (cap.mapping.vaddr !== vaddr) {
      return err(invalidArgument(0, `this frame cap already maps the frame at ${hex(cap.mapping.vaddr)}; a cap tracks one mapping: copy the cap to map the frame a second time`));
    }
  } else if (lastByte32(vaddr, cap) >= userTop) {
    return err(aboveUserTop(cap, vaddr, userTop));
  }
  const found = findPDForASIDOrFail(state, pdCap.value.mappedASID);
  if (!found.ok) return found;
  const mismatch = ensurePDMatches(found.value, pdCap.value, 1);
  if (mismatch) return err(mismatch);
  return decodeMapCommon(ctx, cap, pdCap.value.mappedASID, found.value, vaddr, args[1] as number, args[2] as number, true);
}

/** seL4 10.x's Page_Remap: new rights and attributes for the mapping the cap records (cap0 = page directory, MR0 rights, MR1 attr). */
function decodePageRemap(ctx: DecodeContext, cap: FrameCap): Result<PageInvocation, SyscallError> {
  const { state, args } = ctx;
  if (args.length < 2 || ctx.extraCaps.length < 1) return err(truncatedMessage("Page_Remap needs 2 message words (rights, attr) and the page directory as an extra cap"));
  const pdCap = validPDCap(ctx.extraCaps[0], 1);
  if (!pdCap.ok) return pdCap;
  if (cap.mapping === null) return err(invalidCapability(0, "this frame cap is not mapped: there is nothing to remap"));
  const found = findPDForASIDOrFail(state, cap.mapping.asid);
  if (!found.ok) return found;
  if (found.value !== pdCap.value.paddr || pdCap.value.mappedASID !== cap.mapping.asid) {
    return err(invalidCapability(1, "the page directory given is not the one this frame cap's mapping is in"));
  }
  return decodeMapCommon(ctx, cap, cap.mapping.asid, found.value, cap.mapping.vaddr, args[0] as number, args[1] as number, false);
}

/** seL4's decodeARMFrameInvocation: dispatch on the label. */
export function decodeFrameInvocation(ctx: DecodeContext): Result<PageInvocation, SyscallError> {
  const cap = ctx.cap as FrameCap;
  switch (ctx.label) {
    case "ARMPageMap":
      return decodePageMap(ctx, cap);
    case "ARMPageRemap":
      if (ctx.state.config.api === "legacy") return decodePageRemap(ctx, cap);
      return err(illegalOperation("Page_Remap was removed in seL4 11.0.0: call Page_Map again at the same address to change rights or attributes"));
    case "ARMPageUnmap":
      return ok({ kind: "PageUnmap", frameSlot: ctx.slot, cap });
    case "ARMPageGetAddress":
      return ok({ kind: "PageGetAddress", frameSlot: ctx.slot });
    default:
      if (isPageFlushLabel(ctx.label)) return decodePageFlush(ctx, cap);
      return err(illegalOperation(`${ctx.label} is not an invocation of a frame cap`));
  }
}

/** seL4's performPageInvocation*: map (and record it in the cap), unmap (always clears the cap), get address. */
export function performPageInvocation(s: MutableState, inv: PageInvocation): readonly number[] {
  switch (inv.kind) {
    case "PageMap":
      if (inv.updateCap) updateCap(s, inv.frameSlot, inv.cap);
      writeMapping(s, inv.asid, inv.entries);
      return [];
    case "PageUnmap": {
      const cap = inv.cap;
      if (cap.mapping !== null) {
        unmapPage(s, cap.size, cap.mapping.asid, cap.mapping.vaddr, cap.paddr);
        updateCap(s, inv.frameSlot, frameCapWithMapping(cap, null));
      }
      return [];
    }
    case "PageGetAddress":
      return [(getCap(s, inv.frameSlot) as FrameCap).paddr];
    default:
      return performPageFlush(s, inv);
  }
}

export const pageFamily: InvocationFamily<PageInvocation> = { decode: decodeFrameInvocation, perform: performPageInvocation };
