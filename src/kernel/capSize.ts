import type { KernelObject } from "../model/objects.ts";
import { objectSizeBits } from "./store.ts";
import type { Cap } from "../model/caps.ts";
import type { KernelSizes } from "../model/state.ts";

/**
 * log2 of the size of the memory a cap names (seL4's cap_get_capSizeBits), or undefined for caps
 * naming no memory. An untyped cap carries its own size; every other cap has the same type name
 * and size fields (radix, frame size) as the object record it names, so the object's rule serves.
 */
export function objectSizeBitsOfCap(sizes: KernelSizes, cap: Cap): number | undefined {
  switch (cap.type) {
    case "Untyped":
      return cap.sizeBits;
    case "Null":
    case "ASIDControl":
    case "IRQControl":
    case "Domain":
      return undefined;
    default:
      return objectSizeBits(sizes, cap as unknown as KernelObject);
  }
}
