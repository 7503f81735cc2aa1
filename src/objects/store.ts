import type { PhysAddr } from "../core/addresses.ts";
import { hex } from "../core/addresses.ts";
import type { KernelObject, KernelObjectType, ObjectOfType } from "./records.ts";
import type { KernelState } from "./state.ts";
import type { MutableState } from "./transition.ts";
import { FRAME_SIZE_BITS } from "./types.ts";
import { seL4_ASIDPoolBits, seL4_EndpointBits, seL4_NotificationBits, seL4_PageDirBits, seL4_PageTableBits, seL4_SlotBits, seL4_TCBBits } from "./constants.ts";

/** The object at `paddr`, or undefined. */
export function getObject(s: KernelState, paddr: PhysAddr): KernelObject | undefined {
  return s.objects.get(paddr);
}

/** The object of type `type` at `paddr`, or undefined when there is none or it has another type. */
export function getObjectOfType<T extends KernelObjectType>(s: KernelState, paddr: PhysAddr, type: T): ObjectOfType<T> | undefined {
  const o = s.objects.get(paddr);
  return o !== undefined && o.type === type ? (o as ObjectOfType<T>) : undefined;
}

/**
 * The object of type `type` at `paddr`. A missing object here is a bug in capsim (a cap or
 * entry points at nothing), not a user error, so it throws.
 */
export function objectOfType<T extends KernelObjectType>(s: KernelState, paddr: PhysAddr, type: T): ObjectOfType<T> {
  const o = getObjectOfType(s, paddr, type);
  if (o === undefined) throw new Error(`capsim internal error: no ${type} object at ${hex(paddr)}`);
  return o;
}

/** Stores (or replaces) an object at its physical address. */
export function putObject(s: MutableState, o: KernelObject): void {
  s.objects = s.objects.set(o.paddr, o);
}

/** Removes the object at `paddr` from the store. */
export function removeObject(s: MutableState, paddr: PhysAddr): void {
  s.objects = s.objects.delete(paddr);
}

/** log2 of an object's size in bytes, as seL4's Arch_getObjectSize / getObjectSize give it. */
export function objectSizeBits(o: KernelObject): number {
  switch (o.type) {
    case "CNode":
      return o.radixBits + seL4_SlotBits;
    case "TCB":
      return seL4_TCBBits;
    case "Endpoint":
      return seL4_EndpointBits;
    case "Notification":
      return seL4_NotificationBits;
    case "PageDirectory":
      return seL4_PageDirBits;
    case "PageTable":
      return seL4_PageTableBits;
    case "Frame":
      return FRAME_SIZE_BITS[o.size];
    case "ASIDPool":
      return seL4_ASIDPoolBits;
  }
}
