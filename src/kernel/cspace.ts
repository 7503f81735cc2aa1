import { bitField, type CPtr, type PhysAddr } from "../model/addresses.ts";
import { failedLookup, rangeError, type LookupFailure, type SyscallError } from "../model/errors.ts";
import { err, ok, type Result } from "../model/result.ts";
import { TCB_SLOTS } from "../model/constants.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import { getCap } from "./cdt.ts";
import { NULL_CAP, type Cap, type CapOfType } from "../model/caps.ts";

/**
 * The bytes of one CTE, and so the distance between slot addresses: 2^seL4_SlotBits, 16 on a
 * 32-bit kernel and 32 on a 64-bit one (cte_t holds a two-word cap and a two-word MDB node).
 * A CNode of radix r is 2^(r + slotBits) bytes, so its last slot ends at the object's end; a
 * TCB's slots sit at the start of its block at the same stride. The stride comes from the
 * configuration the architecture filled in, as every other size the generic kernel reads.
 */
export function slotBytes(s: SlotGeometry): number {
  return 1 << s.config.sizes.slotBits;
}

/** What slot arithmetic reads from a state: only its configuration (a draft or a state both do). */
export type SlotGeometry = Pick<KernelState, "config">;

/** The physical address of slot `index` of the CNode (or TCB CTE block) at `base`. */
export function slotAddress(s: SlotGeometry, base: PhysAddr, index: number): SlotAddr {
  return (base + index * (1 << s.config.sizes.slotBits)) as SlotAddr;
}

/** The index of `slot` in the CNode (or TCB CTE block) at `base`: slotAddress's inverse. */
export function slotIndex(s: SlotGeometry, base: PhysAddr, slot: SlotAddr): number {
  return (slot - base) / (1 << s.config.sizes.slotBits);
}

/** A slot found by a CSpace lookup, and how many CPtr bits were left unused when it stopped. */
export interface ResolvedSlot {
  readonly slot: SlotAddr;
  readonly bitsRemaining: number;
}

/** What resolveAddressBits read at one CNode, for the teaching views (src/views/cptr.ts). */
export interface CNodeLevel {
  readonly cnode: PhysAddr;
  readonly radixBits: number;
  readonly guardSize: number;
  /** the CNode cap's guard */
  readonly guard: number;
  /** the CPtr bits still to resolve when the lookup reached this CNode */
  readonly bitsLeft: number;
  /** the guard's bits read from the CPtr: undefined when fewer than guardSize bits were left */
  readonly guardRead?: number;
  /** the radix bits read, and the slot they index: only when the guard matched and enough bits were left */
  readonly index?: number;
  readonly slot?: SlotAddr;
}

/** What a level read, before its slot: built only when someone listens. */
function levelRead(node: CapOfType<"CNode">, bitsLeft: number, guardRead: number): CNodeLevel {
  return {
    cnode: node.paddr,
    radixBits: node.radixBits,
    guardSize: node.guardSize,
    guard: node.guard,
    bitsLeft,
    ...(node.guardSize > bitsLeft ? {} : { guardRead }),
  };
}

/**
 * seL4's resolveAddressBits (src/kernel/cspace.c): resolve the top `nBits` bits of `capptr`
 * starting at CNode cap `nodeCap`. Each CNode consumes its guard (which must match) and then
 * its radix bits (the slot index); the walk continues while bits remain and the slot found
 * holds another CNode cap. `onLevel`, when given, hears what each CNode's step read.
 */
export function resolveAddressBits(
  s: KernelState,
  nodeCap: Cap,
  capptr: CPtr,
  nBits: number,
  onLevel?: (level: CNodeLevel) => void,
): Result<ResolvedSlot, LookupFailure> {
  if (nodeCap.type !== "CNode") return err({ kind: "InvalidRoot" });
  let node = nodeCap;
  let n = nBits;
  for (;;) {
    const radixBits = node.radixBits;
    const guardBits = node.guardSize;
    const levelBits = radixBits + guardBits;
    const guard = guardBits > n ? -1 : bitField(capptr, n - guardBits, guardBits);
    if (guardBits > n || guard !== node.guard) {
      if (onLevel) onLevel(levelRead(node, n, guard));
      return err({
        kind: "GuardMismatch",
        bitsLeft: n,
        guardFound: node.guard,
        bitsFound: guardBits,
      });
    }
    if (levelBits > n) {
      if (onLevel) onLevel(levelRead(node, n, guard));
      return err({ kind: "DepthMismatch", bitsLeft: n, bitsFound: levelBits });
    }
    const index = bitField(capptr, n - levelBits, radixBits);
    const slot = slotAddress(s, node.paddr, index);
    if (onLevel) onLevel({ ...levelRead(node, n, guard), index, slot });
    if (n === levelBits) return ok({ slot, bitsRemaining: 0 });
    n -= levelBits;
    const next = getCap(s, slot);
    if (next.type !== "CNode") return ok({ slot, bitsRemaining: n });
    node = next;
  }
}

/** The CSpace root cap of a thread (its tcbCTable slot). */
export function threadCSpaceRoot(s: KernelState, tcb: PhysAddr): Cap {
  return getCap(s, slotAddress(s, tcb, TCB_SLOTS.tcbCTable));
}

/** The CNode at the root of a thread's CSpace, or undefined when its tcbCTable slot holds no CNode cap. */
export function rootCNodeOf(s: KernelState, tcb: PhysAddr): PhysAddr | undefined {
  const root = threadCSpaceRoot(s, tcb);
  return root.type === "CNode" ? root.paddr : undefined;
}

/**
 * The address of slot `index` of a thread's root CNode (the slot a one-level CPtr `index`
 * names in a thread whose CSpace is a single CNode, as the initial thread's is), or undefined
 * when the thread has no root CNode.
 */
export function rootSlotOf(s: KernelState, tcb: PhysAddr, index: number): SlotAddr | undefined {
  const cnode = rootCNodeOf(s, tcb);
  return cnode === undefined ? undefined : slotAddress(s, cnode, index);
}

/** The cap in slot `index` of a thread's root CNode: the null cap when the slot is empty or there is no root CNode. */
export function capAt(s: KernelState, tcb: PhysAddr, index: number): Cap {
  const slot = rootSlotOf(s, tcb, index);
  return slot === undefined ? NULL_CAP : getCap(s, slot);
}

/**
 * seL4's lookupSlot: resolve a CPtr through a thread's whole CSpace (32 bits deep). As in seL4,
 * bits left over when the walk stops at a non-CNode cap are ignored.
 */
export function lookupSlot(s: KernelState, tcb: PhysAddr, capptr: CPtr): Result<SlotAddr, LookupFailure> {
  const r = resolveAddressBits(s, threadCSpaceRoot(s, tcb), capptr, s.config.sizes.wordBits);
  return r.ok ? ok(r.value.slot) : r;
}

/** seL4's lookupCapAndSlot: the cap a thread's CPtr names, and its slot. */
export function lookupCapAndSlot(
  s: KernelState,
  tcb: PhysAddr,
  capptr: CPtr,
): Result<{ cap: Cap; slot: SlotAddr }, LookupFailure> {
  return lookupCapAndSlotFrom(s, threadCSpaceRoot(s, tcb), capptr);
}

/**
 * lookupCapAndSlot from a CSpace root cap already read (threadCSpaceRoot): the dispatcher
 * looks up the invoked CPtr and every extra cap's in one unchanged state, so it reads the
 * thread's root once.
 */
export function lookupCapAndSlotFrom(
  s: KernelState,
  root: Cap,
  capptr: CPtr,
): Result<{ cap: Cap; slot: SlotAddr }, LookupFailure> {
  const r = resolveAddressBits(s, root, capptr, s.config.sizes.wordBits);
  return r.ok ? ok({ cap: getCap(s, r.value.slot), slot: r.value.slot }) : r;
}

/** A lookup failure in words, with its fields. */
export function describeLookupFailure(f: LookupFailure): string {
  switch (f.kind) {
    case "InvalidRoot":
      return "the root is not a CNode cap";
    case "MissingCapability":
      return `no capability with ${f.bitsLeft} bits left`;
    case "DepthMismatch":
      return `the depth does not match: ${f.bitsLeft} bits were left but the CNode takes ${f.bitsFound}`;
    case "GuardMismatch":
      return `the guard does not match: the CNode's ${f.bitsFound}-bit guard is ${f.guardFound}`;
  }
}

/**
 * seL4's lookupSlotForCNodeOp: find a slot by (root CNode cap, index, depth) for a CNode
 * operation or Retype. The lookup must use exactly `depth` bits.
 */
export function lookupSlotForCNodeOp(
  s: KernelState,
  isSource: boolean,
  root: Cap,
  capptr: CPtr,
  depth: number,
): Result<SlotAddr, SyscallError> {
  const which = isSource ? "source" : "destination";
  if (root.type !== "CNode")
    return err(failedLookup(isSource, { kind: "InvalidRoot" }, `the ${which} root is not a CNode cap`));
  const wordBits = s.config.sizes.wordBits;
  if (depth < 1 || depth > wordBits)
    return err(rangeError(1, wordBits, `the ${which} depth ${depth} is outside [1, ${wordBits}]`));
  const r = resolveAddressBits(s, root, capptr, depth);
  if (!r.ok)
    return err(
      failedLookup(isSource, r.error, `looking up the ${which} slot failed: ${describeLookupFailure(r.error)}`),
    );
  if (r.value.bitsRemaining !== 0) {
    return err(
      // seL4: lookup_fault_depth_mismatch_new(0, bitsRemaining), whose fields are bitsFound then bitsLeft.
      failedLookup(
        isSource,
        {
          kind: "DepthMismatch",
          bitsLeft: r.value.bitsRemaining,
          bitsFound: 0,
        },
        `the ${which} lookup stopped at a slot that holds no CNode cap with ${r.value.bitsRemaining} bits unresolved`,
      ),
    );
  }
  return ok(r.value.slot);
}

/** seL4's lookupTargetSlot. */
export const lookupTargetSlot = (
  s: KernelState,
  root: Cap,
  capptr: CPtr,
  depth: number,
): Result<SlotAddr, SyscallError> => lookupSlotForCNodeOp(s, false, root, capptr, depth);
/** seL4's lookupSourceSlot. */
export const lookupSourceSlot = (
  s: KernelState,
  root: Cap,
  capptr: CPtr,
  depth: number,
): Result<SlotAddr, SyscallError> => lookupSlotForCNodeOp(s, true, root, capptr, depth);
/** seL4's lookupPivotSlot. */
export const lookupPivotSlot = (
  s: KernelState,
  root: Cap,
  capptr: CPtr,
  depth: number,
): Result<SlotAddr, SyscallError> => lookupSlotForCNodeOp(s, true, root, capptr, depth);
