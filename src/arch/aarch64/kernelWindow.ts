import { paddr, pptr, type PhysAddr } from "../../model/addresses.ts";
import type { PTEWord } from "../../model/objects.ts";
import { decodePTE, encodePTE, INVALID_WORD, type Level, type PageEntry } from "./entries.ts";

/**
 * The kernel's half of the AArch64 address space without hypervisor support (seL4 16.0.0
 * `include/arch/arm/arch/64/mode/hardware.h`, `src/arch/arm/64/kernel/vspace.c` map_kernel_window):
 * TTBR1_EL1 holds armKSGlobalKernelPGD, whose last entry leads to armKSGlobalKernelPUD; PUD
 * entries 0..510 lead to the 511 tables of armKSGlobalKernelPDs, which map every physical address
 * from 0 to PADDR_TOP with 2 MiB blocks (kernel-only, global, UXN, normal memory) whether or not
 * RAM is there; PUD entry 511 leads to the last PD, whose entry 511 leads to armKSGlobalKernelPT
 * (the kernel devices' 4 KiB frames at KDEV_BASE; capsim maps no kernel devices, so it is empty).
 *
 * These tables are not kernel objects (no cap names them, no user VSpace holds them), so capsim
 * does not store their 2^17 entries: each entry's word is made on demand by the same encoder that
 * map_kernel_window's values would pass through, and the walk below decodes those words.
 * Kernel virtual addresses are bigints: they lie above 2^63.
 */

/** PPTR_BASE: where the physical-memory window starts (2^64 - 2^39). */
export const PPTR_BASE = 0xffffff8000000000n;
/** PPTR_TOP: where the window ends, exclusive (2^64 - 2^30); the last GiB holds kernel devices. */
export const PPTR_TOP = 0xffffffffc0000000n;
/** PPTR_BASE_OFFSET = PPTR_BASE - PADDR_BASE (PADDR_BASE is 0): kernel VA = physical address + this. */
export const PPTR_BASE_OFFSET = PPTR_BASE;
/** KDEV_BASE (= KERNEL_PT_BASE): the kernel devices' window, mapped by armKSGlobalKernelPT. */
export const KDEV_BASE = 0xffffffffffe00000n;
/** PADDR_TOP = PPTR_TOP - PPTR_BASE_OFFSET: 511 GiB of physical memory in the window. */
export const PADDR_TOP = 0x7fc0000000;
/** The lowest TTBR1 address with 48-bit virtual addresses (VA bits 63..48 all ones). */
const TTBR1_BASE = 0xffff000000000000n;

const PAGE = 4096;
const ENTRIES = 512;

/**
 * The kernel's paging structures in kernel BSS, as capsim places them at the end of the kernel
 * image: the 512 level-2 tables (2 MiB), the PGD, the PUD, the device PT, and
 * armKSGlobalUserVSpace (the empty table TTBR0 holds when a thread has no valid VSpace).
 */
export interface KernelTables {
  readonly pds: PhysAddr;
  readonly pgd: PhysAddr;
  readonly pud: PhysAddr;
  readonly pt: PhysAddr;
  readonly globalUserVSpace: PhysAddr;
}

/** Bytes at the end of the kernel image that hold the kernel's paging structures. */
export const KERNEL_PAGING_BYTES = ENTRIES * PAGE + 4 * PAGE;

/** Where the kernel's tables are when they end at `kernelEnd` (4 KiB aligned). */
export function kernelTablesEndingAt(kernelEnd: number): KernelTables {
  const pds = kernelEnd - KERNEL_PAGING_BYTES;
  return kernelTablesFrom(pds);
}

/** The kernel's tables from armKSGlobalUserVSpace, the one of them the state records (as `globalPD`). */
export function kernelTablesOf(globalUserVSpace: PhysAddr): KernelTables {
  return kernelTablesFrom(globalUserVSpace - ENTRIES * PAGE - 3 * PAGE);
}

function kernelTablesFrom(pds: number): KernelTables {
  const base = pds + ENTRIES * PAGE;
  return {
    pds: paddr(pds),
    pgd: paddr(base),
    pud: paddr(base + PAGE),
    pt: paddr(base + 2 * PAGE),
    globalUserVSpace: paddr(base + 3 * PAGE),
  };
}

/** The descriptor of a map_kernel_window block: KernelOnly, global, AF, normal memory, UXN. */
function windowBlock(p: number): PTEWord {
  return encodePTE({
    kind: "Page",
    size: "LargePage",
    paddr: p as PhysAddr,
    rights: "VMKernelOnly",
    attributes: { cacheable: true, executeNever: true },
    global: true,
  });
}

const table = (p: PhysAddr): PTEWord => encodePTE({ kind: "Table", paddr: pptr(p, "PageTable") });

/**
 * The word in entry `index` of the kernel table at `level` (0 = PGD ... 3 = the device PT) that
 * the walk reached through `parentIndex` (the PUD index, for a level-2 table), as map_kernel_window
 * leaves it.
 */
export function kernelTableWord(k: KernelTables, level: Level, parentIndex: number, index: number): PTEWord {
  switch (level) {
    case 0:
      return index === ENTRIES - 1 ? table(k.pud) : INVALID_WORD;
    case 1:
      return table(paddr(k.pds + index * PAGE));
    case 2:
      if (parentIndex < ENTRIES - 1) return windowBlock((parentIndex * ENTRIES + index) * 2 ** 21);
      return index === ENTRIES - 1 ? table(k.pt) : INVALID_WORD;
    case 3:
      return INVALID_WORD;
  }
}

/** A kernel address's translation: the page, and the kernel-physical address of the entry that maps it. */
export interface KernelTranslation {
  readonly paddr: PhysAddr;
  readonly page: PageEntry;
  readonly level: Level;
  /** the kernel-physical address of the leaf entry */
  readonly slot: PhysAddr;
}

/**
 * The MMU's TTBR1 walk of kernel virtual address `kva`, over the words kernelTableWord gives;
 * undefined where no entry maps it (outside TTBR1's range, or an invalid entry).
 */
export function kernelTranslate(k: KernelTables, kva: bigint): KernelTranslation | undefined {
  if (kva < TTBR1_BASE || kva >= 2n ** 64n) return undefined;
  let tableAt: PhysAddr = k.pgd;
  let parentIndex = 0;
  for (let level = 0 as Level; ; level = (level + 1) as Level) {
    const index = Number((kva >> BigInt(39 - 9 * level)) & 511n);
    const entry = decodePTE(kernelTableWord(k, level, parentIndex, index), level);
    const slot = paddr(tableAt + index * 8);
    if (entry.kind === "Invalid") return undefined;
    if (entry.kind === "Page") {
      const bits = BigInt(39 - 9 * level);
      const offset = Number(kva & ((1n << bits) - 1n));
      return { paddr: paddr(entry.paddr + offset), page: entry, level, slot };
    }
    tableAt = entry.paddr;
    parentIndex = index;
    if (level === 3) return undefined;
  }
}

/** paddr_to_pptr: the kernel's window address of physical address `p` (below PADDR_TOP). */
export function ptrFromPAddr(p: PhysAddr): bigint {
  if (p >= PADDR_TOP) throw new Error(`capsim internal error: ${p} is above PADDR_TOP, outside the kernel window`);
  return BigInt(p) + PPTR_BASE_OFFSET;
}
