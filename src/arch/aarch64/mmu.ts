import { hex, type VirtAddr } from "../../model/addresses.ts";
import { tlbLineOf, type KernelState, type TLBEntry } from "../../model/state.ts";
import { transition } from "../../model/transition.ts";
import type { Level } from "./entries.ts";
import { GLOBAL_TLB_TAG, tlbKey } from "./tlb.ts";
import { resolve } from "./walk.ts";

/**
 * The AArch64 MMU on a user access at EL0 (TTBR0_EL1, 48-bit virtual addresses, 4 KiB granule),
 * and the ESR_EL1 value of the data abort it raises (ARM Architecture Reference Manual, ESR_ELx
 * for a Data Abort from a lower Exception level: EC 0x24, IL 1, WnR bit 6, DFSC bits 5:0 with
 * 0b0001LL a translation fault and 0b0011LL a permission fault at level LL). seL4's handleVMFault
 * hands FAR_EL1 and this ESR to the fault handler as seL4_Fault_VMFault (instruction fault false).
 */

/** What a user access found: the physical address, or a fault with its kind and translation level. */
export type UserTranslation =
  | { readonly ok: true; readonly paddr: number; readonly line: TLBEntry; readonly fromTLB: boolean }
  | {
      readonly ok: false;
      readonly kind: "translation" | "permission";
      readonly level: Level;
      readonly esr: number;
      readonly why: string;
    };

/** ESR_EL1.EC for a data abort taken from EL0. */
const EC_DATA_ABORT_LOWER_EL = 0x24;
/** The first address past TTBR0's 48-bit range. */
const TTBR0_END = 2 ** 48;

/** ESR_EL1 of a data abort from EL0: EC, IL, WnR and the fault status code. */
export function dataAbortESR(kind: "translation" | "permission", level: Level, write: boolean): number {
  const dfsc = (kind === "translation" ? 0b000100 : 0b001100) | level;
  return (EC_DATA_ABORT_LOWER_EL * 2 ** 26 + 2 ** 25 + (write ? 1 << 6 : 0) + dfsc) >>> 0;
}

/** The levels a user access at EL0 may touch: AP 01 (RW) reads and writes, AP 11 (RO) reads only. */
function allowed(line: TLBEntry, write: boolean): boolean {
  return line.rights === "VMReadWrite" || (line.rights === "VMReadOnly" && !write);
}

/** Level of the leaf a TLB line came from, for a permission fault taken on a TLB hit. */
const LEAF_LEVEL: Readonly<Record<string, Level>> = { HugePage: 1, LargePage: 2, SmallPage: 3 };

/**
 * The MMU translating a user access at `vaddr` in the loaded address space: the TLB first (a
 * line of the loaded ASID, or a global one), else the stage-1 walk from TTBR0, which fills the
 * TLB; then the access permission. An address past 2^48 faults at level 0 (outside TTBR0's range);
 * with nothing loaded every access faults. Returns the state with the TLB as the access left it.
 */
export function translateUserAccess(
  s: KernelState,
  vaddr: VirtAddr,
  write: boolean,
): { state: KernelState; translation: UserTranslation } {
  const fault = (kind: "translation" | "permission", level: Level, why: string) => ({
    ok: false as const,
    kind,
    level,
    esr: dataAbortESR(kind, level, write),
    why,
  });
  const loaded = s.loadedVSpace;
  if (loaded === null) return { state: s, translation: fault("translation", 0, "no address space is loaded") };
  if (vaddr >= TTBR0_END)
    return { state: s, translation: fault("translation", 0, `${hex(vaddr)} is outside TTBR0's 48-bit range`) };
  let state = s;
  let line: TLBEntry | undefined;
  let fromTLB = true;
  for (const tag of [loaded.hwASID as number, GLOBAL_TLB_TAG]) {
    line ??= s.tlb.get(tlbKey(tag, vaddr));
  }
  if (line === undefined) {
    fromTLB = false;
    const r = resolve(s, loaded.pd, vaddr);
    if (!r.mapped)
      return {
        state: s,
        translation: fault("translation", r.armLevel, `no valid level-${r.armLevel} entry for ${hex(vaddr)}`),
      };
    const filled = tlbLineOf(r, loaded.hwASID);
    line = filled;
    const key = tlbKey(r.global ? GLOBAL_TLB_TAG : loaded.hwASID, vaddr);
    state = transition(s, (d) => {
      d.tlb = d.tlb.set(key, filled);
    });
  }
  if (!allowed(line, write))
    return {
      state,
      translation: fault(
        "permission",
        LEAF_LEVEL[line.size] ?? 3,
        `a user ${write ? "write" : "read"} to ${hex(vaddr)}, mapped ${line.rights}`,
      ),
    };
  return { state, translation: { ok: true, paddr: line.pbase + (vaddr - line.vbase), line, fromTLB } };
}
