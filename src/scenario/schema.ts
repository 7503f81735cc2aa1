import { z } from "zod";
import { shown } from "./errors.ts";

/**
 * The scenario file format (../shared/SCENARIOS.md) as zod schemas. Objects are strict: an
 * unknown key is an error, so a typo never silently does nothing.
 */

const SIZE_SUFFIX: Readonly<Record<string, number>> = {
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
};

/** Reads an integer, a hex string or a size with a binary suffix (4KiB, 1MiB, 16MiB, 1GiB). */
export function parseNumberText(v: string): number | undefined {
  const t = v.trim();
  if (/^0x[0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^[0-9]+$/.test(t)) return Number(t);
  const m = /^([0-9]+)\s*(KiB|MiB|GiB)$/.exec(t);
  if (m) return Number(m[1]) * (SIZE_SUFFIX[m[2] as string] as number);
  return undefined;
}

export const NumberValue = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === "number" ? v : parseNumberText(v);
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) {
    ctx.addIssue({
      code: "custom",
      message: `expected a non-negative integer, hex (0x...) or a size like 4KiB, found ${shown(v)}`,
    });
    return z.NEVER;
  }
  return n;
});

/** The largest word a `write` step stores: 2^64 - 1, an AArch64 register's top value. */
export const MAX_WIDE_WORD = 2n ** 64n - 1n;

/**
 * A word a `write` step stores, exactly, as a bigint: up to 2^64 - 1 (the runner holds it to
 * the machine's word). YAML reads an unquoted number as a double, so past 2^53 it has already
 * lost bits by the time it gets here: such a value is refused, with the advice to quote it.
 */
export const WideWordValue = z.union([z.number(), z.string()]).transform((v, ctx): bigint => {
  const text = typeof v === "string" ? v.trim() : "";
  const n =
    typeof v === "number"
      ? Number.isSafeInteger(v) && v >= 0
        ? BigInt(v)
        : undefined
      : /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)
        ? BigInt(text)
        : undefined;
  if (n === undefined || n > MAX_WIDE_WORD) {
    const unquoted = typeof v === "number" && Number.isInteger(v) && v > Number.MAX_SAFE_INTEGER;
    ctx.addIssue({
      code: "custom",
      message: unquoted
        ? `${shown(v)} is above 2^53, where YAML's numbers are no longer exact: write a 64-bit value as a quoted string, such as "0xcafef00d12345678"`
        : `expected a word from 0 to 0xffffffffffffffff, decimal or hex (0x...), found ${shown(v)}`,
    });
    return z.NEVER;
  }
  return n;
});

/** 2^32: the message registers, addresses and CPtrs of ARM32 seL4 are 32-bit words. */
export const WORD_LIMIT = 2 ** 32;
/** The most bytes one read or write step moves: one small page. A step's result lists every byte, so this bounds the output too. */
export const MAX_ACCESS_BYTES = 4096;

/** A number that a 32-bit register can hold: what an address, a CPtr or a message word may be. */
export const WordValue = NumberValue.refine((n) => n < WORD_LIMIT, {
  message: `expected a 32-bit word (at most 0xffffffff)`,
});
const ByteValue = NumberValue.refine((n) => n < 256, { message: "expected a byte (at most 0xff)" });

/** A number, or the physical address of a named object (plus an offset). */
export const Value = z.union([NumberValue, z.strictObject({ paddrOf: z.string(), plus: NumberValue.optional() })]);
export type Value = z.infer<typeof Value>;

const Region = z.strictObject({ base: NumberValue, size: NumberValue });

export const Boot = z.strictObject({
  ram: z.array(Region).min(1).optional(),
  devices: z.array(Region).optional(),
  userTop: NumberValue.optional(),
  cnodeSizeBits: z.number().int().min(8).max(20).optional(),
  kernelImageSize: NumberValue.optional(),
  userImage: z.strictObject({ size: NumberValue, vbase: NumberValue }).optional(),
  /** CONFIG_HAVE_FPU: 2^10-byte TCBs with it, 2^9 without (default: on for api current, off for legacy) */
  fpu: z.boolean().optional(),
  /** aarch64's CONFIG_ARM_HYPERVISOR_SUPPORT: only false is modelled (true is refused with the reason) */
  hypervisor: z.boolean().optional(),
});

const FaultExpect = z.strictObject({
  fault: z.strictObject({
    kind: z.enum(["translation", "permission"]).optional(),
    /** ARM32: section or page; AArch64: the translation level 0-3 */
    level: z.union([z.enum(["section", "page"]), z.literal([0, 1, 2, 3])]).optional(),
    /** ARM32's fault status value */
    fsr: NumberValue.optional(),
    /** AArch64's ESR_EL1 */
    esr: NumberValue.optional(),
    vaddr: NumberValue.optional(),
  }),
});

export const ErrorExpect = z.strictObject({
  error: z.string(),
  argumentNumber: NumberValue.optional(),
  invalidCapNumber: NumberValue.optional(),
  rangeMin: NumberValue.optional(),
  rangeMax: NumberValue.optional(),
  failedLookupWasSource: z.union([z.boolean(), z.number()]).optional(),
  bitsLeft: NumberValue.optional(),
  memoryLeft: NumberValue.optional(),
});

export const Expect = z.union([
  z.literal("ok"),
  // capsim's own answer where it does not model what seL4 would do: never an seL4 error
  z.literal("not_modelled"),
  z.strictObject({
    ok: z.record(z.string(), z.union([Value, z.boolean(), z.string()])),
  }),
  ErrorExpect,
  FaultExpect,
]);
export type Expect = z.infer<typeof Expect>;

const Name = z.string().min(1);
const Names = z.union([Name, z.array(Name).min(1)]);

const common = { expect: Expect.optional(), note: z.string().optional() };

export const InvokeStep = z.strictObject({
  invoke: z.string(),
  cap: Name.optional(),
  args: z.record(z.string(), z.unknown()).optional(),
  ...common,
});
export const RetypeStep = z.strictObject({
  retype: z.strictObject({
    type: z.string(),
    as: Names,
    from: Name.optional(),
    size_bits: WordValue.optional(),
    count: WordValue.optional(),
  }),
  ...common,
});
export const CopyStep = z.strictObject({
  copy: z.strictObject({ from: Name, as: Name, rights: z.string().optional() }),
  ...common,
});
export const DeleteStep = z.strictObject({ delete: Name, ...common });
export const RevokeStep = z.strictObject({ revoke: Name, ...common });
/**
 * A virtual address: any safe integer here; the runner holds it to the machine's word (32 bits
 * on ARM32, where a larger one is a usage error at its line; AArch64 user addresses reach 2^48).
 */
const AddressValue = NumberValue;

export const ResolveStep = z.strictObject({
  resolve: z.strictObject({ vspace: Name, vaddr: AddressValue }),
  ...common,
});
export const ReadStep = z.strictObject({
  read: z.strictObject({
    vaddr: AddressValue,
    length: NumberValue.refine((n) => n >= 1 && n <= MAX_ACCESS_BYTES, {
      message: `expected a length from 1 to ${MAX_ACCESS_BYTES} bytes`,
    }).optional(),
  }),
  ...common,
});
export const WriteStep = z.strictObject({
  write: z.strictObject({
    vaddr: AddressValue,
    /** one word, little-endian: 4 bytes on aarch32, 8 on aarch64 (the runner checks it fits) */
    value: WideWordValue.optional(),
    bytes: z.array(ByteValue).max(MAX_ACCESS_BYTES).optional(),
  }),
  ...common,
});
export const SwitchStep = z.strictObject({ switch: z.strictObject({ thread: Name }), ...common });

/** Each step has exactly one of these action keys. */
export const STEP_SCHEMAS = {
  invoke: InvokeStep,
  retype: RetypeStep,
  copy: CopyStep,
  delete: DeleteStep,
  revoke: RevokeStep,
  resolve: ResolveStep,
  switch: SwitchStep,
  read: ReadStep,
  write: WriteStep,
} as const;
export type ActionKey = keyof typeof STEP_SCHEMAS;
export const ACTION_KEYS = Object.keys(STEP_SCHEMAS) as ActionKey[];
/** The validated step whose action key is K. */
export type StepOf<K extends ActionKey> = z.infer<(typeof STEP_SCHEMAS)[K]>;
export type Step = { [K in ActionKey]: StepOf<K> }[ActionKey];

export const ScenarioHeader = z.strictObject({
  name: z.string().min(1),
  arch: z.enum(["aarch32", "aarch64"]).optional(),
  api: z.enum(["current", "legacy"]).optional(),
  boot: Boot.optional(),
  /** an exercise: the playground opens it in exercise mode, each result hidden until the learner predicts it */
  exercise: z.boolean().optional(),
  steps: z.array(z.unknown()).min(1),
});
