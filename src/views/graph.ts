import { hex, type PhysAddr } from "../model/addresses.ts";
import type { Cap } from "../model/caps.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import { teachingOf } from "../arch/index.ts";
import { asidTableView } from "./asid.ts";
import { cnodeView, type CNodeView } from "./cspace.ts";
import { diffStates } from "./diff.ts";
import { capText } from "./text.ts";

/**
 * The object graph as data: kernel objects as nodes; a CNode's caps as edges to the objects they
 * name; a paging structure's valid entries as edges to the next table or the frame; an ASID
 * pool's ASIDs as edges to the VSpace roots. The objects boot made that no step touched (the
 * untyped caps, the boot image's frames) collapse into one node each, so a learner's own objects
 * stand out; what a step changed is marked.
 */

export type GraphEdgeKind = "cap" | "entry" | "asid";

export interface GraphNode {
  readonly id: string;
  /** the object's type, or the collapsed group's ("Untyped", "Frame") */
  readonly type: string;
  readonly label: string;
  /** the column of a left-to-right drawing: CSpace, other objects, roots, then each level of tables, frames */
  readonly column: number;
  /** created by the step */
  readonly changed: boolean;
  readonly paddr?: PhysAddr;
  /** a collapsed group: how many boot objects it stands for */
  readonly count?: number;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: GraphEdgeKind;
  readonly label: string;
  /** written by the step: a cap that appeared or changed, an entry, an ASID */
  readonly changed: boolean;
  /** a cap whose mapping record the tables no longer bear out */
  readonly stale: boolean;
}

export interface ObjectGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export interface GraphOptions {
  /** the state straight after boot: its untyped and frame objects no step touched are collapsed */
  readonly boot?: KernelState;
  /** the state before the step, whose changes are marked */
  readonly before?: KernelState;
  /** scenario names of the root CNode's slots */
  readonly names?: ReadonlyMap<string, number>;
}

/** The graph of what the CNode at `cnode` (the initial thread's CSpace root) reaches, and every VSpace. */
export function objectGraph(s: KernelState, cnode: PhysAddr, opts: GraphOptions = {}): ObjectGraph {
  const t = teachingOf(s.config);
  const diff = opts.before !== undefined ? diffStates(opts.before, s) : undefined;
  const created = new Set<number>((diff?.objects ?? []).filter((o) => o.change === "created").map((o) => o.paddr));
  const changedSlots = new Set<number>((diff?.slots ?? []).map((c) => c.slot));
  const changedEntries = new Set((diff?.entries ?? []).map((e) => `${e.table}:${e.index}`));
  const changedASIDs = new Set<number>((diff?.asids ?? []).map((a) => a.asid));
  // a boot object stays its own node when the step touched it: a cap to it or an entry mapping it changed
  const touched = new Set<number>();
  for (const c of diff?.slots ?? []) {
    const cap = s.ctes.get(c.slot)?.cap;
    if (cap !== undefined && cap.type !== "Untyped" && "paddr" in cap) touched.add(cap.paddr);
  }
  const frameColumn = 2 + (t.leafLevel - t.rootLevel) + 1;

  const nodes = new Map<string, GraphNode>();
  const groups = new Map<string, Set<number>>();
  const levelOf = new Map<number, number>();
  const columnOf = (type: string, paddr: number): number => {
    if (type === "CNode") return 0;
    if (type === "Untyped") return 1;
    if (type === "Frame") return frameColumn;
    const level = levelOf.get(paddr);
    if (level !== undefined) return 2 + level - t.rootLevel;
    return 1;
  };
  const group = (type: string, paddr: number): string => {
    const id = `boot-${type}`;
    const members = groups.get(id) ?? new Set<number>();
    members.add(paddr);
    groups.set(id, members);
    return id;
  };
  const add = (id: string, type: string, paddr: PhysAddr, changed: boolean): string => {
    if (!nodes.has(id))
      nodes.set(id, { id, type, label: `${type} @${hex(paddr)}`, column: columnOf(type, paddr), changed, paddr });
    return id;
  };
  /** The node of the object at `paddr`: boot's frames no step touched go into one group. */
  const nodeOf = (paddr: PhysAddr): string => {
    // an entry can map memory that is no object of the state (device memory a frame cap once named)
    const type = s.objects.get(paddr)?.type ?? "Frame";
    const fromBoot = opts.boot?.objects.get(paddr) !== undefined && !created.has(paddr) && !touched.has(paddr);
    if (fromBoot && type === "Frame") return group(type, paddr);
    return add(`o${paddr}`, type, paddr, created.has(paddr));
  };
  /**
   * An untyped cap's node: untyped memory is no object, so the cap is what names it. An untyped
   * cap just as boot left it (nothing retyped from it yet) goes into one group.
   */
  const untypedOf = (slot: SlotAddr, cap: Cap & { type: "Untyped" }): string => {
    const was = opts.boot?.ctes.get(slot)?.cap;
    if (was !== undefined && capText(was) === capText(cap) && !changedSlots.has(slot))
      return group("Untyped", cap.paddr);
    return add(`u${cap.paddr}`, "Untyped", cap.paddr, changedSlots.has(slot) && was === undefined);
  };

  // Edges to a collapsed group merge into one, counted.
  const edges = new Map<string, GraphEdge & { n: number }>();
  const edge = (e: GraphEdge) => {
    const toGroup = e.to.startsWith("boot-");
    const key = toGroup ? `${e.from}>${e.to}>${e.kind}` : `${e.from}>${e.to}>${e.kind}>${e.label}`;
    const had = edges.get(key);
    if (had === undefined) edges.set(key, { ...e, n: 1 });
    else edges.set(key, { ...had, n: had.n + 1, changed: had.changed || e.changed, stale: had.stale || e.stale });
  };

  // The paging structures first, so each table's column is its level.
  const roots = [...s.objects.values()].filter((o) => t.isRoot(o) && o.paddr !== s.globalPD).map((o) => o.paddr);
  const walked = new Set<number>();
  const visit = (table: PhysAddr, level: number, base: number) => {
    if (walked.has(table)) return;
    walked.add(table);
    levelOf.set(table, level);
    const from = nodeOf(table);
    const kernelFrom = level === t.rootLevel ? Math.ceil(s.config.userTop / 2 ** t.spanBits(level)) : Infinity;
    for (const l of t.links(s, table, level)) {
      if (l.index >= kernelFrom) continue;
      const va = base + l.vaddrOffset;
      if (l.kind === "Table") {
        const next = s.objects.get(l.paddr);
        if (next === undefined || !t.isPagingStructure(next)) continue;
        levelOf.set(l.paddr, level + 1);
        visit(l.paddr, level + 1, va);
      }
      edge({
        from,
        to: nodeOf(l.paddr),
        kind: "entry",
        label: `[${l.index}] ${hex(va)}`,
        changed: changedEntries.has(`${table}:${l.index}`),
        stale: false,
      });
    }
  };
  for (const root of roots) visit(root, t.rootLevel, 0);

  for (const pool of asidTableView(s)) {
    const from = nodeOf(pool.pool);
    for (const a of pool.asids)
      edge({
        from,
        to: nodeOf(a.root),
        kind: "asid",
        label: `ASID ${a.asid}`,
        changed: changedASIDs.has(a.asid),
        stale: false,
      });
  }

  const capLabel = (index: number, name: string | undefined, cap: Cap): string => {
    const rights = cap.type === "Frame" ? ` ${cap.vmRights.replace(/^VM/, "")}` : "";
    return `[${index}]${name !== undefined ? ` ${name}` : ""}${rights}`;
  };
  const cspace = (v: CNodeView) => {
    const from = nodeOf(v.paddr);
    for (const slot of v.used) {
      const c = slot.cap;
      if (!("paddr" in c)) continue;
      edge({
        from,
        to: c.type === "Untyped" ? untypedOf(slot.slot, c) : nodeOf(c.paddr),
        kind: "cap",
        label: capLabel(slot.index, slot.name, c),
        changed: changedSlots.has(slot.slot),
        stale: slot.stale !== undefined,
      });
      if (slot.cnode) cspace(slot.cnode);
    }
  };
  cspace(cnodeView(s, cnode, opts.names));

  for (const [id, members] of groups) {
    const type = id.slice("boot-".length);
    nodes.set(id, {
      id,
      type,
      label: `${members.size} boot ${type === "Frame" ? "frames" : "untyped objects"}`,
      column: columnOf(type, -1),
      changed: false,
      count: members.size,
    });
  }
  return {
    nodes: [...nodes.values()].sort((a, b) => a.column - b.column || (a.paddr ?? -1) - (b.paddr ?? -1)),
    edges: [...edges.values()].map(({ n, ...e }) =>
      n > 1 ? { ...e, label: `${n} ${e.kind === "cap" ? "caps" : e.kind === "entry" ? "entries" : "ASIDs"}` } : e,
    ),
  };
}
