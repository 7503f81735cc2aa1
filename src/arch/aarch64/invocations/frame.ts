import { hex, pow2, type ASID, type PhysAddr, type PPtr, type VirtAddr } from "../../../model/addresses.ts";
import {
  failedLookup,
  illegalOperation,
  invalidArgument,
  invalidCapability,
  truncatedMessage,
  type SyscallError,
} from "../../../model/errors.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import { updateCap } from "../../../kernel/cdt.ts";
import { maskVMRights } from "../../../kernel/rights.ts";
import { capRightsFromWord, frameCapWithMapping, type FrameCap } from "../../../model/caps.ts";
import type { PTEWord } from "../../../model/objects.ts";
import type { SlotAddr } from "../../../model/state.ts";
import type { MutableState } from "../../../model/transition.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext } from "../../../model/message.ts";
import { findVSpaceForASIDOrFail } from "../asid.ts";
import { attributesFromWord } from "../entries.ts";
import { makeUserPagePTE, unmapPage, writeMapping } from "../mapping.ts";
import { aarch64FrameSize, frameBits } from "../objectTypes.ts";
import { lookupPTSlot, type TableSlot } from "../walk.ts";
import {
  checkOffsetsInsideFrame,
  decodeFrameFlushRequest,
  recordCacheMaintenance,
  type RootForASID,
} from "../../arm/cacheMaintenance.ts";
import type { Aarch64FlushInvocation } from "./flush.ts";
import { checkVPAlignment, findVSpaceForCap, validVSpaceCap } from "./guards.ts";

export type Aarch64PageInvocation =
  | {
      readonly kind: "Aarch64PageMap";
      readonly frameSlot: SlotAddr;
      /** the cap as perform writes it back, recording the mapping */
      readonly cap: FrameCap;
      readonly asid: ASID;
      readonly vaddr: VirtAddr;
      readonly slot: TableSlot;
      readonly pte: PTEWord;
    }
  | {
      readonly kind: "Aarch64PageUnmap";
      readonly frameSlot: SlotAddr;
      readonly cap: FrameCap;
    }
  | { readonly kind: "Aarch64PageGetAddress"; readonly paddr: PhysAddr }
  | Aarch64FlushInvocation;

/**
 * seL4_ARM_Page_Map (V64 decodeARMFrameInvocation). cap1 = VSpace, MR0 vaddr, MR1 rights, MR2 attr.
 * AArch64's order differs from ARM32's: the ASID lookup, its match and the alignment come before
 * the mapped-cap and USER_TOP checks; a walk that stops at another size is FailedLookup with the
 * walk's bitsLeft (never DeleteFirst), and a page of the same size there is overwritten.
 */
function decodePageMap(ctx: DecodeContext<FrameCap>): Result<Aarch64PageInvocation, SyscallError> {
  const { state, args, cap, checks } = ctx;
  checks?.push("message length and extra caps");
  if (args.length < 3 || ctx.extraCaps.length < 1)
    return err(truncatedMessage("Page_Map needs 3 message words (vaddr, rights, attr) and the VSpace as an extra cap"));
  const vaddr = args[0] as VirtAddr;
  const size = aarch64FrameSize(cap.size);
  const vmRights = maskVMRights(cap.vmRights, capRightsFromWord(args[1] as number));
  const attributes = attributesFromWord(args[2] as number);
  checks?.push("VSpace cap with an ASID");
  const vspaceCap = validVSpaceCap(ctx.extraCaps[0]?.cap, 1);
  if (!vspaceCap.ok) return vspaceCap;
  const asid = vspaceCap.value.mappedASID;
  const root = findVSpaceForCap(state, vspaceCap.value, 1, checks);
  if (!root.ok) return root;
  checks?.push("alignment (checkVPAlignment)");
  const aligned = checkVPAlignment(size, vaddr);
  if (!aligned.ok) return aligned;
  const bits = frameBits(size);
  if (cap.mapping !== null) {
    checks?.push("a mapped frame cap: the same ASID");
    if (cap.mapping.asid !== asid)
      return err(
        invalidCapability(
          1,
          `this frame cap already maps the frame in ASID ${cap.mapping.asid}; a cap tracks one mapping: copy the cap to map the frame into another VSpace`,
        ),
      );
    checks?.push("a mapped frame cap: the same vaddr");
    if (cap.mapping.vaddr !== vaddr)
      return err(
        invalidArgument(
          0,
          `this frame cap already maps the frame at ${hex(cap.mapping.vaddr)}; a cap tracks one mapping: copy the cap to map the frame a second time`,
        ),
      );
  } else {
    checks?.push("the frame's last byte at most USER_TOP");
    if (vaddr + pow2(bits) - 1 > state.config.userTop)
      return err(
        invalidArgument(
          0,
          `a ${size} at ${hex(vaddr)} would reach ${hex(vaddr + pow2(bits) - 1)}, above USER_TOP (${hex(state.config.userTop)}, the last user address)`,
        ),
      );
  }
  checks?.push("the walk stops at the frame's level (lookupPTSlot)");
  const found = lookupPTSlot(state, root.value, vaddr);
  if (found.ptBitsLeft !== bits) {
    return err(
      failedLookup(
        false,
        { kind: "MissingCapability", bitsLeft: found.ptBitsLeft },
        `the walk for ${hex(vaddr)} stops at level ${found.level} (${found.pte.kind === "Invalid" ? "an empty slot" : `a ${found.pte.kind === "Page" ? found.pte.size : "table"}`}), where a 2^${found.ptBitsLeft}-byte mapping goes, not a ${size}: map the missing page tables first`,
      ),
    );
  }
  return ok({
    kind: "Aarch64PageMap",
    frameSlot: ctx.slot,
    cap: frameCapWithMapping(cap, { asid, vaddr }),
    asid,
    vaddr,
    slot: found.slot,
    pte: makeUserPagePTE(size, cap.paddr, vmRights, attributes),
  });
}

const VSPACE_FOR_ASID: RootForASID<PPtr<"VSpaceRoot">> = { check: "findVSpaceForASID", find: findVSpaceForASIDOrFail };

/**
 * The frame cache operations (V64 decodeARMFrameInvocation, non-hyp). MR0/MR1: start and end
 * offsets in the frame. AArch64 checks the range before the stale-mapping check (ARM32 the
 * other way round), and Invalidate_Data needs a read-write mapping (13.0.0 on).
 */
function decodePageFlush(ctx: DecodeContext<FrameCap>): Result<Aarch64PageInvocation, SyscallError> {
  const request = decodeFrameFlushRequest(ctx, VSPACE_FOR_ASID);
  if (!request.ok) return request;
  const { state, cap, checks } = ctx;
  const { operation, start, end, mapping, root } = request.value;
  const size = aarch64FrameSize(cap.size);
  checks?.push("offsets inside the frame");
  const inside = checkOffsetsInsideFrame(request.value, frameBits(size), size);
  if (!inside.ok) return inside;
  checks?.push("the cap's mapping still holds this frame (lookupPTSlot)");
  const found = lookupPTSlot(state, root, mapping.vaddr);
  if (found.ptBitsLeft !== frameBits(size) || found.pte.kind !== "Page" || found.pte.paddr !== cap.paddr) {
    return err(
      invalidCapability(
        0,
        `the mapping this cap records at ${hex(mapping.vaddr)} no longer holds this frame (it was unmapped or replaced): the cap is stale`,
      ),
    );
  }
  if (operation === "Invalidate_Data") checks?.push("Invalidate_Data needs a read-write mapping");
  if (operation === "Invalidate_Data" && found.pte.rights !== "VMReadWrite") {
    return err(
      illegalOperation(
        "Invalidate_Data needs a read-write mapping: invalidating a page the caller cannot write would discard data it could not have written",
      ),
    );
  }
  return ok({
    kind: "Aarch64Flush",
    operation,
    vstart: (mapping.vaddr + start) as VirtAddr,
    vend: (mapping.vaddr + end - 1) as VirtAddr,
    pstart: (cap.paddr + start) as PhysAddr,
  });
}

/** seL4's decodeARMFrameInvocation (V64): dispatch on the label. */
export function decodeFrameInvocation(ctx: DecodeContext<FrameCap>): Result<Aarch64PageInvocation, SyscallError> {
  switch (ctx.label) {
    case "ARMPageMap":
      return decodePageMap(ctx);
    case "ARMPageUnmap":
      return ok({
        kind: "Aarch64PageUnmap",
        frameSlot: ctx.slot,
        cap: ctx.cap,
      });
    case "ARMPageGetAddress":
      return ok({ kind: "Aarch64PageGetAddress", paddr: ctx.cap.paddr });
    default:
      return decodePageFlush(ctx);
  }
}

/** performPageInvocationMap / Unmap / GetAddress / performPageFlush. */
export function performFrameInvocation(s: MutableState, inv: Aarch64PageInvocation): readonly number[] {
  switch (inv.kind) {
    case "Aarch64PageMap":
      updateCap(s, inv.frameSlot, inv.cap);
      writeMapping(s, inv.asid, inv.vaddr, inv.slot, inv.pte);
      return [];
    case "Aarch64PageUnmap": {
      const cap = inv.cap;
      if (cap.mapping !== null)
        unmapPage(s, aarch64FrameSize(cap.size), cap.mapping.asid, cap.mapping.vaddr, cap.paddr);
      updateCap(s, inv.frameSlot, frameCapWithMapping(cap, null));
      return [];
    }
    case "Aarch64PageGetAddress":
      return [inv.paddr];
    default:
      recordCacheMaintenance(s, inv);
      return [];
  }
}

export const frameFamily: InvocationFamily<FrameCap, Aarch64PageInvocation> = {
  decode: decodeFrameInvocation,
  perform: performFrameInvocation,
};
