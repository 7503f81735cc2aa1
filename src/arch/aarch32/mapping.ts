import { hex, type ASID, type PhysAddr, type PPtr, type VirtAddr } from "../../model/addresses.ts";
import { deleteFirst, failedLookup, type SyscallError } from "../../model/errors.ts";
import { err, ok, type Result } from "../../model/result.ts";
import type { VMRights } from "../../model/caps.ts";
import type { TableEntries32 } from "../../model/objects.ts";
import type { KernelState } from "../../model/state.ts";
import { entriesAt, putEntries } from "../../kernel/store.ts";
import type { MutableState } from "../../model/transition.ts";
import type { FrameSize } from "../../model/caps.ts";
import { findPDForASID } from "./asid.ts";
import { decodePDE, decodePTE, encodePDE, encodePTE, type PageAttributes, type PageEntry } from "./entries.ts";
import { invalidateTLBByASID, invalidateTranslationASID, invalidateTranslationSingle } from "./tlb.ts";
import { setVMRoot, setVMRootForFlush } from "./vmRoot.ts";
import { lookupPDSlot, lookupPTSlot, readPDE, SLOTS_PER_PAGE, type TableSlot } from "./walk.ts";

/** The entries a mapping writes: one word, into 1 or 16 consecutive slots of one table. */
export interface MappingEntries {
  readonly level: "PageDirectory" | "PageTable";
  readonly table: PhysAddr;
  readonly firstIndex: number;
  readonly count: number;
  readonly word: number;
  /**
   * The table's words as decode read them, and whether its first slot held a valid entry then:
   * perform writes before anything else changes the table, so it starts from these instead of
   * reading the entries store and the entry again.
   */
  readonly words: TableEntries32;
  readonly replacesValid: boolean;
}

/**
 * seL4's createSafeMappingEntries_PTE / _PDE (l4v createMappingEntries + ensureSafeMapping):
 * the entries that map a frame of `size` at `vaddr`, after checking the slots hold nothing of
 * another kind. Small and large pages need a page table (FailedLookup, 20 bits left, when the
 * directory slot holds none); a page of one size over a page of another size, or a section over
 * a page table, is DeleteFirst; a page over one of its own size is replaced.
 */
export function createSafeMappingEntries(
  s: KernelState,
  pd: PPtr<"VSpaceRoot">,
  vaddr: VirtAddr,
  size: FrameSize,
  frame: PPtr<"Frame">,
  rights: VMRights,
  attributes: PageAttributes,
): Result<MappingEntries, SyscallError> {
  if (size === "HugePage") throw new Error("capsim internal error: ARM32 has no HugePage frames");
  const count = SLOTS_PER_PAGE[size];
  if (size === "SmallPage" || size === "LargePage") {
    const slot = lookupPTSlot(s, pd, vaddr);
    if (!slot.ok) {
      return err(
        failedLookup(
          false,
          slot.error,
          `the page directory has no page table for ${hex(vaddr)} (slot ${lookupPDSlot(pd, vaddr).index}): map a page table there first`,
        ),
      );
    }
    const table = entriesAt(s, slot.value.table, "aarch32");
    let replacesValid = false;
    for (let i = 0; i < count; i++) {
      const existing = decodePTE(table.get(slot.value.index + i) ?? 0);
      if (i === 0) replacesValid = existing.kind !== "Invalid";
      if (existing.kind === "Page" && existing.size !== size) {
        return err(
          deleteFirst(
            `a ${existing.size} is already mapped at page-table slot ${slot.value.index + i}: unmap it before mapping a ${size} here`,
          ),
        );
      }
    }
    // PTEs have no parity bit: ParityEnabled only affects section-sized entries.
    return ok({
      level: "PageTable",
      table: slot.value.table,
      firstIndex: slot.value.index,
      count,
      word: encodePTE(userPage(size, frame, rights, { ...attributes, parityEnabled: false })),
      words: table,
      replacesValid,
    });
  }
  const first = lookupPDSlot(pd, vaddr);
  const dir = entriesAt(s, pd, "aarch32");
  let replacesValid = false;
  for (let i = 0; i < count; i++) {
    const existing = decodePDE(dir.get(first.index + i) ?? 0);
    if (i === 0) replacesValid = existing.kind !== "Invalid";
    if (existing.kind === "Table")
      return err(
        deleteFirst(`directory slot ${first.index + i} holds a page table: unmap it before mapping a ${size} here`),
      );
    if (existing.kind === "Page" && existing.size !== size) {
      return err(
        deleteFirst(
          `a ${existing.size} is already mapped at directory slot ${first.index + i}: unmap it before mapping a ${size} here`,
        ),
      );
    }
  }
  return ok({
    level: "PageDirectory",
    table: pd,
    firstIndex: first.index,
    count,
    word: encodePDE(userPage(size, frame, rights, attributes)),
    words: dir,
    replacesValid,
  });
}

/**
 * The entry of a user mapping (makeUserPTE / makeUserPDE). Written out field by field: on Node 20,
 * spreading a record and adding a field it lacks takes V8's slow path (about 0.8 µs against 30 ns:
 * docs/performance.md).
 */
function userPage<S extends FrameSize>(
  size: S,
  paddr: PhysAddr,
  rights: VMRights,
  attributes: PageAttributes,
): PageEntry<S> {
  return { kind: "Page", size, paddr, rights, attributes, global: false };
}

/** Writes `word` (0 clears) into `count` consecutive slots of a table. */
export function writeEntries(s: MutableState, table: PhysAddr, firstIndex: number, count: number, word: number): void {
  writeEntriesOf(s, table, entriesAt(s, table, "aarch32"), firstIndex, count, word);
}

/** writeEntries, starting from the table's words `words` (read already). */
function writeEntriesOf(
  s: MutableState,
  table: PhysAddr,
  words: TableEntries32,
  firstIndex: number,
  count: number,
  word: number,
): void {
  let entries = words;
  for (let i = firstIndex; i < firstIndex + count; i++) entries = word === 0 ? entries.delete(i) : entries.set(i, word);
  putEntries(s, table, entries);
}

/**
 * seL4's performPageInvocationMapPTE/PDE minus the cap update: write the entries, and flush
 * the ASID's TLB lines when the first slot was already valid (a remap or an overwrite).
 */
export function writeMapping(s: MutableState, a: ASID, m: MappingEntries): void {
  writeEntriesOf(s, m.table, m.words, m.firstIndex, m.count, m.word);
  if (m.replacesValid) invalidateTLBByASID(s, a, "a valid entry was overwritten");
}

/**
 * seL4's unmapPage: clear the mapping of `frame` at `vaddr` in the directory of ASID `a`, only
 * if it is still there (the ASID still names a directory, the slot holds a page of this exact
 * size, and it points at this frame); then flushPage. Otherwise nothing: no flush, no switch.
 */
export function unmapPage(s: MutableState, size: FrameSize, a: ASID, vaddr: VirtAddr, frame: PPtr<"Frame">): void {
  const pd = findPDForASID(s, a);
  if (!pd.ok) return;
  let slot: TableSlot;
  let level: "PageDirectory" | "PageTable";
  if (size === "SmallPage" || size === "LargePage") {
    const pt = lookupPTSlot(s, pd.value, vaddr);
    if (!pt.ok) return;
    slot = pt.value;
    level = "PageTable";
  } else {
    slot = lookupPDSlot(pd.value, vaddr);
    level = "PageDirectory";
  }
  const table = entriesAt(s, slot.table, "aarch32");
  const word = table.get(slot.index) ?? 0;
  const entry = level === "PageTable" ? decodePTE(word) : decodePDE(word);
  if (entry.kind !== "Page" || entry.size !== size || entry.paddr !== frame) return;
  writeEntriesOf(s, slot.table, table, slot.index, SLOTS_PER_PAGE[size], 0);
  flushPage(s, pd.value, a, vaddr);
}

/**
 * seL4's flushPage (vspace.c): switch to the directory's address space (setVMRootForFlush,
 * which gives the ASID a hardware ASID if it switches), drop the page's TLB lines under the
 * ASID's hardware ASID, and switch back. seL4 does both of the last two only when the ASID
 * holds a hardware ASID: when it did not switch and the ASID holds none, the TLB has no line
 * of it and nothing happens.
 */
export function flushPage(s: MutableState, pd: PPtr<"VSpaceRoot">, a: ASID, vaddr: VirtAddr): void {
  const rootSwitched = setVMRootForFlush(s, pd, a);
  const hw = s.asidMap.get(a);
  if (hw === undefined) return;
  invalidateTranslationSingle(s, hw, a, vaddr, "a page was unmapped");
  if (rootSwitched) setVMRoot(s, s.currentThread);
}

/**
 * seL4's flushTable (vspace.c): flushPage's shape, but a page table covers 1 MiB, so it drops
 * every TLB line of the ASID's hardware ASID.
 */
export function flushTable(s: MutableState, pd: PPtr<"VSpaceRoot">, a: ASID): void {
  const rootSwitched = setVMRootForFlush(s, pd, a);
  const hw = s.asidMap.get(a);
  if (hw === undefined) return;
  invalidateTranslationASID(s, hw, a, "a page table was unmapped");
  if (rootSwitched) setVMRoot(s, s.currentThread);
}

/**
 * seL4's pageTableMapped: the directory of ASID `a`, when its slot for `vaddr` still points at
 * page table `pt`; otherwise undefined.
 */
export function pageTableMapped(
  s: KernelState,
  a: ASID,
  vaddr: VirtAddr,
  pt: PPtr<"PageTable">,
): PPtr<"VSpaceRoot"> | undefined {
  const pd = findPDForASID(s, a);
  if (!pd.ok) return undefined;
  const pde = readPDE(s, lookupPDSlot(pd.value, vaddr));
  return pde.kind === "Table" && pde.paddr === pt ? pd.value : undefined;
}

/** seL4's unmapPageTable: remove `pt` from its directory slot if it is still there, then flushTable. */
export function unmapPageTable(s: MutableState, a: ASID, vaddr: VirtAddr, pt: PPtr<"PageTable">): void {
  const pd = pageTableMapped(s, a, vaddr, pt);
  if (pd === undefined) return;
  const slot = lookupPDSlot(pd, vaddr);
  writeEntries(s, pd, slot.index, 1, 0);
  flushTable(s, pd, a);
}
