import { expect } from "chai";
import type { CPtr, PhysAddr } from "../../src/model/addresses.ts";
import type { SyscallError } from "../../src/model/errors.ts";
import { boot } from "../../src/boot/boot.ts";
import type { BootedMachine } from "../../src/boot/minimal.ts";
import { invoke } from "../../src/invocations/dispatch.ts";
import type { InvocationLabel } from "../../src/model/labels.ts";
import type { InvokeResult, Reply } from "../../src/model/message.ts";
import type { KernelState, MachineConfig } from "../../src/model/state.ts";
import { objectTypeNumber, type ObjectTypeName } from "../../src/arch/aarch32/objectTypes.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";

/** A machine with one 256 MiB RAM region at 0, booted as seL4 boots (kernel window included). */
export function bootTestMachine(config: Partial<MachineConfig> = {}): BootedMachine {
  return boot({
    ram: [{ base: 0, size: 256 * 2 ** 20 }],
    ...(config.userTop !== undefined ? { userTop: config.userTop } : {}),
    api: config.api,
  });
}

/** Invoke `cptr` as `thread` with this label, message words and extra caps. */
export function call(
  state: KernelState,
  thread: PhysAddr,
  cptr: number,
  label: InvocationLabel,
  args: number[] = [],
  extraCaps: number[] = [],
): InvokeResult {
  return invoke(state, thread, cptr as CPtr, {
    label,
    args,
    extraCaps: extraCaps as CPtr[],
  });
}

/** Asserts the call succeeded and returns its reply. */
export function expectOk(r: InvokeResult): Extract<Reply, { kind: "ok" }> {
  if (r.reply.kind !== "ok") expect.fail(`expected success, got ${JSON.stringify(r.reply)}`);
  return r.reply as Extract<Reply, { kind: "ok" }>;
}

type ErrorFields = { [K in keyof SyscallError]?: unknown } & {
  error: SyscallError["error"];
};

/** Asserts the call failed with exactly these fields (all but `why`) and left the state object untouched. */
export function expectError(
  before: KernelState,
  r: InvokeResult,
  expected: ErrorFields & Record<string, unknown>,
): SyscallError {
  if (r.reply.kind !== "error") expect.fail(`expected ${expected.error}, got ${JSON.stringify(r.reply)}`);
  const { why, ...fields } = (r.reply as Extract<Reply, { kind: "error" }>).error;
  expect(why).to.be.a("string").and.not.equal("");
  expect(fields).to.deep.equal(expected);
  expect(r.state).to.equal(before);
  return (r.reply as Extract<Reply, { kind: "error" }>).error;
}

export const SLOT = INITIAL_CAP_SLOTS;
export const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;

/** Retype `count` objects of `type` from the untyped in slot `untyped` into slots from `dest`, in the initial CNode; asserts success. */
export function retype(
  m: { state: KernelState; initThread: PhysAddr },
  untyped: number,
  type: ObjectTypeName,
  sizeBits: number,
  dest: number,
  count = 1,
): KernelState {
  const r = call(
    m.state,
    m.initThread,
    untyped,
    "UntypedRetype",
    [objectTypeNumber(type, m.state.config.api), sizeBits, 0, 0, dest, count],
    [CNODE],
  );
  expectOk(r);
  return r.state;
}

/** The slot of the first boot RAM (non-device) untyped of at least 2^bits bytes. */
export function bigUntyped(m: BootedMachine, bits: number): number {
  const i = m.bootInfo.untypedList.findIndex((u) => u.sizeBits >= bits && !u.isDevice);
  if (i < 0) throw new Error(`no untyped of 2^${bits} bytes`);
  return m.bootInfo.untyped.start + i;
}
