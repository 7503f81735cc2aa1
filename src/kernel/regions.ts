import { pow2 } from "../model/addresses.ts";
import { objectSizeBitsOfCap } from "./capSize.ts";
import { isObjectlessCap, type Cap } from "../model/caps.ts";
import { frameSizeBits, type KernelSizes } from "../model/state.ts";

/**
 * seL4's sameRegionAs (src/object/objecttype.c and Arch_sameRegionAs): whether cap `b` names
 * memory or an object inside what cap `a` names. An untyped cap covers every object in its
 * region; a frame cap covers frames inside it; other caps cover only their own object.
 */
export function sameRegionAs(sizes: KernelSizes, a: Cap, b: Cap): boolean {
  switch (a.type) {
    case "Untyped": {
      const bBits = objectSizeBitsOfCap(sizes, b);
      if (bBits === undefined || isObjectlessCap(b)) return false;
      const bBase = b.paddr;
      const bTop = bBase + pow2(bBits) - 1;
      return a.paddr <= bBase && bTop <= a.paddr + pow2(a.sizeBits) - 1;
    }
    case "Frame": {
      if (b.type !== "Frame") return false;
      const aTop = a.paddr + pow2(frameSizeBits(sizes, a.size)) - 1;
      const bTop = b.paddr + pow2(frameSizeBits(sizes, b.size)) - 1;
      return a.paddr <= b.paddr && aTop >= bTop;
    }
    case "CNode":
      return b.type === "CNode" && a.paddr === b.paddr && a.radixBits === b.radixBits;
    case "TCB":
    case "Endpoint":
    case "Notification":
    case "PageTable":
    case "PageDirectory":
    case "VSpace":
    case "ASIDPool":
      return b.type === a.type && b.paddr === a.paddr;
    // The control caps name no object: each is "the same region" only as its own kind.
    case "ASIDControl":
    case "IRQControl":
    case "Domain":
      return b.type === a.type;
    case "Null":
      return false;
  }
}

/**
 * seL4's sameObjectAs: whether two caps name the very same object. Untyped caps never do
 * (so they never make another cap non-final); frames must match in base, size and device flag.
 */
export function sameObjectAs(sizes: KernelSizes, a: Cap, b: Cap): boolean {
  // An IRQ control cap is never "the same object" as another cap, as seL4's sameObjectAs says.
  if (a.type === "Untyped" || a.type === "IRQControl") return false;
  if (a.type === "Frame" && b.type === "Frame")
    return a.paddr === b.paddr && a.size === b.size && a.isDevice === b.isDevice;
  return sameRegionAs(sizes, a, b);
}

/**
 * seL4's isCapRevocable(derived, src): whether a newly derived cap is itself an original
 * (its MDB revocable bit). Untyped copies are; endpoint and notification caps are when
 * minting gave them a new badge; ARM VM caps never are.
 */
export function isCapRevocable(derived: Cap, src: Cap): boolean {
  switch (derived.type) {
    case "Endpoint":
    case "Notification":
      return src.type === derived.type && derived.badge !== src.badge;
    case "Untyped":
      return true;
    default:
      return false;
  }
}

/**
 * seL4's isMDBParentOf, for a cap being inserted right after `parent`: the new cap is a child
 * when the parent is an original that covers it, and (for badged endpoint-like caps) carries
 * the same badge.
 */
export function isMDBParentOf(
  sizes: KernelSizes,
  parent: Cap,
  parentIsOriginal: boolean,
  child: Cap,
  childIsOriginal: boolean,
): boolean {
  if (!parentIsOriginal || !sameRegionAs(sizes, parent, child)) return false;
  if ((parent.type === "Endpoint" || parent.type === "Notification") && child.type === parent.type) {
    if (parent.badge === 0) return true;
    // A cap minted with a fresh badge is "first badged" (an original): never a child of another badged cap.
    return parent.badge === child.badge && !childIsOriginal;
  }
  return true;
}
