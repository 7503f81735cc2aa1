import { pow2 } from "../model/addresses.ts";
import type { KernelSizes } from "../model/state.ts";

/** One block of untyped memory: `2^sizeBits` bytes at `paddr`, naturally aligned. */
export interface UntypedBlock {
  readonly paddr: number;
  readonly sizeBits: number;
  readonly isDevice: boolean;
}

/**
 * Cut [start, end) into the largest naturally aligned power-of-two blocks, as seL4's
 * create_untypeds_for_region does: at each point take the biggest block that is aligned
 * there, fits before `end`, and is at most 2^maxUntypedBits; blocks below
 * 2^minUntypedBits are dropped.
 */
export function splitIntoUntypeds(
  sizes: KernelSizes,
  start: number,
  end: number,
  isDevice: boolean,
): UntypedBlock[] {
  const out: UntypedBlock[] = [];
  let p = start;
  while (p < end) {
    let bits = sizes.maxUntypedBits;
    while (bits > 0 && (p % pow2(bits) !== 0 || p + pow2(bits) > end)) bits--;
    if (bits >= sizes.minUntypedBits)
      out.push({ paddr: p, sizeBits: bits, isDevice });
    p += pow2(bits);
  }
  return out;
}
