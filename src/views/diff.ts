import type { ASID, PhysAddr } from "../model/addresses.ts";
import type { KernelObject } from "../model/objects.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import { teachingOf } from "../arch/index.ts";
import { changedObjects, entriesOf } from "../kernel/store.ts";
import { placeOfSlot, type SlotPlace } from "./cspace.ts";
import { capText } from "./text.ts";
import { descriptorAt } from "./vspace.ts";

/**
 * What a step changed, as data: the slots whose caps appeared, changed or went; the objects
 * created and destroyed; the paging-structure entries that changed, decoded before and after;
 * the ASIDs assigned or freed; the TLB's size. States share structure, so only the parts of the
 * stores that differ are visited.
 */

export interface SlotChange {
  readonly slot: SlotAddr;
  readonly place?: SlotPlace;
  /** the cap before and after, in words; absent for an empty slot */
  readonly before?: string;
  readonly after?: string;
}

export interface ObjectChange {
  readonly paddr: PhysAddr;
  readonly type: string;
  readonly change: "created" | "destroyed";
}

export interface EntryChange {
  readonly table: PhysAddr;
  readonly structure: string;
  readonly index: number;
  readonly beforeWord: string;
  readonly afterWord: string;
  readonly before: string;
  readonly after: string;
}

export interface ASIDChange {
  readonly asid: ASID;
  readonly before?: PhysAddr;
  readonly after?: PhysAddr;
}

export interface StateDiff {
  readonly slots: readonly SlotChange[];
  readonly objects: readonly ObjectChange[];
  readonly entries: readonly EntryChange[];
  readonly asids: readonly ASIDChange[];
  readonly tlbLines: { readonly before: number; readonly after: number };
}

function entryOf(s: KernelState, table: PhysAddr, index: number): { word: string; summary: string } {
  const o = s.objects.get(table);
  if (o === undefined || !teachingOf(s.config).isPagingStructure(o)) return { word: "-", summary: "no table" };
  const d = descriptorAt(s, table, index);
  return { word: d.word, summary: d.summary };
}

function asidEntries(s: KernelState): Map<number, PhysAddr> {
  const size = teachingOf(s.config).asidPoolSize;
  const out = new Map<number, PhysAddr>();
  for (const [index, pool] of s.asidTable.entries()) {
    const o = s.objects.get(pool);
    if (o?.type === "ASIDPool") for (const [low, root] of o.entries.entries()) out.set(index * size + low, root);
  }
  return out;
}

/** The slots whose words differ between two versions of one paging structure. */
function changedIndices(before: KernelState, a: KernelObject, after: KernelState, b: KernelObject): number[] {
  if ((a.type === "PageDirectory" || a.type === "PageTable") && (b.type === "PageDirectory" || b.type === "PageTable"))
    return entriesOf(before, a).changedKeys(entriesOf(after, b));
  if ((a.type === "VSpace" || a.type === "PageTable64") && (b.type === "VSpace" || b.type === "PageTable64"))
    return entriesOf(before, a).changedKeys(entriesOf(after, b));
  return [];
}

export function diffStates(before: KernelState, after: KernelState): StateDiff {
  if (before === after)
    return {
      slots: [],
      objects: [],
      entries: [],
      asids: [],
      tlbLines: { before: before.tlb.size, after: after.tlb.size },
    };
  const slots: SlotChange[] = [];
  for (const slot of before.ctes.changedKeys(after.ctes)) {
    const was = before.ctes.get(slot)?.cap;
    const now = after.ctes.get(slot)?.cap;
    const place = placeOfSlot(after, slot) ?? placeOfSlot(before, slot);
    slots.push({
      slot,
      ...(place !== undefined ? { place } : {}),
      ...(was !== undefined ? { before: capText(was) } : {}),
      ...(now !== undefined ? { after: capText(now) } : {}),
    });
  }
  const objects: ObjectChange[] = [];
  const entries: EntryChange[] = [];
  const t = teachingOf(after.config);
  for (const paddr of changedObjects(before, after)) {
    const a = before.objects.get(paddr);
    const b = after.objects.get(paddr);
    if (a !== undefined && (b === undefined || b.type !== a.type))
      objects.push({ paddr, type: a.type, change: "destroyed" });
    if (b !== undefined && (a === undefined || b.type !== a.type))
      objects.push({ paddr, type: b.type, change: "created" });
    if (a === undefined || b === undefined || a.type !== b.type || !t.isPagingStructure(b)) continue;
    for (const index of changedIndices(before, a, after, b)) {
      const x = entryOf(before, paddr, index);
      const y = entryOf(after, paddr, index);
      entries.push({
        table: paddr,
        structure: b.type,
        index,
        beforeWord: x.word,
        afterWord: y.word,
        before: x.summary,
        after: y.summary,
      });
    }
  }
  const asids: ASIDChange[] = [];
  if (before.asidTable !== after.asidTable || objects.length > 0 || before.objects !== after.objects) {
    const x = asidEntries(before);
    const y = asidEntries(after);
    for (const asid of new Set([...x.keys(), ...y.keys()]))
      if (x.get(asid) !== y.get(asid)) {
        const was = x.get(asid);
        const now = y.get(asid);
        asids.push({
          asid: asid as ASID,
          ...(was !== undefined ? { before: was } : {}),
          ...(now !== undefined ? { after: now } : {}),
        });
      }
  }
  return { slots, objects, entries, asids, tlbLines: { before: before.tlb.size, after: after.tlb.size } };
}
