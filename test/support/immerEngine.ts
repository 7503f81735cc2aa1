import { Immer } from "immer";
import type { Effect } from "../../src/model/message.ts";
import { useTransitionEngine, type MutableState, type TransitionEngine } from "../../src/model/transition.ts";

// A private instance: capsim never changes the settings of an immer its host program shares.
// Records and PMaps are immutable by construction, so deep freezing would only cost time.
const immer = new Immer({ autoFreeze: false });

/**
 * The reference engine: the recipe edits an immer draft. The property tests run invocations
 * through it and through the root-copy engine and compare states and replies, which would
 * catch a transition that writes into a record or PMap in place.
 */
export const immerEngine: TransitionEngine = (state, recipe) => {
  const effects: Effect[] = [];
  const next = immer.produce(state, (d: Record<string, unknown>) => {
    // The recipe sees the immer draft's root fields through accessors, beside the effect log;
    // the log never enters immer's draft, so a recipe that changes nothing leaves it unmodified.
    const view: Record<string, unknown> = { effects };
    for (const key of Object.keys(state)) Object.defineProperty(view, key, { get: () => d[key], set: (v: unknown) => void (d[key] = v), enumerable: true });
    recipe(view as MutableState);
  });
  return { state: next, effects };
};

/** Runs `f` with `engine` chosen for every transition, then puts the previous engine back. */
export function withEngine<T>(engine: TransitionEngine, f: () => T): T {
  const before = useTransitionEngine(engine);
  try {
    return f();
  } finally {
    useTransitionEngine(before);
  }
}
