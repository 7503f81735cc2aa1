import { hex, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import { MEMORY_PAGE_BYTES, storePhysical } from "../kernel/physmem.ts";
import type { KernelState } from "../model/state.ts";
import { transition } from "../model/transition.ts";
import { aarch64KernelTablesOf, aarch64KernelTranslate, resolve } from "../arch/index.ts";

/**
 * Physical memory contents: sparse, by 4 KiB page; an untouched page reads as zero. A write
 * copies the page it changes, so older states keep what they had.
 */
export function readPhysical(s: KernelState, p: PhysAddr, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length;) {
    const addr = p + i;
    const page = Math.floor(addr / MEMORY_PAGE_BYTES);
    const off = addr % MEMORY_PAGE_BYTES;
    const n = Math.min(length - i, MEMORY_PAGE_BYTES - off);
    const bytes = s.memory.get(page);
    if (bytes) out.set(bytes.subarray(off, off + n), i);
    i += n;
  }
  return out;
}

/** Physical memory with `data` written at `p`. */
export function writePhysical(s: KernelState, p: PhysAddr, data: Uint8Array): KernelState {
  return transition(s, (d) => storePhysical(d, p, data));
}

/**
 * The physical address the kernel reaches through its window at kernel virtual address `kv`
 * (the design notes' "direct phys access for kernel"): on ARM32 a walk of the global page
 * directory; on AArch64 a walk of the TTBR1 tables, where `kv` is a bigint (kernel addresses lie
 * above 2^63, beyond what a number holds exactly).
 */
export function kernelWindowToPhysical(s: KernelState, kv: VirtAddr | bigint): PhysAddr {
  if (s.globalPD === null)
    throw new Error("no kernel window: this machine was booted without one (use boot(), not bootMinimal())");
  if (s.config.arch === "aarch64") {
    if (typeof kv !== "bigint")
      throw new Error(`on aarch64 a kernel address is a bigint (such as 0xffffff8040000000n), not ${hex(kv)}`);
    const t = aarch64KernelTranslate(aarch64KernelTablesOf(s.globalPD), kv);
    if (t === undefined) throw new Error(`the kernel window does not map 0x${kv.toString(16)}`);
    return t.paddr;
  }
  if (typeof kv === "bigint") throw new Error("on aarch32 a kernel address is a number below 2^32, not a bigint");
  if (kv < s.config.userTop)
    throw new Error(`${hex(kv)} is below USER_TOP (${hex(s.config.userTop)}): not a kernel window address`);
  const r = resolve(s, s.globalPD, kv);
  if (!r.mapped) throw new Error(`the kernel window does not map ${hex(kv)}`);
  return r.paddr;
}

/** The kernel reading physical memory through its window. */
export function kernelRead(s: KernelState, kv: VirtAddr | bigint, length: number): Uint8Array {
  return readPhysical(s, kernelWindowToPhysical(s, kv), length);
}

/** The kernel writing physical memory through its window. */
export function kernelWrite(s: KernelState, kv: VirtAddr | bigint, data: Uint8Array): KernelState {
  return writePhysical(s, kernelWindowToPhysical(s, kv), data);
}
