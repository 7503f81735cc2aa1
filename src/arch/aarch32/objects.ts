import { pptr, type PhysAddr } from "../../model/addresses.ts";
import { PMap } from "../../model/pmap.ts";
import { frameSizeBits, type KernelSizes, type KernelState } from "../../model/state.ts";
import {
  createFrame,
  createGenericObject,
  genericObjectSizeBits,
  isGenericObjectType,
  type NewObject,
} from "../../kernel/create.ts";
import { copyGlobalMappings } from "./globalMappings.ts";
import type { AnyObjectTypeName } from "../../model/objectTypes.ts";
import { frameSizeOfType } from "./objectTypes.ts";

/**
 * seL4's getObjectSize with Arch_getObjectSize: log2 of the bytes one object of this type
 * takes; `userSize` matters only for untyped memory (its size bits) and CNodes (their radix).
 */
export function objectSizeBitsOfType(sizes: KernelSizes, type: AnyObjectTypeName, userSize: number): number {
  if (isGenericObjectType(type)) return genericObjectSizeBits(sizes, type, userSize);
  switch (type) {
    case "seL4_ARM_PageDirectoryObject":
      return sizes.vspaceRootBits;
    case "seL4_ARM_PageTableObject":
      return sizes.pageTableBits;
    default: {
      const frameSize = frameSizeOfType(type);
      if (frameSize === undefined) throw new Error(`capsim internal error: ARM32 has no ${type}`);
      return frameSizeBits(sizes, frameSize);
    }
  }
}

/**
 * seL4's createObject / Arch_createObject: the record and the original cap of a new object.
 * Frames come out read-write and unmapped, page tables unmapped, page directories without an
 * ASID and with the kernel's global entries copied in (copyGlobalMappings).
 */
export function createObject(
  s: KernelState,
  type: AnyObjectTypeName,
  paddr: PhysAddr,
  userSize: number,
  isDevice: boolean,
): NewObject {
  if (isGenericObjectType(type)) return createGenericObject(type, paddr, userSize, isDevice);
  const frameSize = frameSizeOfType(type);
  if (frameSize !== undefined) return createFrame(paddr, frameSize, isDevice);
  switch (type) {
    case "seL4_ARM_PageDirectoryObject": {
      const pd = pptr(paddr, "VSpaceRoot");
      return {
        object: { type: "PageDirectory", paddr: pd },
        entries: copyGlobalMappings(s, PMap.empty()),
        cap: { type: "PageDirectory", paddr: pd, mappedASID: null },
      };
    }
    case "seL4_ARM_PageTableObject": {
      const pt = pptr(paddr, "PageTable");
      return {
        object: { type: "PageTable", paddr: pt },
        entries: PMap.empty<number, number>(),
        cap: { type: "PageTable", paddr: pt, mapping: null },
      };
    }
    default:
      throw new Error(`capsim internal error: no creation rule for ${type}`);
  }
}
