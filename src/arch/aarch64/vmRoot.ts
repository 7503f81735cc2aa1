import type { HWASID, PhysAddr } from "../../model/addresses.ts";
import { getCap } from "../../kernel/cdt.ts";
import { slotAddress } from "../../kernel/cspace.ts";
import { TCB_SLOTS } from "../../model/constants.ts";
import type { MutableState } from "../../model/transition.ts";
import { findVSpaceForASID } from "./asid.ts";

/**
 * seL4's setVMRoot (V64, no hypervisor): the thread's tcbVTable cap must be a VSpace cap with an
 * ASID that still names that VSpace; then TTBR0_EL1 := (asid << 48) | root: the seL4 ASID is the
 * hardware ASID, nothing is allocated. Otherwise armKSGlobalUserVSpace (an empty table, kept in
 * `globalPD`; null before boot builds it) with ASID 0, where every user access faults; unlike
 * ARM32's global PD it holds no kernel mappings, which live behind TTBR1.
 */
export function setVMRoot(s: MutableState, tcb: PhysAddr | null): void {
  const loadGlobal = () => {
    s.loadedVSpace = s.globalPD === null ? null : { pd: s.globalPD, hwASID: 0 as HWASID };
  };
  if (tcb === null) return loadGlobal();
  const root = getCap(s, slotAddress(s, tcb, TCB_SLOTS.tcbVTable));
  if (root.type !== "VSpace" || root.mappedASID === null) return loadGlobal();
  const found = findVSpaceForASID(s, root.mappedASID);
  if (!found.ok || found.value !== root.paddr) return loadGlobal();
  s.loadedVSpace = {
    pd: root.paddr,
    hwASID: root.mappedASID as number as HWASID,
  };
}
