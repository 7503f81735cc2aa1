import type { PhysAddr } from "../../src/model/addresses.ts";
import { isObjectlessCap, type Cap, type CapOfType, type CapType } from "../../src/model/caps.ts";
import type { KernelState, SlotAddr } from "../../src/model/state.ts";
import { capAt, rootCNodeOf, rootSlotOf } from "../../src/kernel/cspace.ts";

/*
 * "The cap at slot i of the thread's root CNode", for tests: src/kernel/cspace.ts's helpers
 * return undefined or the null cap where a test has no use for either, so these throw instead,
 * and the expected cap type narrows the result without a cast.
 */

/** The CNode at the root of `thread`'s CSpace; throws when its tcbCTable slot holds no CNode cap. */
export function rootCNode(s: KernelState, thread: PhysAddr): PhysAddr {
  const cnode = rootCNodeOf(s, thread);
  if (cnode === undefined) throw new Error(`thread ${thread.toString(16)} has no root CNode`);
  return cnode;
}

/** The address of slot `index` of `thread`'s root CNode; throws when it has none. */
export function rootSlot(s: KernelState, thread: PhysAddr, index: number): SlotAddr {
  const slot = rootSlotOf(s, thread, index);
  if (slot === undefined) throw new Error(`thread ${thread.toString(16)} has no root CNode`);
  return slot;
}

const isCapOfType = <T extends CapType>(cap: Cap, type: T): cap is CapOfType<T> => cap.type === type;

/** The cap in slot `index` of `thread`'s root CNode, which must be a `type` cap; throws otherwise. */
export function capOf<T extends CapType>(s: KernelState, thread: PhysAddr, index: number, type: T): CapOfType<T> {
  const cap = capAt(s, thread, index);
  if (!isCapOfType(cap, type)) throw new Error(`slot ${index} holds a ${cap.type} cap, not a ${type} cap`);
  return cap;
}

/** The physical address the cap in slot `index` of `thread`'s root CNode names (an object, or an untyped's region); throws when it names none. */
export function paddrAt(s: KernelState, thread: PhysAddr, index: number): PhysAddr {
  const cap = capAt(s, thread, index);
  if (isObjectlessCap(cap)) throw new Error(`slot ${index} holds a ${cap.type} cap, which names no memory`);
  return cap.paddr;
}
