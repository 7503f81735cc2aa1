import { alignDown, asid, pptr, type PhysAddr, type PPtr, type VirtAddr } from "../../model/addresses.ts";
import { PMap } from "../../model/pmap.ts";
import type { FrameCap, PageTableCap, VSpaceCap } from "../../model/caps.ts";
import { IT_ASID } from "../../model/constants.ts";
import type { PTEWord } from "../../model/objects.ts";
import type { MutableState } from "../../model/transition.ts";
import { putTable } from "../../kernel/store.ts";
import { writeItASIDPool as writeItASIDPoolEntry } from "../../kernel/asidPool.ts";
import { ASID_POOL_SIZE } from "./asid.ts";
import { uptLevelShift } from "./constants.ts";
import { encodePTE, type Level } from "./entries.ts";
import { kernelTablesEndingAt, PADDR_TOP } from "./kernelWindow.ts";
import { makeUserPagePTE, writePTE } from "./mapping.ts";
import { lookupPTSlot } from "./walk.ts";

/**
 * AArch64's part of seL4 16.0.0's boot without hypervisor support (src/arch/arm/kernel/boot.c,
 * src/arch/arm/64/kernel/vspace.c): the kernel window behind TTBR1, and the initial thread's
 * VSpace (the root and its level-1, level-2 and level-3 tables), frames and ASID pool. The generic
 * steps in src/boot/rootserver.ts call these through arch/index.ts's ArchBoot.
 */

/** A virtual range [start, end), as seL4's v_region_t. */
export interface VRegion {
  readonly start: number;
  readonly end: number;
}

export { KERNEL_PAGING_BYTES, PADDR_TOP } from "./kernelWindow.ts";
export { createItASIDPool, type ItASIDPool } from "../../kernel/asidPool.ts";
export { createItFrameCap } from "../../kernel/create.ts";

/**
 * CONFIG_PADDR_USER_DEVICE_TOP for capsim's AArch64 machine: 2^40, the 40-bit physical addresses
 * of the Cortex-A53 that seL4's qemu-arm-virt build selects (src/arch/arm/config.cmake). Device
 * untypeds run up to it; RAM must lie below it.
 */
export const PADDR_USER_DEVICE_TOP = 2 ** 40;

/**
 * seL4's map_kernel_window and the part of activate_kernel_vspace that sets TTBR0_EL1: the
 * kernel's tables sit in the last KERNEL_PAGING_BYTES of the kernel image, which ends at
 * `kernelEnd` (their entries are computed, see kernelWindow.ts); armKSGlobalUserVSpace, the empty
 * table loaded into TTBR0 when no thread's VSpace is, is recorded as the state's `globalPD`.
 */
export function mapKernelWindow(s: MutableState, kernelEnd: number): void {
  const k = kernelTablesEndingAt(alignDown(kernelEnd, 12));
  const globalUserVSpace = pptr(k.globalUserVSpace, "VSpaceRoot");
  putTable(s, { type: "VSpace", paddr: globalUserVSpace }, PMap.empty<number, PTEWord>());
  s.globalPD = globalUserVSpace;
}

/** PADDR_TOP: physical memory at or above it is outside the kernel window (it becomes device untyped). */
export const paddrTop = (): number => PADDR_TOP;

/** The log2 sizes of what the level-1, level-2 and level-3 tables each cover, in create_it_address_space's order. */
const IT_TABLE_SPANS: readonly { level: Level; bits: number }[] = [
  { level: 1, bits: uptLevelShift(3) },
  { level: 2, bits: uptLevelShift(2) },
  { level: 3, bits: uptLevelShift(1) },
];

/** seL4's get_n_paging: regions of 2^bits the range touches (start rounded down, end up). */
function getNPaging(r: VRegion, bits: number): number {
  const span = 2 ** bits;
  return Math.ceil(r.end / span) - Math.floor(r.start / span);
}

/** seL4's arch_get_n_paging: one table per 512 GiB, then per 1 GiB, then per 2 MiB the range touches. */
export function archGetNPaging(itVReg: VRegion): number {
  return IT_TABLE_SPANS.reduce((n, t) => n + getNPaging(itVReg, t.bits), 0);
}

/**
 * seL4's create_it_address_space: the VSpace (assigned IT_ASID) gets no kernel entries; then a
 * level-1 table for each 512 GiB region of `itVReg`, a level-2 table for each GiB and a level-3
 * table for each 2 MiB, taken from `paging` in that order, each written into the slot the walk
 * reaches (map_it_pud_cap, map_it_pd_cap, map_it_pt_cap) and capped with the region's base.
 */
export function createItAddressSpace(
  s: MutableState,
  vspaceAt: PhysAddr,
  paging: readonly PhysAddr[],
  itVReg: VRegion | null,
): { vspaceCap: VSpaceCap; pagingCaps: PageTableCap[] } {
  const vspace = pptr(vspaceAt, "VSpaceRoot");
  putTable(s, { type: "VSpace", paddr: vspace }, PMap.empty<number, PTEWord>());
  const pagingCaps: PageTableCap[] = [];
  if (itVReg !== null) {
    let next = 0;
    for (const { level, bits } of IT_TABLE_SPANS) {
      const span = 2 ** bits;
      for (let v = alignDown(itVReg.start, bits); v < itVReg.end; v += span) {
        const at = paging[next++];
        if (at === undefined) throw new Error("capsim internal error: arch_get_n_paging counted too few tables");
        const pt = pptr(at, "PageTable");
        putTable(s, { type: "PageTable64", paddr: pt }, PMap.empty<number, PTEWord>());
        const slot = lookupPTSlot(s, vspace, v as VirtAddr);
        if (slot.level !== level - 1 || slot.pte.kind !== "Invalid")
          throw new Error(`capsim internal error: the initial thread's level-${level} table at ${v} has no free slot`);
        writePTE(s, slot.slot, encodePTE({ kind: "Table", paddr: pt }));
        pagingCaps.push({ type: "PageTable", paddr: pt, mapping: { asid: asid(IT_ASID), vaddr: v as VirtAddr } });
      }
    }
  }
  return { vspaceCap: { type: "VSpace", paddr: vspace, mappedASID: asid(IT_ASID) }, pagingCaps };
}

/**
 * seL4's map_it_frame_cap: a 4 KiB page descriptor in the level-3 table create_it_address_space
 * put under the frame's address: read-write, normal memory, not global; the image executable,
 * the IPC buffer and bootinfo frame UXN.
 */
export function mapItFrameCap(s: MutableState, vspace: PPtr<"VSpaceRoot">, cap: FrameCap, executable: boolean): void {
  if (cap.mapping === null) throw new Error("capsim internal error: map_it_frame_cap of an unmapped frame cap");
  const slot = lookupPTSlot(s, vspace, cap.mapping.vaddr);
  if (slot.level !== 3)
    throw new Error(`capsim internal error: no level-3 table under the initial thread's frame at ${cap.mapping.vaddr}`);
  writePTE(
    s,
    slot.slot,
    makeUserPagePTE("SmallPage", cap.paddr, "VMReadWrite", { cacheable: true, executeNever: !executable }),
  );
}

/** seL4's write_it_asid_pool: the VSpace under IT_ASID in pool 0, and the pool in armKSASIDTable. */
export function writeItASIDPool(s: MutableState, pool: PhysAddr, vspace: PhysAddr): void {
  writeItASIDPoolEntry(s, pptr(pool, "ASIDPool"), ASID_POOL_SIZE, pptr(vspace, "VSpaceRoot"));
}
