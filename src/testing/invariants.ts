import { hex, pow2, type ASID, type PhysAddr, type VirtAddr } from "../core/addresses.ts";
import { objectSizeBitsOfCap } from "../caps/capSize.ts";
import { sameRegionAs } from "../caps/regions.ts";
import { capObjectAddress, type Cap } from "../caps/types.ts";
import { ASID_POOL_SIZE } from "../asid/asidTable.ts";
import type { KernelState } from "../objects/state.ts";
import { objectSizeBits } from "../objects/store.ts";
import { decodePDE, decodePTE, encodePDE, encodePTE } from "../vspace/entries.ts";
import { GLOBAL_TLB_TAG } from "../vspace/tlb.ts";
import { resolve } from "../vspace/walk.ts";

/** One broken invariant: which, what is wrong, and the values that show it. */
export interface Violation {
  readonly invariant: string;
  readonly message: string;
}

/** An invariant checker: returns the violations (none when it holds). */
export type Invariant = (s: KernelState) => Violation[];

const CAP_OBJECT_TYPE: Partial<Record<Cap["type"], string>> = {
  CNode: "CNode",
  TCB: "TCB",
  Endpoint: "Endpoint",
  Notification: "Notification",
  Frame: "Frame",
  PageTable: "PageTable",
  PageDirectory: "PageDirectory",
  ASIDPool: "ASIDPool",
};

/** l4v valid_caps: every cap names a live object of its type. */
export const validCaps: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [slot, cte] of s.ctes) {
    const addr = capObjectAddress(cte.cap);
    if (addr === undefined) continue;
    const o = s.objects.get(addr);
    if (o === undefined || o.type !== CAP_OBJECT_TYPE[cte.cap.type]) out.push({ invariant: "valid_caps", message: `slot ${hex(slot)}: ${cte.cap.type} cap names ${o ? `a ${o.type}` : "nothing"} at ${hex(addr)}` });
  }
  return out;
};

/** l4v pspace_aligned and pspace_distinct: objects are aligned to their size and never overlap. */
export const pspaceDistinct: Invariant = (s) => {
  const out: Violation[] = [];
  let prevEnd = -1;
  let prev = "";
  for (const [addr, o] of s.objects) {
    const bits = objectSizeBits(o);
    if (addr % pow2(bits) !== 0) out.push({ invariant: "pspace_aligned", message: `${o.type} at ${hex(addr)} is not aligned to 2^${bits}` });
    if (addr < prevEnd) out.push({ invariant: "pspace_distinct", message: `${o.type} at ${hex(addr)} overlaps ${prev}` });
    prevEnd = Math.max(prevEnd, addr + pow2(bits));
    prev = `${o.type} at ${hex(addr)}`;
  }
  return out;
};

/** l4v valid_mdb (descendants_range): every derived cap lies inside what its parent covers. */
export const cdtChildrenInsideParents: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [slot, cte] of s.ctes) {
    if (cte.parent === null) continue;
    const parent = s.ctes.get(cte.parent);
    if (parent === undefined) out.push({ invariant: "valid_mdb", message: `slot ${hex(slot)}'s parent ${hex(cte.parent)} is empty` });
    else if (!sameRegionAs(parent.cap, cte.cap) && !(parent.cap.type === "Untyped" && cte.cap.type === "ASIDPool")) {
      out.push({ invariant: "valid_mdb", message: `slot ${hex(slot)} (${cte.cap.type}) is not inside its parent ${parent.cap.type} at ${hex(cte.parent)}` });
    } else if (!s.cdtChildren.get(cte.parent)?.has(slot)) out.push({ invariant: "valid_mdb", message: `slot ${hex(slot)} is missing from its parent's child set` });
  }
  return out;
};

/** Objects made from an untyped lie inside it. */
export const untypedChildrenInside: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [slot, cte] of s.ctes) {
    if (cte.cap.type !== "Untyped") continue;
    const lo = cte.cap.paddr;
    const hi = lo + pow2(cte.cap.sizeBits);
    for (const child of s.cdtChildren.get(slot)?.keys() ?? []) {
      const c = s.ctes.get(child)?.cap;
      if (c === undefined || c.type === "Null" || c.type === "ASIDControl") continue;
      const bits = objectSizeBitsOfCap(c) ?? 0;
      if (c.paddr < lo || c.paddr + pow2(bits) > hi) out.push({ invariant: "untyped_children_inside", message: `${c.type} at ${hex(c.paddr)} lies outside its untyped [${hex(lo)}, ${hex(hi)})` });
    }
  }
  return out;
};

function pdASIDs(s: KernelState): Map<PhysAddr, ASID[]> {
  const m = new Map<PhysAddr, ASID[]>();
  for (const [index, pool] of s.asidTable) {
    const obj = s.objects.get(pool);
    if (obj?.type !== "ASIDPool") continue;
    for (const [low, pd] of obj.entries) m.set(pd, [...(m.get(pd) ?? []), (index * ASID_POOL_SIZE + low) as ASID]);
  }
  return m;
}

/** l4v valid_asid_map: a page directory has at most one ASID, and what an ASID names is a live page directory. */
export const validASIDMap: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [pd, asids] of pdASIDs(s)) {
    if (asids.length > 1) out.push({ invariant: "valid_asid_map", message: `page directory ${hex(pd)} has ASIDs ${asids.join(", ")}` });
    if (s.objects.get(pd)?.type !== "PageDirectory") out.push({ invariant: "valid_asid_map", message: `ASID ${asids[0]} names ${hex(pd)}, which is not a live page directory` });
  }
  return out;
};

/** Each page table is pointed at by at most one directory entry (l4v's unique table references). */
export const uniqueTableRefs: Invariant = (s) => {
  const seen = new Map<number, string>();
  const out: Violation[] = [];
  for (const [pd, o] of s.objects) {
    if (o.type !== "PageDirectory") continue;
    for (const [i, w] of o.entries.range(0, Math.floor(s.config.userTop / 2 ** 20))) {
      const e = decodePDE(w);
      if (e.kind !== "Table") continue;
      const here = `${hex(pd)}[${i}]`;
      const other = seen.get(e.paddr);
      if (other !== undefined) out.push({ invariant: "unique_table_refs", message: `page table ${hex(e.paddr)} is mapped at ${other} and ${here}` });
      seen.set(e.paddr, here);
    }
  }
  return out;
};

/** No user mapping at or above USER_TOP: every directory entry from USER_TOP up is the kernel's (global) or empty. */
export const noUserMappingAboveUserTop: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [pd, o] of s.objects) {
    if (o.type !== "PageDirectory") continue;
    for (const [i, w] of o.entries.range(Math.floor(s.config.userTop / 2 ** 20), 4096)) {
      const e = decodePDE(w);
      if (e.kind === "Page" && !e.global) out.push({ invariant: "kernel_mappings", message: `page directory ${hex(pd)} maps user memory at ${hex(i * 2 ** 20)}, above USER_TOP` });
    }
  }
  return out;
};

/**
 * l4v valid_vs_lookup, in the direction seL4 guarantees: every valid leaf reachable through an
 * ASID is claimed by a frame cap recording that ASID, that virtual address and that frame.
 */
export const validVSLookup: Invariant = (s) => {
  const claims = new Set<string>();
  for (const cte of s.ctes.values()) {
    const c = cte.cap;
    if (c.type === "Frame" && c.mapping !== null) claims.add(`${c.mapping.asid}:${c.mapping.vaddr}:${c.paddr}:${c.size}`);
  }
  const out: Violation[] = [];
  const reported = new Set<string>();
  for (const [pd, asids] of pdASIDs(s)) {
    const a = asids[0] as ASID;
    const dir = s.objects.get(pd);
    if (dir?.type !== "PageDirectory") continue;
    for (const [i, w] of dir.entries.range(0, Math.floor(s.config.userTop / 2 ** 20))) {
      const e = decodePDE(w);
      const leaves: { vaddr: number; e: ReturnType<typeof decodePDE> }[] = [];
      if (e.kind === "Page") leaves.push({ vaddr: i * 2 ** 20, e });
      else if (e.kind === "Table") {
        const pt = s.objects.get(e.paddr);
        if (pt?.type === "PageTable") for (const [j, pw] of pt.entries) leaves.push({ vaddr: i * 2 ** 20 + j * 4096, e: decodePTE(pw) });
      }
      for (const leaf of leaves) {
        if (leaf.e.kind !== "Page") continue;
        const base = leaf.vaddr - (leaf.vaddr % pow2({ SmallPage: 12, LargePage: 16, Section: 20, SuperSection: 24 }[leaf.e.size]));
        const key = `${a}:${base}:${leaf.e.paddr}:${leaf.e.size}`;
        if (!claims.has(key) && !reported.has(key)) {
          reported.add(key); // a 16-slot page is one mapping: report it once
          out.push({ invariant: "valid_vs_lookup", message: `ASID ${a} maps ${leaf.e.size} ${hex(leaf.e.paddr)} at ${hex(base)}, but no frame cap records it` });
        }
      }
    }
  }
  return out;
};

/** Every TLB line agrees with the tables of the address space its hardware ASID belongs to. */
export const tlbConsistent: Invariant = (s) => {
  const out: Violation[] = [];
  const pds = pdASIDs(s);
  const pdOfASID = new Map<number, PhysAddr>();
  for (const [pd, asids] of pds) for (const a of asids) pdOfASID.set(a, pd);
  for (const [key, line] of s.tlb) {
    const tag = Math.floor(key / 2 ** 20);
    const vaddr = ((key % 2 ** 20) * 4096) as VirtAddr;
    let pd: PhysAddr | undefined;
    if (tag === GLOBAL_TLB_TAG) pd = s.globalPD ?? undefined;
    else {
      const a = s.hwASIDTable.get(tag);
      pd = a === undefined ? undefined : pdOfASID.get(a);
    }
    if (pd === undefined) {
      out.push({ invariant: "tlb_consistent", message: `a TLB line for ${hex(vaddr)} is tagged with hardware ASID ${tag}, which no address space holds` });
      continue;
    }
    const r = resolve(s, pd, vaddr);
    if (!r.mapped || r.frame !== line.pbase || r.size !== line.size || r.rights !== line.rights) {
      out.push({ invariant: "tlb_consistent", message: `the TLB line for ${hex(vaddr)} (hardware ASID ${tag}) says ${hex(line.pbase)}; the tables say ${r.mapped ? hex(r.frame) : "unmapped"}` });
    }
  }
  return out;
};

/** Stored descriptor words are exactly what encoding their decoded entries gives. */
export const descriptorsRoundTrip: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [addr, o] of s.objects) {
    if (o.type !== "PageDirectory" && o.type !== "PageTable") continue;
    for (const [i, w] of o.entries) {
      const back = o.type === "PageDirectory" ? encodePDE(decodePDE(w)) : encodePTE(decodePTE(w));
      if (back !== w) out.push({ invariant: "descriptors_round_trip", message: `${o.type} ${hex(addr)}[${i}] holds ${hex(w)}, which re-encodes as ${hex(back)}` });
    }
  }
  return out;
};

/**
 * l4v valid_global_pd_mappings / equal_kernel_mappings: every page directory holds the global
 * directory's entries from USER_TOP up (except the hardware-ASID slot 4080).
 */
export const equalKernelMappings: Invariant = (s) => {
  if (s.globalPD === null) return [];
  const global = s.objects.get(s.globalPD);
  if (global?.type !== "PageDirectory") return [{ invariant: "equal_kernel_mappings", message: `the global page directory ${hex(s.globalPD)} is missing` }];
  const out: Violation[] = [];
  const first = Math.floor(s.config.userTop / 2 ** 20);
  for (const [addr, o] of s.objects) {
    if (o.type !== "PageDirectory" || addr === s.globalPD) continue;
    for (let i = first; i < 4096; i++) {
      if (i !== 4080 && o.entries.get(i) !== global.entries.get(i)) {
        out.push({ invariant: "equal_kernel_mappings", message: `page directory ${hex(addr)} slot ${i} differs from the global directory's` });
        break;
      }
    }
  }
  return out;
};

/** Every invariant, by name. */
export const INVARIANTS: Readonly<Record<string, Invariant>> = {
  valid_caps: validCaps,
  pspace_distinct: pspaceDistinct,
  valid_mdb: cdtChildrenInsideParents,
  untyped_children_inside: untypedChildrenInside,
  valid_asid_map: validASIDMap,
  unique_table_refs: uniqueTableRefs,
  kernel_mappings: noUserMappingAboveUserTop,
  valid_vs_lookup: validVSLookup,
  tlb_consistent: tlbConsistent,
  descriptors_round_trip: descriptorsRoundTrip,
  equal_kernel_mappings: equalKernelMappings,
};

/** Runs every invariant; returns all violations. */
export function checkAll(s: KernelState): Violation[] {
  return Object.values(INVARIANTS).flatMap((inv) => inv(s));
}
