import { expect } from "chai";
import { boot } from "../../src/boot/boot.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { performStep } from "../../src/scenario/run.ts";
import { ACTION_KEYS, STEP_SCHEMAS } from "../../src/scenario/schema.ts";
import { ScenarioRun, STEP_HANDLERS } from "../../src/scenario/steps/index.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";

/** A context over a freshly booted machine, for calling handlers one at a time. */
function contextFor(stepsYaml: string) {
  const sc = loadScenarioText("h.yaml", `name: h\nsteps:\n${stepsYaml}`);
  const machine = boot({ ram: [{ base: 0, size: 256 * 2 ** 20 }] });
  const names = new Map<string, number>(Object.entries(INITIAL_CAP_SLOTS));
  machine.bootInfo.untypedList.forEach((_, i) =>
    names.set(`untyped[${i}]`, machine.bootInfo.untyped.start + i),
  );
  return { sc, run: new ScenarioRun(sc, machine, names) };
}

describe("the scenario step handlers", () => {
  it("have exactly one handler per action key of the schema", () => {
    expect(Object.keys(STEP_HANDLERS).sort()).to.deep.equal(
      Object.keys(STEP_SCHEMAS).sort(),
    );
    expect([...ACTION_KEYS].sort()).to.deep.equal(
      Object.keys(STEP_SCHEMAS).sort(),
    );
  });

  it("a handler is a plain function of the context and its step: it returns the new state and leaves the context's alone", () => {
    const { sc, run } = contextFor(
      "  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n",
    );
    const before = run.state;
    const step = sc.steps[0];
    if (step === undefined || !("retype" in step))
      throw new Error("expected a retype step");
    const r = STEP_HANDLERS.retype(run, step);
    expect(r.action).to.equal("retype 1 seL4_ARM_SmallPageObject as f");
    expect(r.outcome.kind).to.equal("ok");
    expect(r.state).to.not.equal(before);
    expect(run.state).to.equal(before);
    expect(run.names.has("f")).to.equal(true);
  });

  it("performStep dispatches on the step's action key", () => {
    const { sc, run } = contextFor(
      "  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000000 }\n  - switch: { thread: InitThreadTCB }\n",
    );
    const [resolve, sw] = sc.steps.map((s) => performStep(run, s));
    expect(resolve?.action).to.equal("resolve 0x10000000 in InitThreadVSpace");
    expect(resolve?.state, "a query changes nothing").to.equal(run.state);
    expect(sw?.action).to.equal("switch to InitThreadTCB");
    expect(sw?.outcome).to.deep.include({ kind: "ok" });
  });

  it("a usage error names the field of the step being run", () => {
    const { sc, run } = contextFor("  - delete: nosuch\n");
    run.atStep(0);
    const step = sc.steps[0];
    if (step === undefined) throw new Error("expected a step");
    expect(() => performStep(run, step)).to.throw(
      /h\.yaml:3:\d+: steps\[0\]\.delete: no capability is named "nosuch"/,
    );
  });
});
