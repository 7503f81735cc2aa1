import { asid, pptr, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import { ALL_RIGHTS, type Cap, type CapRights, type FrameCap, type FrameSize } from "../model/caps.ts";
import { IT_ASID } from "../model/constants.ts";
import type { MutableState } from "../model/transition.ts";
import { putEntries, putObject } from "./store.ts";
import type { KernelObject, TableEntries } from "../model/objects.ts";
import type { KernelSizes } from "../model/state.ts";

/** The object types every architecture has, by libsel4's names (numbers 0-4 everywhere). */
export const GENERIC_OBJECT_TYPES = [
  "seL4_UntypedObject",
  "seL4_TCBObject",
  "seL4_EndpointObject",
  "seL4_NotificationObject",
  "seL4_CapTableObject",
] as const;
export type GenericObjectType = (typeof GENERIC_OBJECT_TYPES)[number];

// A set rather than a search of the list: every Retype asks twice (object size, then creation).
const GENERIC_TYPE_NAMES: ReadonlySet<string> = new Set(GENERIC_OBJECT_TYPES);

export const isGenericObjectType = (t: string): t is GenericObjectType => GENERIC_TYPE_NAMES.has(t);

/**
 * A notification cap has only seL4's CanSend and CanReceive bits (write and read here): it
 * has no grant bits, so a new one starts with exactly those two.
 */
export const NOTIFICATION_RIGHTS: CapRights = {
  read: true,
  write: true,
  grant: false,
  grantReply: false,
};

/**
 * What creating one object makes: its record (none for untyped memory), its first cap, and for
 * a paging structure its first descriptors (empty, or a page directory's global entries).
 */
export interface NewObject {
  readonly object: KernelObject | undefined;
  readonly cap: Cap;
  readonly entries?: TableEntries;
}

/** Stores what creating an object made: its record, and a paging structure's descriptors. */
export function putNewObject(s: MutableState, made: NewObject): void {
  if (made.object === undefined) return;
  putObject(s, made.object);
  if (made.entries !== undefined) putEntries(s, made.object.paddr, made.entries);
}

/**
 * seL4's getObjectSize for the generic types: log2 of the bytes one object takes; `userSize`
 * is an untyped's size bits or a CNode's radix. The architecture answers for its own types.
 */
export function genericObjectSizeBits(sizes: KernelSizes, type: GenericObjectType, userSize: number): number {
  switch (type) {
    case "seL4_UntypedObject":
      return userSize;
    case "seL4_CapTableObject":
      return userSize + sizes.slotBits;
    case "seL4_TCBObject":
      return sizes.tcbBits;
    case "seL4_EndpointObject":
      return sizes.endpointBits;
    case "seL4_NotificationObject":
      return sizes.notificationBits;
  }
}

/**
 * seL4's createObject for the generic types: the record and the original cap of a new object.
 * CNode caps come with no guard, untyped children with all their memory free, endpoint caps
 * with badge 0 and every right, notification caps with badge 0, send and receive.
 */
export function createGenericObject(
  type: GenericObjectType,
  paddr: PhysAddr,
  userSize: number,
  isDevice: boolean,
): NewObject {
  switch (type) {
    case "seL4_UntypedObject":
      return {
        object: undefined,
        cap: {
          type: "Untyped",
          paddr,
          sizeBits: userSize,
          isDevice,
          freeIndex: 0,
        },
      };
    case "seL4_CapTableObject":
      return {
        object: { type: "CNode", paddr, radixBits: userSize },
        cap: {
          type: "CNode",
          paddr,
          radixBits: userSize,
          guardSize: 0,
          guard: 0,
        },
      };
    case "seL4_TCBObject":
      return {
        object: { type: "TCB", paddr, ipcBuffer: 0 as VirtAddr },
        cap: { type: "TCB", paddr },
      };
    case "seL4_EndpointObject":
      return {
        object: { type: "Endpoint", paddr },
        cap: { type: "Endpoint", paddr, badge: 0, rights: ALL_RIGHTS },
      };
    case "seL4_NotificationObject":
      return {
        object: { type: "Notification", paddr },
        cap: {
          type: "Notification",
          paddr,
          badge: 0,
          rights: NOTIFICATION_RIGHTS,
        },
      };
  }
}

/**
 * A new frame, as every ARM architecture's Arch_createObject makes it: its record, and an
 * original cap that is read-write and unmapped. The size name is the architecture's.
 */
export function createFrame(at: PhysAddr, size: FrameSize, isDevice: boolean): NewObject {
  const paddr = pptr(at, "Frame");
  return {
    object: { type: "Frame", paddr, size, isDevice },
    cap: { type: "Frame", paddr, size, vmRights: "VMReadWrite", isDevice, mapping: null },
  };
}

/**
 * seL4's create_it_frame_cap, the same on every ARM architecture: a 4 KiB read-write frame at
 * `at` recorded as mapped at `vptr` in the initial thread's ASID (the caller writes the entry).
 */
export function createItFrameCap(s: MutableState, at: PhysAddr, vptr: VirtAddr): FrameCap {
  const paddr = pptr(at, "Frame");
  putObject(s, { type: "Frame", paddr, size: "SmallPage", isDevice: false });
  return {
    type: "Frame",
    paddr,
    size: "SmallPage",
    vmRights: "VMReadWrite",
    isDevice: false,
    mapping: { asid: asid(IT_ASID), vaddr: vptr },
  };
}
