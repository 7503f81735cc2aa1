import { hex, type ASID, type PhysAddr } from "../../model/addresses.ts";
import type { Cap, FrameSize } from "../../model/caps.ts";
import { MiB } from "../../model/constants.ts";
import { PMap } from "../../model/pmap.ts";
import type { KernelState } from "../../model/state.ts";
import { ASID_POOL_SIZE, decodePDE, decodePTE } from "../../arch/index.ts";
import { entriesOf } from "../../kernel/store.ts";
import { byArch, type InvariantCheck, type StateChange } from "./change.ts";
import { claimsIndex, type Claims } from "./claims.ts";
import { VALID_VS_LOOKUP_64 } from "./validVSLookup64.ts";
import { asidsOfPD, directoryLeaves, leafAt, tableLeaves, tableRefsOf32, userSlotsOf, type Leaf } from "./paging.ts";
import { violation, type Invariant, type Violation } from "./violation.ts";

/**
 * The frame caps' mapping records, keyed by ASID and virtual base: what valid_vs_lookup checks
 * a page against (claims.ts keeps the index per slot store).
 */
const claimKey = (a: number, vbase: number) => a * 2 ** 32 + vbase;
const claimOf = (frame: number, size: string) => `${frame}:${size}`;

function frameClaim(c: Cap | undefined): { key: number; what: string } | undefined {
  if (c?.type !== "Frame" || c.mapping === null) return undefined;
  // A record that is no ASID and 32-bit address claims nothing (valid_mapping_records reports it)
  // and would be no key: a negative ASID would make a negative one, which the index refuses.
  const { asid, vaddr } = c.mapping;
  if (!Number.isSafeInteger(asid) || asid < 0 || !Number.isSafeInteger(vaddr) || vaddr < 0 || vaddr >= 2 ** 32)
    return undefined;
  return {
    key: claimKey(c.mapping.asid, c.mapping.vaddr),
    what: claimOf(c.paddr, c.size),
  };
}

const claimsOf = claimsIndex(frameClaim);

/**
 * valid_vs_lookup for one page reachable through ASID `a`: a frame cap records that ASID,
 * virtual base, frame and size.
 */
export function leafClaimed(claims: Claims, a: ASID, leaf: Leaf): Violation | undefined {
  if ((claims.get(claimKey(a, leaf.vbase)) ?? []).includes(claimOf(leaf.frame, leaf.size))) return undefined;
  return violation(
    "valid_vs_lookup",
    `ASID ${a} maps ${leaf.size} ${hex(leaf.frame)} at ${hex(leaf.vbase)}, but no frame cap records it`,
    { asid: a, vaddr: leaf.vbase, frame: leaf.frame, size: leaf.size },
  );
}

type ASIDLeaf = { readonly a: ASID } & Leaf;

/** Adds `pages` as reached through each of `asids`. */
function reach(leaves: ASIDLeaf[], asids: readonly ASID[] | undefined, pages: readonly Leaf[]): void {
  for (const a of asids ?? []) for (const l of pages) leaves.push({ a, vbase: l.vbase, frame: l.frame, size: l.size });
}

/** Adds the one page mapped at `vaddr` as reached through each of `asids`. */
function reachPage(
  leaves: ASIDLeaf[],
  asids: readonly ASID[] | undefined,
  vaddr: number,
  frame: PhysAddr,
  size: FrameSize,
): void {
  for (const a of asids ?? []) leaves.push({ a, ...leafAt(vaddr, frame, size) });
}

/** The rule over `leaves`, each page reported once (a large page or supersection fills 16 entries). */
function checkLeaves(claims: Claims, leaves: Iterable<ASIDLeaf>, out: Violation[] = []): Violation[] {
  const reported = new Set<string>();
  for (const l of leaves) {
    const v = leafClaimed(claims, l.a, l);
    if (v === undefined) continue;
    const key = `${l.a}:${l.vbase}:${l.frame}:${l.size}`;
    if (reported.has(key)) continue;
    reported.add(key);
    out.push(v);
  }
  return out;
}

/**
 * l4v valid_vs_lookup, in the direction seL4 guarantees: every valid leaf reachable through an
 * ASID is claimed by a frame cap recording that ASID, that virtual address and that frame.
 */
const validVSLookup32: Invariant = (s) => {
  const leaves: ASIDLeaf[] = [];
  for (const [pd, asids] of asidsOfPD(s)) reach(leaves, asids, directoryLeaves(s, pd));
  return checkLeaves(claimsOf(s), leaves);
};

/** Whether ASID `l.a` still reaches exactly that page (a lost claim matters only while it does). */
function stillMapped(s: KernelState, l: ASIDLeaf): boolean {
  const pool = s.objects.get(s.asidTable.get(Math.floor(l.a / ASID_POOL_SIZE)) ?? (-1 as PhysAddr));
  const pd = pool?.type === "ASIDPool" ? pool.entries.get(l.a % ASID_POOL_SIZE) : undefined;
  const dir = pd === undefined ? undefined : s.objects.get(pd);
  if (dir?.type !== "PageDirectory") return false;
  const pde = decodePDE(entriesOf(s, dir).get(Math.floor(l.vbase / MiB)) ?? 0);
  if (pde.kind === "Page") return pde.paddr === l.frame && pde.size === l.size;
  if (pde.kind !== "Table") return false;
  const pt = s.objects.get(pde.paddr);
  if (pt?.type !== "PageTable") return false;
  const pte = decodePTE(entriesOf(s, pt).get(Math.floor(l.vbase / 4096) % 256) ?? 0);
  return pte.kind === "Page" && pte.paddr === l.frame && pte.size === l.size;
}

/**
 * The pages a transition may have left unclaimed: those its changed entries map (a table linked
 * in brings every page it maps), those of a directory that gained an ASID, and those whose frame
 * cap lost or changed its record (checked only if still mapped).
 */
function validVSLookupDelta(c: StateChange, out: Violation[]): void {
  const s = c.after;
  const userSlots = userSlotsOf(s);
  const asids = asidsOfPD(s);
  // Both indices are updated on every step, even when nothing here reads them: each is derived
  // from the previous state's, and a state without one would cost a rebuild from scratch.
  const claims = claimsOf(s, c);
  const links = tableRefsOf32(s, c);
  const leaves: ASIDLeaf[] = [];
  for (const e of c.entries) {
    if (e.after === undefined) continue;
    if (e.type === "PageDirectory") {
      if (e.index >= userSlots) continue;
      const pde = decodePDE(e.after);
      if (pde.kind === "Page") reachPage(leaves, asids.get(e.table), e.index * MiB, pde.paddr, pde.size);
      else if (pde.kind === "Table") reach(leaves, asids.get(e.table), tableLeaves(s, pde.paddr, e.index));
    } else {
      const pte = decodePTE(e.after);
      if (pte.kind !== "Page") continue;
      for (const link of links.get(e.table) ?? [])
        reachPage(leaves, asids.get(link.table), link.index * MiB + e.index * 4096, pte.paddr, pte.size);
    }
  }
  for (const [addr, o] of c.objectEntries) {
    if (o.type !== "ASIDPool") continue;
    const old = c.before.objects.get(addr);
    const oldEntries = old?.type === "ASIDPool" ? old.entries : PMap.empty<number, PhysAddr>();
    const poolIndex = [...s.asidTable].find(([, pool]) => pool === addr)?.[0];
    if (poolIndex === undefined) continue;
    for (const low of oldEntries.changedKeys(o.entries)) {
      const pd = o.entries.get(low);
      const a = (poolIndex * ASID_POOL_SIZE + low) as ASID;
      if (pd !== undefined) reach(leaves, [a], directoryLeaves(s, pd));
    }
  }
  for (const slot of c.ctes) {
    const was = c.before.ctes.get(slot)?.cap;
    if (was?.type !== "Frame" || was.mapping === null) continue;
    const lost: ASIDLeaf = {
      a: was.mapping.asid,
      vbase: was.mapping.vaddr,
      frame: was.paddr,
      size: was.size,
    };
    if (stillMapped(s, lost)) leaves.push(lost);
  }
  if (leaves.length > 0) checkLeaves(claims, leaves, out);
}

export const VALID_VS_LOOKUP: InvariantCheck = byArch("valid_vs_lookup", {
  aarch32: { full: validVSLookup32, delta: validVSLookupDelta },
  aarch64: VALID_VS_LOOKUP_64,
});

/** valid_vs_lookup in the form of the machine's architecture. */
export const validVSLookup: Invariant = VALID_VS_LOOKUP.full;
