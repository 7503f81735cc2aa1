import type { ASID, PhysAddr } from "../model/addresses.ts";

import type { Cap } from "../model/caps.ts";
import { findPDForASID } from "../arch/index.ts";
import { frameSizeBits, type KernelSizes, type KernelState } from "../model/state.ts";
import type { FrameSize } from "../model/caps.ts";
import { AARCH32_SIZES } from "../arch/index.ts";
import { listDirectory, listTable } from "../arch/index.ts";
import { pathOf, rootOfASID, slotBits, walkFrom } from "./invariants/paging64.ts";

/**
 * The abstract model of the model-based tests: the live mappings of each ASID as a plain map,
 * "ASID -> virtual base -> frame and size", with none of the tables, slots or descriptors.
 */
export type MappingModel = Map<ASID, Map<number, { frame: PhysAddr; size: FrameSize }>>;

/** The mappings the concrete tables hold, per ASID, in the model's shape. */
export function concreteMappings(s: KernelState, asids: readonly ASID[]): MappingModel {
  if (s.config.arch === "aarch64") return concreteMappings64(s, asids);
  const out: MappingModel = new Map();
  for (const a of asids) {
    const m = new Map<number, { frame: PhysAddr; size: FrameSize }>();
    out.set(a, m);
    const pd = findPDForASID(s, a);
    if (!pd.ok) continue;
    for (const row of listDirectory(s, pd.value)) {
      if (row.index * 2 ** 20 >= s.config.userTop) continue;
      const e = row.entry;
      if (e.kind === "Page") m.set(row.index * 2 ** 20, { frame: e.paddr, size: e.size });
      else if (e.kind === "Table" && s.objects.get(e.paddr)?.type === "PageTable") {
        for (const t of listTable(s, e.paddr))
          if (t.entry.kind === "Page")
            m.set(row.index * 2 ** 20 + t.index * 4096, {
              frame: t.entry.paddr,
              size: t.entry.size,
            });
      }
    }
  }
  return out;
}

/** The AArch64 form: the pages the walk from each ASID's VSpace reaches, at every level. */
function concreteMappings64(s: KernelState, asids: readonly ASID[]): MappingModel {
  const out: MappingModel = new Map();
  for (const a of asids) {
    const m = new Map<number, { frame: PhysAddr; size: FrameSize }>();
    out.set(a, m);
    const root = rootOfASID(s, a);
    if (root !== undefined)
      walkFrom(s, root, 0, 0, (r) => {
        if (r.entry.kind === "Page") m.set(r.vref, { frame: r.entry.paddr, size: r.entry.size });
      });
  }
  return out;
}

/**
 * Remove everything an AArch64 page table mapped when it leaves its VSpace: every page in the
 * span of the slot that named it (2^39, 2^30 or 2^21 bytes), found on the walk in `before`.
 */
export function modelUnmapTable64(model: MappingModel, before: KernelState, cap: Cap): void {
  if (cap.type !== "PageTable" || cap.mapping === null) return;
  const { asid, vaddr } = cap.mapping;
  const root = rootOfASID(before, asid);
  const slot =
    root === undefined
      ? undefined
      : pathOf(before, root, vaddr).find((r) => r.entry.kind === "Table" && r.entry.paddr === cap.paddr);
  const m = model.get(asid);
  if (slot === undefined || m === undefined) return;
  const span = 2 ** slotBits(slot.level);
  for (const v of [...m.keys()]) if (v >= slot.vref && v < slot.vref + span) m.delete(v);
}

/** Remove a frame's mapping from the model if the model still has exactly it (seL4's unmapPage rule). */
export function modelUnmap(model: MappingModel, cap: Cap): void {
  if (cap.type !== "Frame" || cap.mapping === null) return;
  const m = model.get(cap.mapping.asid);
  const e = m?.get(cap.mapping.vaddr);
  if (e && e.frame === cap.paddr && e.size === cap.size) m!.delete(cap.mapping.vaddr);
}

/** Remove everything a page table mapped, when the table leaves its directory. */
export function modelUnmapTable(model: MappingModel, cap: Cap): void {
  if (cap.type !== "PageTable" || cap.mapping === null) return;
  const m = model.get(cap.mapping.asid);
  for (const v of [...(m?.keys() ?? [])])
    if (
      v >= cap.mapping.vaddr &&
      v < cap.mapping.vaddr + 2 ** 20 &&
      (m!.get(v)!.size === "SmallPage" || m!.get(v)!.size === "LargePage")
    )
      m!.delete(v);
}

/** Record a new mapping in the model (`sizes`: the architecture's, ARM32's by default). */
export function modelMap(
  model: MappingModel,
  a: ASID,
  vaddr: number,
  frame: PhysAddr,
  size: FrameSize,
  sizes: KernelSizes = AARCH32_SIZES,
): void {
  if (!model.has(a)) model.set(a, new Map());
  model.get(a)!.set(vaddr - (vaddr % 2 ** frameSizeBits(sizes, size)), { frame, size });
}
