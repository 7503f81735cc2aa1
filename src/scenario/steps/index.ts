import type { ActionKey } from "../schema.ts";
import { readStep, writeStep } from "./access.ts";
import type { StepHandler } from "./context.ts";
import { copyStep } from "./copy.ts";
import { deleteStep, revokeStep } from "./deleteRevoke.ts";
import { invokeStep } from "./invoke.ts";
import { resolveStep } from "./resolve.ts";
import { retypeStep } from "./retype.ts";
import { switchStep } from "./switch.ts";

/** One handler per action key; a new kind of step is a new schema entry and a new row here. */
export const STEP_HANDLERS: { readonly [K in ActionKey]: StepHandler<K> } = {
  invoke: invokeStep,
  retype: retypeStep,
  copy: copyStep,
  delete: deleteStep,
  revoke: revokeStep,
  resolve: resolveStep,
  switch: switchStep,
  read: readStep,
  write: writeStep,
};

export {
  NO_EFFECTS,
  ScenarioRun,
  StepOutcome,
  type Outcome,
  type StepContext,
  type StepHandler,
  type StepResult,
} from "./context.ts";
