import type { Effect } from "./message.ts";
import type { KernelState } from "./state.ts";

/**
 * The kernel state as a transition sees it while it runs: the same fields, assignable, and the
 * log of machine operations the transition performs (l4v's doMachineOp: TLB flushes, cache
 * maintenance, notes for a learner), which code deep in a perform appends to instead of
 * threading a list through every signature. A transition replaces whole fields (a new PMap,
 * a new record, a new number); it never mutates a PMap or a record in place (their types are
 * readonly and PMap has no mutators).
 */
export type MutableState = {
  -readonly [K in keyof KernelState]: KernelState[K];
} & { readonly effects: Effect[] };

/** How a recipe is turned into a new state: the state and the effects the recipe recorded. */
export type TransitionEngine = (state: KernelState, recipe: (draft: MutableState) => void) => TransitionResult;

export interface TransitionResult {
  readonly state: KernelState;
  readonly effects: Effect[];
}

/**
 * The draft: a copy of the root record plus the effect log, written out field by field so that
 * every draft has one shape and every state another (one hidden class each in V8: property
 * reads on the hot path stay monomorphic).
 */
function draftOf(s: KernelState): MutableState {
  return {
    config: s.config,
    objects: s.objects,
    tableEntries: s.tableEntries,
    ctes: s.ctes,
    mdbStamp: s.mdbStamp,
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
    effects: [],
  };
}

/** The state a finished draft describes: its root fields, without the effect log. */
function stateOf(d: MutableState): KernelState {
  return {
    config: d.config,
    objects: d.objects,
    tableEntries: d.tableEntries,
    ctes: d.ctes,
    mdbStamp: d.mdbStamp,
    cdtChildren: d.cdtChildren,
    capCount: d.capCount,
    asidTable: d.asidTable,
    hwASIDTable: d.hwASIDTable,
    nextHWASID: d.nextHWASID,
    asidMap: d.asidMap,
    tlb: d.tlb,
    memory: d.memory,
    globalPD: d.globalPD,
    currentThread: d.currentThread,
    loadedVSpace: d.loadedVSpace,
  };
}

/**
 * Whether a draft holds the same value as the state in every root field. Spelled out for the
 * same reason as draftOf (a loop over field names is a megamorphic keyed load); a test changes
 * each field in turn and checks that this notices.
 */
function unchanged(d: MutableState, s: KernelState): boolean {
  return (
    d.config === s.config &&
    d.objects === s.objects &&
    d.tableEntries === s.tableEntries &&
    d.ctes === s.ctes &&
    d.mdbStamp === s.mdbStamp &&
    d.cdtChildren === s.cdtChildren &&
    d.capCount === s.capCount &&
    d.asidTable === s.asidTable &&
    d.hwASIDTable === s.hwASIDTable &&
    d.nextHWASID === s.nextHWASID &&
    d.asidMap === s.asidMap &&
    d.tlb === s.tlb &&
    d.memory === s.memory &&
    d.globalPD === s.globalPD &&
    d.currentThread === s.currentThread &&
    d.loadedVSpace === s.loadedVSpace
  );
}

/**
 * The root-copy engine. Because every field of the root is an immutable value or a persistent
 * PMap, a shallow copy of the root is all the structural sharing a transition needs: measured
 * on a frame map (docs/performance.md), immer's produce costs about 1.6 µs of proxy traps and
 * finalisation per invocation, the copy about 30 ns. A recipe that changes nothing gives back
 * the very same state object, as immer's produce does.
 */
export const rootCopyEngine: TransitionEngine = (state, recipe) => {
  const draft = draftOf(state);
  recipe(draft);
  return {
    state: unchanged(draft, state) ? state : stateOf(draft),
    effects: draft.effects,
  };
};

let engine: TransitionEngine = rootCopyEngine;

/**
 * Test support only (not part of the package's surface): run every later transition through
 * another engine, such as the immer reference engine the property tests compare against.
 * Returns the engine it replaces, so a test can put it back.
 */
export function useTransitionEngine(next: TransitionEngine): TransitionEngine {
  const before = engine;
  engine = next;
  return before;
}

/**
 * Applies a change to the kernel state as a pure transition: `recipe` edits a draft and the
 * result is a new state sharing everything it did not touch, with the effects it recorded.
 */
export function transitionWithEffects(state: KernelState, recipe: (draft: MutableState) => void): TransitionResult {
  return engine(state, recipe);
}

/** A transition whose effects nobody reads (boot, memory writes, TLB fills). */
export function transition(state: KernelState, recipe: (draft: MutableState) => void): KernelState {
  return engine(state, recipe).state;
}
