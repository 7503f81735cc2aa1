import { hex, type ASID, type PhysAddr } from "../../model/addresses.ts";
import type { Cap } from "../../model/caps.ts";
import type { KernelState } from "../../model/state.ts";
import type { InvariantForm, StateChange } from "./change.ts";
import { claimsIndex, type Claims } from "./claims.ts";
import {
  pathOf,
  reachedSlot,
  rootOfASID,
  rootsWithASIDs,
  slotBits,
  tableRefsOf,
  walkFrom,
  type Reached,
} from "./paging64.ts";
import { violation, type Invariant, type Violation } from "./violation.ts";

/*
 * valid_vs_lookup on AArch64 (l4v AARCH64 ArchInvariants_AI: every object vs_lookup_target
 * reaches through an ASID in the user region has a cap naming exactly it whose vs_cap_ref is
 * that ASID and the address masked to the level of the slot that names it). The targets are
 * the VSpace an ASID names (its cap records the ASID), each page table (its cap records the
 * address of its slot, 2^39-, 2^30- or 2^21-aligned) and each page (its frame cap records the
 * page's base and size). The caps' records are indexed by recorded address.
 */

const claimText = (a: number, type: string, object: number, size: string) => `${a}:${type}:${object}:${size}`;

function capClaim(c: Cap | undefined): { key: number; what: string } | undefined {
  if (c?.type === "VSpace")
    return c.mappedASID === null ? undefined : { key: 0, what: claimText(c.mappedASID, "VSpace", c.paddr, "") };
  if ((c?.type !== "Frame" && c?.type !== "PageTable") || c.mapping === null) return undefined;
  // A record that is no address claims nothing (valid_mapping_records reports it) and would be no key.
  const { asid, vaddr } = c.mapping;
  if (!Number.isSafeInteger(vaddr) || vaddr < 0) return undefined;
  return { key: vaddr, what: claimText(asid, c.type, c.paddr, c.type === "Frame" ? c.size : "") };
}

const claimsOf = claimsIndex(capClaim);

/** valid_vs_lookup for a VSpace that ASID `a` names: a VSpace cap records that ASID. */
function rootClaimed(claims: Claims, a: ASID, root: PhysAddr): Violation | undefined {
  if ((claims.get(0) ?? []).includes(claimText(a, "VSpace", root, ""))) return undefined;
  return violation("valid_vs_lookup", `ASID ${a} names VSpace ${hex(root)}, but no VSpace cap records that ASID`, {
    asid: a,
    object: root,
  });
}

/** valid_vs_lookup for the object one reachable slot names: a cap records it at that ASID and address. */
function targetClaimed(claims: Claims, a: ASID, r: Reached): Violation | undefined {
  const e = r.entry;
  if (e.kind === "Invalid") return undefined;
  const what = e.kind === "Table" ? claimText(a, "PageTable", e.paddr, "") : claimText(a, "Frame", e.paddr, e.size);
  if ((claims.get(r.vref) ?? []).includes(what)) return undefined;
  const thing = e.kind === "Table" ? `a level-${r.level + 1} page table ${hex(e.paddr)}` : `${e.size} ${hex(e.paddr)}`;
  return violation(
    "valid_vs_lookup",
    `ASID ${a} reaches ${thing} at ${hex(r.vref)}, but no ${e.kind === "Table" ? "page-table" : "frame"} cap records it`,
    { asid: a, vaddr: r.vref, object: e.paddr, level: r.level },
  );
}

type Found = readonly [ASID, Reached];

/** The rule over what was found, each (ASID, slot) reported once. */
function checkFound(claims: Claims, found: Iterable<Found>, out: Violation[]): void {
  const seen = new Set<string>();
  for (const [a, r] of found) {
    const key = `${a}:${r.table}:${r.index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const v = targetClaimed(claims, a, r);
    if (v !== undefined) out.push(v);
  }
}

const validVSLookup64: Invariant = (s) => {
  const claims = claimsOf(s);
  const out: Violation[] = [];
  const found: Found[] = [];
  for (const [root, asids] of rootsWithASIDs(s)) {
    for (const a of asids) {
      const v = rootClaimed(claims, a, root);
      if (v !== undefined) out.push(v);
    }
    walkFrom(s, root, 0, 0, (r) => {
      for (const a of asids) found.push([a, r]);
    });
  }
  checkFound(claims, found, out);
  return out;
};

/** Where the walk of ASID `a` still reaches what a lost record named, if it does. */
function stillReached(s: KernelState, cap: Cap): Found | "root" | undefined {
  if (cap.type === "VSpace")
    return cap.mappedASID !== null && rootOfASID(s, cap.mappedASID) === cap.paddr ? "root" : undefined;
  if ((cap.type !== "Frame" && cap.type !== "PageTable") || cap.mapping === null) return undefined;
  const { asid, vaddr } = cap.mapping;
  const root = rootOfASID(s, asid);
  if (root === undefined || !Number.isSafeInteger(vaddr) || vaddr < 0 || vaddr > s.config.userTop) return undefined;
  for (const r of pathOf(s, root, vaddr)) {
    const e = r.entry;
    const named =
      cap.type === "PageTable"
        ? e.kind === "Table" && e.paddr === cap.paddr
        : e.kind === "Page" && e.paddr === cap.paddr && e.size === cap.size;
    if (named && vaddr % 2 ** slotBits(r.level) === 0) return [asid, r];
  }
  return undefined;
}

/**
 * What a transition may have left unclaimed: the objects its changed slots name (a table
 * linked in brings everything below it), and those whose cap lost or changed its record (checked
 * only while still reached). A change to the ASID table or a pool checks everything.
 */
function validVSLookup64Delta(c: StateChange, out: Violation[]): void {
  const s = c.after;
  // Both indices are updated on every step: each is derived from the previous state's.
  const claims = claimsOf(s, c);
  const refs = tableRefsOf(s, c);
  if (c.asidTableTouched) {
    out.push(...validVSLookup64(s));
    return;
  }
  const found: Found[] = [];
  for (const e of c.entries64) {
    if (e.after === undefined) continue;
    for (const { asids, at } of reachedSlot(s, refs, e.table, e.index, e.after)) {
      for (const a of asids) found.push([a, at]);
      if (at.entry.kind === "Table" && at.level < 3)
        walkFrom(s, at.entry.paddr, (at.level + 1) as Reached["level"], at.vref, (r) => {
          for (const a of asids) found.push([a, r]);
        });
    }
  }
  for (const slot of c.ctes) {
    const was = c.before.ctes.get(slot)?.cap;
    if (was === undefined) continue;
    const where = stillReached(s, was);
    if (where === "root" && was.type === "VSpace" && was.mappedASID !== null) {
      const v = rootClaimed(claims, was.mappedASID, was.paddr);
      if (v !== undefined) out.push(v);
    } else if (where !== undefined && where !== "root") found.push(where);
  }
  checkFound(claims, found, out);
}

export const VALID_VS_LOOKUP_64: InvariantForm = { full: validVSLookup64, delta: validVSLookup64Delta };
