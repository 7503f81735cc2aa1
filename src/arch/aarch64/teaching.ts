import { hex, type ASID, type PhysAddr, type PPtr, type VirtAddr } from "../../model/addresses.ts";
import type { KernelObject, PTEWord } from "../../model/objects.ts";
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
import { ASID_POOL_SIZE, findVSpaceForASID } from "./asid.ts";
import { uptLevelShift, UPT_LEVELS } from "./constants.ts";
import { decodePTE, MAIR_NORMAL, type Level, type PTE } from "./entries.ts";
import { listTable, readPTEWord, resolve, slotPhysAddr, uptIndex } from "./walk.ts";

/**
 * AArch64's part of the teaching views: the VMSAv8-64 stage-1 descriptors seL4 writes (4 KiB
 * granule, four levels), field by field with the seL4 attribute or right behind each
 * (makeUserPagePTE in seL4's arch/arm/64/kernel/vspace.c), and the walk level by level.
 */

const LEVEL_BITS: readonly [number, number][] = [
  [47, 39],
  [38, 30],
  [29, 21],
  [20, 12],
];

function indexFields(v: VirtAddr, levels: number): BitField[] {
  return LEVEL_BITS.slice(0, levels).map(([hi, lo], level) =>
    fieldOf(
      v,
      hi,
      lo,
      `L${level} index`,
      `which of the ${level === 0 ? "VSpace's" : `level-${level} page table's`} 512 entries (each covers ${hex(2 ** lo)} bytes)`,
    ),
  );
}

function addressForms(v: VirtAddr): AddressForm[] {
  return [
    {
      form: "SmallPage",
      pageBytes: 2 ** 12,
      fields: [...indexFields(v, 4), fieldOf(v, 11, 0, "offset", "the byte inside the 4 KiB page")],
    },
    {
      form: "LargePage",
      pageBytes: 2 ** 21,
      fields: [...indexFields(v, 3), fieldOf(v, 20, 0, "offset", "the byte inside the 2 MiB block")],
    },
    {
      form: "HugePage",
      pageBytes: 2 ** 30,
      fields: [...indexFields(v, 2), fieldOf(v, 29, 0, "offset", "the byte inside the 1 GiB block")],
    },
  ];
}

const structureName = (level: number): string => (level === 0 ? "VSpace" : `PageTable (level ${level})`);

/** The frame sizes in words, for the page's grids: level-3 pages, level-2 and level-1 blocks. */
const SIZE_WORDS: Readonly<Record<string, string>> = {
  SmallPage: "4K page",
  LargePage: "2M block",
  HugePage: "1G block",
};

const AP_MEANING: Readonly<Record<number, string>> = {
  0: "EL1 read-write, EL0 none (VMKernelOnly)",
  1: "EL1 and EL0 read-write (VMReadWrite)",
  2: "EL1 read-only, EL0 none",
  3: "EL1 and EL0 read-only (VMReadOnly)",
};

/** The fields of a word split into its 32-bit halves; `hi` fields are numbered from bit 32. */
function fields(word: PTEWord, e: PTE): BitField[] {
  const lo = Number(word & 0xffffffffn);
  const hi = Number(word >> 32n);
  const high = (h: number, l: number, name: string, meaning: string, from?: string): BitField => ({
    ...fieldOf(hi, h - 32, l - 32, name, meaning, from),
    hi: h,
    lo: l,
  });
  const address = bitsOf(hi, 15, 0) * 2 ** 32 + bitsOf(lo, 31, 12) * 2 ** 12;
  if (e.kind === "Invalid")
    return [
      fieldOf(lo, 1, 0, "type", "bit 0 clear: invalid, the walk faults here"),
      { name: "ignored", hi: 63, lo: 2, value: 0, meaning: "ignored by the MMU" },
    ];
  if (e.kind === "Table")
    return [
      fieldOf(lo, 1, 0, "type", "0b11: a pointer to the next level's table", "PageTable_Map"),
      {
        name: "next table",
        hi: 47,
        lo: 12,
        value: address,
        meaning: `the page table at ${hex(address)}`,
        from: "the PageTable cap's object",
      },
      fieldOf(lo, 11, 2, "ignored", "0: seL4 writes no attributes into a table descriptor"),
      high(63, 48, "APTable, XNTable, ignored", "0: seL4 sets no hierarchical limits"),
    ];
  const attr = bitsOf(lo, 4, 2);
  return [
    fieldOf(
      lo,
      1,
      0,
      "type",
      e.size === "SmallPage" ? "0b11 at level 3: a 4 KiB page" : "0b01: a block",
      "the frame cap's size",
    ),
    fieldOf(
      lo,
      4,
      2,
      "AttrIndx",
      attr === MAIR_NORMAL ? "MAIR index 4: normal memory, write-back" : "MAIR index 0: device nGnRnE",
      "seL4_ARM_PageCacheable (attr bit 0)",
    ),
    fieldOf(lo, 5, 5, "NS", "0"),
    fieldOf(
      lo,
      7,
      6,
      "AP[2:1]",
      AP_MEANING[bitsOf(lo, 7, 6)] ?? "",
      "the frame cap's rights masked by Page_Map's rights mask (maskVMRights)",
    ),
    fieldOf(lo, 9, 8, "SH", "0: non-shareable (a uniprocessor build)"),
    fieldOf(lo, 10, 10, "AF", "1: seL4 sets the access flag, so no access-flag fault"),
    fieldOf(
      lo,
      11,
      11,
      "nG",
      bitsOf(lo, 11, 11) === 1 ? "not global: TLB lines are tagged with the ASID" : "global: matches every ASID",
      "makeUserPagePTE sets nG on every user mapping",
    ),
    {
      name: "output address",
      hi: 47,
      lo: 12,
      value: address,
      meaning: `the frame at ${hex(e.paddr)}`,
      from: "the frame cap's object",
    },
    high(53, 53, "PXN", "0"),
    high(
      54,
      54,
      "UXN",
      bitsOf(hi, 22, 22) === 1 ? "execute never at EL0" : "executable at EL0",
      "seL4_ARM_ExecuteNever (attr bit 2)",
    ),
    high(57, 55, "software", "0: seL4 uses only bit 58 of the software bits"),
    high(58, 58, "seL4 4 KiB-page tag", bitsOf(hi, 26, 26) === 1 ? "1: a 4 KiB page (tells it from a table)" : "0"),
    high(52, 48, "RES0", "0"),
    high(63, 59, "upper attributes", "0"),
  ];
}

function describeEntry(s: KernelState, table: PhysAddr, index: number, level: number): DescriptorView {
  const word = readPTEWord(s, { table, index });
  const e = decodePTE(word, level as Level);
  return {
    structure: structureName(level),
    word: `0x${word.toString(16).padStart(16, "0")}`,
    kind: e.kind === "Page" ? e.size : e.kind,
    summary: entrySummary(e),
    words: entrySummary(e, "words", SIZE_WORDS),
    ...(e.kind !== "Invalid" ? { target: e.paddr } : {}),
    fields: fields(word, e),
  };
}

function walk(s: KernelState, vspace: PPtr<"VSpaceRoot">, v: VirtAddr): WalkView {
  const entries: WalkEntry[] = [];
  let table: PhysAddr = vspace;
  for (let level = 0; level < UPT_LEVELS; level++) {
    const index = uptIndex(v, level as Level);
    const descriptor = describeEntry(s, table, index, level);
    entries.push({
      structure: structureName(level),
      level,
      table,
      index,
      slot: slotPhysAddr({ table, index }),
      descriptor,
    });
    const e = decodePTE(readPTEWord(s, { table, index }), level as Level);
    if (e.kind !== "Table") break;
    table = e.paddr;
  }
  const r = resolve(s, vspace, v);
  if (r.mapped)
    return {
      vaddr: v,
      root: vspace,
      entries,
      end: translationEnd(r),
    };
  const last = entries[entries.length - 1] as WalkEntry;
  return {
    vaddr: v,
    root: vspace,
    entries,
    end: {
      kind: "fault",
      structure: structureName(r.armLevel),
      level: r.armLevel,
      reason: `level-${r.armLevel} entry ${last.index} is invalid: nothing maps the ${hex(2 ** uptLevelShift(UPT_LEVELS - 1 - r.armLevel))} bytes it covers (a level-${r.armLevel} translation fault; Page_Map there would fail with a missing paging structure, ${uptLevelShift(UPT_LEVELS - 1 - r.armLevel)} bits left)`,
    },
  };
}

function links(s: KernelState, table: PhysAddr, level: number): EntryLink[] {
  const out: EntryLink[] = [];
  for (const r of listTable(s, table, level as Level))
    if (r.entry.kind !== "Invalid")
      out.push({
        index: r.index,
        count: 1,
        kind: r.entry.kind,
        paddr: r.entry.paddr,
        vaddrOffset: r.index * 2 ** uptLevelShift(UPT_LEVELS - 1 - level),
      });
  return out;
}

/** ArchTeaching.pageAt: resolve's page, for checks that need no descriptors (a cap's mapping record). */
function pageAt(s: KernelState, root: PPtr<"VSpaceRoot">, v: VirtAddr): MappedPage | undefined {
  const r = resolve(s, root, v);
  return r.mapped ? r : undefined;
}

function rootForASID(s: KernelState, a: ASID): PPtr<"VSpaceRoot"> | undefined {
  const r = findVSpaceForASID(s, a);
  return r.ok ? r.value : undefined;
}

export const AARCH64_TEACHING: ArchTeaching = {
  addressForms,
  walk,
  pageAt,
  describeEntry,
  isPagingStructure: (o: KernelObject) => o.type === "VSpace" || o.type === "PageTable64",
  isRoot: (o: KernelObject) => o.type === "VSpace",
  links,
  rootLevel: 0,
  spanBits: (level: number) => uptLevelShift(UPT_LEVELS - 1 - level),
  rootForASID,
  asidPoolSize: ASID_POOL_SIZE,
  rootName: "VSpace",
  leafLevel: UPT_LEVELS - 1,
  // every level's table is one 4 KiB page of 512 eight-byte descriptors
  entriesAt: () => 512,
  structureName,
  // seL4 puts the kernel in TTBR1's half, so a user VSpace's upper half is simply out of user reach
  aboveUserTop: "above seL4_UserTop: no user mappings",
};
