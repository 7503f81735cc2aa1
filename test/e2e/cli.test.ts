import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const capsim = (...args: string[]) => spawnSync(process.execPath, ["bin/capsim.js", ...args], { encoding: "utf8" });

describe("the capsim command", () => {
  const tmp = mkdtempSync(join(tmpdir(), "capsim-"));
  const failing = join(tmp, "failing.yaml");
  writeFileSync(
    failing,
    "name: expects the wrong thing\nsteps:\n  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n    expect: { error: seL4_DeleteFirst }\n",
  );

  it("run: exit 0 and the closing line when every expectation holds", () => {
    const r = capsim("run", "examples/01-map-a-frame.yaml", "examples/02-large-pages.yaml");
    expect(r.status).to.equal(0);
    expect(r.stdout.trim().split("\n").pop()).to.equal("2 passed, 0 failed");
    expect(r.stdout).to.match(/step 2 \(line 9\) seL4_ARM_Page_Map on frame: seL4_FailedLookup/);
  });

  it("run: exit 1 and what was expected when an expectation fails", () => {
    const r = capsim("run", failing);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/FAIL step 1 \(line 3\).*\n\s+expected seL4_DeleteFirst/);
    expect(r.stdout.trim().split("\n").pop()).to.equal("0 passed, 1 failed");
  });

  it("run: exit 2 for a file that is not a valid scenario, naming the line", () => {
    const r = capsim("run", "test/scenarios/invalid/unknown-invocation.yaml");
    expect(r.status).to.equal(2);
    expect(r.stdout).to.match(/unknown-invocation\.yaml:4:\d+: steps\[1\]\.invoke/);
  });

  it("run --json prints the same as JSON", () => {
    const r = capsim("run", "--json", "examples/03-alignment.yaml");
    const out = JSON.parse(r.stdout) as {
      passed: number;
      scenarios: { steps: { held: boolean }[] }[];
    };
    expect(out.passed).to.equal(1);
    expect(out.scenarios[0]?.steps.every((s) => s.held)).to.equal(true);
  });

  it("run --json and explain show capsim's own 'not modelled' answer apart from seL4's errors", () => {
    const file = join(tmp, "not-modelled.yaml");
    writeFileSync(
      file,
      "name: not modelled\nsteps:\n  - invoke: seL4_TCB_Suspend\n    cap: InitThreadTCB\n    expect: not_modelled\n",
    );
    const r = capsim("run", "--json", file);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as {
      scenarios: { steps: { held: boolean; outcome: unknown }[] }[];
    };
    expect(out.scenarios[0]?.steps[0]?.outcome).to.deep.equal({
      kind: "notModelled",
      why: "capsim models only TCB_SetSpace among the TCB invocations, not TCBSuspend",
    });
    const e = capsim("explain", file);
    expect(e.stdout).to.match(/capsim stops here: capsim models only TCB_SetSpace.*\n.*not an seL4 error/);
  });

  it("explain narrates why a step failed", () => {
    const r = capsim("explain", "examples/01-map-a-frame.yaml");
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/no page table for 0x10000000.*map a page table there first/);
    expect(r.stdout).to.match(/changed: PageDirectory 0x[0-9a-f]+ slot 256: invalid -> page table @0x[0-9a-f]+/);
    expect(r.stdout).to.match(
      /changed: slot \d+ \(frame\): Frame SmallPage .* unmapped -> Frame SmallPage .* mapped ASID 1 at 0x10000000/,
    );
  });

  it("show prints the CSpace and the VSpace tree, and Graphviz with --format dot", () => {
    const text = capsim("show", "examples/01-map-a-frame.yaml");
    expect(text.stdout).to.match(/0x10000000: slot 256 -> page table/);
    expect(text.stdout).to.match(/0x10000000: slot 0 -> SmallPage @0x[0-9a-f]+ ReadWrite/);
    const early = capsim("show", "examples/01-map-a-frame.yaml", "--at", "2");
    expect(early.stdout).to.not.match(/0x10000000: slot 256/);
    const dot = capsim("show", "examples/01-map-a-frame.yaml", "--format", "dot");
    expect(dot.stdout).to.match(/^digraph capsim/);
    expect(capsim("show", "examples/01-map-a-frame.yaml", "--format", "svg").status).to.equal(2);
  });

  it("an unknown command is a usage error", () => {
    const r = capsim("frobnicate");
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/unknown command "frobnicate"/);
  });
});
