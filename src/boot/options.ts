import { z } from "zod";
import type { VirtAddr } from "../model/addresses.ts";
import type { ApiGeneration, KernelSizes, MachineConfig } from "../model/state.ts";

/** A boot failure: which boot option is wrong (a field path such as `ram[1]` or `userImage.vbase`), and why. */
export class BootError extends Error {
  constructor(
    readonly where: string,
    why: string,
  ) {
    super(`boot: ${where}: ${why}`);
    this.name = "BootError";
  }
}

/** Where a zod issue is, written as the caller wrote the field: `ram[1].size`, `config.sizes.tcbBits`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/**
 * Parse a boot function's options with its schema. Boot runs before anything can report a
 * syscall error, so a bad option is a thrown BootError naming the first field that is wrong.
 */
export function parseBootOptions<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw new BootError("options", "invalid boot options");
  // An unknown key is usually a misspelt option: name it, not the object that holds it.
  const path = issue.code === "unrecognized_keys" ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
  throw new BootError(path.length === 0 ? "options" : fieldPath(path), issue.message);
}

/** A region of physical memory: [base, base + size). */
export const RegionSchema = z
  .object({
    base: z.number().int().nonnegative(),
    size: z.number().int().positive(),
  })
  .strict();

/** Which generation of seL4's VSpace API the booted kernel implements. */
export const ApiGenerationSchema = z.enum(["current", "legacy"]) satisfies z.ZodType<ApiGeneration>;

const bits = z.number().int().nonnegative();

const KernelSizesSchema = z
  .object({
    wordBits: bits,
    slotBits: bits,
    tcbBits: bits,
    endpointBits: bits,
    notificationBits: bits,
    pageTableBits: bits,
    vspaceRootBits: bits,
    asidPoolBits: bits,
    minUntypedBits: bits,
    maxUntypedBits: bits,
    frameBits: z
      .object({
        SmallPage: bits,
        LargePage: bits,
        Section: bits,
        SuperSection: bits,
      })
      .strict(),
  })
  .strict() satisfies z.ZodType<KernelSizes>;

/** A MachineConfig, as a caller of the minimal boot may pass one. */
export const MachineConfigSchema = z
  .object({
    arch: z.enum(["aarch32", "aarch64"]),
    sizes: KernelSizesSchema,
    api: ApiGenerationSchema,
    userTop: z.custom<VirtAddr>(
      (v) => typeof v === "number" && Number.isInteger(v) && v > 0,
      "expected a positive whole number (USER_TOP)",
    ),
  })
  .strict() satisfies z.ZodType<MachineConfig>;
