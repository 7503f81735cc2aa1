import type { CacheMaintenance } from "../../arm/cacheMaintenance.ts";

/**
 * A cache maintenance operation of a frame or a VSpace (performPageFlush / performVSpaceFlush).
 * seL4 switches TTBR0 to the VSpace for the duration (setVMRootForFlush) and back, so the loaded
 * root is the same afterwards and capsim records only the operation.
 */
export interface Aarch64FlushInvocation extends CacheMaintenance {
  readonly kind: "Aarch64Flush";
}
