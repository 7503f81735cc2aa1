import { hex } from "../model/addresses.ts";
import type { Cap } from "../model/caps.ts";

/** One line describing a cap, for people. */
export function capText(c: Cap): string {
  switch (c.type) {
    case "Frame":
      return `Frame ${c.size} @${hex(c.paddr)} ${c.vmRights.replace(/^VM/, "")}${c.mapping ? ` mapped ASID ${c.mapping.asid} at ${hex(c.mapping.vaddr)}` : " unmapped"}`;
    case "PageTable":
      return `PageTable @${hex(c.paddr)}${c.mapping ? ` mapped ASID ${c.mapping.asid} at ${hex(c.mapping.vaddr)}` : " unmapped"}`;
    case "PageDirectory":
    case "VSpace":
      return `${c.type} @${hex(c.paddr)}${c.mappedASID !== null ? ` ASID ${c.mappedASID}` : " no ASID"}`;
    case "Untyped":
      return `Untyped @${hex(c.paddr)} 2^${c.sizeBits}${c.isDevice ? " device" : ""} free from +${hex(c.freeIndex)}`;
    case "ASIDPool":
      return `ASIDPool @${hex(c.paddr)} ASIDs from ${c.asidBase}`;
    case "CNode":
      return `CNode @${hex(c.paddr)} radix ${c.radixBits} guard ${c.guard}/${c.guardSize}`;
    case "Null":
    case "ASIDControl":
    case "IRQControl":
    case "Domain":
      return c.type;
    default:
      return `${c.type} @${hex(c.paddr)}`;
  }
}
