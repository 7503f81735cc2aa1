import { alignDown, hex, type VirtAddr } from "../../../model/addresses.ts";
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
import type { PTEWord } from "../../../model/objects.ts";
import type { SlotAddr } from "../../../model/state.ts";
import { putEntries } from "../../../kernel/store.ts";
import type { MutableState } from "../../../model/transition.ts";
import type { InvocationFamily } from "../../../model/family.ts";
import type { DecodeContext } from "../../../model/message.ts";
import { encodePTE } from "../entries.ts";
import { unmapPageTable, writePTE } from "../mapping.ts";
import { lookupPTSlot, type TableSlot } from "../walk.ts";
import { findVSpaceForCap, validVSpaceCap } from "./guards.ts";

export type Aarch64PageTableInvocation =
  | {
      readonly kind: "Aarch64PageTableMap";
      readonly ptSlot: SlotAddr;
      /** the cap as perform writes it back: mapped, with the vaddr rounded down to what its slot covers */
      readonly cap: PageTableCap;
      readonly slot: TableSlot;
      readonly pte: PTEWord;
    }
  | {
      readonly kind: "Aarch64PageTableUnmap";
      readonly ptSlot: SlotAddr;
      readonly cap: PageTableCap;
    };

/**
 * seL4's decodeARMPageTableInvocation (V64). Unmap: only the final cap (RevokeFirst). Map (cap1 =
 * VSpace, MR0 vaddr, MR1 attr, never used): the table goes into the first empty slot on the walk
 * for vaddr, at whatever level that is; DeleteFirst only when the walk reaches a level-3 table or
 * stops at a page. No alignment check: the cap records vaddr rounded down to the slot's span.
 */
export function decodePageTableInvocation(
  ctx: DecodeContext<PageTableCap>,
): Result<Aarch64PageTableInvocation, SyscallError> {
  const { state, cap, checks } = ctx;
  if (ctx.label === "ARMPageTableUnmap") {
    checks?.push("the last cap to the page table (isFinalCapability)");
    if (!isFinalCapability(state, ctx.slot))
      return err(
        revokeFirst(
          "other caps to this page table exist: only the last one may unmap it (delete or revoke the others)",
        ),
      );
    return ok({ kind: "Aarch64PageTableUnmap", ptSlot: ctx.slot, cap });
  }
  checks?.push("invocation label");
  if (ctx.label !== "ARMPageTableMap")
    return err(illegalOperation(`${ctx.label} is not an invocation of a page table cap`));
  checks?.push("message length and extra caps");
  if (ctx.args.length < 2 || ctx.extraCaps.length < 1)
    return err(truncatedMessage("PageTable_Map needs 2 message words (vaddr, attr) and the VSpace as an extra cap"));
  checks?.push("page table cap not mapped yet");
  if (cap.mapping !== null)
    return err(
      invalidCapability(
        0,
        `this page table is already mapped at ${hex(cap.mapping.vaddr)} in ASID ${cap.mapping.asid}: unmap it first`,
      ),
    );
  checks?.push("VSpace cap with an ASID");
  const vspaceCap = validVSpaceCap(ctx.extraCaps[0]?.cap, 1);
  if (!vspaceCap.ok) return vspaceCap;
  const vaddr = ctx.args[0] as VirtAddr;
  checks?.push("vaddr at most USER_TOP");
  if (vaddr > state.config.userTop)
    return err(
      invalidArgument(0, `${hex(vaddr)} is above USER_TOP (${hex(state.config.userTop)}, the last user address)`),
    );
  const root = findVSpaceForCap(state, vspaceCap.value, 1, checks);
  if (!root.ok) return root;
  checks?.push("an empty slot for the table on the walk (lookupPTSlot)");
  const found = lookupPTSlot(state, root.value, vaddr);
  if (found.ptBitsLeft === 12 || found.pte.kind !== "Invalid") {
    return err(
      deleteFirst(
        found.ptBitsLeft === 12
          ? `the walk for ${hex(vaddr)} already has tables at every level: there is no slot left for another table`
          : `a ${found.pte.kind === "Page" ? found.pte.size : "mapping"} is mapped at level ${found.level} for ${hex(vaddr)}: unmap it first`,
      ),
    );
  }
  const mapped: PageTableCap = {
    type: "PageTable",
    paddr: cap.paddr,
    mapping: {
      asid: vspaceCap.value.mappedASID,
      vaddr: alignDown(vaddr, found.ptBitsLeft),
    },
  };
  return ok({
    kind: "Aarch64PageTableMap",
    ptSlot: ctx.slot,
    cap: mapped,
    slot: found.slot,
    pte: encodePTE({ kind: "Table", paddr: cap.paddr }),
  });
}

/** performPageTableInvocationMap / Unmap (Unmap zeroes the table: clearMemory_PT). */
export function performPageTableInvocation(s: MutableState, inv: Aarch64PageTableInvocation): readonly number[] {
  if (inv.kind === "Aarch64PageTableMap") {
    updateCap(s, inv.ptSlot, inv.cap);
    writePTE(s, inv.slot, inv.pte);
    return [];
  }
  const cap = inv.cap;
  if (cap.mapping !== null) {
    unmapPageTable(s, cap.mapping.asid, cap.mapping.vaddr, cap.paddr);
    putEntries(s, cap.paddr, PMap.empty<number, PTEWord>());
  }
  updateCap(s, inv.ptSlot, {
    type: "PageTable",
    paddr: cap.paddr,
    mapping: null,
  });
  return [];
}

export const pageTableFamily: InvocationFamily<PageTableCap, Aarch64PageTableInvocation> = {
  decode: decodePageTableInvocation,
  perform: performPageTableInvocation,
};
