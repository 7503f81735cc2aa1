import fc from "fast-check";
import type { CPtr, PhysAddr } from "../model/addresses.ts";
import { slotAddress, threadCSpaceRoot } from "../kernel/cspace.ts";
import type { Cap } from "../model/caps.ts";
import { callLibsel4, LIBSEL4 } from "../invocations/libsel4.ts";
import type { InvokeResult } from "../model/message.ts";
import type { KernelState } from "../model/state.ts";
import { OBJECT_TYPES } from "../arch/index.ts";
import { rightsWordArbitrary, vaddrArbitrary } from "./arbitraries.ts";

/**
 * Whole libsel4 invocations whose arguments name the caps that exist when the call is made,
 * rather than raw slot numbers: "the k-th live Frame cap", "the k-th empty slot". A generated
 * invocation is plain data resolved against the state at run time, so it still means something
 * after shrinking removes earlier calls, and most calls get past the first checks to the deep ones.
 */

/** The cap type each libsel4 function is invoked on. */
const SERVICE_TYPE: readonly [prefix: string, type: Cap["type"]][] = [
  ["seL4_Untyped_", "Untyped"],
  ["seL4_CNode_", "CNode"],
  ["seL4_ARM_PageTable_", "PageTable"],
  ["seL4_ARM_PageDirectory_", "PageDirectory"],
  ["seL4_ARM_Page_", "Frame"],
  ["seL4_ARM_ASIDControl_", "ASIDControl"],
  ["seL4_ARM_ASIDPool_", "ASIDPool"],
  ["seL4_TCB_", "TCB"],
  ["seL4_IRQControl_", "IRQControl"],
  ["seL4_DomainSet_", "Domain"],
];

const serviceType = (fn: string): Cap["type"] => SERVICE_TYPE.find(([p]) => fn.startsWith(p))?.[1] ?? "Null";

/** The type a cap parameter should have, by its libsel4 name. */
const CAP_PARAM_TYPE: Readonly<Record<string, Cap["type"]>> = {
  root: "CNode",
  src_root: "CNode",
  pivot_root: "CNode",
  cspace_root: "CNode",
  vspace: "PageDirectory",
  vspace_root: "PageDirectory",
  untyped: "Untyped",
  thread: "TCB",
};

/** One argument: a live cap by type and rank, an empty slot by rank, or a plain word. */
export type InvocationArg =
  { readonly cap: Cap["type"]; readonly k: number } | { readonly empty: number } | { readonly word: number };

/** A libsel4 call on "the k-th live cap of its type", with arguments by libsel4's parameter names. */
export interface LiveInvocation {
  readonly fn: string;
  readonly service: { readonly cap: Cap["type"]; readonly k: number };
  readonly args: Readonly<Record<string, InvocationArg>>;
}

export interface InvocationConstraints {
  /** the libsel4 functions to draw from (default: all of them) */
  readonly only?: readonly string[];
  /** the share (0..1) of arguments drawn deliberately bad: a cap of any type, a wrong depth, a kernel address... (default 0.1) */
  readonly badShare?: number;
  /** the highest user virtual address plus one (default 0xe0000000) */
  readonly userTop?: number;
}

const anyCapType = fc.constantFrom<Cap["type"]>(
  "Untyped",
  "CNode",
  "TCB",
  "Endpoint",
  "Notification",
  "Frame",
  "PageTable",
  "PageDirectory",
  "ASIDControl",
  "ASIDPool",
  "IRQControl",
  "Domain",
  "Null",
);

/** The good and the bad values of a parameter, by its libsel4 name. */
function paramArbitrary(
  name: string,
  isCap: boolean,
  c: Required<Pick<InvocationConstraints, "userTop">>,
): { good: fc.Arbitrary<InvocationArg>; bad: fc.Arbitrary<InvocationArg> } {
  // "the k-th" wraps around the caps of that type, so a wide k reaches all of them.
  const k = fc.nat(255);
  const word = (a: fc.Arbitrary<number>) => a.map((w): InvocationArg => ({ word: w }));
  const badWord = word(fc.nat(2 ** 32 - 1));
  if (isCap) {
    const type = CAP_PARAM_TYPE[name] ?? "Null";
    return {
      good: k.map((n) => ({ cap: type, k: n })),
      bad: fc.record({ cap: anyCapType, k }),
    };
  }
  switch (name) {
    case "dest_index":
    case "node_offset":
      return {
        good: k.map((n) => ({ empty: n })),
        bad: fc.oneof(fc.record({ cap: anyCapType, k }), badWord),
      };
    case "index":
      // a slot to operate on for Revoke/Delete, a destination for MakePool: both are useful.
      return {
        good: fc.oneof(
          k.map((n) => ({ empty: n })),
          fc.record({ cap: anyCapType, k }),
        ),
        bad: badWord,
      };
    case "src_index":
    case "pivot_index":
      return {
        good: fc.record({ cap: anyCapType, k }),
        bad: fc.oneof(
          k.map((n) => ({ empty: n })),
          badWord,
        ),
      };
    case "dest_depth":
    case "src_depth":
    case "pivot_depth":
    case "depth":
      return { good: word(fc.constant(32)), bad: word(fc.nat(40)) };
    case "node_index":
    case "node_depth":
      return { good: word(fc.constant(0)), bad: word(fc.nat(40)) };
    case "vaddr":
      return {
        // A narrow window, so that page tables and pages land on each other's megabytes.
        good: word(
          fc.oneof(
            ...[12, 16, 20, 24].map((bits) =>
              vaddrArbitrary({
                alignedTo: bits,
                atLeast: 0x10000000,
                below: 0x10000000 + Math.max(2 ** 23, 2 ** (bits + 1)),
              }),
            ),
          ),
        ),
        bad: word(
          fc.oneof(
            vaddrArbitrary({ region: "kernel", userTop: c.userTop }),
            vaddrArbitrary({
              alignedTo: 12,
              misalignedShare: 1,
              below: c.userTop,
            }),
          ),
        ),
      };
    case "rights":
      return { good: word(rightsWordArbitrary()), bad: badWord };
    case "attr":
      return { good: word(fc.nat(7)), bad: badWord };
    case "type":
      return {
        good: word(fc.nat(OBJECT_TYPES.length - 1)),
        bad: word(fc.integer({ min: OBJECT_TYPES.length, max: 64 })),
      };
    case "size_bits":
      return {
        good: word(fc.integer({ min: 4, max: 14 })),
        bad: word(fc.nat(40)),
      };
    case "num_objects":
      return {
        good: word(fc.integer({ min: 1, max: 4 })),
        bad: word(fc.oneof(fc.constant(0), fc.integer({ min: 257, max: 5000 }))),
      };
    case "start":
    case "end":
      return {
        good: word(
          vaddrArbitrary({
            alignedTo: 12,
            atLeast: 0x10000000,
            below: 0x10100000,
          }),
        ),
        bad: badWord,
      };
    case "start_offset":
    case "end_offset":
      return { good: word(fc.nat(4096)), bad: badWord };
    default:
      // badges, fault endpoints, root data: zero is the ordinary value
      return { good: word(fc.constant(0)), bad: badWord };
  }
}

/** libsel4 invocations over live caps, with a tunable share of deliberately bad arguments. */
export function invocationArbitrary(c: InvocationConstraints = {}): fc.Arbitrary<LiveInvocation> {
  const bad = Math.round((c.badShare ?? 0.1) * 100);
  const userTop = c.userTop ?? 0xe0000000;
  const fns = c.only ?? Object.keys(LIBSEL4);
  const pick = (good: fc.Arbitrary<InvocationArg>, badArb: fc.Arbitrary<InvocationArg>) =>
    bad <= 0
      ? good
      : bad >= 100
        ? badArb
        : fc.oneof({ weight: 100 - bad, arbitrary: good }, { weight: bad, arbitrary: badArb });
  return fc.constantFrom(...fns).chain((fn) => {
    const spec = LIBSEL4[fn];
    const params: Record<string, fc.Arbitrary<InvocationArg>> = {};
    for (const p of spec?.caps ?? []) {
      const a = paramArbitrary(p, true, { userTop });
      params[p] = pick(a.good, a.bad);
    }
    for (const p of spec?.words ?? []) {
      const a = paramArbitrary(p, false, { userTop });
      params[p] = pick(a.good, a.bad);
    }
    const service = pick(
      fc.nat(255).map((k) => ({ cap: serviceType(fn), k })),
      fc.record({ cap: anyCapType, k: fc.nat(255) }),
    ) as fc.Arbitrary<{ cap: Cap["type"]; k: number }>;
    return fc.record({ fn: fc.constant(fn), service, args: fc.record(params) });
  });
}

/** The live caps and empty slots of a thread's CSpace root, by slot index (its CPtr). */
export function cspaceCensus(
  s: KernelState,
  thread: PhysAddr,
): { byType: Map<Cap["type"], number[]>; empty: number[] } {
  const root = threadCSpaceRoot(s, thread);
  const byType = new Map<Cap["type"], number[]>();
  const empty: number[] = [];
  if (root.type !== "CNode") return { byType, empty };
  const size = 2 ** root.radixBits;
  const first = slotAddress(s, root.paddr, 0);
  let expected = 0;
  const takeEmpty = (upTo: number) => {
    for (; expected < upTo && empty.length < 16; expected++) empty.push(expected);
  };
  for (const [addr, cte] of s.ctes.range(first, slotAddress(s, root.paddr, size))) {
    const index = (addr - first) / 2 ** 4;
    takeEmpty(index);
    expected = index + 1;
    if (cte.cap.type === "Null") continue;
    byType.set(cte.cap.type, [...(byType.get(cte.cap.type) ?? []), index]);
  }
  takeEmpty(size);
  return { byType, empty: empty.filter((i) => i !== 0) };
}

/** The CPtr and libsel4 parameters a LiveInvocation stands for in this state ("the k-th" wraps around). */
export function resolveInvocation(
  s: KernelState,
  thread: PhysAddr,
  inv: LiveInvocation,
): { service: CPtr; params: Record<string, number> } {
  const census = cspaceCensus(s, thread);
  // With no cap of the type, name an empty slot: the call then fails its lookup, as it should.
  const nth = (list: readonly number[] | undefined, k: number) =>
    list && list.length > 0 ? (list[k % list.length] as number) : (census.empty[0] ?? 0);
  const value = (a: InvocationArg): number =>
    "word" in a ? a.word : "empty" in a ? nth(census.empty, a.empty) : nth(census.byType.get(a.cap), a.k);
  const params: Record<string, number> = {};
  for (const [name, a] of Object.entries(inv.args)) params[name] = value(a);
  return { service: value(inv.service) as CPtr, params };
}

/** Make the call a LiveInvocation stands for, as the given thread. */
export function applyInvocation(s: KernelState, thread: PhysAddr, inv: LiveInvocation): InvokeResult {
  const { service, params } = resolveInvocation(s, thread, inv);
  return callLibsel4(s, thread, inv.fn, service, params);
}
