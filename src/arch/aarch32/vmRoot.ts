import type { HWASID, PhysAddr } from "../../model/addresses.ts";
import { getCap } from "../../kernel/cdt.ts";
import { slotAddress } from "../../kernel/cspace.ts";
import { TCB_SLOTS } from "../../model/constants.ts";
import type { MutableState } from "../../model/transition.ts";
import { findPDForASID } from "./asid.ts";
import { getHWASID } from "./hwASID.ts";

/** What CONTEXTIDR.ASID holds before any address space has been loaded. */
const NO_HW_ASID_YET = 0 as HWASID;

/**
 * seL4's setVMRoot (src/arch/arm/32/kernel/vspace.c): load a thread's address space. Its
 * tcbVTable cap must be a page directory cap with an ASID that still names that directory;
 * then the directory is loaded with its hardware ASID (allocated on demand). Otherwise the
 * kernel's global directory is loaded, where every user access faults.
 */
export function setVMRoot(s: MutableState, tcb: PhysAddr | null): void {
  // seL4 loads the global directory without touching CONTEXTIDR: the hardware ASID stays as it was.
  const loadGlobal = () => {
    s.loadedVSpace = s.globalPD === null ? null : { pd: s.globalPD, hwASID: s.loadedVSpace?.hwASID ?? NO_HW_ASID_YET };
  };
  if (tcb === null) return loadGlobal();
  const root = getCap(s, slotAddress(tcb, TCB_SLOTS.tcbVTable));
  if (root.type !== "PageDirectory" || root.mappedASID === null) return loadGlobal();
  const found = findPDForASID(s, root.mappedASID);
  if (!found.ok || found.value !== root.paddr) return loadGlobal();
  const hw = getHWASID(s, root.mappedASID);
  s.loadedVSpace = { pd: root.paddr, hwASID: hw };
}
