import { hex, pow2, type ASID, type PhysAddr } from "../model/addresses.ts";
import { PMap } from "../model/pmap.ts";
import { sameRegionAs } from "../kernel/regions.ts";
import { capObjectAddress, type Cap } from "../model/caps.ts";
import { ASID_POOL_SIZE } from "../arch/index.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import { objectSizeBits } from "../kernel/store.ts";
import { FRAME_SIZE_BITS } from "../arch/index.ts";
import { decodePDE, decodePTE, encodePDE, encodePTE } from "../arch/index.ts";
import { capsInsideSlotsTouched } from "./capsInsideSlots.ts";
import { validMappingRecordsTouched } from "./mappingRecords.ts";
import { childLinkViolation, equalKernelMappings, INVARIANTS, tlbConsistent, uniqueTableRefs, validASIDMap, validASIDTable, validObject, untypedChildViolations, violation, type Violation } from "./invariants.ts";

/**
 * Incremental invariant checking: re-check only what a transition touched. Two consecutive
 * states share every unchanged part of their stores, so `PMap.changedKeys` finds the changed
 * objects, slots and table entries at about the cost of the change, and each invariant is
 * checked only there. Two small global ones (the ASID map, the TLB) are re-run whole when their
 * inputs changed; unique_table_refs is re-run whole only when a page table was linked in.
 */

/** Claims of frame caps, keyed by ASID and virtual base: what valid_vs_lookup needs, as a persistent index. */
type Claims = PMap<number, readonly string[]>;
const claimsCache = new WeakMap<object, Claims>();
const claimKey = (a: number, vbase: number) => a * 2 ** 32 + vbase;

function frameClaim(c: Cap | undefined): { key: number; what: string } | undefined {
  // A record that is no 32-bit address claims nothing (valid_mapping_records reports it), and would be no key.
  if (c?.type !== "Frame" || c.mapping === null || !(c.mapping.vaddr >= 0 && c.mapping.vaddr < 2 ** 32) || !Number.isSafeInteger(c.mapping.asid)) return undefined;
  return { key: claimKey(c.mapping.asid, c.mapping.vaddr), what: `${c.paddr}:${c.size}` };
}

function claimsOf(s: KernelState, from?: KernelState): Claims {
  const cached = claimsCache.get(s.ctes);
  if (cached) return cached;
  let claims: Claims;
  // Derive from the previous state's index (built once, then kept with that state's store).
  const base = from ? claimsOf(from) : undefined;
  if (from && base) {
    claims = base;
    for (const slot of from.ctes.changedKeys(s.ctes)) {
      const old = frameClaim(from.ctes.get(slot)?.cap);
      if (old) {
        const rest = [...(claims.get(old.key) ?? [])];
        rest.splice(rest.indexOf(old.what), 1);
        claims = rest.length ? claims.set(old.key, rest) : claims.delete(old.key);
      }
      const now = frameClaim(s.ctes.get(slot)?.cap);
      if (now) claims = claims.set(now.key, [...(claims.get(now.key) ?? []), now.what]);
    }
  } else {
    claims = PMap.empty();
    for (const cte of s.ctes.values()) {
      const c = frameClaim(cte.cap);
      if (c) claims = claims.set(c.key, [...(claims.get(c.key) ?? []), c.what]);
    }
  }
  claimsCache.set(s.ctes, claims);
  return claims;
}

/** Where each page table is linked in: page table -> (directory, slot), as a persistent index. */
type TableLinks = PMap<PhysAddr, { readonly pd: PhysAddr; readonly index: number }>;
const linksCache = new WeakMap<object, TableLinks>();

/** The links after directory `pd`'s slot `i` changed from word `before` to word `after`. */
function relink(links: TableLinks, pd: PhysAddr, i: number, before: number | undefined, after: number | undefined): TableLinks {
  const old = before === undefined ? undefined : decodePDE(before);
  if (old?.kind === "Table" && links.get(old.paddr)?.pd === pd && links.get(old.paddr)?.index === i) links = links.delete(old.paddr);
  const now = after === undefined ? undefined : decodePDE(after);
  return now?.kind === "Table" ? links.set(now.paddr, { pd, index: i }) : links;
}

function tableLinksOf(s: KernelState, from?: KernelState): TableLinks {
  const cached = linksCache.get(s.objects);
  if (cached) return cached;
  const userSlots = Math.floor(s.config.userTop / 2 ** 20);
  let links: TableLinks;
  if (from) {
    links = tableLinksOf(from);
    for (const addr of from.objects.changedKeys(s.objects)) {
      const a = from.objects.get(addr);
      const b = s.objects.get(addr);
      const ea = a?.type === "PageDirectory" ? a.entries : PMap.empty<number, number>();
      const eb = b?.type === "PageDirectory" ? b.entries : PMap.empty<number, number>();
      for (const i of ea.changedKeys(eb)) if (i < userSlots) links = relink(links, addr, i, ea.get(i), eb.get(i));
    }
  } else {
    links = PMap.empty();
    for (const [addr, o] of s.objects) {
      if (o.type !== "PageDirectory") continue;
      for (const [i, w] of o.entries.range(0, userSlots)) links = relink(links, addr, i, undefined, w);
    }
  }
  linksCache.set(s.objects, links);
  return links;
}

// Keyed by the ASID table; an entry holds while every pool it was built from is unchanged.
const asidOfPDCache = new WeakMap<object, { readonly pools: readonly unknown[]; readonly map: Map<PhysAddr, ASID> }>();

/** The ASID of each page directory that has one. */
function asidOfPD(s: KernelState): Map<PhysAddr, ASID> {
  const hit = asidOfPDCache.get(s.asidTable);
  if (hit !== undefined) {
    let i = 0;
    let same = true;
    for (const [, pool] of s.asidTable) if (s.objects.get(pool) !== hit.pools[i++]) same = false;
    if (same) return hit.map;
  }
  const m = new Map<PhysAddr, ASID>();
  const pools: unknown[] = [];
  for (const [index, pool] of s.asidTable) {
    const o = s.objects.get(pool);
    pools.push(o);
    if (o?.type === "ASIDPool") for (const [low, pd] of o.entries) m.set(pd, (index * ASID_POOL_SIZE + low) as ASID);
  }
  asidOfPDCache.set(s.asidTable, { pools, map: m });
  return m;
}

/** Check only the invariants and the places a transition could have broken. */
export function checkTouched(before: KernelState, after: KernelState): Violation[] {
  if (before === after) return [];
  const out: Violation[] = [];
  const changedCtes = before.ctes.changedKeys(after.ctes);
  const changedObjs = before.objects.changedKeys(after.objects);

  // valid_caps: the changed slots' caps name live objects of their type; no destroyed object is still named.
  for (const slot of changedCtes) {
    const c = after.ctes.get(slot)?.cap;
    const addr = c ? capObjectAddress(c) : undefined;
    if (c && addr !== undefined) {
      const o = after.objects.get(addr);
      if (o === undefined || o.type !== c.type) out.push(violation("valid_caps", `slot ${hex(slot)}: ${c.type} cap names ${o ? `a ${o.type}` : "nothing"} at ${hex(addr)}`, { slot, capType: c.type, object: addr, found: o?.type ?? null }));
    }
  }
  for (const addr of changedObjs) {
    if (!after.objects.has(addr) && (after.capCount.get(addr) ?? 0) > 0) out.push(violation("valid_caps", `the object at ${hex(addr)} was destroyed while caps still name it`, { object: addr, found: null }));
  }

  // valid_objs: the changed objects, and the ASID table when it changed.
  for (const addr of changedObjs) {
    const o = after.objects.get(addr);
    if (o) out.push(...validObject(addr, o));
  }
  if (before.asidTable !== after.asidTable || changedObjs.some((a) => before.objects.get(a)?.type === "ASIDPool")) out.push(...validASIDTable(after));

  // cap_count: the count's change per object equals the change in caps naming it (the count was right before).
  const countDelta = new Map<number, number>();
  for (const slot of changedCtes) {
    const a = before.ctes.get(slot)?.cap;
    const b = after.ctes.get(slot)?.cap;
    const aAddr = a ? capObjectAddress(a) : undefined;
    const bAddr = b ? capObjectAddress(b) : undefined;
    if (aAddr !== undefined) countDelta.set(aAddr, (countDelta.get(aAddr) ?? 0) - 1);
    if (bAddr !== undefined) countDelta.set(bAddr, (countDelta.get(bAddr) ?? 0) + 1);
  }
  for (const addr of before.capCount.changedKeys(after.capCount)) if (!countDelta.has(addr)) countDelta.set(addr, 0);
  for (const [addr, delta] of countDelta) {
    const was = before.capCount.get(addr as PhysAddr) ?? 0;
    const now = after.capCount.get(addr as PhysAddr) ?? 0;
    if (now - was !== delta) out.push(violation("cap_count", `${was + delta} caps name the object at ${hex(addr)}, but the cap count says ${now}`, { object: addr, caps: was + delta, count: now }));
  }

  // pspace_distinct / pspace_aligned: each new or changed object against its neighbours.
  for (const addr of changedObjs) {
    const o = after.objects.get(addr);
    if (!o) continue;
    const end = addr + pow2(objectSizeBits(after.config.sizes, o));
    if (addr % pow2(objectSizeBits(after.config.sizes, o)) !== 0) out.push(violation("pspace_aligned", `${o.type} at ${hex(addr)} is not aligned to 2^${objectSizeBits(after.config.sizes, o)}`, { object: addr, type: o.type, sizeBits: objectSizeBits(after.config.sizes, o) }));
    const prev = after.objects.floor(addr - 1);
    if (prev && prev[0] + pow2(objectSizeBits(after.config.sizes, prev[1])) > addr) out.push(violation("pspace_distinct", `${o.type} at ${hex(addr)} overlaps ${prev[1].type} at ${hex(prev[0])}`, { object: addr, type: o.type, other: prev[0], otherType: prev[1].type }));
    for (const [next, n] of after.objects.range(addr + 1, end)) out.push(violation("pspace_distinct", `${n.type} at ${hex(next)} overlaps ${o.type} at ${hex(addr)}`, { object: next, type: n.type, other: addr, otherType: o.type }));
  }

  // valid_mdb and untyped_children_inside: changed slots against their parents, and the
  // changed links of changed child sets (never a whole child set: an untyped may have thousands).
  const changedLinks: [parent: SlotAddr, child: SlotAddr][] = [];
  for (const p of before.cdtChildren.changedKeys(after.cdtChildren)) {
    const was = before.cdtChildren.get(p) ?? PMap.empty<SlotAddr, true>();
    const now = after.cdtChildren.get(p) ?? PMap.empty<SlotAddr, true>();
    for (const c of was.changedKeys(now)) changedLinks.push([p, c]);
    if (now.size > 0 && !after.ctes.has(p)) out.push(violation("mdb_cte_at", `slot ${hex(p)} is empty but the derivation tree still lists children under it`, { slot: p }));
  }
  for (const slot of changedCtes) {
    const cte = after.ctes.get(slot);
    const was = before.ctes.get(slot)?.parent;
    // A child that left its parent without being unlinked; a parent emptied with its children still listed.
    if (was !== undefined && was !== null) changedLinks.push([was, slot]);
    if (!cte) {
      if ((after.cdtChildren.get(slot)?.size ?? 0) > 0) out.push(violation("mdb_cte_at", `slot ${hex(slot)} is empty but the derivation tree still lists children under it`, { slot }));
      continue;
    }
    const u = cte.cap;
    const b = before.ctes.get(slot)?.cap;
    // An untyped cap whose range changed (never in seL4; a broken transition could) re-checks its children.
    if (u.type === "Untyped" && (b?.type !== "Untyped" || b.paddr !== u.paddr || b.sizeBits !== u.sizeBits)) {
      for (const child of after.cdtChildren.get(slot)?.keys() ?? []) out.push(...untypedChildViolations(after, slot, child));
    }
    if (cte.parent === null) continue;
    changedLinks.push([cte.parent, slot]);
    const parent = after.ctes.get(cte.parent);
    if (parent === undefined) out.push(violation("valid_mdb", `slot ${hex(slot)}'s parent ${hex(cte.parent)} is empty`, { slot, parent: cte.parent }));
    else if (!sameRegionAs(after.config.sizes, parent.cap, cte.cap) && !(parent.cap.type === "Untyped" && cte.cap.type === "ASIDPool")) out.push(violation("valid_mdb", `slot ${hex(slot)} (${cte.cap.type}) is not inside its parent ${parent.cap.type} at ${hex(cte.parent)}`, { slot, capType: cte.cap.type, parent: cte.parent, parentType: parent.cap.type }));
    else if (!after.cdtChildren.get(cte.parent)?.has(slot)) out.push(violation("valid_mdb", `slot ${hex(slot)} is missing from its parent's child set`, { slot, parent: cte.parent }));
  }
  const seenLinks = new Set<string>();
  for (const [p, c] of changedLinks) {
    const key = `${p}:${c}`;
    if (seenLinks.has(key)) continue;
    seenLinks.add(key);
    out.push(...childLinkViolation(after, p, c));
    if (after.cdtChildren.get(p)?.has(c)) out.push(...untypedChildViolations(after, p, c));
  }

  // Paging structures: only their changed entries.
  const userSlots = Math.floor(after.config.userTop / 2 ** 20);
  const pdASID = asidOfPD(after);
  const claims = claimsOf(after, before);
  const links = tableLinksOf(after, before);
  let linkedTable = false;
  const leafChecks: { a: ASID; vbase: number; frame: number; size: string }[] = [];
  for (const addr of changedObjs) {
    const o = after.objects.get(addr);
    const old = before.objects.get(addr);
    if (o?.type !== "PageDirectory" && o?.type !== "PageTable") continue;
    const oldEntries = old?.type === o.type ? old.entries : PMap.empty<number, number>();
    for (const i of oldEntries.changedKeys(o.entries)) {
      const w = o.entries.get(i);
      if (w === undefined) continue;
      const pde = o.type === "PageDirectory" ? decodePDE(w) : undefined;
      const e = pde ?? decodePTE(w);
      const back = pde !== undefined ? encodePDE(pde) : encodePTE(decodePTE(w));
      if (back !== w) out.push(violation("descriptors_round_trip", `${o.type} ${hex(addr)}[${i}] holds ${hex(w)}, which re-encodes as ${hex(back)}`, { table: addr, index: i, word: w, reencoded: back }));
      if (o.type === "PageDirectory") {
        if (i >= userSlots && e.kind === "Page" && !e.global) out.push(violation("kernel_mappings", `page directory ${hex(addr)} maps user memory at ${hex(i * 2 ** 20)}, above USER_TOP`, { pd: addr, index: i, vaddr: i * 2 ** 20, frame: e.paddr }));
        if (i < userSlots && e.kind === "Table") linkedTable = true;
        const a = pdASID.get(addr);
        if (a !== undefined && i < userSlots && e.kind === "Page") leafChecks.push({ a, vbase: (i - (i % (e.size === "SuperSection" ? 16 : 1))) * 2 ** 20, frame: e.paddr, size: e.size });
        // A table linked in brings every page it already maps into this address space.
        if (a !== undefined && i < userSlots && e.kind === "Table") leafChecks.push(...tableLeaves(after, e.paddr, i).map((l) => ({ a, ...l })));
      } else if (e.kind === "Page") {
        const link = links.get(addr);
        const a = link ? pdASID.get(link.pd) : undefined;
        if (link && a !== undefined) {
          const v = link.index * 2 ** 20 + i * 4096;
          leafChecks.push({ a, vbase: v - (v % pow2(FRAME_SIZE_BITS[e.size])), frame: e.paddr, size: e.size });
        }
      }
    }
  }
  // A directory that gained an ASID brings all its pages into reach through that ASID.
  for (const addr of changedObjs) {
    const o = after.objects.get(addr);
    const old = before.objects.get(addr);
    if (o?.type !== "ASIDPool") continue;
    const oldEntries = old?.type === "ASIDPool" ? old.entries : PMap.empty<number, PhysAddr>();
    const poolIndex = [...after.asidTable].find(([, pool]) => pool === addr)?.[0];
    if (poolIndex === undefined) continue;
    for (const low of oldEntries.changedKeys(o.entries)) {
      const pd = o.entries.get(low);
      const a = (poolIndex * ASID_POOL_SIZE + low) as ASID;
      if (pd !== undefined) leafChecks.push(...directoryLeaves(after, pd, userSlots).map((l) => ({ a, ...l })));
    }
  }
  // A frame cap that lost or changed its record may leave an entry nobody claims.
  for (const slot of changedCtes) {
    const was = before.ctes.get(slot)?.cap;
    if (was?.type === "Frame" && was.mapping !== null) leafChecks.push({ a: was.mapping.asid, vbase: was.mapping.vaddr, frame: was.paddr, size: was.size });
  }
  for (const l of leafChecks) {
    if ((claims.get(claimKey(l.a, l.vbase)) ?? []).includes(`${l.frame}:${l.size}`)) continue;
    if (!stillMapped(after, l)) continue;
    out.push(violation("valid_vs_lookup", `ASID ${l.a} maps ${l.size} ${hex(l.frame)} at ${hex(l.vbase)}, but no frame cap records it`, { asid: l.a, vaddr: l.vbase, frame: l.frame, size: l.size }));
  }

  out.push(...capsInsideSlotsTouched(before, after, changedCtes, changedObjs), ...validMappingRecordsTouched(after, changedCtes));
  if (linkedTable) out.push(...uniqueTableRefs(after));
  if (before.asidTable !== after.asidTable || changedObjs.some((a) => after.objects.get(a)?.type === "ASIDPool" || before.objects.get(a)?.type === "ASIDPool")) out.push(...validASIDMap(after));
  if (before.tlb !== after.tlb || changedObjs.length > 0 || before.hwASIDTable !== after.hwASIDTable) out.push(...tlbConsistent(after));
  const globalPD = after.globalPD;
  if (globalPD !== null && (before.globalPD !== globalPD || changedObjs.some((a) => after.objects.get(a)?.type === "PageDirectory"))) {
    // Only the changed directories need comparing with the global one.
    let changed = PMap.empty<PhysAddr, NonNullable<ReturnType<typeof after.objects.get>>>();
    for (const a of [...changedObjs, globalPD]) {
      const o = after.objects.get(a);
      if (o) changed = changed.set(a, o);
    }
    out.push(...equalKernelMappings({ ...after, objects: changed }));
  }
  return out;
}

type Leaf = { vbase: number; frame: number; size: string };

/** The pages a page table maps, at the addresses they have when it sits in directory slot `pdIndex`. */
function tableLeaves(s: KernelState, pt: PhysAddr, pdIndex: number): Leaf[] {
  const t = s.objects.get(pt);
  if (t?.type !== "PageTable") return [];
  const out: Leaf[] = [];
  for (const [j, w] of t.entries) {
    const e = decodePTE(w);
    if (e.kind !== "Page") continue;
    const v = pdIndex * 2 ** 20 + j * 4096;
    out.push({ vbase: v - (v % pow2(FRAME_SIZE_BITS[e.size])), frame: e.paddr, size: e.size });
  }
  return out;
}

/** Every page a directory maps below USER_TOP, directly or through its page tables. */
function directoryLeaves(s: KernelState, pd: PhysAddr, userSlots: number): Leaf[] {
  const d = s.objects.get(pd);
  if (d?.type !== "PageDirectory") return [];
  const out: Leaf[] = [];
  for (const [i, w] of d.entries.range(0, userSlots)) {
    const e = decodePDE(w);
    if (e.kind === "Page") out.push({ vbase: (i - (i % (e.size === "SuperSection" ? 16 : 1))) * 2 ** 20, frame: e.paddr, size: e.size });
    else if (e.kind === "Table") out.push(...tableLeaves(s, e.paddr, i));
  }
  return out;
}

function stillMapped(s: KernelState, l: { a: ASID; vbase: number; frame: number; size: string }): boolean {
  const pool = s.objects.get(s.asidTable.get(Math.floor(l.a / ASID_POOL_SIZE)) ?? (-1 as PhysAddr));
  const pd = pool?.type === "ASIDPool" ? pool.entries.get(l.a % ASID_POOL_SIZE) : undefined;
  const dir = pd === undefined ? undefined : s.objects.get(pd);
  if (dir?.type !== "PageDirectory") return false;
  const pde = decodePDE(dir.entries.get(Math.floor(l.vbase / 2 ** 20)) ?? 0);
  if (pde.kind === "Page") return pde.paddr === l.frame && pde.size === l.size;
  if (pde.kind !== "Table") return false;
  const pt = s.objects.get(pde.paddr);
  if (pt?.type !== "PageTable") return false;
  const pte = decodePTE(pt.entries.get(Math.floor(l.vbase / 4096) % 256) ?? 0);
  return pte.kind === "Page" && pte.paddr === l.frame && pte.size === l.size;
}

/** The names of the invariants (all of them are covered by checkTouched). */
export function touchedInvariants(before: KernelState, after: KernelState): string[] {
  return before === after ? [] : Object.keys(INVARIANTS);
}
