import { expect } from "chai";
import { classify, DEFECTS, hostileCase, LIGHT_SIZE } from "../support/hostileFiles.ts";

/**
 * The standing hostile-input campaign, short form: a fixed seed's cases, in order, until the
 * count or the time budget runs out (so `npm test` stays quick on a slow or busy machine; the
 * cases themselves never change). `npm run fuzz:files -- --cases N --seed S` is the long form.
 */
const SEED = 17;
const CASES = Number(process.env.CAPSIM_HOSTILE_CASES ?? 2000);
const BUDGET_MS = Number(process.env.CAPSIM_HOSTILE_BUDGET_MS ?? 12_000);

describe("hostile scenario files (a standing campaign)", () => {
  it(`seed ${SEED}: every mutated file passes, fails an expectation or is a usage error with its line; none crashes or breaks an invariant`, () => {
    const defects: string[] = [];
    const start = performance.now();
    let ran = 0;
    for (let i = 0; i < CASES && performance.now() - start < BUDGET_MS; i++) {
      const c = hostileCase(SEED, i, LIGHT_SIZE);
      const v = classify(c);
      ran++;
      if (DEFECTS.has(v.kind)) defects.push(`case ${i} (${c.name}): ${v.kind}: ${"message" in v ? v.message : ""}`);
    }
    expect(defects).to.deep.equal([]);
    // Even on a busy machine the budget covers a meaningful share of the campaign.
    expect(ran).to.be.greaterThan(Math.min(CASES, 50));
  });
});
