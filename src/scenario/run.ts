import { describeError } from "../model/errors.ts";
import { boot, type BootOptions } from "../boot/boot.ts";
import { BootError } from "../boot/options.ts";
import type { BootedMachine } from "../boot/minimal.ts";
import { INITIAL_CAP_SLOTS } from "../boot/initialCaps.ts";
import { MiB, numInitialCaps } from "../model/constants.ts";
import type { Effect } from "../model/message.ts";
import type { KernelState } from "../model/state.ts";
import type { WalkWithSplit } from "../views/index.ts";
import { checkTouched } from "../testing/incremental.ts";
import { ScenarioError } from "./errors.ts";
import { checkExpectation, describeOutcome } from "./expect.ts";
import type { Scenario } from "./load.ts";
import { ACTION_KEYS, type ActionKey, type Step, type StepOf } from "./schema.ts";
import {
  NO_EFFECTS,
  ScenarioRun,
  STEP_HANDLERS,
  StepOutcome,
  type Outcome,
  type StepContext,
  type StepResult,
} from "./steps/index.ts";

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
  /** an invocation's checks, by seL4's names, in seL4's order: all passed, or the last refused */
  readonly checks?: readonly string[];
  /** a resolve step's walk, entry by entry, ending in the translation or the fault */
  readonly walk?: WalkWithSplit;
}

export interface ScenarioReport {
  readonly file: string;
  readonly name: string;
  readonly steps: readonly StepReport[];
  readonly passed: boolean;
  /** the state after each step (index 0: after boot); with keepStates false, only the last state */
  readonly states: readonly KernelState[];
  readonly machine: BootedMachine;
  readonly names: ReadonlyMap<string, number>;
}

/**
 * Machines booted lately, by their options. Boot is a pure function of its options and a
 * booted machine is immutable, so scenarios with the same header share one: most files use the
 * default machine, and booting it was most of the cost of running a small file. Two, because a
 * machine with a large user image holds a large state.
 */
const recentBoots = new Map<string, BootedMachine>();
const RECENT_BOOTS = 2;

/** Boots the machine the scenario's header describes; a boot the options make impossible is a usage error at `boot`. */
function bootScenario(sc: Scenario): BootedMachine {
  const h = sc.header;
  const key = JSON.stringify([h.arch ?? null, h.boot ?? null, h.api ?? null]);
  const known = recentBoots.get(key);
  if (known !== undefined) return known;
  const booted = bootFresh(sc);
  if (recentBoots.size >= RECENT_BOOTS) recentBoots.delete(recentBoots.keys().next().value as string);
  recentBoots.set(key, booted);
  return booted;
}

/** The RAM a scenario boots with when it gives none: 256 MiB at 0 on ARM32; on AArch64 1 GiB at 0x40000000, where qemu-arm-virt has its RAM. */
const DEFAULT_RAM: Readonly<Record<"aarch32" | "aarch64", { base: number; size: number }>> = {
  aarch32: { base: 0, size: 256 * MiB },
  aarch64: { base: 0x40000000, size: 1024 * MiB },
};

/** The boot options a scenario's header describes, with the defaults `capsim run` applies; a BootError names a key that cannot apply. */
export function scenarioBootOptions(sc: Scenario): BootOptions {
  const h = sc.header;
  const b = h.boot ?? {};
  const arch = h.arch ?? "aarch32";
  const common = {
    ram: b.ram ?? [DEFAULT_RAM[arch]],
    ...(b.devices ? { devices: b.devices } : {}),
    ...(b.userTop !== undefined ? { userTop: b.userTop } : {}),
    ...(b.cnodeSizeBits !== undefined ? { cnodeSizeBits: b.cnodeSizeBits } : {}),
    ...(b.kernelImageSize !== undefined ? { kernelImageSize: b.kernelImageSize } : {}),
    ...(b.userImage ? { userImage: b.userImage } : {}),
    api: h.api,
  };
  if (arch === "aarch64") {
    if (b.fpu !== undefined)
      throw new BootError("fpu", "on aarch64 the FPU does not change any object size (seL4_TCBBits is 11 either way)");
    return { arch: "aarch64", ...common, ...(b.hypervisor !== undefined ? { hypervisor: b.hypervisor } : {}) };
  }
  if (b.hypervisor === true)
    throw new BootError(
      "hypervisor",
      "hypervisor is an aarch64 boot key: capsim's ARM32 is seL4 without hypervisor support",
    );
  return { ...common, ...(b.fpu !== undefined ? { fpu: b.fpu } : {}) };
}

function bootFresh(sc: Scenario): BootedMachine {
  const h = sc.header;
  try {
    return boot(scenarioBootOptions(sc));
  } catch (e) {
    if (!(e instanceof BootError)) throw e;
    // `api: legacy` on aarch64 is the header's mistake, not the memory map's.
    const at = e.where === "api" && h.api !== undefined ? ["api"] : ["boot"];
    const pos = sc.source.position(at);
    throw new ScenarioError(sc.file, pos.line, pos.column, at[0] as string, e.message.replace(/^boot: /, ""));
  }
}

/**
 * Seeds the names of SCENARIOS.md: seL4's initial caps without the seL4_Cap prefix, and
 * untyped[i] in bootinfo order. The legacy kernel has only the first 12 well-known slots.
 */
function initialNames(machine: BootedMachine): Map<string, number> {
  const wellKnown = numInitialCaps(machine.state.config.api);
  const names = new Map<string, number>(
    Object.entries(INITIAL_CAP_SLOTS).filter(([n, slot]) => n !== "Null" && slot < wellKnown),
  );
  machine.bootInfo.untypedList.forEach((_, i) => names.set(`untyped[${i}]`, machine.bootInfo.untyped.start + i));
  return names;
}

function isStepOf<K extends ActionKey>(step: Step, key: K): step is StepOf<K> {
  return key in step;
}

/**
 * Runs the handler for the step's one action key (the loader has checked there is exactly one).
 * A handler that finds the machine cannot answer as asked (StepOutcome) gives that outcome, with
 * the state unchanged.
 */
export function performStep(ctx: StepContext, step: Step): StepResult {
  const perform = <K extends ActionKey>(key: K): StepResult | undefined =>
    isStepOf(step, key) ? STEP_HANDLERS[key](ctx, step) : undefined;
  for (const key of ACTION_KEYS) {
    try {
      const result = perform(key);
      if (result !== undefined) return result;
    } catch (e) {
      if (!(e instanceof StepOutcome)) throw e;
      return { state: ctx.state, action: key, outcome: e.outcome, effects: NO_EFFECTS };
    }
  }
  throw new Error(`a step with no action key reached the runner (keys: ${Object.keys(step).join(", ")})`);
}

/** What a step did, or, when capsim itself threw (anything but a usage error), an internal-error outcome. */
function attemptStep(ctx: StepContext, step: Step): StepResult {
  try {
    return performStep(ctx, step);
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return {
      state: ctx.state,
      action: ACTION_KEYS.find((k) => k in step) ?? "step",
      outcome: { kind: "internal", message },
      effects: NO_EFFECTS,
    };
  }
}

/** Whether the expectation held; one the machine cannot evaluate (a paddrOf after the CSpace root is gone) does not. */
function expectationOf(run: ScenarioRun, step: Step, outcome: Outcome): { held: boolean; expected?: string } {
  try {
    return checkExpectation(step.expect, outcome, (v, sub) => run.valueOf(v, ["expect", ...sub]));
  } catch (e) {
    if (!(e instanceof StepOutcome)) throw e;
    return { held: false, expected: `an expectation capsim can evaluate, but ${describeOutcome(e.outcome)}` };
  }
}

/** Runs one validated scenario: boots, performs each step, checks each expectation. */
export function runScenario(
  sc: Scenario,
  options: {
    readonly checkInvariants?: boolean;
    /** record each invocation's checks in its report (default: yes) */
    readonly checks?: boolean;
    /** keep the state after every step (default: yes); otherwise `states` holds only the last */
    readonly keepStates?: boolean;
  } = {},
): ScenarioReport {
  const machine = bootScenario(sc);
  const run = new ScenarioRun(sc, machine, initialNames(machine), options.checks ?? true);
  const keepStates = options.keepStates ?? true;
  const states: KernelState[] = [run.state];
  const reports: StepReport[] = [];
  for (const [index, step] of sc.steps.entries()) {
    run.atStep(index);
    const before = run.state;
    const { state, action, outcome, effects, checks, walk } = attemptStep(run, step);
    run.state = state;
    if (keepStates) states.push(state);
    // The incremental check finds what the full one would in what the step changed (a property test holds the two equal), at the cost of the change: a full check per step took 6 s for a 4,000-step file.
    // Each architecture-specific invariant checks the form of the run's architecture (testing/invariants).
    const checked = options.checkInvariants && outcome.kind !== "internal";
    const violations = checked ? checkTouched(before, state) : [];
    // An exercise's steps need no expect: the learner predicts each result instead, so any answer
    // the kernel gives holds (capsim's own failure still does not).
    const unjudged = sc.header.exercise === true && step.expect === undefined && outcome.kind !== "internal";
    const expectation = unjudged ? { held: true } : expectationOf(run, step, outcome);
    const check =
      violations.length === 0
        ? expectation
        : {
            held: false,
            expected: `every invariant to hold; violated: ${violations.map((v) => `${v.invariant}: ${v.message}`).join("; ")}`,
          };
    reports.push({
      index: index + 1,
      line: sc.stepLines[index] as number,
      action,
      result: describeOutcome(outcome),
      outcome,
      held: check.held,
      ...(check.expected !== undefined ? { expected: check.expected } : {}),
      ...(outcome.kind === "error"
        ? { why: outcome.error.why }
        : outcome.kind === "notModelled"
          ? { why: outcome.why }
          : {}),
      effects,
      ...(step.note !== undefined ? { note: step.note } : {}),
      ...(checks !== undefined ? { checks } : {}),
      ...(walk !== undefined ? { walk } : {}),
    });
    // After an internal error the state is not one capsim vouches for: later steps would only report on a bug's leftovers.
    if (outcome.kind === "internal") break;
  }
  return {
    file: sc.file,
    name: sc.header.name,
    steps: reports,
    passed: reports.every((r) => r.held),
    states: keepStates ? states : [run.state],
    machine,
    names: run.names,
  };
}

export { errorFields } from "./expect.ts";
export type { Outcome } from "./steps/index.ts";
export { describeError };
