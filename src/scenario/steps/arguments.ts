import { wordFromCapRights, type CapRights } from "../../model/caps.ts";
import type { AnyObjectTypeName } from "../../model/objectTypes.ts";
import { archOf, objectTypeNamed, objectTypeNames } from "../../arch/index.ts";
import { closest, shown } from "../errors.ts";
import { WORD_LIMIT, type Value } from "../schema.ts";
import type { Path, StepContext } from "./context.ts";

const RIGHT_NAMES: Readonly<Record<string, number>> = {
  seL4_AllRights: 0xf,
  seL4_ReadWrite: 3,
  seL4_CanRead: 2,
  seL4_CanWrite: 1,
  seL4_NoRights: 0,
};
const ATTR_BITS: Readonly<Record<string, number>> = {
  PageCacheable: 1,
  ParityEnabled: 2,
  ExecuteNever: 4,
};
/** seL4_ARM_Default_VMAttributes: cacheable and parity-enabled. */
const DEFAULT_VM_ATTRIBUTES = 3;

/**
 * A number written for a message word or an address, checked: on ARM32 seL4's message registers
 * are 32-bit, so a value a register cannot hold is the file's mistake, reported at its line (the
 * kernel API would reduce it mod 2^32, which is never what a file meant). AArch64's registers are
 * 64-bit: any integer the file can write exactly (below 2^53) fits.
 */
export function checkedWord(ctx: StepContext, n: number, sub: Path, what: string): number {
  const wide = ctx.state.config.sizes.wordBits === 64;
  if (Number.isSafeInteger(n) && n >= 0 && (wide || n < WORD_LIMIT)) return n;
  return ctx.usage(
    sub,
    wide
      ? `${what} must be a non-negative integer below 2^53, found ${shown(n)}`
      : `${what} must be a 32-bit word (an integer from 0 to 0xffffffff), found ${shown(n)}`,
  );
}

/** A rights word from letters (RWGP), one of seL4's rights names, or a number. */
export function rightsWord(ctx: StepContext, raw: unknown, sub: Path): number {
  if (typeof raw === "number") return checkedWord(ctx, raw, sub, "rights");
  if (typeof raw !== "string")
    return ctx.usage(sub, `expected rights such as RW or seL4_ReadWrite, found ${shown(raw)}`);
  const named = Object.hasOwn(RIGHT_NAMES, raw) ? RIGHT_NAMES[raw] : undefined;
  if (named !== undefined) return named;
  if (!/^[RWGP]*$/.test(raw))
    return ctx.usage(
      sub,
      `expected rights letters from R, W, G, P or one of ${Object.keys(RIGHT_NAMES).join(", ")}, found ${shown(raw)}`,
      closest(raw, Object.keys(RIGHT_NAMES)),
    );
  const r: CapRights = {
    read: raw.includes("R"),
    write: raw.includes("W"),
    grant: raw.includes("G"),
    grantReply: raw.includes("P"),
  };
  return wordFromCapRights(r);
}

/** A VM attributes word from a list of attribute names, `default`, or a number. */
function attributesWord(ctx: StepContext, raw: unknown, sub: Path): number {
  if (typeof raw === "number") return checkedWord(ctx, raw, sub, "attr");
  if (raw === "default") return DEFAULT_VM_ATTRIBUTES;
  const list: readonly unknown[] = Array.isArray(raw) ? raw : [raw];
  let w = 0;
  list.forEach((a, i) => {
    const bit = typeof a === "string" && Object.hasOwn(ATTR_BITS, a) ? ATTR_BITS[a] : undefined;
    if (bit === undefined) {
      ctx.usage(
        [...sub, ...(Array.isArray(raw) ? [i] : [])],
        `unknown attribute ${shown(a)} (PageCacheable, ParityEnabled, ExecuteNever, or default)`,
        typeof a === "string" ? closest(a, Object.keys(ATTR_BITS)) : undefined,
      );
    }
    w |= bit;
  });
  return w;
}

/** An object type number from libsel4's type name (or one of its deprecated aliases), or a number. */
function objectTypeWord(ctx: StepContext, raw: unknown, sub: Path): number {
  if (typeof raw === "number") return checkedWord(ctx, raw, sub, "type");
  return archOf(ctx.state.config).objectTypeNumber(objectTypeOf(ctx, raw, sub), ctx.state.config.api);
}

/** The object type libsel4 names `raw` on the scenario's architecture, else a usage error naming the closest. */
export function objectTypeOf(ctx: StepContext, raw: unknown, sub: Path): AnyObjectTypeName {
  const type = typeof raw === "string" ? objectTypeNamed(ctx.state.config, raw) : undefined;
  if (type !== undefined) return type;
  const names = objectTypeNames(ctx.state.config);
  return ctx.usage(
    sub,
    `unknown object type ${shown(raw)}${ctx.state.config.arch === "aarch64" ? " on aarch64" : ""}`,
    typeof raw === "string" ? closest(raw, names) : undefined,
  );
}

/** One message word of an invocation, read the way its libsel4 parameter `key` is written. */
export function wordArgument(ctx: StepContext, key: string, raw: unknown, sub: Path): number {
  if (key === "rights") return rightsWord(ctx, raw, sub);
  if (key === "attr") return attributesWord(ctx, raw, sub);
  if (key === "type") return objectTypeWord(ctx, raw, sub);
  if (typeof raw === "boolean") return raw ? 1 : 0;
  if (typeof raw === "number") return checkedWord(ctx, raw, sub, key);
  if (typeof raw === "string") {
    const n = /^0x[0-9a-f]+$/i.test(raw) ? parseInt(raw, 16) : /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isNaN(n)) return checkedWord(ctx, n, sub, key);
  }
  if (raw !== null && typeof raw === "object" && "paddrOf" in raw)
    return checkedWord(ctx, ctx.valueOf(raw as Value, sub), sub, key);
  return ctx.usage(sub, `expected a number for ${key}, found ${shown(raw)}`);
}
