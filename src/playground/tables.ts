import { hex, type PhysAddr } from "../model/addresses.ts";
import type { KernelState } from "../model/state.ts";
import { capAt } from "../kernel/cspace.ts";
import { INITIAL_CAP_SLOTS } from "../boot/initialCaps.ts";
import { teachingOf } from "../arch/index.ts";
import type { EntryLink } from "../views/index.ts";

/*
 * The paging-structure grids as data, for either architecture through the views' architecture
 * layer (teachingOf): runs of invalid slots collapse into one segment, the root's slots at or
 * above USER_TOP are marked, and every valid entry is said in words.
 */

export type Segment =
  | { readonly kind: "invalid"; readonly first: number; readonly last: number; readonly kernel: boolean }
  | { readonly kind: "entry"; readonly link: EntryLink; readonly kernel: boolean; readonly words: string };

/**
 * The segments of the structure at `table`, read at `level`: its valid entries (a 16-slot ARM32
 * page is one segment) and the invalid runs between them, split where USER_TOP falls so the part
 * above it can be shaded.
 */
export function tableSegments(s: KernelState, table: PhysAddr, level: number): Segment[] {
  const t = teachingOf(s.config);
  const slots = t.entriesAt(level);
  const kernelFrom = level === t.rootLevel ? Math.ceil(s.config.userTop / 2 ** t.spanBits(level)) : slots;
  const out: Segment[] = [];
  const gap = (first: number, last: number) => {
    if (first > last) return;
    if (first < kernelFrom && last >= kernelFrom) {
      out.push({ kind: "invalid", first, last: kernelFrom - 1, kernel: false });
      out.push({ kind: "invalid", first: kernelFrom, last, kernel: true });
    } else out.push({ kind: "invalid", first, last, kernel: first >= kernelFrom });
  };
  let next = 0;
  for (const link of t.links(s, table, level)) {
    gap(next, link.index - 1);
    const words = t.describeEntry(s, table, link.index, level).words;
    out.push({ kind: "entry", link, kernel: link.index >= kernelFrom, words });
    next = link.index + link.count;
  }
  gap(next, slots - 1);
  return out;
}

/** A VSpace root the grids can show, with the label of its picker. */
export interface RootChoice {
  readonly paddr: PhysAddr;
  readonly label: string;
}

/**
 * The VSpace roots of a state (page directories, AArch64's VSpaces), the initial thread's own
 * first (the one scenarios name InitThreadVSpace), then the others by address; ARM32's global
 * directory, the kernel's, is left out.
 */
export function rootsOf(s: KernelState, initThread: PhysAddr): RootChoice[] {
  const t = teachingOf(s.config);
  const own = capAt(s, initThread, INITIAL_CAP_SLOTS.InitThreadVSpace);
  const ownRoot = own.type === "PageDirectory" || own.type === "VSpace" ? own.paddr : undefined;
  const out: RootChoice[] = [];
  for (const o of s.objects.values()) {
    if (!t.isRoot(o) || o.paddr === s.globalPD) continue;
    const label = `${o.type} @${hex(o.paddr)}${o.paddr === ownRoot ? " (InitThreadVSpace)" : ""}`;
    if (o.paddr === ownRoot) out.unshift({ paddr: o.paddr, label });
    else out.push({ paddr: o.paddr, label });
  }
  return out;
}

/** Whether a paging structure still exists at `table` (an entry can outlive its table). */
export function tableExists(s: KernelState, table: PhysAddr): boolean {
  const o = s.objects.get(table);
  return o !== undefined && teachingOf(s.config).isPagingStructure(o);
}

/** The first address past the architecture's virtual space (ARM32: 2^32; AArch64: 2^48). */
export function addressLimit(s: KernelState): number {
  const t = teachingOf(s.config);
  return t.entriesAt(t.rootLevel) * 2 ** t.spanBits(t.rootLevel);
}
