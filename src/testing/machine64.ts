import { asid, paddr, type PhysAddr } from "../model/addresses.ts";
import { TCB_SLOTS } from "../model/constants.ts";
import { PMap } from "../model/pmap.ts";
import { emptyKernelState, type KernelState } from "../model/state.ts";
import { transition } from "../model/transition.ts";
import { insertCap } from "../kernel/cdt.ts";
import { slotAddress } from "../kernel/cspace.ts";
import { putObject } from "../kernel/store.ts";
import { DEFAULT_CONFIGS } from "../arch/index.ts";

/**
 * A hand-built AArch64 machine, for tests and the fuzz world until AArch64 boot exists: a
 * 256-slot root CNode whose guard makes every CPtr a slot index (depth 64), a TCB using it, the
 * TCB's cap in slot 1, ASID control in slot 5, an empty initial ASID pool (base 0, ASID table
 * entry 0) in slot 6, and a 1 GiB-aligned 4 GiB untyped in slot 10. No thread runs and nothing
 * is loaded in TTBR0.
 */
export const HAND_BUILT_64 = {
  cnode: 2,
  tcb: 1,
  asidControl: 5,
  asidPool: 6,
  untyped: 10,
  untypedBase: 0x40000000,
  untypedBits: 32,
  /** the first slot nothing uses */
  firstFree: 16,
  /** the CNode depth that names a slot */
  depth: 64,
} as const;

export interface HandBuiltMachine {
  readonly state: KernelState;
  readonly initThread: PhysAddr;
}

export function handBuiltAarch64Machine(): HandBuiltMachine {
  const cnode = paddr(0x1000_0000);
  const tcb = paddr(0x1001_0000);
  const pool = paddr(0x1002_0000);
  const H = HAND_BUILT_64;
  const state = transition(emptyKernelState(DEFAULT_CONFIGS.aarch64), (d) => {
    putObject(d, { type: "CNode", paddr: cnode, radixBits: 8 });
    putObject(d, { type: "TCB", paddr: tcb, ipcBuffer: 0 as never });
    putObject(d, { type: "ASIDPool", paddr: pool, entries: PMap.empty() });
    d.asidTable = d.asidTable.set(0, pool);
    const cnodeCap = { type: "CNode", paddr: cnode, radixBits: 8, guardSize: 64 - 8, guard: 0 } as const;
    insertCap(d, cnodeCap, slotAddress(cnode, H.cnode), null, true);
    insertCap(d, cnodeCap, slotAddress(tcb, TCB_SLOTS.tcbCTable), null, false);
    insertCap(d, { type: "TCB", paddr: tcb }, slotAddress(cnode, H.tcb), null, true);
    insertCap(d, { type: "ASIDControl" }, slotAddress(cnode, H.asidControl), null, true);
    insertCap(d, { type: "ASIDPool", paddr: pool, asidBase: asid(0) }, slotAddress(cnode, H.asidPool), null, true);
    insertCap(
      d,
      { type: "Untyped", paddr: paddr(H.untypedBase), sizeBits: H.untypedBits, isDevice: false, freeIndex: 0 },
      slotAddress(cnode, H.untyped),
      null,
      true,
    );
  });
  return { state, initThread: tcb };
}
