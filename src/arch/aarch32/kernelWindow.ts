import type { PhysAddr, PPtr } from "../../model/addresses.ts";
import { PMap } from "../../model/pmap.ts";
import { encodePDE, encodePTE, type PageAttributes } from "./entries.ts";
import { PD_ASID_SLOT, PD_ENTRY_SPAN } from "./globalMappings.ts";

/** PPTR_TOP: where the kernel's window onto physical memory ends; the last 1 MiB is the kernel's own page table. */
export const PPTR_TOP = 0xfff00000;
/** The vector table's virtual address (PPTR_VECTOR_TABLE). */
export const PPTR_VECTOR_TABLE = 0xffff0000;

const KERNEL: PageAttributes = {
  cacheable: true,
  parityEnabled: true,
  executeNever: false,
};

/** The kernel's global page directory and page table, as map_kernel_window fills them. */
export interface KernelWindow {
  readonly pdEntries: PMap<number, number>;
  readonly ptEntries: PMap<number, number>;
  /** physical [start, end) the window maps, from physBase */
  readonly physStart: number;
  readonly physEnd: number;
}

/**
 * seL4's map_kernel_window (src/arch/arm/32/kernel/vspace.c): physical memory from physBase
 * appears at PPTR_BASE (= USER_TOP) upward, linearly, kernel-only and global: 16 MiB
 * supersections (16 identical entries) up to directory slot 4080, then 1 MiB sections up to
 * PPTR_TOP; the last slot points at the kernel's page table, which maps the vector page.
 */
export function buildKernelWindow(
  physBase: number,
  userTop: number,
  globalPT: PPtr<"PageTable">,
  vectorFrame: PhysAddr,
): KernelWindow {
  let pd = PMap.empty<number, number>();
  const first = userTop / PD_ENTRY_SPAN;
  let idx = first;
  const physOf = (i: number) => physBase + (i - first) * PD_ENTRY_SPAN;
  while (idx + 16 <= PD_ASID_SLOT) {
    const word = encodePDE({
      kind: "Page",
      size: "SuperSection",
      paddr: physOf(idx) as PhysAddr,
      rights: "VMKernelOnly",
      attributes: KERNEL,
      global: true,
    });
    for (let j = 0; j < 16; j++) pd = pd.set(idx + j, word);
    idx += 16;
  }
  for (; idx < PPTR_TOP / PD_ENTRY_SPAN; idx++) {
    pd = pd.set(
      idx,
      encodePDE({
        kind: "Page",
        size: "Section",
        paddr: physOf(idx) as PhysAddr,
        rights: "VMKernelOnly",
        attributes: KERNEL,
        global: true,
      }),
    );
  }
  pd = pd.set(PPTR_TOP / PD_ENTRY_SPAN, encodePDE({ kind: "Table", paddr: globalPT, parityEnabled: true }));
  const pt = PMap.empty<number, number>().set(
    (PPTR_VECTOR_TABLE % PD_ENTRY_SPAN) / 4096,
    encodePTE({
      kind: "Page",
      size: "SmallPage",
      paddr: vectorFrame,
      rights: "VMKernelOnly",
      attributes: {
        cacheable: true,
        parityEnabled: false,
        executeNever: false,
      },
      global: true,
    }),
  );
  return {
    pdEntries: pd,
    ptEntries: pt,
    physStart: physBase,
    physEnd: physOf(PPTR_TOP / PD_ENTRY_SPAN),
  };
}
