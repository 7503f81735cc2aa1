import type { ASID, PhysAddr, PPtr, VirtAddr } from "../../model/addresses.ts";
import type { Aarch64FrameSize, VMRights } from "../../model/caps.ts";
import type { PTEWord } from "../../model/objects.ts";
import { entriesAt, putEntries } from "../../kernel/store.ts";
import type { MutableState } from "../../model/transition.ts";
import { findVSpaceForASID } from "./asid.ts";
import { encodePTE, INVALID_WORD, isValidWord, type PageAttributes } from "./entries.ts";
import { frameBits } from "./objectTypes.ts";
import { invalidateTLBByASID, invalidateTLBByASIDVA } from "./tlb.ts";
import { lookupPTSlot, readPTEWord, uptIndex, type TableSlot } from "./walk.ts";
import { decodePTE, type Level } from "./entries.ts";

/** Writes `word` (the invalid word clears) into one slot of a VSpace or page table. */
export function writePTE(s: MutableState, slot: TableSlot, word: PTEWord): void {
  const o = entriesAt(s, slot.table, "aarch64");
  putEntries(s, slot.table, word === INVALID_WORD ? o.delete(slot.index) : o.set(slot.index, word));
}

/** makeUserPagePTE: the descriptor of a user mapping of `frame` (nG 1, AF 1, UXN from ExecuteNever). */
export function makeUserPagePTE(
  size: Aarch64FrameSize,
  frame: PhysAddr,
  rights: VMRights,
  attributes: PageAttributes,
): PTEWord {
  return encodePTE({
    kind: "Page",
    size,
    paddr: frame,
    rights,
    attributes,
    global: false,
  });
}

/**
 * seL4's performPageInvocationMap minus the cap update: write the descriptor, and if the slot
 * held a valid entry (a remap or an overwrite of a same-size page) flush that page from the TLB
 * by ASID and address.
 */
export function writeMapping(s: MutableState, a: ASID, vaddr: VirtAddr, slot: TableSlot, word: PTEWord): void {
  const wasValid = isValidWord(readPTEWord(s, slot));
  writePTE(s, slot, word);
  if (wasValid) invalidateTLBByASIDVA(s, a, vaddr, "a valid entry was overwritten");
}

/**
 * seL4's unmapPage (V64): clear the mapping of `frame` at `vaddr` in the VSpace of ASID `a` only
 * if it is still there (the ASID names a VSpace, the walk stops at this size, the slot holds a
 * page, and it maps this frame), then flush it by ASID and address. Otherwise nothing.
 */
export function unmapPage(
  s: MutableState,
  size: Aarch64FrameSize,
  a: ASID,
  vaddr: VirtAddr,
  frame: PPtr<"Frame">,
): void {
  const root = findVSpaceForASID(s, a);
  if (!root.ok) return;
  const found = lookupPTSlot(s, root.value, vaddr);
  if (found.ptBitsLeft !== frameBits(size)) return;
  if (found.pte.kind !== "Page" || found.pte.paddr !== frame) return;
  writePTE(s, found.slot, INVALID_WORD);
  invalidateTLBByASIDVA(s, a, vaddr, "a page was unmapped");
}

/**
 * seL4's unmapPageTable (V64): walk from the root along `vaddr`, at most three steps, until the
 * table reached is `pt`; a slot that holds no table on the way means `pt` is not mapped there
 * (nothing happens). When found, its parent slot is cleared and the whole ASID flushed.
 */
export function unmapPageTable(s: MutableState, a: ASID, vaddr: VirtAddr, pt: PPtr<"PageTable">): void {
  const root = findVSpaceForASID(s, a);
  if (!root.ok) return;
  let table: PhysAddr = root.value;
  let parent: TableSlot | undefined;
  for (let level = 0; level < 3 && table !== pt; level++) {
    parent = { table, index: uptIndex(vaddr, level as Level) };
    const e = decodePTE(readPTEWord(s, parent), level as Level);
    if (e.kind !== "Table") return;
    table = e.paddr;
  }
  if (table !== pt || parent === undefined) return;
  writePTE(s, parent, INVALID_WORD);
  invalidateTLBByASID(s, a, "a page table was unmapped");
}
