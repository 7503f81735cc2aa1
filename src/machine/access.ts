import { hex, type PhysAddr, type PPtr, type VirtAddr } from "../model/addresses.ts";
import { getCap } from "../kernel/cdt.ts";
import { slotAddress } from "../kernel/cspace.ts";
import {
  findPDForASID,
  findVSpaceForASID,
  mmuTranslate,
  resolve,
  resolveAarch64,
  translateUserAccessAarch64,
} from "../arch/index.ts";
import { TCB_SLOTS } from "../model/constants.ts";
import type { KernelState } from "../model/state.ts";
import { readPhysical, writePhysical } from "./memory.ts";

/**
 * A VM fault, as the kernel would report it to the thread's fault handler. On ARM32: translation
 * at the section or page level, or permission; the ARMv7 short-descriptor fault status (FSR)
 * value; the faulting address; and whether it was a write (DFSR.WnR).
 */
export interface Aarch32VMFault {
  readonly arch: "aarch32";
  readonly kind: "translation" | "permission";
  readonly level: "section" | "page";
  readonly fsr: number;
  readonly vaddr: VirtAddr;
  readonly write: boolean;
  readonly why: string;
}

/**
 * An AArch64 VM fault: translation or permission, at translation level 0-3 (the table whose
 * entry was invalid, or the leaf's level); ESR_EL1 as seL4 passes it in seL4_Fault_VMFault; the
 * faulting address (FAR_EL1); whether it was a write (ESR.WnR).
 */
export interface Aarch64VMFault {
  readonly arch: "aarch64";
  readonly kind: "translation" | "permission";
  readonly level: 0 | 1 | 2 | 3;
  readonly esr: number;
  readonly vaddr: VirtAddr;
  readonly write: boolean;
  readonly why: string;
}

export type VMFault = Aarch32VMFault | Aarch64VMFault;

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

function fault(
  kind: VMFault["kind"],
  level: Aarch32VMFault["level"],
  vaddr: VirtAddr,
  write: boolean,
  why: string,
): Aarch32VMFault {
  return {
    arch: "aarch32",
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
  if (s.config.arch === "aarch64") {
    const { state, translation: t } = translateUserAccessAarch64(s, v, write);
    if (t.ok) return { ok: true, state, value: t.paddr as PhysAddr };
    return {
      ok: false,
      state,
      fault: { arch: "aarch64", kind: t.kind, level: t.level, esr: t.esr, vaddr: v, write, why: t.why },
    };
  }
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
  const root = threadVSpaceRoot(s, tcb);
  if (root === undefined) return undefined;
  const out = new Uint8Array(length);
  for (let i = 0; i < length;) {
    const v = (vaddr + i) as VirtAddr;
    const n = Math.min(length - i, 4096 - (v % 4096));
    const r = resolveIn(s, root, v);
    if (!r.mapped) return undefined;
    out.set(readPhysical(s, r.paddr, n), i);
    i += n;
  }
  return out;
}

/**
 * The VSpace root a thread runs on, as setVMRoot finds it: its tcbVTable cap is the
 * architecture's root (a page directory on ARM32, a VSpace on AArch64) with an ASID that still
 * names that root. Undefined otherwise (the thread would run on the kernel's fallback root).
 */
export function threadVSpaceRoot(s: KernelState, tcb: PhysAddr): PPtr<"VSpaceRoot"> | undefined {
  const root = getCap(s, slotAddress(s, tcb, TCB_SLOTS.tcbVTable));
  const wanted = s.config.arch === "aarch64" ? "VSpace" : "PageDirectory";
  if ((root.type !== "PageDirectory" && root.type !== "VSpace") || root.type !== wanted || root.mappedASID === null)
    return undefined;
  const found = s.config.arch === "aarch64" ? findVSpaceForASID(s, root.mappedASID) : findPDForASID(s, root.mappedASID);
  return found.ok && found.value === root.paddr ? root.paddr : undefined;
}

/** What a walk found, the same keys on both architectures. */
export type Resolution =
  | {
      readonly mapped: true;
      readonly paddr: PhysAddr;
      readonly frame: PhysAddr;
      readonly vbase: VirtAddr;
      readonly pageSize: number;
      readonly size: string;
      readonly rights: string;
      /** the kernel-physical address of the entry that maps the page */
      readonly slot: PhysAddr;
    }
  | {
      readonly mapped: false;
      /** the structure whose entry was invalid: PageDirectory or PageTable (ARM32), VSpace or PageTable (AArch64) */
      readonly level: string;
      /** AArch64: the ARM translation level of that table (0 = the VSpace root) */
      readonly depth?: number;
    };

/** The MMU's table walk of `vaddr` from the root at `root` (no TLB, no rights check). */
export function resolveIn(s: KernelState, root: PPtr<"VSpaceRoot">, vaddr: VirtAddr): Resolution {
  if (s.config.arch === "aarch64") {
    const r = resolveAarch64(s, root, vaddr);
    return r.mapped ? r : { mapped: false, level: r.level, depth: r.armLevel };
  }
  return resolve(s, root, vaddr);
}

/** resolveIn from the VSpace root `tcb` runs on; undefined when the thread has no valid root. */
export function resolveForThread(s: KernelState, tcb: PhysAddr, vaddr: VirtAddr): Resolution | undefined {
  const root = threadVSpaceRoot(s, tcb);
  return root === undefined ? undefined : resolveIn(s, root, vaddr);
}
