import fc from "fast-check";
import type { VMRights } from "../model/caps.ts";
import { OBJECT_TYPES, type ObjectTypeName } from "../arch/index.ts";
import type { PageAttributes } from "../arch/index.ts";
import type { ArchName } from "../model/state.ts";
import type { FuzzOp } from "./world.ts";
import { REGION_LOW, REGION_TOP } from "./world64.ts";

/**
 * fast-check arbitraries for capsim, each a factory taking a constraints object and built only
 * from fast-check's combinators, so that everything shrinks and replays from a seed. Every `.map`
 * has an unmapper (mapBack), so that a value shrinks even without the context fast-check keeps
 * beside it: `capsim fuzz` draws its steps from a stream, which keeps none (src/cli/fuzzRuns.ts).
 */

/** Equal as a value or as a flat record of values (the shapes the mappers here return). */
function sameFlat(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b);
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => Object.hasOwn(b, k) && Object.is(Reflect.get(a, k), Reflect.get(b, k)))
  );
}

/**
 * `arb.map(f)` with an unmapper: of the preimages `guesses` offers for a value (simplest first),
 * the first that `arb` can give and `f` maps back to that very value; none, and it throws, as
 * fast-check asks of an unmapper given a value `f` cannot have produced. The forward check is
 * what makes it exact, so a guess may be loose (and it is handed anything: a oneof asks each of
 * its branches about every value, and a guess that throws says no as well).
 */
function mapBack<T, U>(arb: fc.Arbitrary<T>, f: (t: T) => U, guesses: (u: U) => Iterable<unknown>): fc.Arbitrary<U> {
  return arb.map(f, (u) => {
    // The cast only names what is being tested: every guess is mapped forward and compared with u.
    for (const t of guesses(u as U)) if (arb.canShrinkWithoutContext(t) && sameFlat(f(t), u)) return t;
    throw new Error("not a value of this arbitrary");
  });
}

/** One of a few fixed records, chosen as fc.constantFrom does, but recognised by content (fc.constantFrom's are by identity). */
function recordFrom<T extends object>(...records: readonly T[]): fc.Arbitrary<T> {
  const indices = records.map((_, i) => i);
  return mapBack(
    fc.constantFrom(...indices),
    (i) => records[i] ?? records[0]!,
    () => indices,
  );
}

/** true `percent` percent of the time (n < percent, n uniform in 0..99); false unmaps to n = percent, true to 0. */
function percentChance(percent: number): fc.Arbitrary<boolean> {
  return mapBack(
    fc.nat(99),
    (n) => n < percent,
    () => [0, percent],
  );
}

export interface VaddrConstraints {
  /** produce addresses aligned to 2^alignedTo (default: any) */
  readonly alignedTo?: number;
  /** the share (0..1) of addresses deliberately off that alignment by a non-zero offset (default 0) */
  readonly misalignedShare?: number;
  /** "user": below userTop; "kernel": at or above it; "any" (default): the whole 32-bit space */
  readonly region?: "user" | "kernel" | "any";
  /** USER_TOP for `region` (default 0xe0000000, seL4's on ARM 32-bit) */
  readonly userTop?: number;
  /** keep addresses below this (narrows `region`) */
  readonly below?: number;
  /** keep addresses at or above this (narrows `region`) */
  readonly atLeast?: number;
}

/** Virtual addresses on 32-bit ARM: aligned or not, in the user region, the kernel's, or anywhere. */
export function vaddrArbitrary(c: VaddrConstraints = {}): fc.Arbitrary<number> {
  const top = c.userTop ?? 0xe0000000;
  const regionLo = c.region === "kernel" ? top : 0;
  const regionHi = c.region === "user" ? top : 2 ** 32;
  const from = Math.max(regionLo, c.atLeast ?? 0);
  const below = Math.min(regionHi, c.below ?? 2 ** 32);
  const unit = 2 ** (c.alignedTo ?? 0);
  const lo = Math.ceil(from / unit);
  const hi = Math.floor((below - 1) / unit);
  if (hi < lo) throw new RangeError(`vaddrArbitrary: no 2^${c.alignedTo ?? 0}-aligned address in [${from}, ${below})`);
  const aligned = mapBack(
    fc.integer({ min: lo, max: hi }),
    (k) => k * unit,
    (v) => [v / unit],
  );
  const share = Math.round((c.misalignedShare ?? 0) * 100);
  if (unit === 1 || share <= 0) return aligned;
  // Off by 1 .. unit-1 bytes; it stays in range because the next aligned address does.
  const misaligned = mapBack(
    fc.tuple(
      fc.integer({
        min: lo,
        max: Math.max(lo, Math.floor((below - unit) / unit)),
      }),
      fc.integer({ min: 1, max: unit - 1 }),
    ),
    ([k, off]) => k * unit + off,
    (v) => [[Math.floor(v / unit), v % unit]],
  );
  return share >= 100
    ? misaligned
    : fc.oneof({ weight: 100 - share, arbitrary: aligned }, { weight: share, arbitrary: misaligned });
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
  return fc.record({
    cacheable: fc.boolean(),
    parityEnabled: fc.boolean(),
    executeNever: fc.boolean(),
  });
}

/** A seL4_ARM_VMAttributes word (PageCacheable, ParityEnabled, ExecuteNever bits), with stray high bits now and then. */
export function attributesWordArbitrary(c: { readonly strayBits?: boolean } = {}): fc.Arbitrary<number> {
  const word = fc.nat(7);
  return c.strayBits ? fc.oneof({ weight: 9, arbitrary: word }, { weight: 1, arbitrary: fc.nat(2 ** 32 - 1) }) : word;
}

/** libsel4 object type names. */
export function objectTypeArbitrary(
  c: { readonly only?: readonly ObjectTypeName[] } = {},
): fc.Arbitrary<ObjectTypeName> {
  return fc.constantFrom(...(c.only ?? OBJECT_TYPES));
}

export interface FuzzOpConstraints {
  /** the share (0..1) of operations given deliberately bad arguments (misaligned, above USER_TOP) */
  readonly badShare?: number;
  /** the architecture of the world the operations run on (default aarch32) */
  readonly arch?: ArchName;
}

/**
 * VSpace operations over a FuzzWorld, naming "the k-th frame cap" etc., so that most generated
 * calls reach deep checks rather than the first one.
 */
export function fuzzOpArbitrary(c: FuzzOpConstraints = {}): fc.Arbitrary<FuzzOp> {
  const bad = Math.round((c.badShare ?? 0.1) * 100);
  if (c.arch === "aarch64") return fuzzOpArbitrary64(bad);
  const ptVaddr = fc.oneof(
    {
      weight: 100 - bad,
      arbitrary: mapBack(
        fc.integer({ min: 0, max: 15 }),
        (i) => 0x10000000 + i * 0x100000 + 0x40,
        (v) => [(v - 0x10000040) / 0x100000],
      ),
    },
    {
      weight: Math.max(bad, 1),
      arbitrary: fc.constantFrom(0xe0000000, 0xdff00000, 0xfff00000),
    },
  );
  // Reads where the maps land (pages of each size at 0x10000000 + k * size), off the page base.
  const touchVaddr = fc.oneof(
    {
      weight: 100 - bad,
      arbitrary: mapBack(
        fc.tuple(fc.constantFrom(12, 16, 20, 24), fc.nat(15)),
        ([bits, k]) => 0x10000000 + k * 2 ** bits + 0x40,
        (v) => [12, 16, 20, 24].map((bits) => [bits, (v - 0x10000040) / 2 ** bits]),
      ),
    },
    {
      weight: Math.max(bad, 1),
      arbitrary: fc.constantFrom(0xdff00040, 0xe0000040, 0xf0000040),
    },
  );
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("mapPT" as const),
        t: fc.nat(3),
        pd: fc.nat(1),
        vaddr: ptVaddr,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("unmapPT" as const),
        t: fc.nat(3),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("map" as const),
        f: fc.nat(19),
        pd: fc.nat(1),
        slotIndex: fc.nat(15),
        misalign: percentChance(bad),
        rights: rightsWordArbitrary(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("unmap" as const),
        f: fc.nat(19),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("copy" as const),
        f: fc.nat(13),
        to: fc.nat(5),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("delete" as const),
        f: fc.integer({ min: 14, max: 19 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("touch" as const),
        vaddr: touchVaddr,
      }),
    },
    { weight: 1, arbitrary: switchOp() },
  );
}

/** The thread switch, recognised by content (fc.constant's object is by identity). */
const switchOp = (): fc.Arbitrary<FuzzOp> =>
  mapBack(
    fc.constant("switch" as const),
    (op) => ({ op }),
    () => ["switch" as const],
  );

/** One of two choices, the second with `percent` percent of the weight (at least 1). */
const mostly = <T>(good: fc.Arbitrary<T>, percent: number, badOnes: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 100 - percent, arbitrary: good }, { weight: Math.max(percent, 1), arbitrary: badOnes });

/**
 * The AArch64 world's operations (world64.ts): page tables mapped where they become level-1, -2
 * or -3 tables in either region, frames of all three sizes, copies, deletes and revokes, ASID
 * pools made and assigned, page tables, VSpaces and pools deleted now and then, the frame
 * and VSpace cache operations, user reads and thread switches. `bad` percent get bad arguments (above USER_TOP, misaligned,
 * empty or reversed ranges).
 */
function fuzzOpArbitrary64(bad: number): fc.Arbitrary<FuzzOp> {
  const region = mapBack(
    fc.nat(3),
    (n) => (n === 0 ? REGION_TOP : REGION_LOW),
    () => [0, 1],
  );
  const bases = [REGION_TOP, REGION_LOW];
  // Mostly the first 2 MiB of a region, where the maps of every size land; then a few 2 MiB and 1 GiB steps on.
  const ptVaddr = mostly(
    mapBack(
      fc.tuple(region, fc.constantFrom(0, 0, 0, 1, 2), fc.constantFrom(21, 21, 30)),
      ([base, k, bits]) => base + k * 2 ** bits + 0x40,
      (v) => bases.flatMap((base) => [21, 30].map((bits) => [base, (v - 0x40 - base) / 2 ** bits, bits])),
    ),
    bad,
    fc.constantFrom(2 ** 47, 2 ** 47 + 2 ** 39, 2 ** 48 - 4096),
  );
  const kind = fc.nat(3);
  const offsets = mostly(
    mapBack(
      fc.tuple(fc.constantFrom(0, 0x40, 0x1000), fc.constantFrom(1, 0x40, 0x1000)),
      ([start, len]) => ({ start, end: start + len }),
      (r) => [[r.start, r.end - r.start]],
    ),
    bad,
    recordFrom({ start: 0x40, end: 0x40 }, { start: 0x1000, end: 0x40 }, { start: 0, end: 2 ** 30 + 1 }),
  );
  const vrange = mostly(
    mapBack(
      fc.tuple(region, fc.nat(7), fc.constantFrom(1, 0x40, 0x1000)),
      ([base, k, len]) => ({ start: base + k * 4096, end: base + k * 4096 + len }),
      (r) => bases.map((base) => [base, (r.start - base) / 4096, r.end - r.start]),
    ),
    bad,
    recordFrom({ start: REGION_LOW, end: REGION_LOW }, { start: 2 ** 47 - 64, end: 2 ** 47 }),
  );
  // The third VSpace has no ASID until an assign gives it one: named less often.
  const vspace = fc.constantFrom(0, 0, 0, 1, 1, 2);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constant("mapPT" as const), t: fc.nat(7), pd: vspace, vaddr: ptVaddr }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("unmapPT" as const), t: fc.nat(7) }) },
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("map" as const),
        // Mostly the originals: a spare holds a cap only after a copy.
        f: fc.oneof({ weight: 3, arbitrary: fc.nat(10) }, { weight: 1, arbitrary: fc.nat(16) }),
        // Mostly the initial thread's VSpace, whose tables the world maps and whose pages reads reach.
        pd: fc.constantFrom(0, 0, 0, 0, 1, 2),
        slotIndex: fc.nat(7),
        misalign: percentChance(bad),
        rights: rightsWordArbitrary(),
        top: mapBack(
          fc.nat(7),
          (n) => n === 0,
          () => [0, 1],
        ),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("unmap" as const),
        f: fc.oneof({ weight: 3, arbitrary: fc.nat(10) }, { weight: 1, arbitrary: fc.nat(16) }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("copy" as const), f: fc.nat(10), to: fc.nat(5) }) },
    // Mostly the copies (slots 11-16); an original now and then, which destroys its frame.
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("delete" as const),
        f: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 11, max: 16 }) }, { weight: 1, arbitrary: fc.nat(16) }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("revoke" as const), f: fc.nat(10) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("deleteCap" as const),
        what: fc.oneof(
          { weight: 6, arbitrary: fc.constant("table" as const) },
          { weight: 1, arbitrary: fc.constantFrom("vspace" as const, "pool" as const) },
        ),
        i: fc.nat(7),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("assign" as const), pd: fc.nat(2), pool: fc.nat(2) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("makePool" as const), u: fc.nat(1) }) },
    {
      weight: 1,
      arbitrary: mapBack(
        fc.tuple(fc.nat(16), kind, offsets),
        ([f, k, r]): FuzzOp => ({ op: "cache", f, kind: k, start: r.start, end: r.end }),
        (o) => (o.op === "cache" ? [[o.f, o.kind, { start: o.start, end: o.end }]] : []),
      ),
    },
    {
      weight: 1,
      arbitrary: mapBack(
        fc.tuple(fc.nat(2), kind, vrange),
        ([pd, k, r]): FuzzOp => ({ op: "vcache", pd, kind: k, start: r.start, end: r.end }),
        (o) => (o.op === "vcache" ? [[o.pd, o.kind, { start: o.start, end: o.end }]] : []),
      ),
    },
    // Reads where the maps land (pages of each size in either region, off the page base): they
    // fill the TLB of the initial thread's VSpace, so that tlb_consistent has lines to check.
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("touch" as const),
        vaddr: mostly(
          mapBack(
            fc.tuple(region, fc.constantFrom(12, 21, 30), fc.constantFrom(0, 0, 0, 1, 2, 7)),
            ([base, bits, k]) => base + k * 2 ** bits + 0x40,
            (v) => bases.flatMap((base) => [12, 21, 30].map((bits) => [base, bits, (v - 0x40 - base) / 2 ** bits])),
          ),
          bad,
          fc.constantFrom(0x40, 2 ** 47 + 0x40, 2 ** 48 - 0x40),
        ),
      }),
    },
    { weight: 1, arbitrary: switchOp() },
  );
}
