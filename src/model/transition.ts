import { produce, setAutoFreeze } from "immer";
import type { KernelState } from "./state.ts";

/**
 * The kernel state as a transition sees it while it runs: the same fields, assignable.
 * A transition replaces whole fields (a new PMap, a new record, a new number); it never
 * mutates a PMap or a record in place (their types are readonly and PMap has no mutators).
 */
export type MutableState = { -readonly [K in keyof KernelState]: KernelState[K] };

/**
 * How a transition turns a recipe into a new state.
 * - "root-copy" (the default): the recipe edits a shallow copy of the root record. Because
 *   every field is an immutable value or a persistent PMap, that copy is the whole of the
 *   structural sharing immer would do for this state, at a fraction of its cost.
 * - "immer": the recipe edits an immer draft (auto-freeze off). The reference engine: a
 *   property test checks that both give equal states over random invocation sequences.
 * Measured on a frame map (bench, README "Performance"): immer's produce costs about 1.6 µs
 * of proxy traps and finalisation per invocation, more than the whole 1 µs budget; the root
 * copy costs about 30 ns.
 */
export type TransitionEngine = "root-copy" | "immer";

let engine: TransitionEngine = "root-copy";

// Records and PMaps are immutable by construction, so immer's deep freeze would only cost time.
setAutoFreeze(false);

/** Chooses the transition engine for every later transition (see TransitionEngine). */
export function setTransitionEngine(next: TransitionEngine): void {
  engine = next;
}

/** The engine transitions use now. */
export function transitionEngine(): TransitionEngine {
  return engine;
}

/**
 * A copy of the root record, written out field by field so that every state has the same
 * shape (one hidden class in V8: property reads on the hot path stay monomorphic).
 */
function copyOfRoot(s: KernelState): MutableState {
  return {
    config: s.config,
    objects: s.objects,
    ctes: s.ctes,
    cdtChildren: s.cdtChildren,
    capCount: s.capCount,
    asidTable: s.asidTable,
    hwASIDTable: s.hwASIDTable,
    nextHWASID: s.nextHWASID,
    asidMap: s.asidMap,
    tlb: s.tlb,
    memory: s.memory,
    globalPD: s.globalPD,
    currentThread: s.currentThread,
    loadedVSpace: s.loadedVSpace,
  };
}

/**
 * Whether two roots hold the same value in every field. Spelled out for the same reason as
 * copyOfRoot (a loop over field names is a megamorphic keyed load); a test changes each field
 * of emptyKernelState in turn and checks that this notices.
 */
function sameRoot(a: KernelState, b: KernelState): boolean {
  return (
    a.config === b.config &&
    a.objects === b.objects &&
    a.ctes === b.ctes &&
    a.cdtChildren === b.cdtChildren &&
    a.capCount === b.capCount &&
    a.asidTable === b.asidTable &&
    a.hwASIDTable === b.hwASIDTable &&
    a.nextHWASID === b.nextHWASID &&
    a.asidMap === b.asidMap &&
    a.tlb === b.tlb &&
    a.memory === b.memory &&
    a.globalPD === b.globalPD &&
    a.currentThread === b.currentThread &&
    a.loadedVSpace === b.loadedVSpace
  );
}

/** The root-copy engine: a copy of the root for the recipe; the same state when no field changed. */
function copyRoot(state: KernelState, recipe: (draft: MutableState) => void): KernelState {
  const draft = copyOfRoot(state);
  recipe(draft);
  return sameRoot(draft, state) ? state : draft;
}

/**
 * Applies a change to the kernel state as a pure transition: `recipe` edits a draft and the
 * result is a new state sharing everything it did not touch. A recipe that changes nothing
 * returns the very same state object, as immer's produce does.
 */
export function transition(state: KernelState, recipe: (draft: MutableState) => void): KernelState {
  if (engine === "immer") {
    return produce(state, (draft) => {
      recipe(draft as unknown as MutableState);
    });
  }
  return copyRoot(state, recipe);
}
