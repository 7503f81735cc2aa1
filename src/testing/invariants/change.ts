import type { PhysAddr } from "../../model/addresses.ts";
import { PMap } from "../../model/pmap.ts";
import type { KernelObject, PTEWord } from "../../model/objects.ts";
import { changedObjects, entriesOf } from "../../kernel/store.ts";
import type { ArchName, CTE, KernelState, SlotAddr } from "../../model/state.ts";
import type { Invariant, Violation } from "./violation.ts";

/** One changed entry of a page directory or page table; a word is undefined where the entry (or the table) is absent. */
export interface ChangedEntry {
  readonly table: PhysAddr;
  readonly type: "PageDirectory" | "PageTable";
  readonly index: number;
  readonly before: number | undefined;
  readonly after: number | undefined;
}

/** One changed entry of an AArch64 VSpace or page table (64-bit descriptors), as ChangedEntry. */
export interface ChangedEntry64 {
  readonly table: PhysAddr;
  readonly type: "VSpace" | "PageTable64";
  readonly index: number;
  readonly before: PTEWord | undefined;
  readonly after: PTEWord | undefined;
}

/** A derivation-tree link (the tree lists `child` under `parent`, or the child's CTE names that parent) that may have changed. */
export type Link = readonly [parent: SlotAddr, child: SlotAddr];

const NO_ENTRIES = PMap.empty<number, number>();
const NO_CHILDREN = PMap.empty<SlotAddr, true>();
const NO_ENTRIES_64 = PMap.empty<number, PTEWord>();
const TABLE_TYPES = ["PageDirectory", "PageTable"] as const;
const TABLE_TYPES_64 = ["VSpace", "PageTable64"] as const;

/**
 * What one transition changed, worked out once for every invariant's delta check. Two
 * consecutive states share every unchanged part of their stores, so `PMap.changedKeys` finds
 * the changed slots and objects at about the cost of the change; the changed table entries and
 * derivation-tree links are derived from those on first use, for the invariants that read them.
 */
export class StateChange {
  /** the slots whose CTE differs */
  readonly ctes: readonly SlotAddr[];
  /** the objects that differ (created, destroyed or written, a table's entries included), in address order */
  readonly objects: readonly PhysAddr[];
  private liveCTEs: readonly (readonly [SlotAddr, CTE])[] | undefined;
  private liveObjects: readonly (readonly [PhysAddr, KernelObject])[] | undefined;
  private changedEntries: readonly ChangedEntry[] | undefined;
  private changedEntries64: readonly ChangedEntry64[] | undefined;
  private changedLinks: readonly Link[] | undefined;
  private changedChildSets: readonly SlotAddr[] | undefined;
  private asidTableChanged: boolean | undefined;

  constructor(
    readonly before: KernelState,
    readonly after: KernelState,
  ) {
    this.ctes = before.ctes.changedKeys(after.ctes);
    this.objects = changedObjects(before, after);
  }

  /** The changed slots that hold a cap after the transition, with their CTEs. */
  get cteEntries(): readonly (readonly [SlotAddr, CTE])[] {
    return (this.liveCTEs ??= held(this.ctes, this.after.ctes));
  }

  /** The changed objects that exist after the transition, with their records. */
  get objectEntries(): readonly (readonly [PhysAddr, KernelObject])[] {
    return (this.liveObjects ??= held(this.objects, this.after.objects));
  }

  /** The entries of page directories and page tables that differ, the tables' own creation and destruction included. */
  get entries(): readonly ChangedEntry[] {
    if (this.changedEntries !== undefined) return this.changedEntries;
    const out: ChangedEntry[] = [];
    for (const table of this.objects) {
      const a = this.before.objects.get(table);
      const b = this.after.objects.get(table);
      for (const type of TABLE_TYPES) {
        if (a?.type !== type && b?.type !== type) continue;
        const was = a?.type === type ? entriesOf(this.before, a) : NO_ENTRIES;
        const now = b?.type === type ? entriesOf(this.after, b) : NO_ENTRIES;
        for (const index of was.changedKeys(now))
          out.push({
            table,
            type,
            index,
            before: was.get(index),
            after: now.get(index),
          });
      }
    }
    return (this.changedEntries = out);
  }

  /** The entries of AArch64 VSpaces and page tables that differ (64-bit words), as `entries` for ARM32's. */
  get entries64(): readonly ChangedEntry64[] {
    if (this.changedEntries64 !== undefined) return this.changedEntries64;
    const out: ChangedEntry64[] = [];
    for (const table of this.objects) {
      const a = this.before.objects.get(table);
      const b = this.after.objects.get(table);
      for (const type of TABLE_TYPES_64) {
        if (a?.type !== type && b?.type !== type) continue;
        const was = a?.type === type ? entriesOf(this.before, a) : NO_ENTRIES_64;
        const now = b?.type === type ? entriesOf(this.after, b) : NO_ENTRIES_64;
        for (const index of was.changedKeys(now))
          out.push({ table, type, index, before: was.get(index), after: now.get(index) });
      }
    }
    return (this.changedEntries64 = out);
  }

  /** Whether the ASID table, or an ASID pool (which it may name), changed. */
  get asidTableTouched(): boolean {
    return (this.asidTableChanged ??=
      this.before.asidTable !== this.after.asidTable ||
      this.objects.some(
        (a) => this.before.objects.get(a)?.type === "ASIDPool" || this.after.objects.get(a)?.type === "ASIDPool",
      ));
  }

  /** The parents whose child sets differ. */
  get childSets(): readonly SlotAddr[] {
    return (this.changedChildSets ??= this.before.cdtChildren.changedKeys(this.after.cdtChildren));
  }

  /**
   * The links that may have changed, each once: those of changed child sets (never a whole
   * child set: an untyped may have thousands), and those from each changed slot to its parent
   * before and after (a child that left its parent without being unlinked shows only there).
   */
  get links(): readonly Link[] {
    if (this.changedLinks !== undefined) return this.changedLinks;
    const out: Link[] = [];
    const seen = new Set<string>();
    for (const p of this.childSets) {
      const was = this.before.cdtChildren.get(p) ?? NO_CHILDREN;
      const now = this.after.cdtChildren.get(p) ?? NO_CHILDREN;
      for (const c of was.changedKeys(now)) addLink(out, seen, p, c);
    }
    for (const slot of this.ctes) {
      const was = this.before.ctes.get(slot)?.parent;
      if (was !== undefined && was !== null) addLink(out, seen, was, slot);
      const now = this.after.ctes.get(slot)?.parent;
      if (now !== undefined && now !== null) addLink(out, seen, now, slot);
    }
    return (this.changedLinks = out);
  }
}

/** The keys among `keys` that `map` holds, with their values. */
function held<K extends number, V>(keys: readonly K[], map: PMap<K, V>): (readonly [K, V])[] {
  const out: (readonly [K, V])[] = [];
  for (const k of keys) {
    const v = map.get(k);
    if (v !== undefined) out.push([k, v]);
  }
  return out;
}

// Module-level rather than a closure in `links`: tsx wraps each named closure it creates at run
// time (keepNames), which costs more than the rest of a small step's check.
function addLink(out: Link[], seen: Set<string>, parent: SlotAddr, child: SlotAddr): void {
  const key = `${parent}:${child}`;
  if (seen.has(key)) return;
  seen.add(key);
  out.push([parent, child]);
}

/**
 * An invariant as its two checks, both built on one rule for a single item (a slot, an object,
 * a table entry, a link): `full` applies it to a whole state; `delta` applies it only where a
 * transition changed something, given that the state before held every invariant.
 */
export interface InvariantCheck {
  /** the l4v name (or capsim's, for capsim's own invariants) */
  readonly name: string;
  readonly full: Invariant;
  /** appends to `out` (one array for every invariant: a step's check allocates little) */
  readonly delta: (change: StateChange, out: Violation[]) => void;
  /**
   * the full check with the same verdicts, reusing what it found over the parts of the state
   * it saw before (foldCache.ts); absent where the full check is as cheap (checkAllCached then uses it)
   */
  readonly cached?: Invariant;
}

/** An invariant's two checks on one architecture. */
export type InvariantForm = Pick<InvariantCheck, "full" | "delta" | "cached">;

/**
 * An invariant whose rule is the architecture's (the paging structures, the ASID layout): each
 * check applies the form of the machine's architecture, as l4v states these per architecture.
 */
export function byArch(name: string, forms: Readonly<Record<ArchName, InvariantForm>>): InvariantCheck {
  const { aarch32, aarch64 } = forms;
  const cached32 = aarch32.cached ?? aarch32.full;
  const cached64 = aarch64.cached ?? aarch64.full;
  return {
    name,
    full: (s) => (s.config.arch === "aarch64" ? aarch64.full(s) : aarch32.full(s)),
    cached: (s) => (s.config.arch === "aarch64" ? cached64(s) : cached32(s)),
    delta: (c, out) => (c.after.config.arch === "aarch64" ? aarch64.delta(c, out) : aarch32.delta(c, out)),
  };
}
