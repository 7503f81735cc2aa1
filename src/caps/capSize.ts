import { seL4_ASIDPoolBits, seL4_EndpointBits, seL4_NotificationBits, seL4_PageDirBits, seL4_PageTableBits, seL4_SlotBits, seL4_TCBBits } from "../objects/constants.ts";
import { FRAME_SIZE_BITS } from "../objects/types.ts";
import type { Cap } from "./types.ts";

/** log2 of the size of the memory a cap names (seL4's cap_get_capSizeBits), or undefined for caps naming no memory. */
export function objectSizeBitsOfCap(cap: Cap): number | undefined {
  switch (cap.type) {
    case "Untyped":
      return cap.sizeBits;
    case "CNode":
      return cap.radixBits + seL4_SlotBits;
    case "TCB":
      return seL4_TCBBits;
    case "Endpoint":
      return seL4_EndpointBits;
    case "Notification":
      return seL4_NotificationBits;
    case "Frame":
      return FRAME_SIZE_BITS[cap.size];
    case "PageTable":
      return seL4_PageTableBits;
    case "PageDirectory":
      return seL4_PageDirBits;
    case "ASIDPool":
      return seL4_ASIDPoolBits;
    case "Null":
    case "ASIDControl":
      return undefined;
  }
}
