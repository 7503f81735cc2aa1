import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { rootCNodeOf } from "../../src/kernel/cspace.ts";
import type { PhysAddr } from "../../src/model/addresses.ts";
import type { KernelState } from "../../src/model/state.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario, type ScenarioReport } from "../../src/scenario/run.ts";
import { checkLines, walkLines } from "../../src/cli/explain.ts";
import { showDot, showText } from "../../src/cli/show.ts";
import { staleAndOrphanSteps } from "../support/teachingScenarios.ts";

const run = (steps: string): ScenarioReport => runScenario(loadScenarioText("t.yaml", `name: t\nsteps:\n${steps}`));
const capsim = (...args: string[]) => spawnSync(process.execPath, ["bin/capsim.js", ...args], { encoding: "utf8" });

const STALE_AND_ORPHAN = staleAndOrphanSteps("R");

function rootOf(r: ScenarioReport): PhysAddr {
  return rootCNodeOf(r.machine.state, r.machine.initThread) as PhysAddr;
}

describe("the CLI's teaching views", () => {
  it("explain numbers every check and marks the one that refused", () => {
    const r = run(`
  - retype: { type: seL4_ARM_SmallPageObject, as: frame }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000010, rights: RW, attr: default }
`);
    const lines = checkLines(r.steps[1]!);
    expect(lines[0]).to.equal("  The kernel's checks, in seL4's order:");
    expect(lines.slice(1).map((l) => l.replace(/^ +\d+\. /, ""))).to.deep.equal([
      "look up the invoked cap (lookupCapAndSlot): ok",
      "look up extra cap 0 (lookupCapAndSlot): ok",
      "the invoked cap is not the null cap: ok",
      "message length and extra caps: ok",
      "page directory cap with an ASID: ok",
      "the frame's last byte below USER_TOP: ok",
      "findPDForASID: ok",
      "the page directory is the one its ASID names: ok",
      "alignment (checkVPAlignment): refused",
    ]);
    expect(lines[9]).to.match(/^ {4}9\. alignment/);
  });

  it("explain shows a resolve's walk entry by entry", () => {
    const r = run(`
  - retype: { type: seL4_ARM_SectionObject, as: s }
  - invoke: seL4_ARM_Page_Map
    cap: s
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10012345 }
`);
    const w = r.steps[2]?.walk;
    if (w === undefined) throw new Error("no walk");
    const lines = walkLines(w);
    expect(lines[0]).to.equal(
      "  The walk of 0x10012345 (read as a Section: PD index 0x100 [31:20], offset 0x12345 [19:0]):",
    );
    expect(lines[1]).to.match(
      /^ {4}1\. PageDirectory @0x[0-9a-f]+ entry 256 \(at 0x[0-9a-f]+\): 0x[0-9a-f]{8} Section @/,
    );
    expect(lines).to.have.length(3);
    expect(lines[2]).to.match(/-> 0x[0-9a-f]+: Section frame @0x[0-9a-f]+, ReadWrite$/);
  });

  it("show prints the derivation tree: untyped -> what was retyped from it -> its copies, and the TCB's own copies", () => {
    const r = run(`
  - retype: { type: seL4_ARM_SmallPageObject, as: frame }
  - copy: { from: frame, as: again }
`);
    const s = r.states[r.states.length - 1] as KernelState;
    const text = showText(s, rootOf(r), r.names);
    const tree = text.slice(text.indexOf("Derivation tree"), text.indexOf("ASID table"));
    const frame = r.names.get("frame") as number;
    const again = r.names.get("again") as number;
    // Retype makes the frame cap a child of the untyped's; Copy makes a child of the frame cap
    expect(tree).to.match(
      new RegExp(
        `\\n {2}\\[\\d+\\] untyped\\[\\d+\\]: Untyped .*\\n {4}\\[${frame}\\] frame: Frame SmallPage .*\\n {6}\\[${again}\\] again: Frame SmallPage `,
      ),
    );
    // boot puts derived copies of the root CNode cap into the initial TCB's own slots (tcbCTable)
    expect(tree).to.match(/\n {2}\[2\] InitThreadCNode: CNode .*\n {4}TCB tcbCTable: CNode /);
  });

  it("show lists only real slots, marks stale caps, lists orphaned tables, and prints bits on request", () => {
    const r = run(STALE_AND_ORPHAN);
    const s = r.states[r.states.length - 1] as KernelState;
    const text = showText(s, rootOf(r), r.names, { bits: true });
    const slots = [...text.matchAll(/^ {2}\[(\d+)\]/gm)].map((m) => Number(m[1]));
    const size = Number(/CNode: (\d+) slots/.exec(text)?.[1]);
    expect(size).to.equal(4096);
    expect(slots.length).to.be.greaterThan(10);
    expect(Math.max(...slots)).to.be.lessThan(size);
    expect(text).to.match(
      /\] pt: PageTable .* mapped ASID 1024 at 0x10000000\n +STALE: ASID 1024 names no page directory any more/,
    );
    expect(text).to.match(/\] frame: Frame SmallPage .* ReadWrite mapped ASID 1024 .*\n +STALE:/);
    expect(text).to.match(
      /Orphaned tables.*\n {2}PageTable @0x[0-9a-f]+: no VSpace root points at it, yet it holds 1 valid entry, yet a cap to it records a mapping/,
    );
    expect(text).to.match(/ASID 1 -> PageDirectory @0x[0-9a-f]+/);
    // RW masked by a read-only rights word: AP = 0b10, user read-only
    const before = showText(r.states[8] as KernelState, rootOf(r), r.names, { bits: true });
    expect(before).to.match(
      /\[5:4\] {3}AP\[1:0\] = 0x2: user read-only \(VMReadOnly\) \(from the frame cap's rights masked/,
    );
    expect(showText(r.states[8] as KernelState, rootOf(r), r.names)).not.to.match(/AP\[1:0\]/);
  });

  it("show's dot draws caps beside what they name, labels ASIDs and rights, collapses the boot image, colours the step's change", () => {
    const r = run(STALE_AND_ORPHAN);
    const at = 8;
    const dot = showDot(r.states[at] as KernelState, {
      boot: r.machine.state,
      before: r.states[at - 1] as KernelState,
      step: at,
      cnode: rootOf(r),
      names: r.names,
    });
    expect(dot).to.match(/^digraph capsim \{/);
    expect(dot).to.match(/label="red: what step 8 changed"/);
    // the new mapping's edge is red, with its address and rights
    expect(dot).to.match(/"pt\d+" -> "f\d+" \[label="0x10000000 ReadOnly", color="red", penwidth=2\];/);
    // the frame cap, changed by the step, beside its frame
    expect(dot).to.match(
      /"cap\d+" \[label="cap \[\d+\] frame\\nFrame ReadWrite ASID 1024 at 0x10000000", shape=note, color="red", penwidth=2\];/,
    );
    expect(dot).to.match(/\{ rank=same; "cap\d+"; "f\d+"; \}/);
    expect(dot).to.match(/"pool\d+" -> "pd\d+" \[label="ASID 1024"\];/);
    expect(dot).to.match(/boot-image pages/);
    // the boot image's frames are not drawn one by one
    expect((dot.match(/SmallPage/g) ?? []).length).to.equal(1);
  });

  it("capsim show --bits and capsim explain from the command line", () => {
    const show = capsim("show", "examples/01-map-a-frame.yaml", "--bits");
    expect(show.status, show.stderr).to.equal(0);
    expect(show.stdout).to.match(/word 0x[0-9a-f]{8}:\n +\[31:12\] page base/);
    const explain = capsim("explain", "examples/01-map-a-frame.yaml");
    expect(explain.stdout).to.match(
      / {4}10\. a page table where needed and no conflicting entry \(createSafeMappingEntries\): refused/,
    );
    expect(explain.stdout).to.match(/The walk of 0x10000123 .*\n {4}1\. PageDirectory/);
    // each invocation's cap found through the CSpace: one CNode level (radix 12, a 20-bit zero guard) to slot 70
    expect(explain.stdout).to.match(
      /Step 2 .*\n.*\n {2}CPtr 0x46 \(32 bits\) from CNode @0x[0-9a-f]+ radix 12 guard 0\/20:\n {4}1\. CNode @0x[0-9a-f]+, 32 bits left: guard bits \[31:12\] = 0x0 matches .*slot 70 of 4096: Frame .*\n {4}-> slot 70 of CNode/,
    );
  });
});
