import { asid, paddr, pptr, type CPtr, type PhysAddr } from "../../../src/model/addresses.ts";
import { PMap } from "../../../src/model/pmap.ts";
import { insertCap } from "../../../src/kernel/cdt.ts";
import { slotAddress } from "../../../src/kernel/cspace.ts";
import { putObject } from "../../../src/kernel/store.ts";
import { invoke } from "../../../src/invocations/dispatch.ts";
import { TCB_SLOTS } from "../../../src/model/constants.ts";
import type { InvocationLabel } from "../../../src/model/labels.ts";
import type { InvokeResult } from "../../../src/model/message.ts";
import { emptyKernelState, type KernelState } from "../../../src/model/state.ts";
import { transition } from "../../../src/model/transition.ts";
import { AARCH64_DEFAULT_CONFIG } from "../../../src/arch/aarch64/config.ts";
import { objectTypeNumber, type ObjectTypeName } from "../../../src/arch/aarch64/objectTypes.ts";
import { expectOk } from "../../helpers/machine.ts";

/**
 * A hand-built AArch64 machine until AArch64 boot exists: a 256-slot root CNode whose guard makes
 * every CPtr a slot index, a TCB using it, ASID control in slot 5, an empty initial ASID pool
 * (base 0, ASID table entry 0) in slot 6, and a 1 GiB-aligned 4 GiB untyped in slot 10.
 */
export const CNODE = 2;
export const ASID_CONTROL = 5;
export const ASID_POOL = 6;
export const UNTYPED = 10;
export const UNTYPED_BASE = 0x40000000;

export interface Machine {
  readonly state: KernelState;
  readonly thread: PhysAddr;
}

export function aarch64Machine(): Machine {
  const cnode = paddr(0x1000_0000);
  const tcb = paddr(0x1001_0000);
  const pool = pptr(paddr(0x1002_0000), "ASIDPool");
  const state = transition(emptyKernelState(AARCH64_DEFAULT_CONFIG), (d) => {
    putObject(d, { type: "CNode", paddr: cnode, radixBits: 8 });
    putObject(d, { type: "TCB", paddr: tcb, ipcBuffer: 0 as never });
    putObject(d, { type: "ASIDPool", paddr: pool, entries: PMap.empty() });
    d.asidTable = d.asidTable.set(0, pool);
    const cnodeCap = {
      type: "CNode",
      paddr: cnode,
      radixBits: 8,
      guardSize: 64 - 8,
      guard: 0,
    } as const;
    insertCap(d, cnodeCap, slotAddress(d, cnode, CNODE), null, true);
    insertCap(d, cnodeCap, slotAddress(d, tcb, TCB_SLOTS.tcbCTable), null, false);
    insertCap(d, { type: "TCB", paddr: tcb }, slotAddress(d, cnode, 1), null, true);
    insertCap(d, { type: "ASIDControl" }, slotAddress(d, cnode, ASID_CONTROL), null, true);
    insertCap(d, { type: "ASIDPool", paddr: pool, asidBase: asid(0) }, slotAddress(d, cnode, ASID_POOL), null, true);
    insertCap(
      d,
      {
        type: "Untyped",
        paddr: paddr(UNTYPED_BASE),
        sizeBits: 32,
        isDevice: false,
        freeIndex: 0,
      },
      slotAddress(d, cnode, UNTYPED),
      null,
      true,
    );
  });
  return { state, thread: tcb };
}

export function call(
  m: Machine,
  cptr: number,
  label: InvocationLabel,
  args: number[] = [],
  extraCaps: number[] = [],
): InvokeResult {
  return invoke(m.state, m.thread, cptr as CPtr, {
    label,
    args,
    extraCaps: extraCaps as CPtr[],
  });
}

/** Calls and asserts success; the machine with the new state. */
export function ok(
  m: Machine,
  cptr: number,
  label: InvocationLabel,
  args: number[] = [],
  extraCaps: number[] = [],
): Machine {
  const r = call(m, cptr, label, args, extraCaps);
  expectOk(r);
  return { state: r.state, thread: m.thread };
}

/** Retype `count` objects into slots from `dest`. */
export function retype(m: Machine, type: ObjectTypeName, dest: number, count = 1, untyped = UNTYPED): Machine {
  return ok(m, untyped, "UntypedRetype", [objectTypeNumber(type), 0, 0, 0, dest, count], [CNODE]);
}

/** A machine with a VSpace in slot 20 assigned ASID 1, page tables in 30.., small pages in 40.., large in 50.., huge in 60. */
export function withVSpace(): Machine {
  let m = aarch64Machine();
  m = retype(m, "seL4_ARM_HugePageObject", 60, 2);
  m = retype(m, "seL4_ARM_VSpaceObject", 20, 2);
  m = retype(m, "seL4_ARM_PageTableObject", 30, 6);
  m = retype(m, "seL4_ARM_SmallPageObject", 40, 4);
  m = retype(m, "seL4_ARM_LargePageObject", 50, 2);
  return ok(m, ASID_POOL, "ARMASIDPoolAssign", [], [20]);
}
