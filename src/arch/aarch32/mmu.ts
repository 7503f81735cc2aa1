import { hex, type VirtAddr } from "../../model/addresses.ts";
import { tlbLineOf, type KernelState, type TLBEntry } from "../../model/state.ts";
import { transition } from "../../model/transition.ts";
import { GLOBAL_TLB_TAG, tlbKey } from "./tlb.ts";
import { resolve } from "./walk.ts";

/** What the MMU made of an access: a physical address, or a translation fault at a level. */
export type Translation =
  | {
      readonly ok: true;
      readonly paddr: number;
      readonly line: TLBEntry;
      readonly fromTLB: boolean;
    }
  | {
      readonly ok: false;
      readonly fault: "translation";
      readonly level: "PageDirectory" | "PageTable";
      readonly vaddr: VirtAddr;
      readonly why: string;
    };

/**
 * The MMU translating `vaddr` in the loaded address space (TTBR0 and CONTEXTIDR): the TLB
 * first (a line tagged with the current hardware ASID, or a global line), else a table walk
 * that fills the TLB. Returns the state with the TLB as the access left it.
 */
export function mmuTranslate(s: KernelState, vaddr: VirtAddr): { state: KernelState; translation: Translation } {
  const loaded = s.loadedVSpace;
  if (loaded === null)
    return {
      state: s,
      translation: {
        ok: false,
        fault: "translation",
        level: "PageDirectory",
        vaddr,
        why: "no address space is loaded",
      },
    };
  for (const tag of [loaded.hwASID, GLOBAL_TLB_TAG]) {
    const line = s.tlb.get(tlbKey(tag, vaddr));
    if (line !== undefined)
      return {
        state: s,
        translation: {
          ok: true,
          paddr: line.pbase + (vaddr - line.vbase),
          line,
          fromTLB: true,
        },
      };
  }
  const r = resolve(s, loaded.pd, vaddr);
  if (!r.mapped)
    return {
      state: s,
      translation: {
        ok: false,
        fault: "translation",
        level: r.level,
        vaddr,
        why: `no valid ${r.level} entry for ${hex(vaddr)}`,
      },
    };
  const line = tlbLineOf(r, loaded.hwASID);
  const key = tlbKey(r.global ? GLOBAL_TLB_TAG : loaded.hwASID, vaddr);
  const state = transition(s, (d) => {
    d.tlb = d.tlb.set(key, line);
  });
  return {
    state,
    translation: {
      ok: true,
      paddr: r.frame + (vaddr - r.vbase),
      line,
      fromTLB: false,
    },
  };
}
