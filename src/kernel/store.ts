import type { PhysAddr, PPtr } from "../model/addresses.ts";
import { hex } from "../model/addresses.ts";
import type { KernelObject, KernelObjectType, ObjectOfType } from "../model/objects.ts";
import { frameSizeBits, type KernelSizes, type KernelState } from "../model/state.ts";
import type { MutableState } from "../model/transition.ts";

/** The object at `paddr`, or undefined. */
export function getObject(s: KernelState, paddr: PhysAddr): KernelObject | undefined {
  return s.objects.get(paddr);
}

/**
 * `p` as a VSpace root pointer when a page directory (ARM32) or VSpace (AArch64) lives there:
 * the checked way from an address of unknown kind (a user's argument, a map key) to a typed one.
 */
export function vspaceRootAt(s: KernelState, p: PhysAddr): PPtr<"VSpaceRoot"> | undefined {
  const o = s.objects.get(p);
  return o?.type === "PageDirectory" || o?.type === "VSpace" ? o.paddr : undefined;
}

/** `p` as a page table pointer when a page table (of either architecture) lives there. */
export function pageTableAt(s: KernelState, p: PhysAddr): PPtr<"PageTable"> | undefined {
  const o = s.objects.get(p);
  return o?.type === "PageTable" || o?.type === "PageTable64" ? o.paddr : undefined;
}

/** The object of type `type` at `paddr`, or undefined when there is none or it has another type. */
export function getObjectOfType<T extends KernelObjectType>(
  s: KernelState,
  paddr: PhysAddr,
  type: T,
): ObjectOfType<T> | undefined {
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

/** log2 of an object's size in bytes, as seL4's getObjectSize and Arch_getObjectSize give it. */
export function objectSizeBits(sizes: KernelSizes, o: KernelObject): number {
  switch (o.type) {
    case "CNode":
      return o.radixBits + sizes.slotBits;
    case "TCB":
      return sizes.tcbBits;
    case "Endpoint":
      return sizes.endpointBits;
    case "Notification":
      return sizes.notificationBits;
    case "PageDirectory":
    case "VSpace":
      return sizes.vspaceRootBits;
    case "PageTable":
    case "PageTable64":
      return sizes.pageTableBits;
    case "Frame":
      return frameSizeBits(sizes, o.size);
    case "ASIDPool":
      return sizes.asidPoolBits;
  }
}
