import { Immer } from "immer";
import type { Effect } from "../../src/model/message.ts";
import type { KernelState } from "../../src/model/state.ts";
import { useTransitionEngine, type MutableState, type TransitionEngine } from "../../src/model/transition.ts";

// A private instance: capsim never changes the settings of an immer its host program shares.
// Records and PMaps are immutable by construction, so deep freezing would only cost time.
const immer = new Immer({ autoFreeze: false });

/**
 * The reference engine: the recipe edits an immer draft. The property tests run invocations
 * through it and through the root-copy engine and compare states and replies, which would
 * catch a transition that writes into a record or PMap in place.
 */
/**
 * The recipe sees the immer draft's root fields through accessors, beside the effect log: the
 * log never enters immer's draft, so a recipe that changes nothing leaves the state unmodified.
 * The accessors live on one prototype, made once, so a transition allocates one small view.
 */
interface DraftView {
  draft: Record<string, unknown>;
  baseConfig: KernelState["config"];
  effects: Effect[];
}
let viewPrototype: object | undefined;
function viewOf(state: KernelState, draft: Record<string, unknown>, effects: Effect[]): DraftView {
  let proto = viewPrototype;
  if (proto === undefined) {
    // Every state has the same root fields, so one prototype serves every transition.
    proto = {};
    for (const key of Object.keys(state)) {
      // The configuration is read on hot paths (the slot stride) and no transition changes it
      // (its fields are readonly): reading it through the draft would only make immer proxies.
      const fixed = key === "config";
      Object.defineProperty(proto, key, {
        get(this: DraftView) {
          return fixed ? this.baseConfig : this.draft[key];
        },
        set(this: DraftView, v: unknown) {
          this.draft[key] = v;
        },
      });
    }
    viewPrototype = proto;
  }
  const view: DraftView = Object.create(proto);
  view.draft = draft;
  view.baseConfig = state.config;
  view.effects = effects;
  return view;
}

export const immerEngine: TransitionEngine = (state, recipe) => {
  const effects: Effect[] = [];
  const next = immer.produce(state, (d: Record<string, unknown>) => {
    recipe(viewOf(state, d, effects) as unknown as MutableState);
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
