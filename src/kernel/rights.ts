import type { Cap, CapRights, VMRights } from "../model/caps.ts";

/**
 * seL4's maskVMRights (src/arch/arm/32/kernel/vspace.c): the VM rights a frame cap keeps
 * under a seL4_CapRights mask. Read is needed for any user access; write alone cannot be
 * expressed, so a write-only request yields a kernel-only (user-inaccessible) mapping.
 */
export function maskVMRights(vmRights: VMRights, mask: CapRights): VMRights {
  if (vmRights === "VMNoAccess") return "VMNoAccess";
  if (vmRights === "VMReadOnly" && mask.read) return "VMReadOnly";
  if (vmRights === "VMReadWrite" && mask.read) return mask.write ? "VMReadWrite" : "VMReadOnly";
  return "VMKernelOnly";
}

function andRights(a: CapRights, b: CapRights): CapRights {
  return {
    read: a.read && b.read,
    write: a.write && b.write,
    grant: a.grant && b.grant,
    grantReply: a.grantReply && b.grantReply,
  };
}

/**
 * seL4's maskCapRights: a cap with its rights reduced by `mask` (CNode Copy and Mint).
 * Endpoint and notification caps lose rights bit by bit; frame caps go through maskVMRights;
 * caps without rights are unchanged.
 */
export function maskCapRights(mask: CapRights, cap: Cap): Cap {
  switch (cap.type) {
    case "Endpoint":
    case "Notification":
      return { ...cap, rights: andRights(cap.rights, mask) };
    case "Frame":
      // Field by field (as frameCapWithMapping): a spread made a frame cap of another shape.
      return {
        type: "Frame",
        paddr: cap.paddr,
        size: cap.size,
        vmRights: maskVMRights(cap.vmRights, mask),
        isDevice: cap.isDevice,
        mapping: cap.mapping,
      };
    default:
      return cap;
  }
}
