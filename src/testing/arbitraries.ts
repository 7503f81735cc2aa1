import fc from "fast-check";
import type { VMRights } from "../caps/types.ts";
import { OBJECT_TYPES, type ObjectTypeName } from "../objects/types.ts";
import type { PageAttributes } from "../vspace/entries.ts";
import type { FuzzOp } from "./world.ts";

/**
 * fast-check arbitraries for capsim, each a factory taking a constraints object and built only
 * from fast-check's combinators, so that everything shrinks and replays from a seed.
 */

export interface VaddrConstraints {
  /** produce addresses aligned to 2^alignedTo (default: any) */
  readonly alignedTo?: number;
  /** keep addresses below this (e.g. USER_TOP); default 2^32 */
  readonly below?: number;
  readonly atLeast?: number;
}

/** Virtual addresses on 32-bit ARM, optionally aligned and bounded. */
export function vaddrArbitrary(c: VaddrConstraints = {}): fc.Arbitrary<number> {
  const unit = 2 ** (c.alignedTo ?? 0);
  const lo = Math.ceil((c.atLeast ?? 0) / unit);
  const hi = Math.floor(((c.below ?? 2 ** 32) - 1) / unit);
  return fc.integer({ min: lo, max: hi }).map((k) => k * unit);
}

/** A seL4_CapRights word (R, W, G, P bits), mostly the common ones. */
export function rightsWordArbitrary(): fc.Arbitrary<number> {
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(3, 2) }, { weight: 1, arbitrary: fc.nat(15) });
}

/** VM rights as a frame cap holds them. */
export function vmRightsArbitrary(): fc.Arbitrary<VMRights> {
  return fc.constantFrom<VMRights>("VMNoAccess", "VMKernelOnly", "VMReadOnly", "VMReadWrite");
}

/** Page attributes (seL4_ARM_VMAttributes). */
export function attributesArbitrary(): fc.Arbitrary<PageAttributes> {
  return fc.record({ cacheable: fc.boolean(), parityEnabled: fc.boolean(), executeNever: fc.boolean() });
}

/** libsel4 object type names. */
export function objectTypeArbitrary(c: { readonly only?: readonly ObjectTypeName[] } = {}): fc.Arbitrary<ObjectTypeName> {
  return fc.constantFrom(...(c.only ?? OBJECT_TYPES));
}

export interface FuzzOpConstraints {
  /** the share (0..1) of operations given deliberately bad arguments (misaligned, above USER_TOP) */
  readonly badShare?: number;
}

/**
 * VSpace operations over a FuzzWorld, naming "the k-th frame cap" etc., so that most generated
 * calls reach deep checks rather than the first one.
 */
export function fuzzOpArbitrary(c: FuzzOpConstraints = {}): fc.Arbitrary<FuzzOp> {
  const bad = Math.round((c.badShare ?? 0.1) * 100);
  const ptVaddr = fc.oneof(
    { weight: 100 - bad, arbitrary: fc.integer({ min: 0, max: 15 }).map((i) => 0x10000000 + i * 0x100000 + 0x40) },
    { weight: Math.max(bad, 1), arbitrary: fc.constantFrom(0xe0000000, 0xdff00000, 0xfff00000) },
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant("mapPT" as const), t: fc.nat(3), pd: fc.nat(1), vaddr: ptVaddr }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("unmapPT" as const), t: fc.nat(3) }) },
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("map" as const),
        f: fc.nat(19),
        pd: fc.nat(1),
        slotIndex: fc.nat(15),
        misalign: fc.nat(99).map((n) => n < bad),
        rights: rightsWordArbitrary(),
      }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("unmap" as const), f: fc.nat(19) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("copy" as const), f: fc.nat(13), to: fc.nat(5) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), f: fc.integer({ min: 14, max: 19 }) }) },
    { weight: 1, arbitrary: fc.constant({ op: "switch" as const }) },
  );
}
