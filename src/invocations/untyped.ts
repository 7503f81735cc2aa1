import { alignUp, pow2, type CPtr, type PhysAddr } from "../model/addresses.ts";
import {
  failedLookup,
  illegalOperation,
  invalidArgument,
  notEnoughMemory,
  rangeError,
  truncatedMessage,
  type SyscallError,
} from "../model/errors.ts";
import { err, ok, type Result } from "../model/result.ts";
import { childSetOf, getCap, insertNewCaps } from "../kernel/cdt.ts";
import { ensureEmptySlot } from "../kernel/guards.ts";
import { lookupTargetSlot, slotAddress } from "../kernel/cspace.ts";
import type { Cap, UntypedCap } from "../model/caps.ts";
import { CONFIG_RESET_CHUNK_BITS, CONFIG_RETYPE_FAN_OUT_LIMIT } from "../model/constants.ts";
import { zeroPhysical } from "../kernel/physmem.ts";
import type { CTE, SlotAddr } from "../model/state.ts";
import { putNewObject } from "../kernel/create.ts";
import type { PMap } from "../model/pmap.ts";
import type { MutableState } from "../model/transition.ts";
import { archOf } from "../arch/index.ts";
import type { AnyObjectTypeName } from "../model/objectTypes.ts";
import type { InvocationFamily } from "../model/family.ts";
import type { DecodeContext } from "../model/message.ts";

/** A decoded Untyped_Retype: everything invokeUntyped_Retype needs, as plain data. */
export interface RetypeInvocation {
  readonly kind: "UntypedRetype";
  readonly untypedSlot: SlotAddr;
  /**
   * the untyped's CTE as decode found it: perform rewrites the cap in it, and puts the new caps
   * right after its place in the MDB list, which rewriting the cap does not move
   */
  readonly untypedCTE: CTE;
  /** the untyped's child set as decode found it (undefined: none), which the new caps join */
  readonly children: PMap<SlotAddr, true> | undefined;
  /** reset the untyped first (no children left): its free index goes to 0 and its memory is zeroed */
  readonly reset: boolean;
  readonly objectType: AnyObjectTypeName;
  readonly userSize: number;
  /** the physical address of each new object, in order */
  readonly addresses: readonly PhysAddr[];
  /** the destination slot of each new cap, in order */
  readonly destSlots: readonly SlotAddr[];
  /** the untyped cap as decode found it (reset reads its old free index) */
  readonly untyped: UntypedCap;
  /** the untyped cap perform writes back: its free index moved past the new objects */
  readonly newUntyped: UntypedCap;
}

/**
 * seL4's decodeUntypedInvocation (src/object/untyped.c), checks in seL4's order. Message:
 * MR0 type, MR1 size_bits, MR2 node_index, MR3 node_depth, MR4 node_offset, MR5 node_window
 * (the object count); extra cap 0 is the root CNode the destination is looked up from.
 */
export function decodeUntypedInvocation(ctx: DecodeContext<UntypedCap>): Result<RetypeInvocation, SyscallError> {
  const { state, args } = ctx;
  const untyped = ctx.cap;
  const checks = ctx.checks;
  checks?.push("invocation label");
  if (ctx.label !== "UntypedRetype")
    return err(illegalOperation(`${ctx.label} is not an invocation of an untyped cap`));
  const root = ctx.extraCaps[0];
  checks?.push("message length and extra caps");
  if (args.length < 6 || root === undefined)
    return err(truncatedMessage("Untyped_Retype needs 6 message words and the root CNode as an extra cap"));
  // Read by index: destructuring an array goes through its iterator.
  const typeNumber = args[0] as number;
  const userSize = args[1] as number;
  const nodeIndex = args[2] as number;
  const nodeDepth = args[3] as number;
  const nodeOffset = args[4] as number;
  const nodeWindow = args[5] as number;
  const arch = archOf(state.config);
  const objectType = arch.objectTypeByNumber(typeNumber, state.config.api);
  checks?.push("the object type exists");
  if (typeNumber >= arch.objectTypeCount || objectType === undefined)
    return err(invalidArgument(0, `object type ${typeNumber} does not exist (there are ${arch.objectTypeCount})`));
  const { wordBits, maxUntypedBits, minUntypedBits } = state.config.sizes;
  const objectSize = arch.objectSizeBitsOfType(state.config.sizes, objectType, userSize);
  // seL4 checks size_bits against the word size for every type, even those of fixed size.
  checks?.push("the object size (size_bits below the word size, object at most maxUntypedBits)");
  if (userSize >= wordBits || objectSize > maxUntypedBits) {
    const why =
      userSize >= wordBits
        ? `size_bits ${userSize} is not below the word size (${wordBits}), whatever the object type`
        : `the object would be 2^${objectSize} bytes; the most one Retype can make is 2^${maxUntypedBits}`;
    return err(rangeError(0, maxUntypedBits, why));
  }
  checks?.push("a CNode has at least one radix bit");
  if (objectType === "seL4_CapTableObject" && userSize === 0)
    return err(
      invalidArgument(
        1,
        "a CNode needs at least one radix bit (size_bits 0 makes a one-slot CNode, which seL4 refuses)",
      ),
    );
  checks?.push("an untyped is at least minUntypedBits");
  if (objectType === "seL4_UntypedObject" && userSize < minUntypedBits) {
    return err(invalidArgument(1, `an untyped object needs at least ${minUntypedBits} size bits`));
  }
  let destCNode: Cap;
  checks?.push("the destination CNode lookup (lookupTargetSlot)");
  if (nodeDepth === 0) {
    destCNode = root.cap;
  } else {
    const found = lookupTargetSlot(state, root.cap, nodeIndex as CPtr, nodeDepth);
    if (!found.ok) return found;
    destCNode = getCap(state, found.value);
  }
  checks?.push("the destination is a CNode cap");
  if (destCNode.type !== "CNode") {
    return err(
      failedLookup(
        false,
        { kind: "MissingCapability", bitsLeft: nodeDepth },
        "the destination (root, node_index, node_depth) is not a CNode cap",
      ),
    );
  }
  const nodeSize = pow2(destCNode.radixBits);
  checks?.push("node_offset inside the CNode");
  if (nodeOffset > nodeSize - 1)
    return err(rangeError(0, nodeSize - 1, `node_offset ${nodeOffset} is past the destination CNode's last slot`));
  checks?.push("node_window between 1 and the fan-out limit");
  if (nodeWindow < 1 || nodeWindow > CONFIG_RETYPE_FAN_OUT_LIMIT) {
    return err(
      rangeError(
        1,
        CONFIG_RETYPE_FAN_OUT_LIMIT,
        `one Retype makes between 1 and ${CONFIG_RETYPE_FAN_OUT_LIMIT} objects, not ${nodeWindow}`,
      ),
    );
  }
  checks?.push("node_window fits in the CNode");
  if (nodeWindow > nodeSize - nodeOffset)
    return err(
      rangeError(1, nodeSize - nodeOffset, `${nodeWindow} objects from slot ${nodeOffset} run past the CNode's end`),
    );
  const destSlots: SlotAddr[] = [];
  checks?.push("the destination slots are empty (ensureEmptySlot)");
  for (let i = nodeOffset; i < nodeOffset + nodeWindow; i++) {
    const slot = slotAddress(state, destCNode.paddr, i);
    const empty = ensureEmptySlot(state, slot, `destination slot ${i}`);
    if (!empty.ok) return empty;
    destSlots.push(slot);
  }
  // An untyped with no children left can be reused from its start (seL4 resets it).
  const children = childSetOf(state, ctx.slot);
  const reset = children === undefined || children.size === 0;
  const freeIndex = reset ? 0 : untyped.freeIndex;
  const freeBytes = pow2(untyped.sizeBits) - freeIndex;
  checks?.push("enough free memory in the untyped");
  if (Math.floor(freeBytes / pow2(objectSize)) < nodeWindow) {
    return err(
      notEnoughMemory(
        freeBytes,
        `${nodeWindow} objects of 2^${objectSize} bytes need more than the ${freeBytes} free bytes of this untyped`,
      ),
    );
  }
  checks?.push("device memory only for frames and untypeds");
  if (untyped.isDevice && arch.frameSizeOfType(objectType) === undefined && objectType !== "seL4_UntypedObject") {
    return err(invalidArgument(1, "device memory can only be retyped into frames or smaller untypeds"));
  }
  const first = alignUp(untyped.paddr + freeIndex, objectSize);
  const addresses: PhysAddr[] = [];
  for (let i = 0; i < destSlots.length; i++) addresses.push((first + i * pow2(objectSize)) as PhysAddr);
  return ok({
    kind: "UntypedRetype",
    untypedSlot: ctx.slot,
    untypedCTE: ctx.cte,
    children,
    reset,
    objectType,
    userSize,
    addresses,
    destSlots,
    untyped,
    // Field by field, in the cap's own order: one shape for every untyped cap (V8).
    newUntyped: {
      type: "Untyped",
      paddr: untyped.paddr,
      sizeBits: untyped.sizeBits,
      isDevice: untyped.isDevice,
      freeIndex: first - untyped.paddr + nodeWindow * pow2(objectSize),
    },
  });
}

/**
 * seL4's resetUntypedCap: the memory an untyped handed out is cleared before it is handed out
 * again. Only RAM is cleared (device memory is never touched), and only up to the free index
 * rounded up to a reset chunk: memory above the free index has never been handed out since the
 * last reset, so it is still zero. (Boot gives untypeds a full free index, so the first Retype
 * clears everything.)
 */
function resetUntypedCap(s: MutableState, untyped: UntypedCap): void {
  if (untyped.isDevice || untyped.freeIndex === 0) return;
  const used =
    untyped.sizeBits < CONFIG_RESET_CHUNK_BITS
      ? pow2(untyped.sizeBits)
      : alignUp(untyped.freeIndex, CONFIG_RESET_CHUNK_BITS);
  zeroPhysical(s, untyped.paddr, used);
}

/**
 * seL4's invokeUntyped_Retype and createNewObjects: reset if decode said so, advance the free
 * index past the new objects, then create each object and insert its cap as an original child
 * of the untyped. New objects are not zeroed here: seL4 relies on the reset above.
 */
export function performUntypedInvocation(s: MutableState, inv: RetypeInvocation): readonly number[] {
  if (inv.reset) resetUntypedCap(s, inv.untyped);
  const arch = archOf(s.config);
  // Objects first, then every cap in one batch: creating an object reads no slot and no part
  // of the derivation tree, so the order of the two changes nothing.
  const caps: Cap[] = [];
  for (let i = 0; i < inv.addresses.length; i++) {
    const made = arch.createObject(s, inv.objectType, inv.addresses[i] as PhysAddr, inv.userSize, inv.untyped.isDevice);
    putNewObject(s, made);
    caps.push(made.cap);
  }
  insertNewCaps(s, inv.untypedSlot, inv.untypedCTE, inv.newUntyped, inv.children, caps, inv.destSlots);
  return [];
}

export const untypedFamily: InvocationFamily<UntypedCap, RetypeInvocation> = {
  decode: decodeUntypedInvocation,
  perform: performUntypedInvocation,
};
