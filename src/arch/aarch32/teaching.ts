import { hex, type ASID, type PhysAddr, type PPtr, type VirtAddr } from "../../model/addresses.ts";
import { pageTableAt, vspaceRootAt } from "../../kernel/store.ts";
import type { KernelObject } from "../../model/objects.ts";
import type { KernelState } from "../../model/state.ts";
import {
  bitsOf,
  fieldOf,
  type AddressForm,
  type ArchTeaching,
  type BitField,
  type DescriptorView,
  type EntryLink,
  type MappedPage,
  type WalkEntry,
  type WalkView,
  translationEnd,
  entrySummary,
} from "../../model/teaching.ts";
import { findPDForASID, ASID_POOL_SIZE } from "./asid.ts";
import { decodePDE, decodePTE } from "./entries.ts";
import { listDirectory, listTable, lookupPDSlot, readPDEWord, readPTEWord, resolve, slotPhysAddr } from "./walk.ts";

/**
 * ARM32's part of the teaching views: the ARMv7 short-descriptor formats (ARMv7-A ARM B3.5.1)
 * field by field, with the seL4 attribute or right that produced each field (makeUserPDE and
 * makeUserPTE in seL4's arch/arm/32/kernel/vspace.c), and the two-level walk entry by entry.
 */

const PD_INDEX = "PD index";

/** The frame sizes in words, for the page's grids. */
const SIZE_WORDS: Readonly<Record<string, string>> = {
  SmallPage: "4K page",
  LargePage: "64K large page",
  Section: "1M section",
  SuperSection: "16M supersection",
};
const PT_INDEX = "PT index";

/** The four ways the MMU reads an address, one per frame size. */
function addressForms(v: VirtAddr): AddressForm[] {
  const pd = (meaning: string) => fieldOf(v, 31, 20, PD_INDEX, meaning);
  return [
    {
      form: "SmallPage",
      pageBytes: 2 ** 12,
      fields: [
        pd("which of the page directory's 4096 entries (each covers 1 MiB)"),
        fieldOf(v, 19, 12, PT_INDEX, "which of the page table's 256 entries (each covers 4 KiB)"),
        fieldOf(v, 11, 0, "offset", "the byte inside the 4 KiB page"),
      ],
    },
    {
      form: "LargePage",
      pageBytes: 2 ** 16,
      fields: [
        pd("which of the page directory's 4096 entries (each covers 1 MiB)"),
        fieldOf(
          v,
          19,
          12,
          PT_INDEX,
          "which page-table entry the MMU reads: one of the 16 copies of the 64 KiB page's entry",
        ),
        fieldOf(v, 15, 0, "offset", "the byte inside the 64 KiB page (its top 4 bits also pick the copy)"),
      ],
    },
    {
      form: "Section",
      pageBytes: 2 ** 20,
      fields: [
        pd("which page-directory entry: a section maps its 1 MiB directly, with no page table"),
        fieldOf(v, 19, 0, "offset", "the byte inside the 1 MiB section"),
      ],
    },
    {
      form: "SuperSection",
      pageBytes: 2 ** 24,
      fields: [
        pd("which page-directory entry the MMU reads: one of the 16 copies of the 16 MiB supersection's entry"),
        fieldOf(v, 23, 0, "offset", "the byte inside the 16 MiB supersection (its top 4 bits also pick the copy)"),
      ],
    },
  ];
}

const RIGHTS_FROM = "the frame cap's rights masked by Page_Map's rights mask (maskVMRights)";
const AP_MEANING: Readonly<Record<number, string>> = {
  0: "no access (VMNoAccess)",
  1: "kernel read-write, user none (VMKernelOnly)",
  2: "user read-only (VMReadOnly)",
  3: "user read-write (VMReadWrite)",
};
const CACHEABLE_FROM = "seL4_ARM_PageCacheable (attr bit 0)";
const XN_FROM = "seL4_ARM_ExecuteNever (attr bit 2)";
const PARITY_FROM = "seL4_ARM_ParityEnabled (attr bit 1)";
const NG_FROM = "makeUserPDE/PTE set nG on every user mapping; the kernel window's entries are global";

/** The memory-type fields seL4 writes: write-back TEX=0b101, B=1 when cacheable, else strongly ordered. */
function memoryFields(w: number, tex: [number, number], c: number, b: number, s: number): BitField[] {
  const cacheable = bitsOf(w, tex[0], tex[1]) === 5 && bitsOf(w, b, b) === 1;
  return [
    fieldOf(w, b, b, "B", cacheable ? "bufferable: with TEX 0b101, write-back" : "0: strongly ordered", CACHEABLE_FROM),
    fieldOf(w, c, c, "C", "0 in every entry seL4 writes", CACHEABLE_FROM),
    fieldOf(
      w,
      tex[0],
      tex[1],
      "TEX",
      cacheable ? "0b101: outer and inner write-back" : "0: strongly ordered",
      CACHEABLE_FROM,
    ),
    fieldOf(
      w,
      s,
      s,
      "S",
      bitsOf(w, s, s) === 1 ? "shareable (set for uncached mappings)" : "not shareable",
      CACHEABLE_FROM,
    ),
  ];
}

function apField(w: number, hi: number, lo: number): BitField {
  return fieldOf(w, hi, lo, "AP[1:0]", AP_MEANING[bitsOf(w, hi, lo)] ?? "", RIGHTS_FROM);
}

function ngField(w: number, bit: number): BitField {
  return fieldOf(
    w,
    bit,
    bit,
    "nG",
    bitsOf(w, bit, bit) === 1
      ? "not global: TLB lines are tagged with the hardware ASID"
      : "global: matches every ASID",
    NG_FROM,
  );
}

function pdeFields(w: number): BitField[] {
  const type = bitsOf(w, 1, 0);
  const typeField = (meaning: string, from?: string) => fieldOf(w, 1, 0, "type", meaning, from);
  if (type === 1)
    return [
      typeField("0b01: a pointer to a page table", "PageTable_Map"),
      fieldOf(w, 4, 2, "SBZ/PXN/NS", "0"),
      fieldOf(w, 8, 5, "Domain", "domain 0: seL4 uses one domain"),
      fieldOf(w, 9, 9, "P", "ECC/parity enable", "seL4_ARM_ParityEnabled (attr bit 1 of PageTable_Map)"),
      fieldOf(
        w,
        31,
        10,
        "page table base",
        `the page table at ${hex(bitsOf(w, 31, 10) * 2 ** 10)}`,
        "the PageTable cap's object",
      ),
    ];
  if (type === 2) {
    const sup = bitsOf(w, 18, 18) === 1;
    return [
      typeField(`0b10: a ${sup ? "supersection" : "section"}`, "the frame cap's size"),
      ...memoryFields(w, [14, 12], 3, 2, 16),
      fieldOf(w, 4, 4, "XN", bitsOf(w, 4, 4) === 1 ? "execute never" : "executable", XN_FROM),
      sup
        ? fieldOf(w, 8, 5, "extended base", "physical address bits 39:36: 0")
        : fieldOf(w, 8, 5, "Domain", "domain 0: seL4 uses one domain"),
      fieldOf(w, 9, 9, "P", "ECC/parity enable", PARITY_FROM),
      apField(w, 11, 10),
      fieldOf(w, 15, 15, "AP[2]", "0: seL4 never sets APX"),
      ngField(w, 17),
      fieldOf(
        w,
        18,
        18,
        "supersection",
        sup ? "1: a 16 MiB supersection" : "0: a 1 MiB section",
        "the frame cap's size",
      ),
      fieldOf(w, 19, 19, "NS", "0: secure"),
      ...(sup ? [fieldOf(w, 23, 20, "extended base", "physical address bits 35:32: 0")] : []),
      sup
        ? fieldOf(
            w,
            31,
            24,
            "supersection base",
            `the frame at ${hex(bitsOf(w, 31, 24) * 2 ** 24)}`,
            "the frame cap's object",
          )
        : fieldOf(
            w,
            31,
            20,
            "section base",
            `the frame at ${hex(bitsOf(w, 31, 20) * 2 ** 20)}`,
            "the frame cap's object",
          ),
    ];
  }
  return [
    typeField(type === 0 ? "0b00: invalid, the walk faults here" : "0b11: reserved, never written; the walk faults"),
    fieldOf(w, 31, 2, "ignored", "ignored by the MMU"),
  ];
}

function pteFields(w: number): BitField[] {
  if (bitsOf(w, 1, 1) === 1)
    return [
      fieldOf(w, 0, 0, "XN", bitsOf(w, 0, 0) === 1 ? "execute never" : "executable", XN_FROM),
      fieldOf(w, 1, 1, "type", "1: a 4 KiB small page", "the frame cap's size"),
      ...memoryFields(w, [8, 6], 3, 2, 10),
      apField(w, 5, 4),
      fieldOf(w, 9, 9, "AP[2]", "0: seL4 never sets APX"),
      ngField(w, 11),
      fieldOf(w, 31, 12, "page base", `the frame at ${hex(bitsOf(w, 31, 12) * 2 ** 12)}`, "the frame cap's object"),
    ];
  if (bitsOf(w, 0, 0) === 1)
    return [
      fieldOf(w, 1, 0, "type", "0b01: a 64 KiB large page", "the frame cap's size"),
      ...memoryFields(w, [14, 12], 3, 2, 10),
      apField(w, 5, 4),
      fieldOf(w, 8, 6, "SBZ", "0"),
      fieldOf(w, 9, 9, "AP[2]", "0: seL4 never sets APX"),
      ngField(w, 11),
      fieldOf(w, 15, 15, "XN", bitsOf(w, 15, 15) === 1 ? "execute never" : "executable", XN_FROM),
      fieldOf(w, 31, 16, "page base", `the frame at ${hex(bitsOf(w, 31, 16) * 2 ** 16)}`, "the frame cap's object"),
    ];
  return [
    fieldOf(w, 1, 0, "type", "0b00: invalid, the walk faults here"),
    fieldOf(w, 31, 2, "ignored", "ignored by the MMU"),
  ];
}

/** Level 1 is the page directory, level 2 a page table (the ARM ARM's first- and second-level tables). */
function describeEntry(s: KernelState, table: PhysAddr, index: number, level: number): DescriptorView {
  const slot = { table, index };
  const w = level === 1 ? readPDEWord(s, slot) : readPTEWord(s, slot);
  const e = level === 1 ? decodePDE(w) : decodePTE(w);
  return {
    structure: level === 1 ? "PageDirectory" : "PageTable",
    word: `0x${w.toString(16).padStart(8, "0")}`,
    kind: e.kind === "Page" ? e.size : e.kind,
    summary: entrySummary(e),
    words: entrySummary(e, "words", SIZE_WORDS),
    ...(e.kind !== "Invalid" ? { target: e.paddr } : {}),
    fields: (level === 1 ? pdeFields(w) : pteFields(w)).sort((a, b) => a.lo - b.lo),
  };
}

function walkEntry(s: KernelState, table: PhysAddr, index: number, level: number): WalkEntry {
  return {
    structure: level === 1 ? "PageDirectory" : "PageTable",
    level,
    table,
    index,
    slot: slotPhysAddr({ table, index }),
    descriptor: describeEntry(s, table, index, level),
  };
}

/** The walk the MMU makes for `v`: the directory entry, then the page-table entry when there is one. */
function walk(s: KernelState, pd: PPtr<"VSpaceRoot">, v: VirtAddr): WalkView {
  const pdSlot = lookupPDSlot(pd, v);
  const entries = [walkEntry(s, pd, pdSlot.index, 1)];
  const pde = decodePDE(readPDEWord(s, pdSlot));
  if (pde.kind === "Table") entries.push(walkEntry(s, pde.paddr, bitsOf(v, 19, 12), 2));
  const r = resolve(s, pd, v);
  if (r.mapped)
    return {
      vaddr: v,
      root: pd,
      entries,
      end: translationEnd(r),
    };
  const inPD = r.level === "PageDirectory";
  return {
    vaddr: v,
    root: pd,
    entries,
    end: {
      kind: "fault",
      structure: r.level,
      level: inPD ? 1 : 2,
      reason: inPD
        ? `page-directory entry ${pdSlot.index} is invalid: no page table, section or supersection covers the 1 MiB at ${hex(pdSlot.index * 2 ** 20)} (a section translation fault; Page_Map of a small page there fails with a missing page table, 20 bits left)`
        : `page-table entry ${bitsOf(v, 19, 12)} is invalid: nothing maps the 4 KiB page at ${hex(v - (v % 4096))} (a page translation fault)`,
    },
  };
}

function links(s: KernelState, table: PhysAddr, level: number): EntryLink[] {
  const root = level === 1 ? vspaceRootAt(s, table) : undefined;
  const pt = level === 2 ? pageTableAt(s, table) : undefined;
  const rows = root !== undefined ? listDirectory(s, root) : pt !== undefined ? listTable(s, pt) : [];
  const out: EntryLink[] = [];
  for (const r of rows)
    if (r.entry.kind !== "Invalid")
      out.push({
        index: r.index,
        count: r.count,
        kind: r.entry.kind,
        paddr: r.entry.paddr,
        vaddrOffset: r.vaddrOffset,
      });
  return out;
}

/** ArchTeaching.pageAt: resolve's page, for checks that need no descriptors (a cap's mapping record). */
function pageAt(s: KernelState, root: PPtr<"VSpaceRoot">, v: VirtAddr): MappedPage | undefined {
  const r = resolve(s, root, v);
  return r.mapped ? r : undefined;
}

function rootForASID(s: KernelState, a: ASID): PPtr<"VSpaceRoot"> | undefined {
  const r = findPDForASID(s, a);
  return r.ok ? r.value : undefined;
}

export const AARCH32_TEACHING: ArchTeaching = {
  addressForms,
  walk,
  pageAt,
  describeEntry,
  isPagingStructure: (o: KernelObject) => o.type === "PageDirectory" || o.type === "PageTable",
  isRoot: (o: KernelObject) => o.type === "PageDirectory",
  links,
  rootLevel: 1,
  spanBits: (level: number) => (level === 1 ? 20 : 12),
  rootForASID,
  asidPoolSize: ASID_POOL_SIZE,
  rootName: "page directory",
  leafLevel: 2,
  // a directory's 4096 entries each cover 1 MiB, a table's 256 each 4 KiB
  entriesAt: (level: number) => (level === 1 ? 4096 : 256),
  structureName: (level: number) => (level === 1 ? "PageDirectory" : "PageTable"),
  aboveUserTop: "kernel window",
};
