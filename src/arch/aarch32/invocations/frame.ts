import { hex, pow2, type ASID, type PhysAddr, type PPtr, type VirtAddr } from "../../../model/addresses.ts";
import {
  illegalOperation,
  invalidArgument,
  invalidCapability,
  truncatedMessage,
  type SyscallError,
} from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import { replaceCap } from "../../../kernel/cdt.ts";
import { maskVMRights } from "../../../kernel/rights.ts";
import { capRightsFromWord, frameCapWithMapping, type FrameCap } from "../../../model/caps.ts";
import type { CTE, SlotAddr } from "../../../model/state.ts";
import type { MutableState } from "../../../model/transition.ts";
import { frameBits } from "../objectTypes.ts";
import { attributesFromWord } from "../entries.ts";
import { createSafeMappingEntries, unmapPage, writeMapping, type MappingEntries } from "../mapping.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext } from "../../../model/message.ts";
import { checkVPAlignment, findPDForASIDOrFail, findPDForVSpaceCap, validPDCap } from "./guards.ts";
import { decodePageFlush, performPageFlush, type PageFlushInvocation } from "./pageFlush.ts";

export type PageInvocation =
  | {
      readonly kind: "PageMap";
      readonly frameSlot: SlotAddr;
      /** the frame cap's CTE as decode found it, which perform rewrites first */
      readonly frameCTE: CTE;
      /** the cap as perform writes it back (recording the mapping), computed by decode as in seL4 and l4v */
      readonly cap: FrameCap;
      readonly asid: ASID;
      readonly vaddr: VirtAddr;
      readonly entries: MappingEntries;
    }
  | {
      /** seL4 10.x's Page_Remap: new entries for the mapping the cap records; the cap stays as it is */
      readonly kind: "PageRemap";
      readonly asid: ASID;
      readonly entries: MappingEntries;
    }
  | {
      readonly kind: "PageUnmap";
      readonly frameSlot: SlotAddr;
      /** the frame cap's CTE as decode found it: unmapping changes tables and the TLB, never a slot */
      readonly frameCTE: CTE;
      readonly cap: FrameCap;
    }
  | { readonly kind: "PageGetAddress"; readonly paddr: PhysAddr }
  | PageFlushInvocation;

/** The last byte a frame of this cap would reach at vaddr, computed in 32-bit wrapping arithmetic as seL4 does. */
function lastByte32(vaddr: number, cap: FrameCap): number {
  return (vaddr + pow2(frameBits(cap.size)) - 1) % 2 ** 32;
}

function aboveUserTop(cap: FrameCap, vaddr: VirtAddr, userTop: VirtAddr): SyscallError {
  return invalidArgument(
    0,
    `a ${cap.size} at ${hex(vaddr)} would reach ${hex(lastByte32(vaddr, cap))}, at or above USER_TOP (${hex(userTop)}), the kernel's part of the address space`,
  );
}

/** What the end of Page_Map and Page_Remap works on, once the directory is known. */
interface MapRequest {
  readonly pd: PPtr<"VSpaceRoot">;
  readonly vaddr: VirtAddr;
  readonly rightsWord: number;
  readonly attrWord: number;
}

/** The checks Page_Map and Page_Remap share, in seL4's order: maskVMRights, checkVPAlignment, createSafeMappingEntries. */
function mappingEntriesFor(ctx: DecodeContext<FrameCap>, req: MapRequest): Result<MappingEntries, SyscallError> {
  const cap = ctx.cap;
  const vmRights = maskVMRights(cap.vmRights, capRightsFromWord(req.rightsWord));
  ctx.checks?.push("alignment (checkVPAlignment)");
  const aligned = checkVPAlignment(cap.size, req.vaddr);
  if (!aligned.ok) return aligned;
  ctx.checks?.push("a page table where needed and no conflicting entry (createSafeMappingEntries)");
  return createSafeMappingEntries(
    ctx.state,
    req.pd,
    req.vaddr,
    cap.size,
    cap.paddr,
    vmRights,
    attributesFromWord(req.attrWord),
  );
}

function pageMap(ctx: DecodeContext<FrameCap>, asid: ASID, req: MapRequest): Result<PageInvocation, SyscallError> {
  const entries = mappingEntriesFor(ctx, req);
  if (!entries.ok) return entries;
  return ok({
    kind: "PageMap",
    frameSlot: ctx.slot,
    frameCTE: ctx.cte,
    cap: frameCapWithMapping(ctx.cap, { asid, vaddr: req.vaddr }),
    asid,
    vaddr: req.vaddr,
    entries: entries.value,
  });
}

/**
 * seL4's Page_Map (decodeARMFrameInvocation). Message: cap0 = page directory, MR0 = vaddr,
 * MR1 = rights mask, MR2 = attributes. The current API (seL4 11.0.0 on) lets a mapped cap be
 * mapped again at the same ASID and vaddr, which changes rights and attributes in place; seL4
 * 10.x refused any mapped cap and checked USER_TOP after the ASID lookup.
 */
function decodePageMap(ctx: DecodeContext<FrameCap>): Result<PageInvocation, SyscallError> {
  const { state, args, cap, checks } = ctx;
  checks?.push("message length and extra caps");
  if (args.length < 3 || ctx.extraCaps.length < 1)
    return err(
      truncatedMessage("Page_Map needs 3 message words (vaddr, rights, attr) and the page directory as an extra cap"),
    );
  const vaddr = args[0] as VirtAddr;
  const userTop = state.config.userTop;
  const legacy = state.config.api === "legacy";
  if (legacy) checks?.push("the frame cap is not mapped yet");
  if (legacy && cap.mapping !== null) {
    return err(
      invalidCapability(
        0,
        `this frame cap already maps ${hex(cap.mapping.vaddr)}: seL4 10.x needs Page_Remap to change a mapping, or a copy of the cap to map the frame again`,
      ),
    );
  }
  checks?.push("page directory cap with an ASID");
  const pdCap = validPDCap(ctx.extraCaps[0], 1);
  if (!pdCap.ok) return pdCap;
  if (!legacy) {
    if (cap.mapping !== null) {
      checks?.push("a mapped frame cap: the same ASID");
      if (cap.mapping.asid !== pdCap.value.mappedASID) {
        return err(
          invalidCapability(
            1,
            `this frame cap already maps the frame in ASID ${cap.mapping.asid}; a cap tracks one mapping: copy the cap to map the frame into another address space`,
          ),
        );
      }
      checks?.push("a mapped frame cap: the same vaddr");
      if (cap.mapping.vaddr !== vaddr) {
        return err(
          invalidArgument(
            0,
            `this frame cap already maps the frame at ${hex(cap.mapping.vaddr)}; a cap tracks one mapping: copy the cap to map the frame a second time`,
          ),
        );
      }
    } else {
      checks?.push("the frame's last byte below USER_TOP");
      if (lastByte32(vaddr, cap) >= userTop) return err(aboveUserTop(cap, vaddr, userTop));
    }
  }
  const pd = findPDForVSpaceCap(state, pdCap.value, 1, checks);
  if (!pd.ok) return pd;
  if (legacy) checks?.push("the frame's last byte below USER_TOP");
  if (legacy && lastByte32(vaddr, cap) >= userTop) return err(aboveUserTop(cap, vaddr, userTop));
  return pageMap(ctx, pdCap.value.mappedASID, {
    pd: pd.value,
    vaddr,
    rightsWord: args[1] as number,
    attrWord: args[2] as number,
  });
}

/** seL4 10.x's Page_Remap: new rights and attributes for the mapping the cap records (cap0 = page directory, MR0 rights, MR1 attr). */
function decodePageRemap(ctx: DecodeContext<FrameCap>): Result<PageInvocation, SyscallError> {
  const { state, args, cap, checks } = ctx;
  checks?.push("message length and extra caps");
  if (args.length < 2 || ctx.extraCaps.length < 1)
    return err(
      truncatedMessage("Page_Remap needs 2 message words (rights, attr) and the page directory as an extra cap"),
    );
  checks?.push("page directory cap with an ASID");
  const pdCap = validPDCap(ctx.extraCaps[0], 1);
  if (!pdCap.ok) return pdCap;
  checks?.push("the frame cap is mapped");
  if (cap.mapping === null) return err(invalidCapability(0, "this frame cap is not mapped: there is nothing to remap"));
  checks?.push("findPDForASID");
  const found = findPDForASIDOrFail(state, cap.mapping.asid);
  if (!found.ok) return found;
  checks?.push("the page directory is the one the frame's ASID names");
  if (found.value !== pdCap.value.paddr || pdCap.value.mappedASID !== cap.mapping.asid) {
    return err(invalidCapability(1, "the page directory given is not the one this frame cap's mapping is in"));
  }
  const entries = mappingEntriesFor(ctx, {
    pd: found.value,
    vaddr: cap.mapping.vaddr,
    rightsWord: args[0] as number,
    attrWord: args[1] as number,
  });
  if (!entries.ok) return entries;
  return ok({
    kind: "PageRemap",
    asid: cap.mapping.asid,
    entries: entries.value,
  });
}

/** seL4's decodeARMFrameInvocation: dispatch on the label. */
export function decodeFrameInvocation(ctx: DecodeContext<FrameCap>): Result<PageInvocation, SyscallError> {
  switch (ctx.label) {
    case "ARMPageMap":
      return decodePageMap(ctx);
    case "ARMPageRemap":
      ctx.checks?.push("the API has Page_Remap (seL4 10.x)");
      if (ctx.state.config.api === "legacy") return decodePageRemap(ctx);
      return err(
        illegalOperation(
          "Page_Remap was removed in seL4 11.0.0: call Page_Map again at the same address to change rights or attributes",
        ),
      );
    case "ARMPageUnmap":
      return ok({ kind: "PageUnmap", frameSlot: ctx.slot, frameCTE: ctx.cte, cap: ctx.cap });
    case "ARMPageGetAddress":
      return ok({ kind: "PageGetAddress", paddr: ctx.cap.paddr });
    default:
      return decodePageFlush(ctx);
  }
}

/** seL4's performPageInvocation*: map (and record it in the cap), unmap (always clears the cap), get address. */
export function performPageInvocation(s: MutableState, inv: PageInvocation): readonly number[] {
  switch (inv.kind) {
    case "PageMap":
      replaceCap(s, inv.frameSlot, inv.frameCTE, inv.cap);
      writeMapping(s, inv.asid, inv.entries);
      return [];
    case "PageRemap":
      writeMapping(s, inv.asid, inv.entries);
      return [];
    case "PageUnmap": {
      const cap = inv.cap;
      if (cap.mapping !== null) {
        unmapPage(s, cap.size, cap.mapping.asid, cap.mapping.vaddr, cap.paddr);
        replaceCap(s, inv.frameSlot, inv.frameCTE, frameCapWithMapping(cap, null));
      }
      return [];
    }
    case "PageGetAddress":
      return [inv.paddr];
    default:
      return performPageFlush(s, inv);
  }
}

export const pageFamily: InvocationFamily<FrameCap, PageInvocation> = {
  decode: decodeFrameInvocation,
  perform: performPageInvocation,
};
