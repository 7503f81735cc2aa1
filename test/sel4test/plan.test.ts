import { expect } from "chai";
import { exportSel4test, planScenario, testNameOf, TestNameClash, type StepPlan } from "../../src/sel4test/index.ts";

/** The plan of an inline scenario: which steps run, and why the others do not. */
function plan(steps: string, header = ""): StepPlan[] {
  return [...planScenario({ file: "inline.yaml", text: `name: inline\n${header}steps:\n${steps}` }).plan.steps];
}
const reasons = (steps: readonly StepPlan[]) => steps.map((s) => (s.kind === "skip" ? s.reason : "run"));

describe("sel4test export: how a scenario maps onto a test process", () => {
  it("sends libsel4's words and caps in order and stops where the scenario stops (a truncated message)", () => {
    const [, map] = plan(`  - retype: { type: seL4_ARM_PageTableObject, as: pt }
  - invoke: seL4_ARM_PageTable_Map
    cap: pt
    args: { vspace: InitThreadVSpace }
    expect: { error: seL4_TruncatedMessage }
`);
    expect(map?.kind).to.equal("run");
    if (map?.kind !== "run") return;
    expect(map.call.label).to.equal("ARMPageTableMap");
    expect(map.call.caps.map((c) => c.param)).to.deep.equal(["vspace"]);
    expect(map.call.words).to.deep.equal([]);
    expect(map.checks).to.deep.equal([{ kind: "error", error: "seL4_TruncatedMessage" }]);
  });

  it("error fields are checked in the message registers seL4 puts them in", () => {
    const [, map] = plan(`  - retype: { type: seL4_ARM_SmallPageObject, as: frame }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
    expect: { error: seL4_FailedLookup, failedLookupWasSource: false, bitsLeft: 20 }
`);
    expect(map?.kind === "run" && map.checks).to.deep.equal([
      { kind: "error", error: "seL4_FailedLookup" },
      { kind: "mr", mr: 0, field: "failedLookupWasSource", expr: "0" },
      { kind: "mr", mr: 2, field: "bitsLeft", expr: "20" },
    ]);
  });

  it("a skipped step that was to succeed skips the later steps naming its caps; one expected to fail skips nothing", () => {
    const steps = plan(`  - retype: { type: seL4_ARM_SmallPageObject, as: frame, from: "untyped[20]" }
  - invoke: seL4_ARM_Page_GetAddress
    cap: frame
  - copy: { from: IRQControl, as: irq_copy }
    expect: { error: seL4_IllegalOperation }
  - copy: { from: Domain, as: irq_copy }
`);
    expect(reasons(steps)).to.deep.equal([
      "uses untyped[20], an untyped of capsim's boot layout; the test process's untypeds are others",
      "uses frame, which step 1 (not run) was to change",
      "uses IRQControl: the test process holds no IRQ control cap",
      "run",
    ]);
  });

  it("queries, memory accesses and thread switches are comments, and skip nothing after them", () => {
    const steps = plan(`  - retype: { type: seL4_ARM_PageTableObject, as: pt }
  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000000 }
  - switch: { thread: InitThreadTCB }
  - invoke: seL4_ARM_PageTable_Map
    cap: pt
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, attr: default }
`);
    expect(steps.map((s) => s.kind)).to.deep.equal(["run", "skip", "skip", "run"]);
  });

  it("steps bound to capsim's boot are not run: slot numbers, the image's addresses, untyped exhaustion", () => {
    const steps = plan(`  - retype: { type: seL4_ARM_PageTableObject, as: pt }
  - invoke: seL4_Untyped_Retype
    cap: pt
    args: { type: 4, size_bits: 0, root: InitThreadCNode, node_index: 0, node_depth: 0, node_offset: 200, num_objects: 1 }
    expect: { error: seL4_InvalidCapability, invalidCapNumber: 0 }
  - invoke: seL4_ARM_PageTable_Map
    cap: pt
    args: { vspace: InitThreadVSpace, vaddr: 0x10000, attr: default }
    expect: { error: seL4_DeleteFirst }
  - retype: { type: seL4_ARM_SuperSectionObject, as: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q], count: 17 }
    expect: { error: seL4_NotEnoughMemory }
`);
    expect(reasons(steps)[1]).to.match(/^node_offset: 200 numbers a slot of capsim's initial CNode/);
    expect(reasons(steps)[2]).to.match(/boot maps the initial thread's image near 0x0 in InitThreadVSpace/);
    expect(reasons(steps)[3]).to.match(/depends on capsim's boot memory/);
    // AArch64: boot's level-0 entry covers the low 512 GiB, so a map there meets boot's tables;
    // above it the test's fresh VSpace and capsim's answer alike, and the step runs.
    const a64 = plan(
      `  - retype: { type: seL4_ARM_SmallPageObject, as: other }
  - invoke: seL4_ARM_Page_Map
    cap: other
    args: { vspace: InitThreadVSpace, vaddr: 0x9000000000, rights: RW, attr: default }
  - retype: { type: seL4_ARM_SmallPageObject, as: frame }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
`,
      "arch: aarch64\n",
    );
    expect(reasons(a64)[1]).to.equal("run");
    expect(reasons(a64)[3]).to.match(/boot has tables covering 0x10000000 in InitThreadVSpace/);
    const other = plan(`  - retype: { type: seL4_CapTableObject, size_bits: 4, as: cnode }
  - invoke: seL4_CNode_Copy
    cap: cnode
    args: { dest: copy, src: cnode, rights: RW }
    expect: { error: seL4_FailedLookup }
`);
    expect(reasons(other)[1]).to.match(
      /^dest names a slot by its number in capsim's initial CNode, and here indexes cnode/,
    );
  });

  it("what would block or break the test process is not run: a call on a sendable endpoint, deleting its own CNode cap", () => {
    const steps = plan(`  - retype: { type: seL4_EndpointObject, as: ep }
  - copy: { from: ep, as: ep_receive_only, rights: R }
  - invoke: seL4_CNode_Copy
    cap: ep
    expect: not_modelled
  - invoke: seL4_CNode_Copy
    cap: ep_receive_only
    expect: { error: seL4_InvalidCapability, invalidCapNumber: 0 }
  - delete: InitThreadCNode
    expect: { error: seL4_RevokeFirst }
`);
    expect(reasons(steps)[2]).to.match(/^ep is an endpoint cap with the write right/);
    expect(reasons(steps)[3]).to.equal("run");
    expect(reasons(steps)[4]).to.match(
      /would delete InitThreadCNode, which in the test is the test process's own env->cspace_root/,
    );
  });

  it("InitThreadTCB is a fresh TCB: used for calls expected to fail, not for ones that change the thread", () => {
    const steps = plan(`  - invoke: seL4_ARM_Page_Unmap
    cap: InitThreadTCB
    expect: { error: seL4_IllegalOperation }
  - invoke: seL4_TCB_SetSpace
    cap: InitThreadTCB
    args: { fault_ep: 0, cspace_root: InitThreadCNode, cspace_root_data: 0, vspace_root: InitThreadVSpace, vspace_root_data: 0 }
  - invoke: seL4_TCB_Suspend
    cap: InitThreadTCB
    expect: not_modelled
`);
    expect(reasons(steps)[0]).to.equal("run");
    expect(reasons(steps)[1]).to.match(/^InitThreadTCB is the thread running the scenario/);
    // The skipped SetSpace changed InitThreadTCB in capsim, so what follows on it no longer matches.
    expect(reasons(steps)[2]).to.equal("uses InitThreadTCB, which step 2 (not run) was to change");
  });

  it("paddrOf an untyped is read through a probe frame at its start; of a frame, through Page_GetAddress after it is made", () => {
    const c = exportSel4test([
      {
        file: "probe.yaml",
        text: `name: probe
steps:
  - retype: { type: seL4_UntypedObject, size_bits: 16, as: region }
  - retype: { type: seL4_ARM_SmallPageObject, as: frame, from: region }
  - invoke: seL4_ARM_Page_GetAddress
    cap: frame
    expect: { ok: { paddr: { paddrOf: region } } }
  - invoke: seL4_ARM_Page_GetAddress
    cap: frame
    expect: { ok: { paddr: { paddrOf: frame, plus: 0 } } }
`,
      },
    ]);
    expect(c).to.include("paddr_region = capsim_untyped_paddr(&cs, ut_1);");
    expect(c).to.include("if (cs.error == seL4_NoError) paddr_frame = capsim_frame_paddr(&cs, cap_frame);");
    expect(c).to.include('capsim_expect_mr(&cs, 0, "paddr", paddr_region);');
    expect(c).to.include('capsim_expect_mr(&cs, 0, "paddr", paddr_frame);');
  });

  it("a physical address only a step that is not run would check is neither read nor declared (no unused variable)", () => {
    const c = exportSel4test([
      {
        file: "unused.yaml",
        text: `name: unused
steps:
  - retype: { type: seL4_ARM_SmallPageObject, as: frame }
  - invoke: seL4_ARM_Page_GetAddress
    cap: "untyped[0]"
    expect: { ok: { paddr: { paddrOf: frame } } }
`,
      },
    ]);
    expect(c).to.include("seL4_CPtr cap_frame = capsim_slot(&cs);");
    expect(c).not.to.match(/^\s+[^*\s].*paddr_frame/m);
  });

  it("a legacy-API file has no test", () => {
    const p = planScenario({
      file: "legacy.yaml",
      text: "name: legacy\napi: legacy\nsteps:\n  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n",
    }).plan;
    expect(p.notExported).to.match(/^api: legacy/);
    const text = "name: l\napi: legacy\nsteps:\n  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n";
    expect(exportSel4test([{ file: "legacy.yaml", text }])).not.to.include("DEFINE_TEST(");
  });
});

describe("sel4test export: test names", () => {
  it("are the prefix and the file's base name, upper case, within sel4test's 31 characters on 64-bit", () => {
    expect(testNameOf("examples/01-map-a-frame.yaml")).to.equal("CAPSIM_01_MAP_A_FRAME");
    expect(testNameOf("x/a.b c.yaml", "MINE")).to.equal("MINE_A_B_C");
    const long = testNameOf("scenarios/a-very-long-scenario-file-name-indeed.yaml");
    expect(long.length).to.be.at.most(31);
    expect(long).to.match(/^CAPSIM_A_VERY_LONG_SCENARI_[0-9A-F]{4}$/);
    expect(testNameOf("scenarios/a-very-long-scenario-file-name-indeed-2.yaml")).not.to.equal(long);
  });

  it("two files with one test name are refused", () => {
    const text = "name: x\nsteps:\n  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n";
    expect(() =>
      exportSel4test([
        { file: "a/same.yaml", text },
        { file: "b/same.yaml", text },
      ]),
    ).to.throw(TestNameClash, /a\/same\.yaml and b\/same\.yaml would both be test CAPSIM_SAME/);
  });
});
