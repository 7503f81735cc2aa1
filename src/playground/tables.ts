import { hex, type PhysAddr } from "../model/addresses.ts";
import type { KernelState } from "../model/state.ts";
import { capAt } from "../kernel/cspace.ts";
import { getObjectOfType, pageTableAt, vspaceRootAt } from "../kernel/store.ts";
import { INITIAL_CAP_SLOTS } from "../boot/initialCaps.ts";
import { listDirectory, listTable, type Entry, type EntryRow } from "../arch/index.ts";

/*
 * The page-directory and page-table grids as data: runs of invalid slots collapse into one
 * segment, the kernel window's slots are marked, and every entry is said in words.
 */

/** ARM32's short-descriptor geometry: a directory slot covers 1 MiB, a table slot 4 KiB. */
export const PD_SLOTS = 4096;
export const PT_SLOTS = 256;
const PD_SLOT_BYTES = 2 ** 20;
const PT_SLOT_BYTES = 2 ** 12;

export type Segment =
  | { readonly kind: "invalid"; readonly first: number; readonly last: number; readonly kernel: boolean }
  | { readonly kind: "entry"; readonly row: EntryRow; readonly kernel: boolean; readonly words: string };

const SIZE_WORDS: Readonly<Record<string, string>> = {
  SmallPage: "4K page",
  LargePage: "64K large page",
  Section: "1M section",
  SuperSection: "16M supersection",
};

const RIGHTS_WORDS: Readonly<Record<string, string>> = {
  VMReadWrite: "RW",
  VMReadOnly: "RO",
  VMKernelOnly: "kernel only",
  VMNoAccess: "no access",
};

/** An entry in words: "4K page -> 0x1234000, RW, XN, cacheable". */
export function entryWords(e: Entry): string {
  if (e.kind === "Invalid") return "invalid";
  if (e.kind === "Table") return `page table -> ${hex(e.paddr)}`;
  const parts = [
    `${SIZE_WORDS[e.size] ?? e.size} -> ${hex(e.paddr)}`,
    RIGHTS_WORDS[e.rights] ?? e.rights,
    ...(e.attributes.executeNever ? ["XN"] : []),
    e.attributes.cacheable ? "cacheable" : "uncached",
    ...(e.global ? ["global"] : []),
  ];
  return parts.join(", ");
}

/**
 * The segments of a table: its valid rows (a 16-slot page is one row) and the invalid runs
 * between them, split where the kernel window starts so the window's part can be shaded.
 */
function segmentsOf(rows: readonly EntryRow[], slots: number, kernelFrom: number): Segment[] {
  const out: Segment[] = [];
  const gap = (first: number, last: number) => {
    if (first > last) return;
    if (first < kernelFrom && last >= kernelFrom) {
      out.push({ kind: "invalid", first, last: kernelFrom - 1, kernel: false });
      out.push({ kind: "invalid", first: kernelFrom, last, kernel: true });
    } else out.push({ kind: "invalid", first, last, kernel: first >= kernelFrom });
  };
  let next = 0;
  for (const row of rows) {
    gap(next, row.index - 1);
    out.push({ kind: "entry", row, kernel: row.index >= kernelFrom, words: entryWords(row.entry) });
    next = row.index + row.count;
  }
  gap(next, slots - 1);
  return out;
}

/** A directory's grid: the kernel window is every slot at or above seL4's USER_TOP. */
export function directorySegments(s: KernelState, pd: PhysAddr): Segment[] {
  const root = vspaceRootAt(s, pd);
  return segmentsOf(root ? listDirectory(s, root) : [], PD_SLOTS, Math.ceil(s.config.userTop / PD_SLOT_BYTES));
}

/** A page table's grid; no part of a table is the kernel's. */
export function tableSegments(s: KernelState, pt: PhysAddr): Segment[] {
  const table = pageTableAt(s, pt);
  return segmentsOf(table ? listTable(s, table) : [], PT_SLOTS, PT_SLOTS);
}

/** The first virtual address a directory slot covers, or a table slot within the table's 1 MiB (add the directory slot's base). */
export const slotVaddr = (level: "PageDirectory" | "PageTable", index: number): number =>
  index * (level === "PageDirectory" ? PD_SLOT_BYTES : PT_SLOT_BYTES);

/** A directory the grid can show, with the label of its picker. */
export interface DirectoryChoice {
  readonly paddr: PhysAddr;
  readonly label: string;
}

/**
 * The directories of a state, the initial thread's own VSpace first (the one scenarios name
 * InitThreadVSpace), then the others by address; the kernel's global directory is left out.
 */
export function directoriesOf(s: KernelState, initThread: PhysAddr): DirectoryChoice[] {
  const own = capAt(s, initThread, INITIAL_CAP_SLOTS.InitThreadVSpace);
  const ownPD = own.type === "PageDirectory" ? own.paddr : undefined;
  const out: DirectoryChoice[] = [];
  for (const o of s.objects.values()) {
    if (o.type !== "PageDirectory" || o.paddr === s.globalPD) continue;
    const label = `PageDirectory @${hex(o.paddr)}${o.paddr === ownPD ? " (InitThreadVSpace)" : ""}`;
    if (o.paddr === ownPD) out.unshift({ paddr: o.paddr, label });
    else out.push({ paddr: o.paddr, label });
  }
  return out;
}

/** Whether a page table still exists at `pt` (a directory entry can outlive its table). */
export const tableExists = (s: KernelState, pt: PhysAddr): boolean => getObjectOfType(s, pt, "PageTable") !== undefined;
