import type { WalkWithSplit } from "../../views/index.ts";
import { hex, type CPtr, type PhysAddr } from "../../model/addresses.ts";
import { callLibsel4, callLibsel4Traced } from "../../invocations/libsel4.ts";
import type { SyscallError } from "../../model/errors.ts";
import type { BootedMachine } from "../../boot/minimal.ts";
import type { VMFault } from "../../machine/access.ts";
import { getCap } from "../../kernel/cdt.ts";
import { rootCNodeOf, slotAddress } from "../../kernel/cspace.ts";
import { capObjectAddress, type Cap } from "../../model/caps.ts";
import type { Effect, InvokeResult } from "../../model/message.ts";
import type { KernelState } from "../../model/state.ts";
import { closest, ScenarioError, shown } from "../errors.ts";
import { pathText, type Scenario } from "../load.ts";
import type { ActionKey, StepOf, Value } from "../schema.ts";

/** A path below the current step, as zod and SourceFile.position name fields. */
export type Path = readonly (string | number)[];

/** The outcome of a step, compared against its expectation. */
export type Outcome =
  | {
      readonly kind: "ok";
      readonly values: Readonly<Record<string, number | boolean | string>>;
    }
  | { readonly kind: "error"; readonly error: SyscallError }
  | { readonly kind: "fault"; readonly text: string; readonly fault?: VMFault }
  /** capsim's own answer, not seL4's: what the call would do is outside capsim's model */
  | { readonly kind: "notModelled"; readonly why: string }
  /** capsim itself failed (a bug): the message of what was thrown; no expectation holds against it */
  | { readonly kind: "internal"; readonly message: string };

/**
 * Thrown by a step helper when the machine answers the step with an outcome instead of the
 * values the handler asked for: the initial thread has lost its CSpace root, so a name it
 * looks up is a cap fault, as any lookup of that thread's would be in seL4.
 */
export class StepOutcome extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.kind === "fault" ? outcome.text : outcome.kind);
    this.name = "StepOutcome";
  }
}

/** The effects of a step that had none: one shared empty list, not one per step of a long run. */
export const NO_EFFECTS: readonly Effect[] = Object.freeze([]);

/** What a handler did: the state after the step, and what to report. */
export interface StepResult {
  readonly state: KernelState;
  readonly action: string;
  readonly outcome: Outcome;
  readonly effects: readonly Effect[];
  /** an invocation's checks, by seL4's names, in order (the last refused when it failed) */
  readonly checks?: readonly string[];
  /** a resolve step's walk, entry by entry */
  readonly walk?: WalkWithSplit;
}

/**
 * What a step handler may use: the machine, the state before the step, the scenario's names,
 * and helpers that turn names into slots and report a usage error at a field of the step.
 */
export interface StepContext {
  readonly machine: BootedMachine;
  /** the initial thread: every step acts as it */
  readonly thread: PhysAddr;
  readonly state: KernelState;
  readonly names: ReadonlyMap<string, number>;
  usage(sub: Path, problem: string, suggestion?: string): never;
  slotOf(name: string, sub: Path): number;
  /** the slot a name already has, or the next free one, which the name then keeps */
  newSlot(name: string, sub: Path): number;
  valueOf(v: Value, sub: Path): number;
  /** the cap in the named slot of the initial thread's CNode */
  capNamed(name: string, sub: Path): Cap;
  /** libsel4's function `name` called by the initial thread, with the kernel's checks when the run records them */
  call(name: string, service: CPtr, params: Readonly<Record<string, number>>): CalledResult;
}

/** A call's result, and the checks the kernel made when the run records them. */
export type CalledResult = InvokeResult & { readonly checks?: readonly string[] };

/** One action's handler: ~20 lines that turn a validated step into a StepResult. */
export type StepHandler<K extends ActionKey> = (ctx: StepContext, step: StepOf<K>) => StepResult;

/**
 * The state of one scenario run as its steps see it. The driver moves `state` on after each
 * step, so an expectation's `paddrOf` reads the state the step produced, not the one before.
 */
export class ScenarioRun implements StepContext {
  readonly thread: PhysAddr;
  readonly names: Map<string, number>;
  state: KernelState;
  private nextFree: number;
  private stepPath: Path = [];

  /**
   * `trace`: record each invocation's checks in seL4's order (explain, the page and --json show
   * them). A run that prints none leaves them out: they were about 6% of a 10,000-step run.
   */
  constructor(
    private readonly scenario: Scenario,
    readonly machine: BootedMachine,
    names: Map<string, number>,
    private readonly trace = true,
  ) {
    this.thread = machine.initThread;
    this.names = names;
    this.state = machine.state;
    this.nextFree = machine.bootInfo.empty.start;
  }

  /** Usage errors from now on name fields below steps[index]. */
  atStep(index: number): void {
    this.stepPath = ["steps", index];
  }

  usage(sub: Path, problem: string, suggestion?: string): never {
    const path = [...this.stepPath, ...sub];
    const pos = this.scenario.source.position(path);
    throw new ScenarioError(this.scenario.file, pos.line, pos.column, pathText(path), problem, suggestion);
  }

  slotOf(name: string, sub: Path): number {
    const slot = this.names.get(name);
    return slot ?? this.usage(sub, `no capability is named "${name}"`, closest(name, this.names.keys()));
  }

  newSlot(name: string, sub: Path): number {
    const existing = this.names.get(name);
    if (existing !== undefined) return existing;
    if (this.nextFree >= this.machine.bootInfo.empty.end)
      this.usage(sub, "the initial CNode has no free slot left for a new name");
    this.names.set(name, this.nextFree);
    return this.nextFree++;
  }

  valueOf(v: Value, sub: Path): number {
    if (typeof v === "number") return v;
    if (typeof v.paddrOf !== "string")
      return this.usage([...sub, "paddrOf"], `expected a capability name, found ${shown(v.paddrOf)}`);
    const cap = this.capNamed(v.paddrOf, [...sub, "paddrOf"]);
    // An untyped cap has no object of its own; its region's base is the address people mean.
    const base = capObjectAddress(cap) ?? (cap.type === "Untyped" ? cap.paddr : undefined);
    return (
      (base ?? this.usage([...sub, "paddrOf"], `"${v.paddrOf}" names no object with a physical address`)) +
      (v.plus ?? 0)
    );
  }

  call(name: string, service: CPtr, params: Readonly<Record<string, number>>): CalledResult {
    return (this.trace ? callLibsel4Traced : callLibsel4)(this.state, this.thread, name, service, params);
  }

  capNamed(name: string, sub: Path): Cap {
    const cnode = rootCNodeOf(this.state, this.thread);
    if (cnode === undefined) {
      const text = `cap fault: the initial thread has no CSpace root (its CNode cap was deleted or revoked), so "${name}" names nothing (InvalidRoot)`;
      throw new StepOutcome({ kind: "fault", text });
    }
    return getCap(this.state, slotAddress(this.state, cnode, this.slotOf(name, sub)));
  }
}

/** A kernel invocation's reply as a step outcome; effects are reported only for a success. */
export function invocationResult(action: string, r: CalledResult): StepResult {
  const result = replyResult(action, r);
  return r.checks === undefined ? result : { ...result, checks: r.checks };
}

function replyResult(action: string, r: InvokeResult): StepResult {
  const reply = r.reply;
  if (reply.kind === "ok") {
    const mr0 = reply.mrs[0];
    return {
      state: r.state,
      action,
      outcome: {
        kind: "ok",
        values: mr0 !== undefined ? { paddr: mr0, mr0 } : {},
      },
      effects: reply.effects,
    };
  }
  if (reply.kind === "error")
    return {
      state: r.state,
      action,
      outcome: { kind: "error", error: reply.error },
      effects: NO_EFFECTS,
    };
  if (reply.kind === "notModelled")
    return {
      state: r.state,
      action,
      outcome: { kind: "notModelled", why: reply.why },
      effects: NO_EFFECTS,
    };
  const f = reply.fault;
  return {
    state: r.state,
    action,
    outcome: {
      kind: "fault",
      text: `cap fault: ${f.which} cptr ${f.cptr} did not resolve (${f.lookupFailure.kind})`,
    },
    effects: NO_EFFECTS,
  };
}

/** A user access's VM fault as a step outcome. */
export function vmFaultOutcome(fault: VMFault): Outcome {
  return {
    kind: "fault",
    text:
      fault.arch === "aarch64"
        ? `VM fault: ${fault.kind} fault (level ${fault.level}) at ${hex(fault.vaddr)}, ESR ${hex(fault.esr)}: ${fault.why}`
        : `VM fault: ${fault.kind} fault (${fault.level}) at ${hex(fault.vaddr)}, FSR ${hex(fault.fsr)}: ${fault.why}`,
    fault,
  };
}
