import { hex, type HWASID, type PPtr, type VirtAddr } from "../../model/addresses.ts";
import type { KernelState, TLBEntry } from "../../model/state.ts";
import { vspaceRootAt } from "../../kernel/store.ts";
import { aarch64, GLOBAL_TLB_TAG, resolve } from "../../arch/index.ts";
import { byArch, type InvariantCheck, type StateChange } from "./change.ts";
import { asidsOfPD } from "./paging.ts";
import { pathOf, rootOfASID } from "./paging64.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

/** tlb_consistent for one TLB line: the tables of the address space its tag names map it so. */
export function lineAgrees(
  s: KernelState,
  pdOfASID: ReadonlyMap<number, PPtr<"VSpaceRoot">>,
  key: number,
  line: TLBEntry,
): Violation | undefined {
  const tag = Math.floor(key / 2 ** 20);
  const vaddr = ((key % 2 ** 20) * 4096) as VirtAddr;
  let pd: PPtr<"VSpaceRoot"> | undefined;
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
const tlbConsistent32: Invariant = (s) => {
  // Most states have an empty TLB (it fills only on simulated accesses): skip the ASID map then.
  if (s.tlb.isEmpty) return [];
  const pdOfASID = new Map<number, PPtr<"VSpaceRoot">>();
  for (const [pd, asids] of asidsOfPD(s)) {
    // An entry naming something other than a root is valid_asid_map's to report; here no root holds its ASIDs.
    const root = vspaceRootAt(s, pd);
    if (root !== undefined) for (const a of asids) pdOfASID.set(a, root);
  }
  return collect(s.tlb, ([key, line]) => lineAgrees(s, pdOfASID, key, line));
};

/** The whole TLB (a few lines at most), when it, the tables or the hardware ASIDs changed. */
const tlbConsistentDelta = (c: StateChange, out: Violation[]): void => {
  if (c.before.tlb !== c.after.tlb || c.objects.length > 0 || c.before.hwASIDTable !== c.after.hwASIDTable)
    out.push(...TLB_CONSISTENT.full(c.after));
};

/**
 * The AArch64 form for one line: without the hypervisor the tag is the seL4 ASID itself, and the
 * walk from the VSpace that ASID names maps the line's page so. Global lines (the kernel's,
 * behind TTBR1) belong to no user VSpace and are not checked here.
 */
export function lineAgrees64(s: KernelState, key: number, line: TLBEntry): Violation | undefined {
  const tag = Math.floor(key / aarch64.LINES_PER_ASID);
  if (tag === aarch64.GLOBAL_TLB_TAG) return undefined;
  const vaddr = (key % aarch64.LINES_PER_ASID) * 4096;
  const root = rootOfASID(s, tag);
  if (root === undefined)
    return violation(
      "tlb_consistent",
      `a TLB line for ${hex(vaddr)} is tagged with ASID ${tag}, which names no VSpace`,
      { hwASID: tag, vaddr, pbase: line.pbase },
    );
  const e = pathOf(s, root, vaddr).at(-1)?.entry;
  if (e?.kind === "Page" && e.paddr === line.pbase && e.size === line.size && e.rights === line.rights)
    return undefined;
  return violation(
    "tlb_consistent",
    `the TLB line for ${hex(vaddr)} (ASID ${tag}) says ${hex(line.pbase)} ${line.size} ${line.rights}; the tables say ${e?.kind === "Page" ? `${hex(e.paddr)} ${e.size} ${e.rights}` : "unmapped"}`,
    { hwASID: tag, vaddr, pbase: line.pbase, tableFrame: e?.kind === "Page" ? e.paddr : null },
  );
}

const tlbConsistent64: Invariant = (s) => collect(s.tlb, ([key, line]) => lineAgrees64(s, key, line));

export const TLB_CONSISTENT: InvariantCheck = byArch("tlb_consistent", {
  aarch32: { full: tlbConsistent32, delta: tlbConsistentDelta },
  aarch64: { full: tlbConsistent64, delta: tlbConsistentDelta },
});

/** Every TLB line agrees with the tables of the address space it is tagged for. */
export const tlbConsistent: Invariant = TLB_CONSISTENT.full;
