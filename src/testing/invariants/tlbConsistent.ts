import { hex, type HWASID, type PhysAddr, type VirtAddr } from "../../model/addresses.ts";
import type { KernelState, TLBEntry } from "../../model/state.ts";
import { GLOBAL_TLB_TAG, resolve } from "../../arch/index.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { asidsOfPD } from "./paging.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

/** tlb_consistent for one TLB line: the tables of the address space its tag names map it so. */
export function lineAgrees(
  s: KernelState,
  pdOfASID: ReadonlyMap<number, PhysAddr>,
  key: number,
  line: TLBEntry,
): Violation | undefined {
  const tag = Math.floor(key / 2 ** 20);
  const vaddr = ((key % 2 ** 20) * 4096) as VirtAddr;
  let pd: PhysAddr | undefined;
  if (tag === GLOBAL_TLB_TAG) pd = s.globalPD ?? undefined;
  else {
    const a = s.hwASIDTable.get(tag as HWASID);
    pd = a === undefined ? undefined : pdOfASID.get(a);
  }
  if (pd === undefined)
    return violation(
      "tlb_consistent",
      `a TLB line for ${hex(vaddr)} is tagged with hardware ASID ${tag}, which no address space holds`,
      { hwASID: tag, vaddr, pbase: line.pbase },
    );
  const r = resolve(s, pd, vaddr);
  if (r.mapped && r.frame === line.pbase && r.size === line.size && r.rights === line.rights) return undefined;
  return violation(
    "tlb_consistent",
    `the TLB line for ${hex(vaddr)} (hardware ASID ${tag}) says ${hex(line.pbase)} ${line.size} ${line.rights}; the tables say ${r.mapped ? `${hex(r.frame)} ${r.size} ${r.rights}` : "unmapped"}`,
    {
      hwASID: tag,
      vaddr,
      pbase: line.pbase,
      tableFrame: r.mapped ? r.frame : null,
    },
  );
}

/** Every TLB line agrees with the tables of the address space its hardware ASID belongs to. */
export const tlbConsistent: Invariant = (s) => {
  // Most states have an empty TLB (it fills only on simulated accesses): skip the ASID map then.
  if (s.tlb.isEmpty) return [];
  const pdOfASID = new Map<number, PhysAddr>();
  for (const [pd, asids] of asidsOfPD(s)) for (const a of asids) pdOfASID.set(a, pd);
  return collect(s.tlb, ([key, line]) => lineAgrees(s, pdOfASID, key, line));
};

/** The whole TLB (a few lines at most), when it, the tables or the hardware ASIDs changed. */
const tlbConsistentDelta = (c: StateChange, out: Violation[]): void => {
  if (c.before.tlb !== c.after.tlb || c.objects.length > 0 || c.before.hwASIDTable !== c.after.hwASIDTable)
    out.push(...tlbConsistent(c.after));
};

export const TLB_CONSISTENT: InvariantCheck = {
  name: "tlb_consistent",
  full: tlbConsistent,
  delta: tlbConsistentDelta,
};
