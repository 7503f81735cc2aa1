import { hex, type VirtAddr } from "../../model/addresses.ts";
import { userRead, userWrite } from "../../machine/access.ts";
import { checkedWord } from "./arguments.ts";
import { NO_EFFECTS, vmFaultOutcome, type StepContext, type StepHandler } from "./context.ts";

/** The bytes of the machine's word: 4 on aarch32, 8 on aarch64 (what `value` means in read and write). */
const wordBytes = (ctx: StepContext): number => ctx.state.config.sizes.wordBits / 8;

/**
 * A little-endian word as a result value: a number while it is exact as one (below 2^53), else
 * the same word as a hex string ("0x..."), which expectations compare by value.
 */
function wordValue(bytes: Uint8Array): number | string {
  const n = bytes.reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : `0x${n.toString(16)}`;
}

/** `read: { vaddr, length? }`: a user load through the current thread's address space (little-endian value). */
export const readStep: StepHandler<"read"> = (ctx, step) => {
  const v = checkedWord(ctx, step.read.vaddr, ["read", "vaddr"], "vaddr") as VirtAddr;
  const length = step.read.length ?? wordBytes(ctx);
  const r = userRead(ctx.state, v, length);
  const bytes = Array.from(r.ok ? r.value : [], (x) => x.toString(16).padStart(2, "0")).join(" ");
  // A value is a word: past the word's bytes it would stop being a number a register holds.
  const value: Record<string, number | string> = r.ok && length <= wordBytes(ctx) ? { value: wordValue(r.value) } : {};
  const outcome = r.ok ? { kind: "ok" as const, values: { ...value, bytes } } : vmFaultOutcome(r.fault);
  return { state: r.state, action: `read ${length} bytes at ${hex(v)}`, outcome, effects: NO_EFFECTS };
};

/** `write: { vaddr, value | bytes }`: a user store; `value` is written as one little-endian word. */
export const writeStep: StepHandler<"write"> = (ctx, step) => {
  const w = step.write;
  const v = checkedWord(ctx, w.vaddr, ["write", "vaddr"], "vaddr") as VirtAddr;
  const data = w.bytes ? new Uint8Array(w.bytes) : wordBytesOf(ctx, w.value ?? 0n);
  const r = userWrite(ctx.state, v, data);
  const outcome = r.ok ? { kind: "ok" as const, values: {} } : vmFaultOutcome(r.fault);
  return {
    state: r.state,
    action: `write ${data.length} bytes at ${hex(v)}`,
    outcome,
    effects: NO_EFFECTS,
  };
};

/** `value` as the machine's word, little-endian; a value wider than the word is a usage error at its key. */
function wordBytesOf(ctx: StepContext, value: bigint): Uint8Array {
  const size = wordBytes(ctx);
  if (value >> BigInt(8 * size) !== 0n)
    ctx.usage(
      ["write", "value"],
      `value must fit a ${8 * size}-bit word (at most 0x${"ff".repeat(size)}), found 0x${value.toString(16)}`,
    );
  return Uint8Array.from({ length: size }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
}
