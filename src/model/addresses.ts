import type { Brand } from "./brand.ts";

/** A virtual address, as a user thread or the kernel window sees it (seL4's `vptr_t`). */
export type VirtAddr = Brand<number, "VirtAddr">;
/** A physical address (seL4's `paddr_t`). Every kernel object lives at one. */
export type PhysAddr = Brand<number, "PhysAddr">;
/** A capability pointer: an address in a thread's CSpace (seL4's `cptr_t`). */
export type CPtr = Brand<number, "CPtr">;
/** An seL4 address-space identifier: 17 bits on ARM 32-bit; 0 means "none". */
export type ASID = Brand<number, "ASID">;
/**
 * A hardware ASID (ARMv7 CONTEXTIDR.ASID): the tag the TLB uses, handed to seL4 ASIDs lazily.
 * A different number space from seL4's ASIDs, which the brand keeps apart.
 */
export type HWASID = Brand<number, "HWASID">;

/**
 * What a VSpace object pointer may point at. A VSpace root is ARM32's page directory or AArch64's
 * level-0 table (one kind: an ASID pool entry names either, and each architecture only ever meets
 * its own); page tables are one kind at every level, as in seL4 13.0.0's AArch64.
 */
export type VSpaceObjectKind = "VSpaceRoot" | "PageTable" | "Frame" | "ASIDPool";
/**
 * A physical address known to hold a kernel object of one kind: l4v's `PPtr a`. A `PPtr` is a
 * `PhysAddr` (it goes wherever an address goes); an address becomes one only where the object is
 * made or read from a record that already says its kind (a cap, an ASID pool, a table entry), so
 * the architecture's functions cannot be handed a page table where they need a frame.
 */
export type PPtr<K extends VSpaceObjectKind> = PhysAddr & { readonly __object: K };

/** Brands a physical address as the place of a `K` (for object creation and decoding a descriptor). */
export const pptr = <K extends VSpaceObjectKind>(p: PhysAddr, _kind: K): PPtr<K> => p as PPtr<K>;

/** The largest address any helper here accepts: exact integer arithmetic holds up to 2^53. */
export const MAX_ADDRESS_BITS = 53;

const POW2: readonly number[] = Array.from({ length: 54 }, (_, i) => 2 ** i);

function checkedAddress(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what} must be a non-negative integer below 2^53, got ${n}`);
  }
  return n;
}

/** Brands a number as a virtual address (throws on a negative or non-integer value). */
export const vaddr = (n: number): VirtAddr => checkedAddress(n, "a virtual address") as VirtAddr;
/** Brands a number as a physical address (throws on a negative or non-integer value). */
export const paddr = (n: number): PhysAddr => checkedAddress(n, "a physical address") as PhysAddr;
/** Brands a number as a capability pointer. */
export const cptr = (n: number): CPtr => checkedAddress(n, "a CPtr") as CPtr;
/** Brands a number as an seL4 ASID. */
export const asid = (n: number): ASID => checkedAddress(n, "an ASID") as ASID;

/** 2^bits, exact for bits in [0, 53]. */
export function pow2(bits: number): number {
  const p = POW2[bits];
  if (p === undefined) throw new RangeError(`bit count ${bits} is outside [0, 53]`);
  return p;
}

// JavaScript's bitwise operators truncate to 32 signed bits, so every helper below uses
// division and remainder by powers of two, which are exact on integers below 2^53.

/** `x` rounded down to a multiple of 2^bits. */
export function alignDown<T extends number>(x: T, bits: number): T {
  const p = pow2(bits);
  return (x - (x % p)) as T;
}

/** `x` rounded up to a multiple of 2^bits. */
export function alignUp<T extends number>(x: T, bits: number): T {
  const p = pow2(bits);
  const r = x % p;
  return (r === 0 ? x : x + (p - r)) as T;
}

/** Whether `x` is a multiple of 2^bits (seL4's `IS_ALIGNED`). */
export function isAligned(x: number, bits: number): boolean {
  return x % pow2(bits) === 0;
}

/** The low `bits` bits of `x`: the offset of `x` inside its 2^bits-sized block. */
export function offsetIn(x: number, bits: number): number {
  return x % pow2(bits);
}

/** Bits [lo, lo+width) of `x` as a number: the index a paging level takes from an address. */
export function bitField(x: number, lo: number, width: number): number {
  // The hot case (a 32-bit CPtr or address, a field narrower than 32 bits) in unsigned shifts.
  if (x >= 0 && x <= 0xffffffff && lo < 32 && width < 32) return (x >>> lo) & ((1 << width) - 1);
  // x is below 2^53: a field that starts at or reaches past bit 53 (a 64-bit CNode guard) holds
  // only what x has there, and 2^width need not be formed.
  if (lo >= MAX_ADDRESS_BITS) return 0;
  if (lo + width >= MAX_ADDRESS_BITS) return Math.floor(x / pow2(lo));
  return Math.floor(x / pow2(lo)) % pow2(width);
}

/** The index that a paging level of 2^indexBits entries, each spanning 2^shift bytes, takes from `x`. */
export function levelIndex(x: VirtAddr, shift: number, indexBits: number): number {
  return bitField(x, shift, indexBits);
}

/** Whether bit `n` of `x` is set. */
export function testBit(x: number, n: number): boolean {
  return bitField(x, n, 1) === 1;
}

/** `x` with bits [lo, lo+width) replaced by `value` (which must fit in width bits). */
export function withBitField(x: number, lo: number, width: number, value: number): number {
  const cleared = x - bitField(x, lo, width) * pow2(lo);
  return cleared + (value % pow2(width)) * pow2(lo);
}

/** Renders an address the way seL4's debug output and the manual do: 0x-prefixed hex. */
export function hex(x: number): string {
  return `0x${x.toString(16)}`;
}
