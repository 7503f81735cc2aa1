import type fc from "fast-check";
import type { ASID } from "../model/addresses.ts";
import type { KernelState } from "../model/state.ts";
import { checkTouched } from "./incremental.ts";
import { fuzzOpArbitrary, type FuzzOpConstraints } from "./arbitraries.ts";
import { violation, type Violation } from "./invariants.ts";
import { capAt } from "../kernel/cspace.ts";
import {
  concreteMappings,
  modelMap,
  modelUnmap,
  modelUnmapTable,
  modelUnmapTable64,
  type MappingModel,
} from "./model.ts";
import { rootOfASID } from "./invariants/paging64.ts";
import { applyFuzzOp, type FuzzOp, type FuzzWorld } from "./world.ts";
import { frameSlotAt } from "./world64.ts";

/** The real system of the model-based tests: the world and its current kernel state. */
export interface RealMachine {
  readonly world: FuzzWorld;
  state: KernelState;
}

/** The abstract model: live mappings per ASID. */
export interface Model {
  readonly mappings: MappingModel;
}

/** Thrown when an invariant or the model disagrees with the machine. */
export class InvariantViolation extends Error {
  constructor(readonly violations: readonly Violation[]) {
    super(violations.map((v) => `${v.invariant}: ${v.message}`).join("\n"));
    this.name = "InvariantViolation";
  }
}

const asidsOf = (r: RealMachine): ASID[] =>
  r.world.vspaces
    .map((v) => capAt(r.state, r.world.machine.initThread, v.slot))
    .flatMap((c) =>
      (c.type === "PageDirectory" || c.type === "VSpace") && c.mappedASID !== null ? [c.mappedASID] : [],
    );

const frameSlot = (w: FuzzWorld, i: number) => frameSlotAt(w, i).slot;

/**
 * One capsim invocation as a fast-check command: run it on the real machine, update the
 * abstract model by seL4's rules, then check every invariant the transition touched and that
 * the model's mappings equal the concrete tables'.
 */
export class CapsimCommand implements fc.Command<Model, RealMachine> {
  constructor(readonly op: FuzzOp) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: RealMachine): void {
    const w = real.world;
    const before = real.state;
    const T = w.machine.initThread;
    const o = this.op;
    const capBefore =
      o.op === "unmap" || o.op === "delete" || o.op === "map"
        ? capAt(before, T, frameSlot(w, o.f))
        : o.op === "unmapPT"
          ? capAt(before, T, w.tables[o.t % w.tables.length]!.slot)
          : undefined;
    const { state, result } = applyFuzzOp(w, before, o);
    real.state = state;
    if (result && result.reply.kind !== "ok" && state !== before)
      throw new InvariantViolation([
        violation("failed_call_unchanged", `${this.toString()} failed but changed the state`, { op: this.toString() }),
      ]);
    if (w.arch === "aarch64") {
      if (result === undefined || result.reply.kind === "ok") modelStep64(model.mappings, real, before, o);
      this.compare(model, real, before);
      return;
    }
    if (!result || result.reply.kind === "ok") {
      if ((o.op === "unmap" || o.op === "delete") && capBefore) modelUnmap(model.mappings, capBefore);
      if (o.op === "unmapPT" && capBefore) modelUnmapTable(model.mappings, capBefore);
      if (o.op === "map") {
        const after = capAt(state, T, frameSlot(w, o.f));
        if (after.type === "Frame" && after.mapping)
          modelMap(model.mappings, after.mapping.asid, after.mapping.vaddr, after.paddr, after.size);
      }
    }
    this.compare(model, real, before);
  }

  /** Every invariant the step touched, and the model's mappings against the tables'. */
  private compare(model: Model, real: RealMachine, before: KernelState): void {
    const state = real.state;
    const violations = checkTouched(before, state);
    const concrete = concreteMappings(state, asidsOf(real));
    for (const [a, m] of concrete) {
      const want = model.mappings.get(a) ?? new Map();
      const same =
        m.size === want.size &&
        [...m].every(([v, e]) => want.get(v)?.frame === e.frame && want.get(v)?.size === e.size);
      if (!same)
        violations.push(
          violation(
            "model",
            `ASID ${a}: the tables map ${JSON.stringify([...m])}, the model ${JSON.stringify([...want])}`,
            { asid: a },
          ),
        );
    }
    if (violations.length > 0) throw new InvariantViolation(violations);
  }
  toString(): string {
    return JSON.stringify(this.op);
  }
}

/**
 * The model's step on AArch64, by seL4's rules: a frame cap that held a mapping and no longer
 * does (unmapped, deleted, revoked away) takes its page out (unmapPage: only if the page is
 * still that frame's); a map puts the page in, replacing what was there; a page table that
 * leaves (unmapped or its cap deleted) takes every page in its span; an ASID that names no VSpace
 * any more (its VSpace or pool deleted) has no mappings.
 */
function modelStep64(model: MappingModel, real: RealMachine, before: KernelState, o: FuzzOp): void {
  const w = real.world;
  const T = w.machine.initThread;
  for (const { slot } of [...w.frames, ...w.spares]) {
    const was = capAt(before, T, slot);
    const now = capAt(real.state, T, slot);
    if (was.type === "Frame" && was.mapping !== null && (now.type !== "Frame" || now.mapping !== was.mapping))
      modelUnmap(model, was);
  }
  if (o.op === "unmapPT" || (o.op === "deleteCap" && o.what === "table")) {
    const t = w.tables[(o.op === "unmapPT" ? o.t : o.i) % w.tables.length]!.slot;
    modelUnmapTable64(model, before, capAt(before, T, t));
  }
  if (o.op === "map") {
    const after = capAt(real.state, T, frameSlot(w, o.f));
    if (after.type === "Frame" && after.mapping)
      modelMap(model, after.mapping.asid, after.mapping.vaddr, after.paddr, after.size, real.state.config.sizes);
  }
  for (const a of [...model.keys()]) if (rootOfASID(real.state, a) === undefined) model.delete(a);
}

/** Commands over a FuzzWorld, for `fc.commands([...capsimCommands(), ...yours])`. */
export function capsimCommands(c: FuzzOpConstraints = {}): fc.Arbitrary<fc.Command<Model, RealMachine>>[] {
  return [fuzzOpArbitrary(c).map((op) => new CapsimCommand(op))];
}

/** The setup fc.modelRun needs: a fresh model and the real machine at the world's start. */
export function modelRunSetup(world: FuzzWorld): () => { model: Model; real: RealMachine } {
  return () => {
    const real: RealMachine = { world, state: world.state };
    return {
      model: { mappings: concreteMappings(world.state, asidsOf(real)) },
      real,
    };
  };
}
