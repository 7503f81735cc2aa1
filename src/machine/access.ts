import { hex, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import { getCap } from "../kernel/cdt.ts";
import { slotAddress } from "../kernel/cspace.ts";
import { findPDForASID } from "../arch/index.ts";
import { TCB_SLOTS } from "../model/constants.ts";
import type { KernelState } from "../model/state.ts";
import { mmuTranslate } from "../arch/index.ts";
import { resolve } from "../arch/index.ts";
import { readPhysical, writePhysical } from "./memory.ts";

/**
 * A VM fault, as the kernel would report it to the thread's fault handler: translation at the
 * section or page level, or permission; the ARMv7 short-descriptor fault status (FSR) value;
 * the faulting address; and whether it was a write (DFSR.WnR).
 */
export interface VMFault {
  readonly kind: "translation" | "permission";
  readonly level: "section" | "page";
  readonly fsr: number;
  readonly vaddr: VirtAddr;
  readonly write: boolean;
  readonly why: string;
}

export type AccessResult<T> =
  | { readonly ok: true; readonly state: KernelState; readonly value: T }
  | {
      readonly ok: false;
      readonly state: KernelState;
      readonly fault: VMFault;
    };

const FSR = {
  translation: { section: 0x5, page: 0x7 },
  permission: { section: 0xd, page: 0xf },
} as const;

function fault(kind: VMFault["kind"], level: VMFault["level"], vaddr: VirtAddr, write: boolean, why: string): VMFault {
  return {
    kind,
    level,
    fsr: FSR[kind][level] + (write ? 0x800 : 0),
    vaddr,
    write,
    why,
  };
}

/** Translate one user access in the loaded address space, through the TLB (filling it on a miss), checking rights. */
function translateUser(s: KernelState, v: VirtAddr, write: boolean): AccessResult<PhysAddr> {
  const t = mmuTranslate(s, v);
  if (!t.translation.ok) {
    const level = t.translation.level === "PageDirectory" ? "section" : "page";
    return {
      ok: false,
      state: t.state,
      fault: fault("translation", level, v, write, t.translation.why),
    };
  }
  const line = t.translation.line;
  const level = line.size === "Section" || line.size === "SuperSection" ? "section" : "page";
  const allowed = line.rights === "VMReadWrite" || (line.rights === "VMReadOnly" && !write);
  if (!allowed)
    return {
      ok: false,
      state: t.state,
      fault: fault(
        "permission",
        level,
        v,
        write,
        `a user ${write ? "write" : "read"} to ${hex(v)}, mapped ${line.rights}`,
      ),
    };
  return { ok: true, state: t.state, value: t.translation.paddr as PhysAddr };
}

/** The current thread reading `length` bytes at `vaddr` in its address space. */
export function userRead(s: KernelState, vaddr: VirtAddr, length: number): AccessResult<Uint8Array> {
  const out = new Uint8Array(length);
  let state = s;
  for (let i = 0; i < length;) {
    const v = (vaddr + i) as VirtAddr;
    const n = Math.min(length - i, 4096 - (v % 4096));
    const t = translateUser(state, v, false);
    if (!t.ok) return t;
    state = t.state;
    out.set(readPhysical(state, t.value, n), i);
    i += n;
  }
  return { ok: true, state, value: out };
}

/** The current thread writing `data` at `vaddr` in its address space. */
export function userWrite(s: KernelState, vaddr: VirtAddr, data: Uint8Array): AccessResult<null> {
  let state = s;
  for (let i = 0; i < data.length;) {
    const v = (vaddr + i) as VirtAddr;
    const n = Math.min(data.length - i, 4096 - (v % 4096));
    const t = translateUser(state, v, true);
    if (!t.ok) return t;
    state = writePhysical(t.state, t.value, data.subarray(i, i + n));
    i += n;
  }
  return { ok: true, state, value: null };
}

/**
 * The kernel reading a thread's memory by resolving the virtual address in that thread's
 * VSpace (the design notes' "resolving lets kernel access mapped process memory"): no TLB, no
 * rights check (the kernel may read kernel-only mappings); undefined where nothing is mapped.
 */
export function kernelReadUser(s: KernelState, tcb: PhysAddr, vaddr: VirtAddr, length: number): Uint8Array | undefined {
  const root = getCap(s, slotAddress(tcb, TCB_SLOTS.tcbVTable));
  if (root.type !== "PageDirectory" || root.mappedASID === null) return undefined;
  const pd = findPDForASID(s, root.mappedASID);
  if (!pd.ok || pd.value !== root.paddr) return undefined;
  const out = new Uint8Array(length);
  for (let i = 0; i < length;) {
    const v = (vaddr + i) as VirtAddr;
    const n = Math.min(length - i, 4096 - (v % 4096));
    const r = resolve(s, pd.value, v);
    if (!r.mapped) return undefined;
    out.set(readPhysical(s, r.paddr, n), i);
    i += n;
  }
  return out;
}
