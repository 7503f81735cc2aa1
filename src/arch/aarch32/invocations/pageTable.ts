import { alignDown, hex, type PhysAddr, type VirtAddr } from "../../../model/addresses.ts";
import {
  deleteFirst,
  illegalOperation,
  invalidArgument,
  invalidCapability,
  revokeFirst,
  truncatedMessage,
  type SyscallError,
} from "../../../model/errors.ts";
import { PMap } from "../../../model/pmap.ts";
import { err, ok, type Result } from "../../../model/result.ts";
import { isFinalCapability, updateCap } from "../../../kernel/cdt.ts";
import type { PageTableCap } from "../../../model/caps.ts";
import type { SlotAddr } from "../../../model/state.ts";
import { objectOfType, putEntries } from "../../../kernel/store.ts";
import type { MutableState } from "../../../model/transition.ts";
import { encodePDE } from "../entries.ts";
import { unmapPageTable, writeEntries } from "../mapping.ts";
import { lookupPDSlot, readPDE } from "../walk.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext } from "../../../model/message.ts";
import { findPDForVSpaceCap, validPDCap } from "./guards.ts";
import { PD_ENTRY_SPAN, PD_ENTRY_SPAN_BITS } from "../globalMappings.ts";

export type PageTableInvocation =
  | {
      readonly kind: "PageTableMap";
      readonly ptSlot: SlotAddr;
      /** the cap as perform writes it back, recording where the table is mapped */
      readonly cap: PageTableCap;
      readonly pd: PhysAddr;
      readonly pdIndex: number;
      readonly pde: number;
    }
  | {
      readonly kind: "PageTableUnmap";
      readonly ptSlot: SlotAddr;
      readonly cap: PageTableCap;
    };

/**
 * seL4's decodeARMPageTableInvocation (src/arch/arm/32/kernel/vspace.c). Unmap: only the last
 * cap to a table may unmap it (RevokeFirst). Map (cap0 = page directory, MR0 = vaddr,
 * MR1 = attributes): the table must not be mapped, the directory must have an ASID that still
 * names it, vaddr must lie below USER_TOP, and the directory slot must be empty. The vaddr need
 * not be aligned: the table covers the whole 1 MiB around it.
 */
export function decodePageTableInvocation(ctx: DecodeContext<PageTableCap>): Result<PageTableInvocation, SyscallError> {
  const { state, args, cap } = ctx;
  if (ctx.label === "ARMPageTableUnmap") {
    ctx.checks?.push("the last cap to the page table (isFinalCapability)");
    if (!isFinalCapability(state, ctx.slot))
      return err(revokeFirst("other caps to this page table exist: delete them (or revoke) before unmapping it"));
    return ok({ kind: "PageTableUnmap", ptSlot: ctx.slot, cap });
  }
  ctx.checks?.push("invocation label");
  if (ctx.label !== "ARMPageTableMap")
    return err(illegalOperation(`${ctx.label} is not an invocation of a page table cap`));
  ctx.checks?.push("message length and extra caps");
  if (args.length < 2 || ctx.extraCaps.length < 1)
    return err(
      truncatedMessage("PageTable_Map needs 2 message words (vaddr, attr) and the page directory as an extra cap"),
    );
  ctx.checks?.push("page table cap not mapped yet");
  if (cap.mapping !== null)
    return err(
      invalidCapability(0, `this page table is already mapped at ${hex(cap.mapping.vaddr)} (ASID ${cap.mapping.asid})`),
    );
  ctx.checks?.push("page directory cap with an ASID");
  const pdCap = validPDCap(ctx.extraCaps[0], 1);
  if (!pdCap.ok) return pdCap;
  const vaddr = args[0] as VirtAddr;
  ctx.checks?.push("vaddr below USER_TOP");
  if (vaddr >= state.config.userTop)
    return err(
      invalidArgument(
        0,
        `${hex(vaddr)} is at or above USER_TOP (${hex(state.config.userTop)}): that part of every address space belongs to the kernel`,
      ),
    );
  const found = findPDForVSpaceCap(state, pdCap.value, 1, ctx.checks);
  if (!found.ok) return found;
  ctx.checks?.push("the page-directory slot is empty");
  const slot = lookupPDSlot(found.value, vaddr);
  const existing = readPDE(state, slot);
  if (existing.kind !== "Invalid") {
    return err(
      deleteFirst(
        `directory slot ${slot.index} (${hex(slot.index * PD_ENTRY_SPAN)}) already holds ${existing.kind === "Table" ? "a page table" : `a ${existing.size}`}: unmap it first`,
      ),
    );
  }
  const parityEnabled = ((args[1] as number) & 2) !== 0;
  return ok({
    kind: "PageTableMap",
    ptSlot: ctx.slot,
    cap: {
      type: "PageTable",
      paddr: cap.paddr,
      mapping: {
        asid: pdCap.value.mappedASID,
        vaddr: alignDown(vaddr, PD_ENTRY_SPAN_BITS),
      },
    },
    pd: found.value,
    pdIndex: slot.index,
    pde: encodePDE({ kind: "Table", paddr: cap.paddr, parityEnabled }),
  });
}

/** seL4's performPageTableInvocationMap / Unmap. Unmap also zeroes the whole table. */
export function performPageTableInvocation(s: MutableState, inv: PageTableInvocation): readonly number[] {
  if (inv.kind === "PageTableMap") {
    updateCap(s, inv.ptSlot, inv.cap);
    writeEntries(s, inv.pd, inv.pdIndex, 1, inv.pde);
    return [];
  }
  const cap = inv.cap;
  if (cap.mapping !== null) {
    unmapPageTable(s, cap.mapping.asid, cap.mapping.vaddr, cap.paddr);
    putEntries(s, objectOfType(s, cap.paddr, "PageTable").paddr, PMap.empty<number, number>());
    updateCap(s, inv.ptSlot, { ...cap, mapping: null });
  }
  return [];
}

export const pageTableFamily: InvocationFamily<PageTableCap, PageTableInvocation> = {
  decode: decodePageTableInvocation,
  perform: performPageTableInvocation,
};
