import type { PMap } from "../../model/pmap.ts";
import { seL4_PageDirIndexBits } from "./constants.ts";
import type { KernelState } from "../../model/state.ts";
import { entriesOf, getObjectOfType } from "../../kernel/store.ts";

/** Page-directory entries each map 1 MiB: the PD index of an address is its top 12 bits. */
export const PD_ENTRY_SPAN_BITS = 20;
/** The bytes of virtual space one page-directory entry maps: a section, 1 MiB. */
export const PD_ENTRY_SPAN = 2 ** PD_ENTRY_SPAN_BITS;
/**
 * PD_ASID_SLOT: entry 4080 (0xff000000 >> 20) of every user page directory stores its hardware
 * ASID, so it is never copied from the global directory.
 */
export const PD_ASID_SLOT = 4080;

/**
 * seL4's copyGlobalMappings: a new page directory receives the kernel's entries, from the
 * slot of USER_TOP up to the last, except the hardware-ASID slot. Before boot builds the
 * global directory there is nothing to copy.
 */
export function copyGlobalMappings(s: KernelState, entries: PMap<number, number>): PMap<number, number> {
  if (s.globalPD === null) return entries;
  const global = getObjectOfType(s, s.globalPD, "PageDirectory");
  if (global === undefined) return entries;
  let out = entries;
  const first = Math.floor(s.config.userTop / 2 ** PD_ENTRY_SPAN_BITS);
  for (const [index, word] of entriesOf(s, global).range(first, 2 ** seL4_PageDirIndexBits)) {
    if (index !== PD_ASID_SLOT) out = out.set(index, word);
  }
  return out;
}
