import type { MutableState } from "../model/transition.ts";

/** Bytes in one page of the sparse physical-memory store. */
export const MEMORY_PAGE_BYTES = 4096;

/**
 * Sets physical memory [start, start+length) to zero, as seL4 zeroes memory when it resets
 * an untyped or creates a frame. Whole pages are dropped from the sparse store (an absent
 * page reads as zero); a partly covered page is copied and cleared, so older states keep theirs.
 */
export function zeroPhysical(s: MutableState, start: number, length: number): void {
  if (s.memory.isEmpty || length <= 0) return;
  const end = start + length;
  const firstPage = Math.floor(start / MEMORY_PAGE_BYTES);
  const lastPage = Math.floor((end - 1) / MEMORY_PAGE_BYTES);
  for (const [page, bytes] of [...s.memory.range(firstPage, lastPage + 1)]) {
    const pageStart = page * MEMORY_PAGE_BYTES;
    const lo = Math.max(start, pageStart) - pageStart;
    const hi = Math.min(end, pageStart + MEMORY_PAGE_BYTES) - pageStart;
    if (lo === 0 && hi === MEMORY_PAGE_BYTES) {
      s.memory = s.memory.delete(page);
    } else {
      const copy = bytes.slice();
      copy.fill(0, lo, hi);
      s.memory = s.memory.set(page, copy);
    }
  }
}

/**
 * Writes `data` to physical memory at `start`. Each page it touches is copied first, so older
 * states keep what they had.
 */
export function storePhysical(s: MutableState, start: number, data: Uint8Array): void {
  for (let i = 0; i < data.length;) {
    const addr = start + i;
    const page = Math.floor(addr / MEMORY_PAGE_BYTES);
    const off = addr % MEMORY_PAGE_BYTES;
    const n = Math.min(data.length - i, MEMORY_PAGE_BYTES - off);
    const copy = new Uint8Array(MEMORY_PAGE_BYTES);
    const old = s.memory.get(page);
    if (old) copy.set(old);
    copy.set(data.subarray(i, i + n), off);
    s.memory = s.memory.set(page, copy);
    i += n;
  }
}
