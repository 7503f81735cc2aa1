import type { PhysAddr, VirtAddr } from "../core/addresses.ts";
import { PMap } from "../core/pmap.ts";
import { ALL_RIGHTS, type Cap, type CapRights } from "../caps/types.ts";
import { seL4_EndpointBits, seL4_NotificationBits, seL4_PageDirBits, seL4_PageTableBits, seL4_SlotBits, seL4_TCBBits } from "./constants.ts";
import type { KernelObject } from "./records.ts";
import { FRAME_SIZE_BITS, frameSizeOfType, type ObjectTypeName } from "./types.ts";

/**
 * A notification cap has only seL4's CanSend and CanReceive bits (write and read here): it
 * has no grant bits, so a new one starts with exactly those two.
 */
export const NOTIFICATION_RIGHTS: CapRights = { read: true, write: true, grant: false, grantReply: false };

/**
 * seL4's getObjectSize: log2 of the bytes one object of this type takes; `userSize` matters
 * only for untyped memory (its size bits) and CNodes (their radix).
 */
export function objectSizeBitsOfType(type: ObjectTypeName, userSize: number): number {
  switch (type) {
    case "seL4_UntypedObject":
      return userSize;
    case "seL4_CapTableObject":
      return userSize + seL4_SlotBits;
    case "seL4_TCBObject":
      return seL4_TCBBits;
    case "seL4_EndpointObject":
      return seL4_EndpointBits;
    case "seL4_NotificationObject":
      return seL4_NotificationBits;
    case "seL4_ARM_PageDirectoryObject":
      return seL4_PageDirBits;
    case "seL4_ARM_PageTableObject":
      return seL4_PageTableBits;
    default:
      return FRAME_SIZE_BITS[frameSizeOfType(type) ?? "SmallPage"];
  }
}

/** What creating one object makes: its record (none for untyped memory) and its first cap. */
export interface NewObject {
  readonly object: KernelObject | undefined;
  readonly cap: Cap;
}

/**
 * seL4's createObject / Arch_createObject: the record and the original cap of a new object.
 * Frames come out read-write and unmapped, page tables unmapped, page directories without an
 * ASID (the kernel's global entries are copied in by the caller, which can see the global
 * directory), CNode caps with no guard, untyped children with all their memory free, endpoint
 * caps with badge 0 and every right, notification caps with badge 0, send and receive.
 */
export function createObject(type: ObjectTypeName, paddr: PhysAddr, userSize: number, isDevice: boolean, pdEntries: PMap<number, number>): NewObject {
  const frameSize = frameSizeOfType(type);
  if (frameSize !== undefined) {
    return { object: { type: "Frame", paddr, size: frameSize, isDevice }, cap: { type: "Frame", paddr, size: frameSize, vmRights: "VMReadWrite", isDevice, mapping: null } };
  }
  switch (type) {
    case "seL4_UntypedObject":
      return { object: undefined, cap: { type: "Untyped", paddr, sizeBits: userSize, isDevice, freeIndex: 0 } };
    case "seL4_CapTableObject":
      return { object: { type: "CNode", paddr, radixBits: userSize }, cap: { type: "CNode", paddr, radixBits: userSize, guardSize: 0, guard: 0 } };
    case "seL4_TCBObject":
      return { object: { type: "TCB", paddr, ipcBuffer: 0 as VirtAddr }, cap: { type: "TCB", paddr } };
    case "seL4_EndpointObject":
      return { object: { type: "Endpoint", paddr }, cap: { type: "Endpoint", paddr, badge: 0, rights: ALL_RIGHTS } };
    case "seL4_NotificationObject":
      return { object: { type: "Notification", paddr }, cap: { type: "Notification", paddr, badge: 0, rights: NOTIFICATION_RIGHTS } };
    case "seL4_ARM_PageDirectoryObject":
      return { object: { type: "PageDirectory", paddr, entries: pdEntries }, cap: { type: "PageDirectory", paddr, mappedASID: null } };
    case "seL4_ARM_PageTableObject":
      return { object: { type: "PageTable", paddr, entries: PMap.empty() }, cap: { type: "PageTable", paddr, mapping: null } };
    default:
      throw new Error(`capsim internal error: no creation rule for ${type}`);
  }
}
