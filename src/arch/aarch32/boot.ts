import { alignDown, asid, paddr, pptr, type PhysAddr, type PPtr, type VirtAddr } from "../../model/addresses.ts";
import { PMap } from "../../model/pmap.ts";
import type { FrameCap, PageDirectoryCap, PageTableCap } from "../../model/caps.ts";
import { IT_ASID } from "../../model/constants.ts";
import type { MutableState } from "../../model/transition.ts";
import { entriesOf, objectOfType, putEntries, putTable } from "../../kernel/store.ts";
import { writeItASIDPool as writeItASIDPoolEntry } from "../../kernel/asidPool.ts";
import { seL4_ASIDPoolIndexBits, seL4_PageDirBits } from "./constants.ts";
import { encodePDE, encodePTE, type PageAttributes } from "./entries.ts";
import { copyGlobalMappings, PD_ASID_SLOT, PD_ENTRY_SPAN_BITS } from "./globalMappings.ts";
import { buildKernelWindow, PPTR_TOP } from "./kernelWindow.ts";
import { lookupPTSlot } from "./walk.ts";

/**
 * The ARM 32-bit part of seL4's boot (src/arch/arm/32/kernel/vspace.c, src/arch/arm/kernel/boot.c):
 * the kernel's own page directory, and the initial thread's VSpace (page directory, page tables,
 * frames, ASID pool). The generic steps in src/boot/rootserver.ts call these; they hand back the
 * caps rather than writing slots, because which slot each cap gets is the generic boot's business.
 */

/**
 * Bytes at the end of the kernel image that hold the kernel's own paging structures (seL4 keeps
 * armKSGlobalPD and armKSGlobalPT in kernel BSS): the 16 KiB directory, the page table and the
 * vector frame, aligned to the directory.
 */
export const KERNEL_PAGING_BYTES = 0x8000;

/** A virtual range [start, end), as seL4's v_region_t. */
export interface VRegion {
  readonly start: number;
  readonly end: number;
}

/**
 * seL4's map_kernel_window, with capsim's placement of the global directory: the directory, its
 * page table and the vector frame sit in the last KERNEL_PAGING_BYTES of the kernel image, which
 * ends at `kernelEnd`. Sets armKSGlobalPD.
 */
export function mapKernelWindow(s: MutableState, physBase: number, kernelEnd: number): void {
  const globalPD = pptr(paddr(alignDown(kernelEnd - KERNEL_PAGING_BYTES, seL4_PageDirBits)), "VSpaceRoot");
  const globalPT = pptr(paddr(globalPD + 0x4000), "PageTable");
  const vectorFrame = paddr(globalPD + 0x5000);
  const window = buildKernelWindow(physBase, s.config.userTop, globalPT, vectorFrame);
  putTable(s, { type: "PageDirectory", paddr: globalPD }, window.pdEntries);
  putTable(s, { type: "PageTable", paddr: globalPT }, window.ptEntries);
  s.globalPD = globalPD;
}

/**
 * PADDR_TOP: the physical address where the kernel window ends (PPTR_TOP - (PPTR_BASE - physBase)).
 * RAM at or above it is outside the window: seL4's init_avail_reg drops it from free memory, and
 * create_untypeds then hands it out as device untyped.
 */
export function paddrTop(physBase: number, userTop: number): number {
  return physBase + PPTR_TOP - userTop;
}

/**
 * ARM32's mode_reserved_region (include/arch/arm/arch/32/mode/kernel/vspace.h) as a physical
 * range: the MiB of kernel window at directory slot PD_ASID_SLOT (kernel VA 0xff000000), which
 * every page directory uses to hold its hardware ASID, so the window cannot use the memory behind
 * it. arch_init_freemem reserves it whether or not RAM lies there.
 */
export function modeReservedRegion(physBase: number, userTop: number): readonly [number, number] {
  const start = physBase + PD_ASID_SLOT * 2 ** PD_ENTRY_SPAN_BITS - userTop;
  return [start, start + 2 ** PD_ENTRY_SPAN_BITS];
}

/** seL4's arch_get_n_paging: one page table per 1 MiB directory slot the range touches. */
export function archGetNPaging(itVReg: VRegion): number {
  return (
    Math.floor((itVReg.end - 1) / 2 ** PD_ENTRY_SPAN_BITS) - Math.floor(itVReg.start / 2 ** PD_ENTRY_SPAN_BITS) + 1
  );
}

/** Caps for the initial thread's VSpace: the root, then its paging structures in address order. */
export interface ItAddressSpace {
  readonly vspaceCap: PageDirectoryCap;
  readonly pagingCaps: readonly PageTableCap[];
}

/**
 * seL4's create_it_address_space: the initial page directory receives the kernel's global
 * entries, then a page table for each 1 MiB slot of `itVReg`, in order from `paging`. With no
 * range (the minimal boot) the directory has no page tables.
 */
export function createItAddressSpace(
  s: MutableState,
  vspaceAt: PhysAddr,
  paging: readonly PhysAddr[],
  itVReg: VRegion | null,
): ItAddressSpace {
  const vspace = pptr(vspaceAt, "VSpaceRoot");
  let entries = copyGlobalMappings(s, PMap.empty());
  const pagingCaps: PageTableCap[] = [];
  if (itVReg !== null) {
    const firstSlot = Math.floor(itVReg.start / 2 ** PD_ENTRY_SPAN_BITS);
    paging.forEach((at, i) => {
      const pt = pptr(at, "PageTable");
      putTable(s, { type: "PageTable", paddr: pt }, PMap.empty());
      entries = entries.set(firstSlot + i, encodePDE({ kind: "Table", paddr: pt, parityEnabled: false }));
      pagingCaps.push({
        type: "PageTable",
        paddr: pt,
        mapping: {
          asid: asid(IT_ASID),
          vaddr: ((firstSlot + i) * 2 ** PD_ENTRY_SPAN_BITS) as VirtAddr,
        },
      });
    });
  }
  putTable(s, { type: "PageDirectory", paddr: vspace }, entries);
  return {
    vspaceCap: {
      type: "PageDirectory",
      paddr: vspace,
      mappedASID: asid(IT_ASID),
    },
    pagingCaps,
  };
}

/**
 * seL4's map_it_frame_cap: writes the frame's entry into the page table that
 * create_it_address_space put under its address. The image is executable; the IPC buffer and
 * bootinfo frame are not.
 */
export function mapItFrameCap(s: MutableState, vspace: PPtr<"VSpaceRoot">, cap: FrameCap, executable: boolean): void {
  if (cap.mapping === null) throw new Error("capsim internal error: map_it_frame_cap of an unmapped frame cap");
  const slot = lookupPTSlot(s, vspace, cap.mapping.vaddr);
  if (!slot.ok)
    throw new Error(`capsim internal error: no page table under the initial thread's frame at ${cap.mapping.vaddr}`);
  const attributes: PageAttributes = {
    cacheable: true,
    parityEnabled: false,
    executeNever: !executable,
  };
  const pt = objectOfType(s, slot.value.table, "PageTable");
  const pte = encodePTE({
    kind: "Page",
    size: "SmallPage",
    paddr: cap.paddr,
    rights: cap.vmRights,
    attributes,
    global: false,
  });
  putEntries(s, pt.paddr, entriesOf(s, pt).set(slot.value.index, pte));
}

export { createItASIDPool, type ItASIDPool } from "../../kernel/asidPool.ts";
export { createItFrameCap } from "../../kernel/create.ts";

/** seL4's write_it_asid_pool: the initial thread's directory under IT_ASID, and the pool in the ASID table. */
export function writeItASIDPool(s: MutableState, pool: PhysAddr, vspace: PhysAddr): void {
  writeItASIDPoolEntry(s, pptr(pool, "ASIDPool"), 2 ** seL4_ASIDPoolIndexBits, pptr(vspace, "VSpaceRoot"));
}
