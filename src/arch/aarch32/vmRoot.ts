import type { ASID, HWASID, PhysAddr, PPtr } from "../../model/addresses.ts";
import { getCap } from "../../kernel/cdt.ts";
import { slotAddress } from "../../kernel/cspace.ts";
import { TCB_SLOTS } from "../../model/constants.ts";
import type { MutableState } from "../../model/transition.ts";
import { findPDForASID } from "./asid.ts";
import { getHWASID } from "./hwASID.ts";

/** What CONTEXTIDR.ASID holds before any address space has been loaded. */
const NO_HW_ASID_YET = 0 as HWASID;

/**
 * seL4's armv_contextSwitch (include/arch/arm/armv/armv7-a/armv/context_switch.h): load a
 * directory under its seL4 ASID's hardware ASID. getHWASID allocates one when the ASID holds
 * none, and may steal another ASID's (flushing its TLB lines), so loading is never free.
 */
function armv_contextSwitch(s: MutableState, pd: PPtr<"VSpaceRoot">, a: ASID): void {
  const hw = getHWASID(s, a);
  s.loadedVSpace = { pd, hwASID: hw };
}

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
  const root = getCap(s, slotAddress(s, tcb, TCB_SLOTS.tcbVTable));
  if (root.type !== "PageDirectory" || root.mappedASID === null) return loadGlobal();
  const found = findPDForASID(s, root.mappedASID);
  if (!found.ok || found.value !== root.paddr) return loadGlobal();
  armv_contextSwitch(s, root.paddr, root.mappedASID);
}

/**
 * seL4's setVMRootForFlush (vspace.c, the same at 10.1.1 and 16.0.0): before flushing a page,
 * a table or a cache range of directory `pd`, switch to it unless the current thread's
 * tcbVTable cap already names it. seL4 looks only at that cap (not at whether its ASID still
 * resolves, nor at what is loaded), so a thread whose root went stale still counts as "in" its
 * directory. Returns whether it switched; the caller then switches back with setVMRoot. The
 * switch allocates the target ASID a hardware ASID, which it keeps afterwards.
 */
export function setVMRootForFlush(s: MutableState, pd: PPtr<"VSpaceRoot">, a: ASID): boolean {
  // seL4 always has a current thread; capsim's state may have none, and then no root names pd.
  if (s.currentThread !== null) {
    const threadRoot = getCap(s, slotAddress(s, s.currentThread, TCB_SLOTS.tcbVTable));
    if (threadRoot.type === "PageDirectory" && threadRoot.mappedASID !== null && threadRoot.paddr === pd) return false;
  }
  armv_contextSwitch(s, pd, a);
  return true;
}
