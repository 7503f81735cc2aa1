import { hex, type PhysAddr } from "../model/addresses.ts";
import type { Cap } from "../model/caps.ts";
import { capText } from "./text.ts";
import { TCB_SLOTS } from "../model/constants.ts";
import type { CTE, KernelState, SlotAddr } from "../model/state.ts";
import { slotAddress, slotIndex } from "../kernel/cspace.ts";
import { childrenOf, hasChildren } from "../kernel/cdt.ts";
import { staleMapping } from "./vspace.ts";

/**
 * The CSpace views: a CNode's slots (only the 2^radix it has), nested CNodes, where a slot lives,
 * and the capability derivation tree. Plain JSON-able data.
 */

/** Where a slot lives: slot `index` of the CNode at `container`, or one of a TCB's own slots. */
export interface SlotPlace {
  readonly container: PhysAddr;
  readonly kind: "CNode" | "TCB";
  readonly index: number;
  /** a TCB slot's seL4 name (tcbCTable, tcbVTable, ...) */
  readonly name?: string;
}

const TCB_SLOT_NAMES = Object.entries(TCB_SLOTS);

/** The CNode or TCB a slot address belongs to, or undefined when none holds it. */
export function placeOfSlot(s: KernelState, slot: SlotAddr): SlotPlace | undefined {
  const below = s.objects.floor(slot);
  if (below === undefined) return undefined;
  const [paddr, o] = below;
  const index = slotIndex(s, paddr, slot);
  if (o.type === "CNode" && index < 2 ** o.radixBits) return { container: paddr, kind: "CNode", index };
  if (o.type === "TCB") {
    const name = TCB_SLOT_NAMES.find(([, i]) => i === index)?.[0];
    if (name !== undefined) return { container: paddr, kind: "TCB", index, name };
  }
  return undefined;
}

/** The children of a slot nothing was derived from: one frozen list for all of them. */
const NO_CHILDREN: readonly SlotAddr[] = Object.freeze([]);

/** One used slot of a CNode. */
export interface SlotView {
  readonly index: number;
  readonly slot: SlotAddr;
  /** the scenario's name for it, when the caller gave names */
  readonly name?: string;
  readonly cap: Cap;
  readonly text: string;
  /** seL4's MDB revocable bit: made by Retype or boot, not a copy */
  readonly original: boolean;
  /** the slot of the cap it was derived from */
  readonly parent: SlotAddr | null;
  readonly children: readonly SlotAddr[];
  /** why the cap's mapping record no longer matches the tables, when it does not */
  readonly stale?: string;
  /** the CNode this cap names, expanded (each CNode once) */
  readonly cnode?: CNodeView;
}

/** A CNode: how many slots it has and the ones in use. */
export interface CNodeView {
  readonly paddr: PhysAddr;
  readonly radixBits: number;
  readonly slotCount: number;
  readonly used: readonly SlotView[];
}

/** A CNode as walkCNode enters it. */
export interface WalkedCNode {
  readonly paddr: PhysAddr;
  /** 0 when the address holds no CNode (then it has no slots to walk) */
  readonly radixBits: number;
  readonly isCNode: boolean;
  /** how many of its slots are in use (counted on request: a second pass over them) */
  usedCount(): number;
}

/** One used slot as walkCNode visits it. */
export interface WalkedSlot {
  readonly index: number;
  readonly slot: SlotAddr;
  readonly cte: CTE;
  /** the caller's name for it (the root CNode's slots only) */
  readonly name: string | undefined;
  /** why the cap's mapping record no longer matches the tables, when it does not */
  readonly stale: string | undefined;
}

/**
 * What walkCNode calls, in listing order: `enter` for each CNode before its slots (the root's
 * first, `depth` 0), `slot` for each used slot, then, when that slot's cap names a CNode not yet
 * walked, that CNode's enter, slots and `leave`, before the next slot.
 */
export interface CNodeVisitor {
  enter(c: WalkedCNode, depth: number): void;
  slot(v: WalkedSlot, depth: number): void;
  leave(c: WalkedCNode, depth: number): void;
}

/**
 * Walks the CNode at `cnode`: its used slots in index order, only its 2^radix real slots (never
 * the slots of an object that happens to lie after it), and each CNode a cap names once.
 * `byIndex` names slots of the root CNode. cnodeView builds its view from this walk, show its lines.
 */
export function walkCNode(
  s: KernelState,
  cnode: PhysAddr,
  byIndex: ReadonlyMap<number, string>,
  visitor: CNodeVisitor,
  seen: Set<PhysAddr> = new Set(),
  depth = 0,
): void {
  seen.add(cnode);
  const o = s.objects.get(cnode);
  const isCNode = o?.type === "CNode";
  const radixBits = isCNode ? o.radixBits : 0;
  const end = slotAddress(s, cnode, 2 ** radixBits);
  const walked: WalkedCNode = {
    paddr: cnode,
    radixBits,
    isCNode,
    usedCount: () => {
      let used = 0;
      if (isCNode) for (const _ of s.ctes.range(cnode, end)) used++;
      return used;
    },
  };
  visitor.enter(walked, depth);
  if (isCNode)
    for (const [slot, cte] of s.ctes.range(cnode, end)) {
      const index = slotIndex(s, cnode, slot);
      visitor.slot({ index, slot, cte, name: byIndex.get(index), stale: staleMapping(s, cte.cap) }, depth);
      const cap = cte.cap;
      if (cap.type === "CNode" && !seen.has(cap.paddr)) walkCNode(s, cap.paddr, NO_NAMES, visitor, seen, depth + 1);
    }
  visitor.leave(walked, depth);
}

const NO_NAMES: ReadonlyMap<number, string> = new Map();

/**
 * The CNode at `cnode` with its used slots, in index order, and the CNodes its caps name, each
 * expanded once. Only the CNode's 2^radix slots are listed, never the slots of an object that
 * happens to lie after it. `names` maps a name to a slot index of this (the root) CNode.
 */
export function cnodeView(s: KernelState, cnode: PhysAddr, names: ReadonlyMap<string, number> = new Map()): CNodeView {
  // One list of used slots per CNode being walked; a nested CNode's view goes onto the slot that named it.
  const open: SlotView[][] = [];
  let done: CNodeView | undefined;
  walkCNode(s, cnode, namesByIndex(names), {
    enter: () => void open.push([]),
    slot: ({ index, slot, cte, name, stale }) => {
      const cap = cte.cap;
      const text = capText(cap);
      // Most caps have no name, no stale record, no CNode and nothing derived from them: one literal, one shared empty list.
      const children = hasChildren(s, slot) ? childrenOf(s, slot) : NO_CHILDREN;
      const { original, parent } = cte;
      open[open.length - 1]?.push(
        name === undefined && stale === undefined
          ? { index, slot, cap, text, original, parent, children }
          : {
              index,
              slot,
              ...(name !== undefined ? { name } : {}),
              cap,
              text,
              original,
              parent,
              children,
              ...(stale !== undefined ? { stale } : {}),
            },
      );
    },
    leave: (c) => {
      const view: CNodeView = {
        paddr: c.paddr,
        radixBits: c.radixBits,
        slotCount: 2 ** c.radixBits,
        used: open.pop() ?? [],
      };
      const outer = open[open.length - 1];
      const naming = outer?.[outer.length - 1];
      if (outer === undefined || naming === undefined) done = view;
      else outer[outer.length - 1] = { ...naming, cnode: view };
    },
  });
  return done ?? { paddr: cnode, radixBits: 0, slotCount: 1, used: [] };
}

/** Where a slot is, short: `[index]` in a CNode, `TCB tcbCTable` for a TCB's own slot, else its address. */
export function placeText(place: SlotPlace | undefined, slot: SlotAddr): string {
  if (place === undefined) return `@${hex(slot)}`;
  return place.kind === "CNode" ? `[${place.index}]` : `TCB ${place.name ?? place.index}`;
}

/** Every slot a CNode view lists, nested CNodes' included, with its view, in listing order. */
export function listedSlots(v: CNodeView, into = new Map<SlotAddr, SlotView>()): Map<SlotAddr, SlotView> {
  for (const x of v.used) {
    into.set(x.slot, x);
    if (x.cnode) listedSlots(x.cnode, into);
  }
  return into;
}

/**
 * The roots of the derivation trees in a set of slots: each of `candidates` whose cap was derived
 * from nothing the set holds (`listed`) and has something derived from it, in the candidates'
 * order. The candidates may be the whole set, or only its slots with children.
 */
export function cdtRoots(
  s: KernelState,
  candidates: Iterable<SlotAddr>,
  listed: { has(slot: SlotAddr): boolean },
): SlotAddr[] {
  const out: SlotAddr[] = [];
  for (const slot of candidates) {
    const cte = s.ctes.get(slot);
    if (cte === undefined || (cte.parent !== null && listed.has(cte.parent))) continue;
    if (hasChildren(s, slot)) out.push(slot);
  }
  return out;
}

/** A scenario's slot names by slot index, the first name of an index winning, as listings show them. */
export function namesByIndex(names: ReadonlyMap<string, number>): Map<number, string> {
  const byIndex = new Map<number, string>();
  for (const [n, i] of names) if (!byIndex.has(i)) byIndex.set(i, n);
  return byIndex;
}

/**
 * The derivation trees rooted in a CSpace: every cap of the CNode (and the CNodes it names) that
 * was derived from nothing there and has something derived from it, each with its subtree.
 */
export function cdtForest(s: KernelState, v: CNodeView): CDTNode[] {
  const listed = listedSlots(v);
  return cdtRoots(s, listed.keys(), listed).map((slot) => cdtView(s, slot));
}

/** The text of the cap in `slot`, or "empty". */
export function slotText(s: KernelState, slot: SlotAddr): string {
  const cte = s.ctes.get(slot);
  return cte !== undefined ? capText(cte.cap) : "empty";
}

/** A node of the derivation tree: a cap, where it lives and what was derived from it. */
export interface CDTNode {
  readonly slot: SlotAddr;
  readonly place?: SlotPlace;
  readonly text: string;
  readonly children: readonly CDTNode[];
}

/** The derivation subtree under `slot`: what revoking it would delete, with the cap itself at the root. */
export function cdtView(s: KernelState, slot: SlotAddr): CDTNode {
  const place = placeOfSlot(s, slot);
  return {
    slot,
    ...(place !== undefined ? { place } : {}),
    text: slotText(s, slot),
    children: childrenOf(s, slot).map((c) => cdtView(s, c)),
  };
}
