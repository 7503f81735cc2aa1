import { hex, pow2, type ASID, type HWASID, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import { objectSizeBitsOfCap } from "../kernel/capSize.ts";
import { sameRegionAs } from "../kernel/regions.ts";
import { capObjectAddress, type Cap } from "../model/caps.ts";
import { ASID_POOL_SIZE, ASID_TABLE_SIZE } from "../arch/index.ts";
import type { KernelObject } from "../model/objects.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import { objectSizeBits } from "../kernel/store.ts";
import { decodePDE, decodePTE, encodePDE, encodePTE, type Entry } from "../arch/index.ts";
import { GLOBAL_TLB_TAG } from "../arch/index.ts";
import { resolve } from "../arch/index.ts";
import { capsInsideSlots } from "./capsInsideSlots.ts";
import { validMappingRecords } from "./mappingRecords.ts";

/** One broken invariant: which, what is wrong, and the values that show it. */
export interface Violation {
  readonly invariant: string;
  readonly message: string;
  /** the values that show it (addresses, slots, indices as numbers), for programs rather than people */
  readonly details: ViolationDetails;
}

export type ViolationDetails = Readonly<Record<string, string | number | boolean | null>>;

/** A violation record; `details` defaults to none. */
export const violation = (invariant: string, message: string, details: ViolationDetails = {}): Violation => ({ invariant, message, details });

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
    if (o === undefined || o.type !== CAP_OBJECT_TYPE[cte.cap.type]) out.push(violation("valid_caps", `slot ${hex(slot)}: ${cte.cap.type} cap names ${o ? `a ${o.type}` : "nothing"} at ${hex(addr)}`, { slot, capType: cte.cap.type, object: addr, found: o?.type ?? null }));
  }
  return out;
};

/** l4v pspace_aligned: every object starts at a multiple of its size. */
export const pspaceAligned: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [addr, o] of s.objects) {
    const bits = objectSizeBits(s.config.sizes, o);
    if (addr % pow2(bits) !== 0) out.push(violation("pspace_aligned", `${o.type} at ${hex(addr)} is not aligned to 2^${bits}`, { object: addr, type: o.type, sizeBits: bits }));
  }
  return out;
};

/** l4v pspace_distinct: no two objects overlap (the store is ordered, so each only needs its predecessor's end). */
export const pspaceDistinct: Invariant = (s) => {
  const out: Violation[] = [];
  let prevEnd = -1;
  let prev: { addr: number; type: string } | undefined;
  for (const [addr, o] of s.objects) {
    if (prev !== undefined && addr < prevEnd) out.push(violation("pspace_distinct", `${o.type} at ${hex(addr)} overlaps ${prev.type} at ${hex(prev.addr)}`, { object: addr, type: o.type, other: prev.addr, otherType: prev.type }));
    const end = addr + pow2(objectSizeBits(s.config.sizes, o));
    if (end > prevEnd) {
      prevEnd = end;
      prev = { addr, type: o.type };
    }
  }
  return out;
};

/** l4v valid_mdb (descendants_range): every derived cap lies inside what its parent covers. */
export const cdtChildrenInsideParents: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [slot, cte] of s.ctes) {
    if (cte.parent === null) continue;
    const parent = s.ctes.get(cte.parent);
    if (parent === undefined) out.push(violation("valid_mdb", `slot ${hex(slot)}'s parent ${hex(cte.parent)} is empty`, { slot, parent: cte.parent }));
    else if (!sameRegionAs(s.config.sizes, parent.cap, cte.cap) && !(parent.cap.type === "Untyped" && cte.cap.type === "ASIDPool")) {
      out.push(violation("valid_mdb", `slot ${hex(slot)} (${cte.cap.type}) is not inside its parent ${parent.cap.type} at ${hex(cte.parent)}`, { slot, capType: cte.cap.type, parent: cte.parent, parentType: parent.cap.type }));
    } else if (!s.cdtChildren.get(cte.parent)?.has(slot)) out.push(violation("valid_mdb", `slot ${hex(slot)} is missing from its parent's child set`, { slot, parent: cte.parent }));
  }
  return out;
};

/** How many entries each kind of table has (PD 4096, PT 256, ASID pool 1024). */
const TABLE_ENTRIES: Partial<Record<KernelObject["type"], number>> = { PageDirectory: 4096, PageTable: 256, ASIDPool: ASID_POOL_SIZE };

/** valid_objs for one object: its table entries sit at indices it has, and hold 32-bit words. */
export function validObject(addr: PhysAddr, o: KernelObject): Violation[] {
  const size = TABLE_ENTRIES[o.type];
  if (size === undefined || !("entries" in o)) return [];
  const out: Violation[] = [];
  for (const [i, v] of o.entries as Iterable<[number, number]>) {
    const wordOK = Number.isInteger(v) && v >= 0 && v < 2 ** 32;
    if (!Number.isInteger(i) || i < 0 || i >= size || !wordOK) out.push(violation("valid_objs", `${o.type} ${hex(addr)} has entry [${i}] = ${v}; it has ${size} entries of 32-bit words`, { object: addr, type: o.type, index: i, value: v }));
  }
  return out;
}

/** valid_asid_table: the ASID table's indices are pool numbers, and each names a live ASID pool. */
export function validASIDTable(s: KernelState): Violation[] {
  const out: Violation[] = [];
  for (const [index, pool] of s.asidTable) {
    const o = s.objects.get(pool);
    if (index < 0 || index >= ASID_TABLE_SIZE || o?.type !== "ASIDPool") out.push(violation("valid_objs", `ASID table entry ${index} names ${o ? `a ${o.type}` : "nothing"} at ${hex(pool)}; it should name a live ASID pool`, { index, object: pool, found: o?.type ?? null }));
  }
  return out;
}

/** l4v valid_objs (the parts capsim's records can break): well-formed tables, and a valid ASID table. */
export const validObjs: Invariant = (s) => [...[...s.objects].flatMap(([addr, o]) => validObject(addr, o)), ...validASIDTable(s)];

/**
 * l4v valid_mdb (mdb_cte_at), the parent-to-child direction: every slot the derivation tree
 * lists as a parent holds a cap, and every child it lists holds a cap that names it as parent.
 */
export const mdbChildrenLinked: Invariant = (s) => [...s.cdtChildren.keys()].flatMap((p) => childLinkViolations(s, p));

/** The mdb_cte_at violations of one parent's child set. */
export function childLinkViolations(s: KernelState, parent: SlotAddr): Violation[] {
  const kids = s.cdtChildren.get(parent);
  if (kids === undefined) return [];
  const out: Violation[] = [];
  if (!s.ctes.has(parent)) out.push(violation("mdb_cte_at", `slot ${hex(parent)} is empty but the derivation tree still lists children under it`, { slot: parent }));
  for (const child of kids.keys()) out.push(...childLinkViolation(s, parent, child));
  return out;
}

/** mdb_cte_at for one link: if the tree lists `child` under `parent`, the child's slot holds a cap naming that parent. */
export function childLinkViolation(s: KernelState, parent: SlotAddr, child: SlotAddr): Violation[] {
  if (!s.cdtChildren.get(parent)?.has(child)) return [];
  const cte = s.ctes.get(child);
  if (cte?.parent === parent) return [];
  return [violation("mdb_cte_at", `the derivation tree lists slot ${hex(child)} under ${hex(parent)}, but that slot ${cte ? `has parent ${cte.parent === null ? "none" : hex(cte.parent)}` : "is empty"}`, { slot: child, parent, actualParent: cte?.parent ?? null })];
}

/**
 * capsim's count of caps per object (what isFinalCapability reads, so what decides whether a
 * delete finalises the object) equals the number of caps in slots that name the object.
 */
export const capCountMatches: Invariant = (s) => {
  const counted = new Map<number, number>();
  for (const cte of s.ctes.values()) {
    const addr = capObjectAddress(cte.cap);
    if (addr !== undefined) counted.set(addr, (counted.get(addr) ?? 0) + 1);
  }
  const out: Violation[] = [];
  const objects = new Set<number>([...counted.keys(), ...s.capCount.keys()]);
  for (const addr of objects) {
    const want = counted.get(addr) ?? 0;
    const have = s.capCount.get(addr as PhysAddr) ?? 0;
    if (want !== have) out.push(violation("cap_count", `${want} caps name the object at ${hex(addr)}, but the cap count says ${have}`, { object: addr, caps: want, count: have }));
  }
  return out;
};

/** Objects made from an untyped lie inside it. */
export const untypedChildrenInside: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [slot, cte] of s.ctes) {
    if (cte.cap.type !== "Untyped") continue;
    for (const child of s.cdtChildren.get(slot)?.keys() ?? []) out.push(...untypedChildViolations(s, slot, child));
  }
  return out;
};

/** untyped_children_inside for one child: if `parent` holds an untyped cap, the child's object lies inside it. */
export function untypedChildViolations(s: KernelState, parent: SlotAddr, child: SlotAddr): Violation[] {
  const u = s.ctes.get(parent)?.cap;
  const c = s.ctes.get(child)?.cap;
  if (u?.type !== "Untyped" || c === undefined || c.type === "Null" || c.type === "ASIDControl") return [];
  const lo = u.paddr;
  const hi = lo + pow2(u.sizeBits);
  const bits = objectSizeBitsOfCap(s.config.sizes, c) ?? 0;
  if (c.paddr >= lo && c.paddr + pow2(bits) <= hi) return [];
  return [violation("untyped_children_inside", `${c.type} at ${hex(c.paddr)} lies outside its untyped [${hex(lo)}, ${hex(hi)})`, { slot: child, capType: c.type, object: c.paddr, untypedSlot: parent, untypedBase: lo, untypedEnd: hi })];
}

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
    if (asids.length > 1) out.push(violation("valid_asid_map", `page directory ${hex(pd)} has ASIDs ${asids.join(", ")}`, { pd, asids: asids.join(",") }));
    if (s.objects.get(pd)?.type !== "PageDirectory") out.push(violation("valid_asid_map", `ASID ${asids[0]} names ${hex(pd)}, which is not a live page directory`, { asid: asids[0] ?? null, pd, found: s.objects.get(pd)?.type ?? null }));
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
      if (other !== undefined) out.push(violation("unique_table_refs", `page table ${hex(e.paddr)} is mapped at ${other} and ${here}`, { pt: e.paddr, pd, index: i, other }));
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
      if (e.kind === "Page" && !e.global) out.push(violation("kernel_mappings", `page directory ${hex(pd)} maps user memory at ${hex(i * 2 ** 20)}, above USER_TOP`, { pd, index: i, vaddr: i * 2 ** 20, frame: e.paddr }));
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
  for (const [pd, asids] of pdASIDs(s)) for (const a of asids) {
    const dir = s.objects.get(pd);
    if (dir?.type !== "PageDirectory") continue;
    for (const [i, w] of dir.entries.range(0, Math.floor(s.config.userTop / 2 ** 20))) {
      const e = decodePDE(w);
      const leaves: { vaddr: number; e: Entry }[] = [];
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
          out.push(violation("valid_vs_lookup", `ASID ${a} maps ${leaf.e.size} ${hex(leaf.e.paddr)} at ${hex(base)}, but no frame cap records it`, { asid: a, vaddr: base, frame: leaf.e.paddr, size: leaf.e.size }));
        }
      }
    }
  }
  return out;
};

/** Every TLB line agrees with the tables of the address space its hardware ASID belongs to. */
export const tlbConsistent: Invariant = (s) => {
  const out: Violation[] = [];
  // Most states have an empty TLB (it fills only on simulated accesses): skip the ASID map then.
  if (s.tlb.isEmpty) return out;
  const pds = pdASIDs(s);
  const pdOfASID = new Map<number, PhysAddr>();
  for (const [pd, asids] of pds) for (const a of asids) pdOfASID.set(a, pd);
  for (const [key, line] of s.tlb) {
    const tag = Math.floor(key / 2 ** 20);
    const vaddr = ((key % 2 ** 20) * 4096) as VirtAddr;
    let pd: PhysAddr | undefined;
    if (tag === GLOBAL_TLB_TAG) pd = s.globalPD ?? undefined;
    else {
      const a = s.hwASIDTable.get(tag as HWASID);
      pd = a === undefined ? undefined : pdOfASID.get(a);
    }
    if (pd === undefined) {
      out.push(violation("tlb_consistent", `a TLB line for ${hex(vaddr)} is tagged with hardware ASID ${tag}, which no address space holds`, { hwASID: tag, vaddr, pbase: line.pbase }));
      continue;
    }
    const r = resolve(s, pd, vaddr);
    if (!r.mapped || r.frame !== line.pbase || r.size !== line.size || r.rights !== line.rights) {
      out.push(violation("tlb_consistent", `the TLB line for ${hex(vaddr)} (hardware ASID ${tag}) says ${hex(line.pbase)} ${line.size} ${line.rights}; the tables say ${r.mapped ? `${hex(r.frame)} ${r.size} ${r.rights}` : "unmapped"}`, { hwASID: tag, vaddr, pbase: line.pbase, tableFrame: r.mapped ? r.frame : null }));
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
      if (back !== w) out.push(violation("descriptors_round_trip", `${o.type} ${hex(addr)}[${i}] holds ${hex(w)}, which re-encodes as ${hex(back)}`, { table: addr, index: i, word: w, reencoded: back }));
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
  if (global?.type !== "PageDirectory") return [violation("equal_kernel_mappings", `the global page directory ${hex(s.globalPD)} is missing`, { globalPD: s.globalPD })];
  const out: Violation[] = [];
  const first = Math.floor(s.config.userTop / 2 ** 20);
  for (const [addr, o] of s.objects) {
    if (o.type !== "PageDirectory" || addr === s.globalPD) continue;
    for (let i = first; i < 4096; i++) {
      if (i !== 4080 && o.entries.get(i) !== global.entries.get(i)) {
        out.push(violation("equal_kernel_mappings", `page directory ${hex(addr)} slot ${i} differs from the global directory's`, { pd: addr, index: i, word: o.entries.get(i) ?? 0, global: global.entries.get(i) ?? 0 }));
        break;
      }
    }
  }
  return out;
};

/** Every invariant, by name. */
export const INVARIANTS: Readonly<Record<string, Invariant>> = {
  valid_caps: validCaps,
  pspace_aligned: pspaceAligned,
  pspace_distinct: pspaceDistinct,
  valid_objs: validObjs,
  valid_mdb: cdtChildrenInsideParents,
  mdb_cte_at: mdbChildrenLinked,
  cap_count: capCountMatches,
  untyped_children_inside: untypedChildrenInside,
  valid_asid_map: validASIDMap,
  unique_table_refs: uniqueTableRefs,
  kernel_mappings: noUserMappingAboveUserTop,
  valid_vs_lookup: validVSLookup,
  tlb_consistent: tlbConsistent,
  descriptors_round_trip: descriptorsRoundTrip,
  equal_kernel_mappings: equalKernelMappings,
  caps_inside_slots: capsInsideSlots,
  valid_mapping_records: validMappingRecords,
};

/** Runs every invariant; returns all violations. */
export function checkAll(s: KernelState): Violation[] {
  return Object.values(INVARIANTS).flatMap((inv) => inv(s));
}
