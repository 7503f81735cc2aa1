import { hex, type CPtr, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import { describeError, type SyscallError } from "../model/errors.ts";
import { boot } from "../boot/boot.ts";
import type { BootedMachine } from "../boot/minimal.ts";
import { userRead, userWrite } from "../machine/access.ts";
import { INITIAL_CAP_SLOTS } from "../boot/initialCaps.ts";
import { getCap } from "../kernel/cdt.ts";
import { rootCNodeOf, slotAddress } from "../kernel/cspace.ts";
import { capObjectAddress, wordFromCapRights, type Cap, type CapRights } from "../model/caps.ts";
import { callLibsel4, LIBSEL4 } from "../invocations/libsel4.ts";
import type { Effect, InvokeResult } from "../model/message.ts";
import type { ApiGeneration, KernelState } from "../model/state.ts";
import { transition } from "../model/transition.ts";
import { switchToThread } from "../machine/threads.ts";
import { OBJECT_TYPES, objectTypeNumber, type ObjectTypeName } from "../arch/index.ts";
import { resolve } from "../arch/index.ts";
import { checkAll } from "../testing/invariants.ts";
import type { VMFault } from "../machine/access.ts";
import { closest, ScenarioError } from "./errors.ts";
import type { Scenario } from "./load.ts";
import { pathText } from "./load.ts";
import type { Expect, Step, Value } from "./schema.ts";

/** What one step did and whether its expectation held. */
export interface StepReport {
  readonly index: number;
  readonly line: number;
  readonly action: string;
  /** "ok" with values, or the error/fault, as a person reads it */
  readonly result: string;
  readonly outcome: Outcome;
  readonly held: boolean;
  readonly expected?: string;
  readonly why?: string;
  readonly effects: readonly Effect[];
  readonly note?: string;
}

/** The outcome of a step, compared against its expectation. */
export type Outcome =
  | { readonly kind: "ok"; readonly values: Readonly<Record<string, number | boolean | string>> }
  | { readonly kind: "error"; readonly error: SyscallError }
  | { readonly kind: "fault"; readonly text: string; readonly fault?: VMFault };

export interface ScenarioReport {
  readonly file: string;
  readonly name: string;
  readonly steps: readonly StepReport[];
  readonly passed: boolean;
  /** the state after each step (index 0: after boot) */
  readonly states: readonly KernelState[];
  readonly machine: BootedMachine;
  readonly names: ReadonlyMap<string, number>;
}

const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
const RIGHT_NAMES: Readonly<Record<string, number>> = { seL4_AllRights: 0xf, seL4_ReadWrite: 3, seL4_CanRead: 2, seL4_CanWrite: 1, seL4_NoRights: 0 };
const ATTR_BITS: Readonly<Record<string, number>> = { PageCacheable: 1, ParityEnabled: 2, ExecuteNever: 4 };

/** Runs one validated scenario: boots, performs each step, checks each expectation. */
export function runScenario(sc: Scenario, options: { readonly checkInvariants?: boolean } = {}): ScenarioReport {
  const h = sc.header;
  const b = h.boot ?? {};
  let machine: BootedMachine;
  try {
    machine = boot({
      ram: b.ram ?? [{ base: 0, size: 256 * 2 ** 20 }],
      ...(b.devices ? { devices: b.devices } : {}),
      ...(b.userTop !== undefined ? { userTop: b.userTop } : {}),
      ...(b.cnodeSizeBits !== undefined ? { cnodeSizeBits: b.cnodeSizeBits } : {}),
      ...(b.kernelImageSize !== undefined ? { kernelImageSize: b.kernelImageSize } : {}),
      ...(b.userImage ? { userImage: b.userImage } : {}),
      api: h.api,
    });
  } catch (e) {
    const pos = sc.source.position(["boot"]);
    throw new ScenarioError(sc.file, pos.line, pos.column, "boot", (e as Error).message.replace(/^boot: /, ""));
  }
  const thread = machine.initThread;
  const names = new Map<string, number>(Object.entries(INITIAL_CAP_SLOTS).filter(([n]) => n !== "Null"));
  machine.bootInfo.untypedList.forEach((_, i) => names.set(`untyped[${i}]`, machine.bootInfo.untyped.start + i));
  let nextFree = machine.bootInfo.empty.start;
  let state = machine.state;
  const states: KernelState[] = [state];
  const reports: StepReport[] = [];

  sc.steps.forEach((step, index) => {
    const path: (string | number)[] = ["steps", index];
    const usage = (sub: (string | number)[], problem: string, suggestion?: string): never => {
      const pos = sc.source.position([...path, ...sub]);
      throw new ScenarioError(sc.file, pos.line, pos.column, pathText([...path, ...sub]), problem, suggestion);
    };
    const slotOf = (name: string, sub: (string | number)[]): number => {
      const slot = names.get(name);
      if (slot === undefined) usage(sub, `no capability is named "${name}"`, closest(name, names.keys()));
      return slot as number;
    };
    const newSlot = (name: string, sub: (string | number)[]): number => {
      const existing = names.get(name);
      if (existing !== undefined) return existing;
      if (nextFree >= machine.bootInfo.empty.end) usage(sub, "the initial CNode has no free slot left for a new name");
      names.set(name, nextFree);
      return nextFree++;
    };
    const valueOf = (v: Value, sub: (string | number)[]): number => {
      if (typeof v === "number") return v;
      const slot = slotOf(v.paddrOf, [...sub, "paddrOf"]);
      const addr = capObjectAddress(getCap(state, slotAddress(cnodeAddr(state, thread), slot)));
      const cap = getCap(state, slotAddress(cnodeAddr(state, thread), slot));
      const base = addr ?? (cap.type === "Untyped" ? cap.paddr : undefined);
      if (base === undefined) usage([...sub, "paddrOf"], `"${v.paddrOf}" names no object with a physical address`);
      return (base as number) + (v.plus ?? 0);
    };

    let action: string;
    let outcome: Outcome;
    let effects: readonly Effect[] = [];
    const apply = (r: InvokeResult): Outcome => {
      state = r.state;
      if (r.reply.kind === "ok") {
        effects = r.reply.effects;
        return { kind: "ok", values: r.reply.mrs.length ? { paddr: r.reply.mrs[0] as number, mr0: r.reply.mrs[0] as number } : {} };
      }
      if (r.reply.kind === "error") return { kind: "error", error: r.reply.error };
      return { kind: "fault", text: `cap fault: ${r.reply.fault.which} cptr ${r.reply.fault.cptr} did not resolve (${r.reply.fault.lookupFailure.kind})` };
    };

    if ("invoke" in step) {
      const fnName = step.invoke;
      const fn = LIBSEL4[fnName];
      if (fn === undefined) usage(["invoke"], `unknown invocation "${fnName}"`, closest(fnName, Object.keys(LIBSEL4)));
      const isCNodeOp = fnName.startsWith("seL4_CNode_");
      const capName = step.cap ?? (isCNodeOp ? "InitThreadCNode" : undefined);
      if (capName === undefined) usage([], `${fnName} needs "cap:", the capability to invoke`);
      const service = slotOf(capName as string, ["cap"]);
      const params: Record<string, number> = {};
      const allowed = [...fn!.caps, ...fn!.words, "dest", "src", "pivot"];
      for (const [key, raw] of Object.entries(step.args ?? {})) {
        const sub = ["args", key];
        if (!allowed.includes(key)) usage(sub, `${fnName} has no parameter "${key}" (it takes ${[...fn!.caps, ...fn!.words].join(", ") || "none"})`, closest(key, allowed));
        if (key === "dest" || key === "src" || key === "pivot") {
          if (typeof raw !== "string") usage(sub, `expected a slot name, found ${JSON.stringify(raw)}`);
          const slot = key === "dest" ? newSlot(raw as string, sub) : slotOf(raw as string, sub);
          if (key === "dest") {
            if (fnName === "seL4_Untyped_Retype") Object.assign(params, { root: CNODE, node_index: 0, node_depth: 0, node_offset: slot });
            else if (fnName === "seL4_ARM_ASIDControl_MakePool") Object.assign(params, { root: CNODE, index: slot, depth: 32 });
            else if (fnName === "seL4_CNode_Delete" || fnName === "seL4_CNode_Revoke") Object.assign(params, { index: slot, depth: 32 });
            else Object.assign(params, { dest_index: slot, dest_depth: 32 });
          } else {
            Object.assign(params, { [`${key}_root`]: CNODE, [`${key}_index`]: slot, [`${key}_depth`]: 32 });
          }
        } else if (fn!.caps.includes(key)) {
          if (typeof raw !== "string") usage(sub, `expected a capability name, found ${JSON.stringify(raw)}`);
          params[key] = slotOf(raw as string, sub);
        } else {
          params[key] = wordArgument(key, raw, sub, usage, valueOf, state.config.api);
        }
      }
      if (fnName === "seL4_Untyped_Retype" && params.num_objects === undefined && params.node_offset !== undefined) params.num_objects = 1;
      action = `${fnName} on ${capName}`;
      outcome = apply(callLibsel4(state, thread, fnName, service as CPtr, params));
    } else if ("retype" in step) {
      const r = step.retype;
      const type = r.type as ObjectTypeName;
      if (!(OBJECT_TYPES as readonly string[]).includes(r.type)) usage(["retype", "type"], `unknown object type "${r.type}"`, closest(r.type, OBJECT_TYPES));
      const asNames = Array.isArray(r.as) ? r.as : [r.as];
      const count = r.count ?? asNames.length;
      if (asNames.length !== count) usage(["retype", "as"], `count is ${count} but ${asNames.length} name(s) are given`);
      const slots = asNames.map((n, i) => newSlot(n, ["retype", "as", ...(Array.isArray(r.as) ? [i] : [])]));
      for (let i = 1; i < slots.length; i++) if (slots[i] !== (slots[0] as number) + i) usage(["retype", "as"], "the names of one retype must take consecutive free slots");
      const sources = r.from !== undefined ? [slotOf(r.from, ["retype", "from"])] : machine.bootInfo.untypedList.map((_, i) => machine.bootInfo.untyped.start + i);
      action = `retype ${count} ${type} as ${asNames.join(", ")}`;
      let result: InvokeResult | undefined;
      for (const u of sources) {
        result = callLibsel4(state, thread, "seL4_Untyped_Retype", u as CPtr, {
          root: CNODE,
          type: objectTypeNumber(type, state.config.api),
          size_bits: r.size_bits ?? 0,
          node_index: 0,
          node_depth: 0,
          node_offset: slots[0] as number,
          num_objects: count,
        });
        if (!(result.reply.kind === "error" && result.reply.error.error === "NotEnoughMemory" && r.from === undefined)) break;
      }
      outcome = apply(result as InvokeResult);
    } else if ("copy" in step) {
      const src = slotOf(step.copy.from, ["copy", "from"]);
      const dest = newSlot(step.copy.as, ["copy", "as"]);
      const rights = step.copy.rights === undefined ? 0xf : rightsWord(step.copy.rights, ["copy", "rights"], usage);
      action = `${step.copy.rights === undefined ? "copy" : "mint"} ${step.copy.from} as ${step.copy.as}`;
      outcome = apply(
        callLibsel4(state, thread, step.copy.rights === undefined ? "seL4_CNode_Copy" : "seL4_CNode_Mint", CNODE as CPtr, {
          dest_index: dest,
          dest_depth: 32,
          src_root: CNODE,
          src_index: src,
          src_depth: 32,
          rights,
          badge: 0,
        }),
      );
    } else if ("delete" in step || "revoke" in step) {
      const isDelete = "delete" in step;
      const name = isDelete ? step.delete : (step as { revoke: string }).revoke;
      const slot = slotOf(name, [isDelete ? "delete" : "revoke"]);
      action = `${isDelete ? "delete" : "revoke"} ${name}`;
      outcome = apply(callLibsel4(state, thread, isDelete ? "seL4_CNode_Delete" : "seL4_CNode_Revoke", CNODE as CPtr, { index: slot, depth: 32 }));
    } else if ("resolve" in step) {
      const cap = getCap(state, slotAddress(cnodeAddr(state, thread), slotOf(step.resolve.vspace, ["resolve", "vspace"])));
      if (cap.type !== "PageDirectory") usage(["resolve", "vspace"], `"${step.resolve.vspace}" is a ${cap.type} cap, not a page directory`);
      const v = step.resolve.vaddr as VirtAddr;
      action = `resolve ${hex(v)} in ${step.resolve.vspace}`;
      const r = resolve(state, (cap as Cap & { paddr: PhysAddr }).paddr, v);
      outcome = r.mapped
        ? { kind: "ok", values: { mapped: true, paddr: r.paddr, pageSize: r.pageSize, size: r.size, rights: r.rights.replace(/^VM/, ""), slot: r.slot } }
        : { kind: "ok", values: { mapped: false, level: r.level } };
    } else if ("read" in step || "write" in step) {
      const v = ("read" in step ? step.read.vaddr : step.write.vaddr) as VirtAddr;
      if ("read" in step) {
        const length = step.read.length ?? 4;
        action = `read ${length} bytes at ${hex(v)}`;
        const r = userRead(state, v, length);
        state = r.state;
        outcome = r.ok
          ? { kind: "ok", values: { value: r.value.reduce((n, byte, i) => n + byte * 2 ** (8 * i), 0), bytes: [...r.value].map((x) => x.toString(16).padStart(2, "0")).join(" ") } }
          : { kind: "fault", text: `VM fault: ${r.fault.kind} fault (${r.fault.level}) at ${hex(r.fault.vaddr)}, FSR ${hex(r.fault.fsr)}: ${r.fault.why}`, fault: r.fault };
      } else {
        const w = step.write;
        const data = w.bytes ? new Uint8Array(w.bytes) : new Uint8Array([0, 1, 2, 3].map((i) => Math.floor((w.value ?? 0) / 2 ** (8 * i)) % 256));
        action = `write ${data.length} bytes at ${hex(v)}`;
        const r = userWrite(state, v, data);
        state = r.state;
        outcome = r.ok ? { kind: "ok", values: {} } : { kind: "fault", text: `VM fault: ${r.fault.kind} fault (${r.fault.level}) at ${hex(r.fault.vaddr)}, FSR ${hex(r.fault.fsr)}: ${r.fault.why}`, fault: r.fault };
      }
    } else {
      const name = step.switch.thread;
      const cap = getCap(state, slotAddress(cnodeAddr(state, thread), slotOf(name, ["switch", "thread"])));
      if (cap.type !== "TCB") return usage(["switch", "thread"], `"${name}" is a ${cap.type} cap, not a thread`);
      action = `switch to ${name}`;
      const switched = switchToThread(state, cap.paddr);
      state = switched.state;
      effects = switched.effects;
      outcome = { kind: "ok", values: { pd: state.loadedVSpace?.pd ?? -1, hwASID: state.loadedVSpace?.hwASID ?? -1 } };
    }
    const violations = options.checkInvariants ? checkAll(state) : [];
    states.push(state);
    const expectation = checkExpectation(step.expect, outcome, (v, sub) => valueOf(v, ["expect", ...sub]));
    const check = violations.length === 0 ? expectation : { held: false, expected: `every invariant to hold; violated: ${violations.map((v) => `${v.invariant}: ${v.message}`).join("; ")}` };
    reports.push({
      index: index + 1,
      line: sc.stepLines[index] as number,
      action,
      result: describeOutcome(outcome),
      outcome,
      held: check.held,
      ...(check.expected !== undefined ? { expected: check.expected } : {}),
      ...(outcome.kind === "error" ? { why: outcome.error.why } : {}),
      effects,
      ...(step.note !== undefined ? { note: step.note } : {}),
    });
  });
  return { file: sc.file, name: sc.header.name, steps: reports, passed: reports.every((r) => r.held), states, machine, names };
}

function cnodeAddr(s: KernelState, thread: PhysAddr): PhysAddr {
  const cnode = rootCNodeOf(s, thread);
  if (cnode === undefined) throw new Error("the initial thread has lost its CSpace root");
  return cnode;
}

type Usage = (sub: (string | number)[], problem: string, suggestion?: string) => never;

function rightsWord(raw: unknown, sub: (string | number)[], usage: Usage): number {
  if (typeof raw === "number") return raw;
  if (typeof raw !== "string") return usage(sub, `expected rights such as RW or seL4_ReadWrite, found ${JSON.stringify(raw)}`);
  if (RIGHT_NAMES[raw] !== undefined) return RIGHT_NAMES[raw] as number;
  if (!/^[RWGP]*$/.test(raw)) return usage(sub, `expected rights letters from R, W, G, P or one of ${Object.keys(RIGHT_NAMES).join(", ")}, found "${raw}"`, closest(raw, Object.keys(RIGHT_NAMES)));
  const r: CapRights = { read: raw.includes("R"), write: raw.includes("W"), grant: raw.includes("G"), grantReply: raw.includes("P") };
  return wordFromCapRights(r);
}

function wordArgument(key: string, raw: unknown, sub: (string | number)[], usage: Usage, valueOf: (v: Value, sub: (string | number)[]) => number, api: ApiGeneration): number {
  if (key === "rights") return rightsWord(raw, sub, usage);
  if (key === "attr") {
    if (typeof raw === "number") return raw;
    if (raw === "default") return 3;
    const list = Array.isArray(raw) ? raw : [raw];
    let w = 0;
    list.forEach((a, i) => {
      if (typeof a !== "string" || ATTR_BITS[a] === undefined) usage([...sub, ...(Array.isArray(raw) ? [i] : [])], `unknown attribute ${JSON.stringify(a)} (PageCacheable, ParityEnabled, ExecuteNever, or default)`, typeof a === "string" ? closest(a, Object.keys(ATTR_BITS)) : undefined);
      w |= ATTR_BITS[a as string] as number;
    });
    return w;
  }
  if (key === "type") {
    if (typeof raw === "number") return raw;
    if (typeof raw !== "string" || !(OBJECT_TYPES as readonly string[]).includes(raw)) return usage(sub, `unknown object type ${JSON.stringify(raw)}`, typeof raw === "string" ? closest(raw, OBJECT_TYPES) : undefined);
    return objectTypeNumber(raw as ObjectTypeName, api);
  }
  if (typeof raw === "boolean") return raw ? 1 : 0;
  if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) return raw;
  if (typeof raw === "string") {
    const n = /^0x[0-9a-f]+$/i.test(raw) ? parseInt(raw, 16) : /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isNaN(n)) return n;
  }
  if (raw !== null && typeof raw === "object" && "paddrOf" in raw) return valueOf(raw as Value, sub);
  return usage(sub, `expected a number for ${key}, found ${JSON.stringify(raw)}`);
}

const FIELD_ORDER = ["argumentNumber", "invalidCapNumber", "rangeMin", "rangeMax", "failedLookupWasSource", "bitsLeft", "memoryLeft"] as const;

/** The error's fields under libsel4's names (bitsLeft from the lookup failure). */
export function errorFields(e: SyscallError): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(e)) if (k !== "error" && k !== "why" && k !== "lookupFailure") out[k] = v as number | boolean;
  if (e.error === "FailedLookup" && "bitsLeft" in e.lookupFailure) out.bitsLeft = e.lookupFailure.bitsLeft;
  return out;
}

function describeOutcome(o: Outcome): string {
  if (o.kind === "error") {
    const f = errorFields(o.error);
    const parts = FIELD_ORDER.filter((k) => f[k] !== undefined).map((k) => `${k}=${String(f[k])}`);
    return `seL4_${o.error.error}${parts.length ? ` (${parts.join(", ")})` : ""}`;
  }
  if (o.kind === "fault") return o.text;
  const vals = Object.entries(o.values).map(([k, v]) => `${k}=${typeof v === "number" && k !== "pageSize" && k !== "hwASID" ? hex(v) : String(v)}`);
  return `ok${vals.length ? ` (${vals.join(", ")})` : ""}`;
}

function checkExpectation(exp: Expect | undefined, o: Outcome, valueOf: (v: Value, sub: (string | number)[]) => number): { held: boolean; expected?: string } {
  if (exp === undefined) return o.kind === "ok" ? { held: true } : { held: false, expected: "success (a step without expect must not fail)" };
  if (exp === "ok") return { held: o.kind === "ok", expected: "ok" };
  if ("fault" in exp) {
    const text = `a VM fault ${JSON.stringify(exp.fault)}`;
    if (o.kind !== "fault" || o.fault === undefined) return { held: false, expected: text };
    for (const [k, want] of Object.entries(exp.fault)) if ((o.fault as unknown as Record<string, unknown>)[k] !== want) return { held: false, expected: `${text}, got ${k} = ${String((o.fault as unknown as Record<string, unknown>)[k])}` };
    return { held: true, expected: text };
  }
  if ("ok" in exp) {
    if (o.kind !== "ok") return { held: false, expected: `ok ${JSON.stringify(exp.ok)}` };
    for (const [k, want] of Object.entries(exp.ok)) {
      const got = o.values[k];
      const w = typeof want === "object" || typeof want === "number" ? valueOf(want as Value, ["ok", k]) : want;
      const norm = typeof w === "string" ? w.replace(/^VM/, "") : w;
      if (got !== norm) return { held: false, expected: `${k} = ${typeof w === "number" ? hex(w) : String(w)}, got ${got === undefined ? "nothing" : typeof got === "number" ? hex(got) : String(got)}` };
    }
    return { held: true, expected: `ok ${JSON.stringify(exp.ok)}` };
  }
  const wantName = exp.error.replace(/^seL4_/, "");
  const expectedText = `seL4_${wantName}`;
  if (o.kind !== "error" || o.error.error !== wantName) return { held: false, expected: expectedText };
  const f = errorFields(o.error);
  for (const k of FIELD_ORDER) {
    const want = (exp as Record<string, unknown>)[k];
    if (want === undefined) continue;
    const w = typeof want === "boolean" ? want : k === "failedLookupWasSource" ? want !== 0 : want;
    if (f[k] !== w) return { held: false, expected: `${expectedText} with ${k}=${String(w)}, got ${String(f[k])}` };
  }
  return { held: true, expected: expectedText };
}

export { describeError };
