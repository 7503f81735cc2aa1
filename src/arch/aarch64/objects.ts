import { pptr, type PhysAddr } from "../../model/addresses.ts";
import { PMap } from "../../model/pmap.ts";
import type { AnyObjectTypeName } from "../../model/objectTypes.ts";
import type { PTEWord } from "../../model/objects.ts";
import { frameSizeBits, type KernelSizes, type KernelState } from "../../model/state.ts";
import {
  createFrame,
  createGenericObject,
  genericObjectSizeBits,
  isGenericObjectType,
  type NewObject,
} from "../../kernel/create.ts";
import { frameSizeOfType } from "./objectTypes.ts";

/** seL4's getObjectSize with AArch64's Arch_getObjectSize (OT64). */
export function objectSizeBitsOfType(sizes: KernelSizes, type: AnyObjectTypeName, userSize: number): number {
  if (isGenericObjectType(type)) return genericObjectSizeBits(sizes, type, userSize);
  switch (type) {
    case "seL4_ARM_VSpaceObject":
      return sizes.vspaceRootBits;
    case "seL4_ARM_PageTableObject":
      return sizes.pageTableBits;
    default: {
      const frameSize = frameSizeOfType(type);
      if (frameSize === undefined) throw new Error(`capsim internal error: AArch64 has no ${type}`);
      return frameSizeBits(sizes, frameSize);
    }
  }
}

/**
 * seL4's createObject with AArch64's Arch_createObject (OT64): frames read-write and unmapped,
 * page tables unmapped, a VSpace without an ASID and EMPTY: no kernel entries are copied in,
 * because the kernel lives behind TTBR1 (there is no copyGlobalMappings on AArch64).
 */
export function createObject(
  _s: KernelState,
  type: AnyObjectTypeName,
  paddr: PhysAddr,
  userSize: number,
  isDevice: boolean,
): NewObject {
  if (isGenericObjectType(type)) return createGenericObject(type, paddr, userSize, isDevice);
  const frameSize = frameSizeOfType(type);
  if (frameSize !== undefined) return createFrame(paddr, frameSize, isDevice);
  switch (type) {
    case "seL4_ARM_VSpaceObject": {
      const root = pptr(paddr, "VSpaceRoot");
      return {
        object: { type: "VSpace", paddr: root },
        entries: PMap.empty<number, PTEWord>(),
        cap: { type: "VSpace", paddr: root, mappedASID: null },
      };
    }
    case "seL4_ARM_PageTableObject": {
      const pt = pptr(paddr, "PageTable");
      return {
        object: { type: "PageTable64", paddr: pt },
        entries: PMap.empty<number, PTEWord>(),
        cap: { type: "PageTable", paddr: pt, mapping: null },
      };
    }
    default:
      throw new Error(`capsim internal error: AArch64 has no ${type}`);
  }
}
