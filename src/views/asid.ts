import type { ASID, HWASID, PhysAddr, VirtAddr } from "../model/addresses.ts";
import type { KernelState } from "../model/state.ts";
import { teachingOf } from "../arch/index.ts";

/**
 * The ASID table (pool -> ASID -> VSpace root) and the TLB, as plain data.
 */

export interface ASIDPoolView {
  /** the ASID-table index (ASID_HIGH) */
  readonly index: number;
  readonly pool: PhysAddr;
  readonly firstASID: ASID;
  readonly asids: readonly {
    readonly asid: ASID;
    /** the VSpace root (ARM32's page directory) the ASID names */
    readonly root: PhysAddr;
    /** the hardware ASID it has now (ARM32 allocates them lazily), when it has one */
    readonly hwASID?: HWASID;
  }[];
}

export function asidTableView(s: KernelState): ASIDPoolView[] {
  const size = teachingOf(s.config).asidPoolSize;
  const out: ASIDPoolView[] = [];
  for (const [index, pool] of s.asidTable.entries()) {
    const o = s.objects.get(pool);
    const asids: ASIDPoolView["asids"][number][] = [];
    if (o?.type === "ASIDPool")
      for (const [low, root] of o.entries.entries()) {
        const asid = (index * size + low) as ASID;
        const hw = s.asidMap.get(asid);
        asids.push({ asid, root, ...(hw !== undefined ? { hwASID: hw } : {}) });
      }
    out.push({ index, pool, firstASID: (index * size) as ASID, asids });
  }
  return out;
}

export interface TLBLineView {
  readonly vbase: VirtAddr;
  readonly pbase: PhysAddr;
  readonly size: string;
  readonly rights: string;
  readonly executeNever: boolean;
  readonly global: boolean;
  readonly hwASID?: HWASID;
  /** the seL4 ASID the hardware ASID stands for now, when one does */
  readonly asid?: ASID;
  /** whether the tables still give this translation: a line that disagrees is stale */
  readonly stale: boolean;
}

/** The TLB's lines, each checked against the tables of the ASID it is tagged with. */
export function tlbView(s: KernelState): TLBLineView[] {
  const t = teachingOf(s.config);
  const out: TLBLineView[] = [];
  for (const line of s.tlb.values()) {
    // ARM32 maps hardware ASIDs to seL4 ASIDs through a table; AArch64 uses the seL4 ASID itself.
    const asid = line.global
      ? undefined
      : s.config.arch === "aarch32"
        ? s.hwASIDTable.get(line.hwASID)
        : (line.hwASID as number as ASID);
    const root = line.global ? (s.globalPD ?? undefined) : asid !== undefined ? t.rootForASID(s, asid) : undefined;
    const w = root !== undefined ? t.walk(s, root, line.vbase) : undefined;
    const agrees =
      w !== undefined && w.end.kind === "translation" && w.end.frame === line.pbase && w.end.size === line.size;
    out.push({
      vbase: line.vbase,
      pbase: line.pbase,
      size: line.size,
      rights: line.rights.replace(/^VM/, ""),
      executeNever: line.executeNever,
      global: line.global,
      ...(line.global ? {} : { hwASID: line.hwASID }),
      ...(asid !== undefined ? { asid } : {}),
      stale: !agrees,
    });
  }
  return out;
}
