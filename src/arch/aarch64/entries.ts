import type { PhysAddr, PPtr } from "../../model/addresses.ts";
import type { Aarch64FrameSize, VMRights } from "../../model/caps.ts";
import type { PTEWord } from "../../model/objects.ts";

/**
 * The entry model of AArch64: the VMSAv8-64 stage-1 descriptors seL4 writes (structures.bf for
 * arch/64 `pte`, vspace.c `makeUserPagePTE`), 64 bits each, held as `PTEWord` (a bigint, so no
 * bit is rounded). This module is the one place that turns a word into exactly one of Invalid,
 * Table or Page, and back. Layout: [1:0] type, [4:2] AttrIndx, [7:6] AP, [9:8] SH, 10 AF,
 * 11 nG, [47:12] output or next-table address, 53 PXN, 54 UXN, 58 seL4's 4 KiB-page tag.
 *
 * The word is split into two exact 32-bit halves once, and the fields are read from those with
 * 32-bit operations; an address is rebuilt as hi * 2^32 + lo, exact below 2^53.
 */

/** The memory attributes of an AArch64 mapping (seL4_ARM_VMAttributes; ParityEnabled is ignored on AArch64). */
export interface PageAttributes {
  readonly cacheable: boolean;
  readonly executeNever: boolean;
}

export interface InvalidEntry {
  readonly kind: "Invalid";
}

/** A table descriptor (seL4's pte_table): the next level's table. Levels 0-2. */
export interface TableEntry {
  readonly kind: "Table";
  readonly paddr: PPtr<"PageTable">;
}

/** A block (levels 1, 2: pte_page) or a 4 KiB page (level 3: pte_4k_page). */
export interface PageEntry {
  readonly kind: "Page";
  readonly size: Aarch64FrameSize;
  readonly paddr: PhysAddr;
  readonly rights: VMRights;
  readonly attributes: PageAttributes;
  /** nG = 0: a kernel-window entry, matching every ASID */
  readonly global: boolean;
}

export type PTE = InvalidEntry | TableEntry | PageEntry;

/** An ARM translation level: 0 is the VSpace root (512 GiB per entry) ... 3 maps 4 KiB pages. */
export type Level = 0 | 1 | 2 | 3;

export const INVALID_ENTRY: InvalidEntry = { kind: "Invalid" };
export const INVALID_WORD = 0n as PTEWord;

/** seL4_ARM_VMAttributes word: bit 0 PageCacheable, bit 2 ExecuteNever (bit 1, ParityEnabled, is ignored: HS attribsFromWord). */
export function attributesFromWord(w: number): PageAttributes {
  return { cacheable: (w & 1) !== 0, executeNever: (w & 4) !== 0 };
}

/** The MAIR_EL1 indices seL4 assumes (vspace.c enum mair_types). */
export const MAIR_DEVICE_nGnRnE = 0;
export const MAIR_NORMAL = 4;

/** AP[2:1] of each right (APFromVMRights): RW 1 (EL0 rw), RO 3 (EL0 r), KernelOnly 0 (EL1 rw only). */
const AP_OF: Readonly<Record<VMRights, number>> = {
  VMReadWrite: 1,
  VMReadOnly: 3,
  VMKernelOnly: 0,
  VMNoAccess: 0,
};
/** vmRightsFromPTE: AP 0 and 2 are kernel-only. */
const RIGHTS_OF: readonly VMRights[] = ["VMKernelOnly", "VMReadWrite", "VMKernelOnly", "VMReadOnly"];

/** Which frame a block or page descriptor maps at each level (4 KiB granule). */
const SIZE_AT_LEVEL: readonly (Aarch64FrameSize | undefined)[] = [undefined, "HugePage", "LargePage", "SmallPage"];
const ADDRESS_BITS_BELOW: Readonly<Record<Aarch64FrameSize, number>> = {
  SmallPage: 12,
  LargePage: 21,
  HugePage: 30,
};

const TWO_32 = 2 ** 32;
const LO_MASK = 0xffffffffn;

/** The word from its two 32-bit halves. */
function join(hi: number, lo: number): PTEWord {
  return ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) as PTEWord;
}

/** Bits [47:12] of a physical address as the (hi, lo) parts of a descriptor, cleared below `lowBits`. */
function addressParts(paddr: number, lowBits: number): { hi: number; lo: number } {
  const base = paddr - (paddr % 2 ** lowBits);
  const hi = Math.floor(base / TWO_32) & 0xffff;
  const lo = (base % TWO_32) >>> 0;
  return { hi, lo: (lo & 0xfffff000) >>> 0 };
}

/**
 * Decode a descriptor found at `level`. The level decides only a block's size: seL4 tells a
 * 4 KiB page from a table by bit 58 (both have type 0b11), and never writes a block at level 0,
 * a block at level 3, or the reserved type 0b10; those read as invalid, as the walk treats them.
 */
export function decodePTE(word: PTEWord, level: Level): PTE {
  if (word === INVALID_WORD) return INVALID_ENTRY;
  const lo = Number(word & LO_MASK);
  const hi = Number(word >> 32n);
  const type = lo & 3;
  const is4k = ((hi >>> 26) & 1) === 1;
  const addr = (hi & 0xffff) * TWO_32 + ((lo & 0xfffff000) >>> 0);
  if (type === 3 && !is4k) return level < 3 ? { kind: "Table", paddr: addr as PPtr<"PageTable"> } : INVALID_ENTRY;
  let size: Aarch64FrameSize | undefined;
  if (type === 3 && is4k) size = level === 3 ? "SmallPage" : undefined;
  else if (type === 1) size = level === 1 || level === 2 ? SIZE_AT_LEVEL[level] : undefined;
  if (size === undefined) return INVALID_ENTRY;
  return {
    kind: "Page",
    size,
    paddr: (addr - (addr % 2 ** ADDRESS_BITS_BELOW[size])) as PhysAddr,
    rights: RIGHTS_OF[(lo >>> 6) & 3] as VMRights,
    attributes: {
      cacheable: ((lo >>> 2) & 7) === MAIR_NORMAL,
      executeNever: ((hi >>> 22) & 1) === 1,
    },
    global: ((lo >>> 11) & 1) === 0,
  };
}

/**
 * Encode an entry as seL4 writes it: pte_table_new for a table (no APTable/XNTable bits);
 * makeUserPagePTE for a page or block (AF 1, nG 1 for users, PXN 0, UXN from ExecuteNever,
 * AttrIndx NORMAL if cacheable else DEVICE_nGnRnE, SH 0 on a uniprocessor); map_kernel_window's
 * blocks are the same with nG 0. The size says where the entry goes, so it decides the type.
 */
export function encodePTE(e: PTE): PTEWord {
  switch (e.kind) {
    case "Invalid":
      return INVALID_WORD;
    case "Table": {
      const { hi, lo } = addressParts(e.paddr, 12);
      return join(hi, lo | 3);
    }
    case "Page": {
      const { hi, lo } = addressParts(e.paddr, ADDRESS_BITS_BELOW[e.size]);
      const attr = e.attributes.cacheable ? MAIR_NORMAL : MAIR_DEVICE_nGnRnE;
      const low =
        lo |
        (e.global ? 0 : 1 << 11) |
        (1 << 10) |
        (AP_OF[e.rights] << 6) |
        (attr << 2) |
        (e.size === "SmallPage" ? 3 : 1);
      const high = hi | (e.attributes.executeNever ? 1 << 22 : 0) | (e.size === "SmallPage" ? 1 << 26 : 0);
      return join(high, low);
    }
  }
}

/** The frame size a page descriptor at `level` maps, or undefined where none can be. */
export const frameSizeAtLevel = (level: Level): Aarch64FrameSize | undefined => SIZE_AT_LEVEL[level];

/** Whether a word holds anything seL4 considers valid (pte_ptr_get_valid: not pte_invalid). */
export const isValidWord = (w: PTEWord): boolean => (w & 1n) === 1n;

/**
 * Whether a word is a table descriptor as seL4 writes one (type 0b11 without the 4 KiB-page tag
 * of bit 58), whatever level it sits at: how tooling finds the links between tables without
 * walking to them (the walk itself reads a table word at level 3 as invalid).
 */
export const isTableWord = (w: PTEWord): boolean => (w & 3n) === 3n && ((w >> 58n) & 1n) === 0n;

/** Bits [47:12] of a descriptor: the next table or the output address, whatever the entry is. */
export const descriptorAddress = (w: PTEWord): PhysAddr => Number(w & 0x0000fffffffff000n) as PhysAddr;

/**
 * Whether a word is a global (nG = 0) block or page: a kernel mapping, matching every ASID.
 * seL4 writes such words only into the kernel's own tables behind TTBR1, never into a user VSpace.
 */
export const isGlobalLeafWord = (w: PTEWord): boolean => isValidWord(w) && !isTableWord(w) && ((w >> 11n) & 1n) === 0n;

/** Whether a stored value is a descriptor word at all: a bigint of 64 bits. */
export const isDescriptorWord = (v: unknown): boolean => typeof v === "bigint" && v >= 0n && v < 1n << 64n;
