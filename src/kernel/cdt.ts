import { hex } from "../model/addresses.ts";
import { PMap } from "../model/pmap.ts";
import type { CTE, KernelState, MDBPosition, SlotAddr } from "../model/state.ts";
import type { MutableState } from "../model/transition.ts";
import { isCapRevocable, isMDBParentOf } from "./regions.ts";
import { capObjectAddress, NULL_CAP, type Cap } from "../model/caps.ts";

/**
 * The capability derivation tree (seL4's mapping database, l4v's `cdt`), kept as explicit
 * parent links in each CTE plus a child index, so that "has children", "descendants" and
 * "is this the last cap to its object" are each O(depth) instead of a walk of the MDB list.
 *
 * These are the raw slot operations that every higher operation (Copy, Move, Retype, Delete,
 * Revoke) is built from. None of them finalises anything: that is `delete.ts`'s job.
 */

/** The CTE at `slot`, or undefined when the slot holds the null cap. */
export function getCTE(s: KernelState, slot: SlotAddr): CTE | undefined {
  return s.ctes.get(slot);
}

/** The cap at `slot` (the null cap for an empty slot). */
export function getCap(s: KernelState, slot: SlotAddr): Cap {
  return s.ctes.get(slot)?.cap ?? NULL_CAP;
}

/** Whether the slot is empty (seL4's ensureEmptySlot test). */
export function isSlotEmpty(s: KernelState, slot: SlotAddr): boolean {
  return !s.ctes.has(slot);
}

/** The slots directly derived from `slot`, in slot-address order. */
export function childrenOf(s: KernelState, slot: SlotAddr): SlotAddr[] {
  return [...(s.cdtChildren.get(slot)?.keys() ?? [])];
}

/**
 * The set of slots directly derived from `slot` as the state keeps it (undefined when there are
 * none): for Retype's decode, which tests it for children and hands it to perform to add to.
 */
export function childSetOf(s: KernelState, slot: SlotAddr): PMap<SlotAddr, true> | undefined {
  return s.cdtChildren.get(slot);
}

/** Whether any cap was derived from the one in `slot` (seL4's ensureNoChildren test). */
export function hasChildren(s: KernelState, slot: SlotAddr): boolean {
  const c = s.cdtChildren.get(slot);
  return c !== undefined && c.size > 0;
}

/** Every slot derived from `slot`, directly or not, parents before their children. */
export function descendantsOf(s: KernelState, slot: SlotAddr): SlotAddr[] {
  const out: SlotAddr[] = [];
  const stack = childrenOf(s, slot).reverse();
  while (stack.length > 0) {
    const next = stack.pop() as SlotAddr;
    out.push(next);
    stack.push(...childrenOf(s, next).reverse());
  }
  return out;
}

/**
 * seL4's isFinalCapability: no other cap names the same object. Untyped caps and the ASID
 * control cap name no object and are always final.
 */
export function isFinalCapability(s: KernelState, slot: SlotAddr): boolean {
  const addr = capObjectAddress(getCap(s, slot));
  return addr === undefined || (s.capCount.get(addr) ?? 0) <= 1;
}

function countCap(s: MutableState, cap: Cap, delta: number): void {
  const addr = capObjectAddress(cap);
  if (addr === undefined) return;
  const n = (s.capCount.get(addr) ?? 0) + delta;
  s.capCount = n === 0 ? s.capCount.delete(addr) : s.capCount.set(addr, n);
}

function linkChild(s: MutableState, parent: SlotAddr | null, child: SlotAddr): void {
  if (parent === null) return;
  s.cdtChildren = s.cdtChildren.set(
    parent,
    (s.cdtChildren.get(parent) ?? PMap.empty<SlotAddr, true>()).set(child, true),
  );
}

function unlinkChild(s: MutableState, parent: SlotAddr | null, child: SlotAddr): void {
  if (parent === null) return;
  const set = s.cdtChildren.get(parent);
  if (set === undefined) return;
  const rest = set.delete(child);
  s.cdtChildren = rest.size === 0 ? s.cdtChildren.delete(parent) : s.cdtChildren.set(parent, rest);
}

/** Replaces the cap in an occupied slot, keeping its place in the tree (seL4 writes cte->cap). */
export function updateCap(s: MutableState, slot: SlotAddr, cap: Cap): void {
  const cte = s.ctes.get(slot);
  if (cte === undefined) throw new Error(`capsim internal error: updateCap on empty slot ${hex(slot)}`);
  replaceCap(s, slot, cte, cap);
}

/**
 * updateCap when the caller already holds the slot's CTE, read from this very draft (decode's
 * lookup of the invoked cap, handed to a perform whose first change is this one): one trie read
 * fewer on the hot path.
 */
export function replaceCap(s: MutableState, slot: SlotAddr, cte: CTE, cap: Cap): void {
  // Rewriting a cap in place (a mapping record, a free index) rarely changes which object it names.
  if (capObjectAddress(cte.cap) !== capObjectAddress(cap)) {
    countCap(s, cte.cap, -1);
    countCap(s, cap, +1);
  }
  s.ctes = s.ctes.set(slot, {
    cap,
    parent: cte.parent,
    original: cte.original,
    position: cte.position,
  });
}

/**
 * Puts `cap` into the empty slot `dest` with an explicit parent (or none) and original bit,
 * placed in the MDB list right after `after` (a fresh list when null, as boot's write_slot).
 * Retype (seL4's insertNewCap) puts its caps after the untyped, whose children they are.
 */
export function insertCap(
  s: MutableState,
  cap: Cap,
  dest: SlotAddr,
  parent: SlotAddr | null,
  original: boolean,
  after: MDBPosition | null = positionOf(s, parent),
): void {
  if (s.ctes.has(dest)) throw new Error(`capsim internal error: insertCap into occupied slot ${hex(dest)}`);
  if (cap.type === "Null") return;
  const position: MDBPosition = { after, stamp: s.mdbStamp };
  s.mdbStamp = s.mdbStamp + 1;
  s.ctes = s.ctes.set(dest, { cap, parent, original, position });
  countCap(s, cap, +1);
  linkChild(s, parent, dest);
}

/**
 * Retype's changes to the derivation tree in one batch: the untyped's cap rewritten in place (its
 * new free index), then each new cap put into its slot as an original child of the untyped, right
 * after it in the MDB list (seL4's insertNewCap for each, in order). The caller's decode read
 * `untypedCTE` and `children` (the untyped's child set) and proved every destination empty, all
 * on the state this draft started from, which nothing before this call changed in those stores;
 * so for one new cap it skips those reads and writes the CTE store once.
 */
export function insertNewCaps(
  s: MutableState,
  untypedSlot: SlotAddr,
  untypedCTE: CTE,
  newUntyped: Cap,
  children: PMap<SlotAddr, true> | undefined,
  caps: readonly Cap[],
  dests: readonly SlotAddr[],
): void {
  const after = untypedCTE.position;
  const only = caps.length === 1 ? (caps[0] as Cap) : undefined;
  if (only === undefined || only.type === "Null" || capObjectAddress(untypedCTE.cap) !== capObjectAddress(newUntyped)) {
    // Several objects (or a rare shape): insertCap for each, in order, as seL4's loop does.
    replaceCap(s, untypedSlot, untypedCTE, newUntyped);
    for (let i = 0; i < caps.length; i++) insertCap(s, caps[i] as Cap, dests[i] as SlotAddr, untypedSlot, true, after);
    return;
  }
  // The common case, one new object: both CTEs in one walk of the CTE store (PMap.set2), and the
  // child set decode read extended without reading it again.
  const dest = dests[0] as SlotAddr;
  const position: MDBPosition = { after, stamp: s.mdbStamp };
  s.mdbStamp = s.mdbStamp + 1;
  s.ctes = s.ctes.set2(
    untypedSlot,
    { cap: newUntyped, parent: untypedCTE.parent, original: untypedCTE.original, position: untypedCTE.position },
    dest,
    { cap: only, parent: untypedSlot, original: true, position },
  );
  countCap(s, only, +1);
  s.cdtChildren = s.cdtChildren.set(untypedSlot, (children ?? PMap.empty<SlotAddr, true>()).set(dest, true));
}

function positionOf(s: KernelState, slot: SlotAddr | null): MDBPosition | null {
  return slot === null ? null : (s.ctes.get(slot)?.position ?? null);
}

/**
 * The order of two caps in seL4's MDB list: negative when `a` comes first. A place inserted
 * after another comes right after it, ahead of everything inserted there before it; so the
 * order is that of the insertion chains read from their start, where a later stamp sorts
 * first and a chain sorts before its own extensions. (Caps of different lists, which boot
 * wrote separately, are ordered by stamp; revoke never compares them.)
 */
export function comparePositions(a: MDBPosition, b: MDBPosition): number {
  const pa = chainOf(a);
  const pb = chainOf(b);
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i] as MDBPosition;
    const y = pb[i] as MDBPosition;
    if (x !== y) return i === 0 ? x.stamp - y.stamp : y.stamp - x.stamp;
  }
  return pa.length - pb.length;
}

/** A position's insertion chain, from the start of its list. */
function chainOf(p: MDBPosition): MDBPosition[] {
  const out: MDBPosition[] = [];
  for (let q: MDBPosition | null = p; q !== null; q = q.after) out.push(q);
  return out.reverse();
}

/**
 * seL4's cteInsert: puts `newCap` (derived from the cap in `src`) into the empty slot `dest`.
 * The new cap is a child of `src` when `src` is an original that covers it; otherwise it
 * becomes a sibling of `src` (seL4 places it right after `src` in the MDB, outside src's subtree).
 */
export function cteInsert(
  s: MutableState,
  newCap: Cap,
  src: SlotAddr,
  dest: SlotAddr,
  srcCTE: CTE | undefined = s.ctes.get(src),
): void {
  // srcCTE: the source's CTE when the caller read it from this very draft (CNode Copy's decode).
  if (srcCTE === undefined) throw new Error(`capsim internal error: cteInsert from empty slot ${hex(src)}`);
  const original = isCapRevocable(newCap, srcCTE.cap);
  const parent = isMDBParentOf(s.config.sizes, srcCTE.cap, srcCTE.original, newCap, original) ? src : srcCTE.parent;
  setUntypedCapAsFull(s, srcCTE.cap, newCap, src);
  insertCap(s, newCap, dest, parent, original, srcCTE.position);
}

/**
 * seL4's setUntypedCapAsFull (called by cteInsert): when an untyped cap is copied, the source
 * hands out no more memory (its free index goes to the end of the region), so the source and
 * the copy can never both allocate the same bytes; only the copy, whose free index is the
 * source's old one, goes on allocating. Move, Mutate and Rotate do not go through cteInsert.
 */
function setUntypedCapAsFull(s: MutableState, srcCap: Cap, newCap: Cap, src: SlotAddr): void {
  if (srcCap.type !== "Untyped" || newCap.type !== "Untyped") return;
  if (srcCap.paddr !== newCap.paddr || srcCap.sizeBits !== newCap.sizeBits) return;
  updateCap(s, src, { ...srcCap, freeIndex: 2 ** srcCap.sizeBits });
}

/**
 * seL4's slotCapLongRunningDelete: whether deleting the cap in `slot` could take a long,
 * preemptible delete (it is the last cap to a CNode or a TCB; seL4's zombies too, which capsim
 * does not model). TCB_SetSpace refuses to replace such a cap.
 */
export function slotCapLongRunningDelete(s: KernelState, slot: SlotAddr): boolean {
  const cap = getCap(s, slot);
  if (cap.type !== "CNode" && cap.type !== "TCB") return false;
  return isFinalCapability(s, slot);
}

/**
 * seL4's cteMove: moves the cap in `src` to the empty slot `dest` as `newCap`, keeping its
 * place in the derivation tree: its parent, its original bit and its children all follow it.
 */
export function cteMove(s: MutableState, newCap: Cap, src: SlotAddr, dest: SlotAddr): void {
  const cte = s.ctes.get(src);
  if (cte === undefined) throw new Error(`capsim internal error: cteMove from empty slot ${hex(src)}`);
  if (src === dest) {
    updateCap(s, src, newCap);
    return;
  }
  const children = childrenOf(s, src);
  s.ctes = s.ctes.delete(src);
  countCap(s, cte.cap, -1);
  unlinkChild(s, cte.parent, src);
  s.cdtChildren = s.cdtChildren.delete(src);
  const parent = cte.parent === src ? dest : cte.parent;
  s.ctes = s.ctes.set(dest, {
    cap: newCap,
    parent,
    original: cte.original,
    position: cte.position,
  });
  countCap(s, newCap, +1);
  linkChild(s, parent, dest);
  for (const c of children) {
    const child = s.ctes.get(c) as CTE;
    s.ctes = s.ctes.set(c, {
      cap: child.cap,
      parent: dest,
      original: child.original,
      position: child.position,
    });
    linkChild(s, dest, c);
  }
}

/**
 * seL4's cteSwap: exchanges the caps in two occupied slots (as `cap1` moved to slot2 and
 * `cap2` to slot1), each keeping its place in the derivation tree.
 */
export function cteSwap(s: MutableState, cap1: Cap, slot1: SlotAddr, cap2: Cap, slot2: SlotAddr): void {
  const a = s.ctes.get(slot1);
  const b = s.ctes.get(slot2);
  if (a === undefined || b === undefined) throw new Error("capsim internal error: cteSwap needs two occupied slots");
  const aChildren = childrenOf(s, slot1);
  const bChildren = childrenOf(s, slot2);
  unlinkChild(s, a.parent, slot1);
  unlinkChild(s, b.parent, slot2);
  s.cdtChildren = s.cdtChildren.delete(slot1).delete(slot2);
  countCap(s, a.cap, -1);
  countCap(s, b.cap, -1);
  const rename = (p: SlotAddr | null): SlotAddr | null => (p === slot1 ? slot2 : p === slot2 ? slot1 : p);
  const aParent = rename(a.parent);
  const bParent = rename(b.parent);
  s.ctes = s.ctes
    .set(slot2, {
      cap: cap1,
      parent: aParent,
      original: a.original,
      position: a.position,
    })
    .set(slot1, {
      cap: cap2,
      parent: bParent,
      original: b.original,
      position: b.position,
    });
  countCap(s, cap1, +1);
  countCap(s, cap2, +1);
  linkChild(s, aParent, slot2);
  linkChild(s, bParent, slot1);
  for (const c of aChildren) {
    if (c === slot1 || c === slot2) continue;
    s.ctes = s.ctes.set(c, { ...(s.ctes.get(c) as CTE), parent: slot2 });
    linkChild(s, slot2, c);
  }
  for (const c of bChildren) {
    if (c === slot1 || c === slot2) continue;
    s.ctes = s.ctes.set(c, { ...(s.ctes.get(c) as CTE), parent: slot1 });
    linkChild(s, slot1, c);
  }
}

/**
 * seL4's emptySlot (after finalisation): clears the slot. Its children, if any, move up to
 * its parent, as removing a node from seL4's MDB list leaves them under the parent's range.
 */
export function emptySlot(s: MutableState, slot: SlotAddr): void {
  const cte = s.ctes.get(slot);
  if (cte === undefined) return;
  const children = childrenOf(s, slot);
  s.ctes = s.ctes.delete(slot);
  countCap(s, cte.cap, -1);
  unlinkChild(s, cte.parent, slot);
  s.cdtChildren = s.cdtChildren.delete(slot);
  for (const c of children) {
    s.ctes = s.ctes.set(c, { ...(s.ctes.get(c) as CTE), parent: cte.parent });
    linkChild(s, cte.parent, c);
  }
}
