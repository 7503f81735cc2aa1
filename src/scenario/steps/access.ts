import { hex, type VirtAddr } from "../../model/addresses.ts";
import { userRead, userWrite } from "../../machine/access.ts";
import { checkedWord } from "./arguments.ts";
import { vmFaultOutcome, type StepHandler } from "./context.ts";

const WORD_BYTES = 4;

/** `read: { vaddr, length? }`: a user load through the current thread's address space (little-endian value). */
export const readStep: StepHandler<"read"> = (ctx, step) => {
  const v = checkedWord(ctx, step.read.vaddr, ["read", "vaddr"], "vaddr") as VirtAddr;
  const length = step.read.length ?? WORD_BYTES;
  const r = userRead(ctx.state, v, length);
  const bytes = Array.from(r.ok ? r.value : [], (x) => x.toString(16).padStart(2, "0")).join(" ");
  // A value is a word: past four bytes it would stop being a number a register holds.
  const value: Record<string, number> =
    r.ok && length <= WORD_BYTES ? { value: r.value.reduce((n, byte, i) => n + byte * 2 ** (8 * i), 0) } : {};
  const outcome = r.ok ? { kind: "ok" as const, values: { ...value, bytes } } : vmFaultOutcome(r.fault);
  return { state: r.state, action: `read ${length} bytes at ${hex(v)}`, outcome, effects: [] };
};

/** `write: { vaddr, value | bytes }`: a user store; `value` is written as one little-endian word. */
export const writeStep: StepHandler<"write"> = (ctx, step) => {
  const w = step.write;
  const v = checkedWord(ctx, w.vaddr, ["write", "vaddr"], "vaddr") as VirtAddr;
  const data = w.bytes
    ? new Uint8Array(w.bytes)
    : new Uint8Array([0, 1, 2, 3].map((i) => Math.floor((w.value ?? 0) / 2 ** (8 * i)) % 256));
  const r = userWrite(ctx.state, v, data);
  const outcome = r.ok ? { kind: "ok" as const, values: {} } : vmFaultOutcome(r.fault);
  return {
    state: r.state,
    action: `write ${data.length} bytes at ${hex(v)}`,
    outcome,
    effects: [],
  };
};
