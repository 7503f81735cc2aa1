import { expect } from "chai";
import type fc from "fast-check";
import type { KernelState } from "../../src/model/state.ts";
import { transition, type MutableState } from "../../src/model/transition.ts";
import { checkTouched } from "../../src/testing/incremental.ts";
import { INVARIANTS } from "../../src/testing/invariants.ts";

/**
 * Break `healthy` on purpose, outside the public API, and return which invariants complain;
 * the incremental check, given the healthy state before, must name the same ones.
 */
export function brokenInvariants(healthy: KernelState, edit: (d: MutableState) => void): string[] {
  const bad: KernelState = transition(healthy, edit);
  const names = Object.entries(INVARIANTS)
    .filter(([name, inv]) => inv(bad).some((v) => v.invariant === name))
    .map(([name]) => name);
  const touched = [...new Set(checkTouched(healthy, bad).map((v) => v.invariant))].sort();
  expect(touched, "the incremental check").to.deep.equal([...names].sort());
  return names;
}

/** The commands with each run counted in `counter.steps`. */
export function countingCommands<M extends object, R>(
  commands: fc.Arbitrary<fc.Command<M, R>>[],
  counter: { steps: number },
): fc.Arbitrary<fc.Command<M, R>>[] {
  return commands.map((a) =>
    a.map((c) => {
      const run = c.run.bind(c);
      c.run = (m, r) => {
        counter.steps++;
        run(m, r);
      };
      return c;
    }),
  );
}
