import { expect } from "chai";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/scenario/run.ts";
import { getCap } from "../../src/kernel/cdt.ts";
import { rootCNodeOf, slotAddress } from "../../src/kernel/cspace.ts";
import type { PhysAddr } from "../../src/model/addresses.ts";
import type { KernelState } from "../../src/model/state.ts";

const run = (steps: string, header = "") =>
  runScenario(loadScenarioText("t.yaml", `name: t\n${header}steps:\n${steps}`));
const held = (steps: string, header = "") => run(steps, header).steps.map((s) => s.held);

describe("scenario steps and expectations", () => {
  it("invoke with libsel4 parameter names, slot shorthands (dest, src) and raw parameters", () => {
    // untyped[25]: the 2^26 RAM untyped at 0x4000000 (device untypeds come first in bootinfo)
    const r = run(`
  - invoke: seL4_Untyped_Retype
    cap: untyped[25]
    args: { type: seL4_EndpointObject, size_bits: 0, dest: ep }
  - invoke: seL4_CNode_Copy
    args: { dest: ep2, src: ep, rights: seL4_AllRights }
  - invoke: seL4_CNode_Delete
    cap: InitThreadCNode
    args: { index: 40, depth: 32 }
`);
    expect(r.steps.map((s) => s.held)).to.deep.equal([true, true, true]);
    expect(r.names.get("ep2")).to.equal((r.names.get("ep") as number) + 1);
  });

  it("retype with count and names, copy with rights (a mint), delete and revoke", () => {
    expect(
      held(`
  - retype: { type: seL4_ARM_SmallPageObject, count: 2, as: [a, b], from: "untyped[25]" }
  - copy: { from: a, as: a_ro, rights: R }
  - delete: a_ro
  - revoke: untyped[25]
  - delete: a
    expect: ok
`),
    ).to.deep.equal([true, true, true, true, true]);
  });

  it("switch loads the thread's address space with a hardware ASID", () => {
    const r = run("  - switch: { thread: InitThreadTCB }\n    expect: { ok: { hwASID: 0 } }\n");
    expect(r.steps[0]?.held).to.equal(true);
    expect(r.states[1]?.loadedVSpace?.hwASID).to.equal(0);
  });

  it("expectations: ok, ok with values, error with fields — each held and each not", () => {
    const steps = `
  - retype: { type: seL4_ARM_SmallPageObject, as: f }
  - invoke: seL4_ARM_Page_GetAddress
    cap: f
    expect: { ok: { paddr: { paddrOf: f } } }
  - invoke: seL4_ARM_Page_GetAddress
    cap: f
    expect: { ok: { paddr: { paddrOf: f, plus: 1 } } }
  - invoke: seL4_ARM_Page_Map
    cap: f
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
    expect: { error: seL4_FailedLookup, bitsLeft: 20 }
  - invoke: seL4_ARM_Page_Map
    cap: f
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
    expect: { error: seL4_FailedLookup, bitsLeft: 12 }
  - invoke: seL4_ARM_Page_Map
    cap: f
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
    expect: { error: seL4_DeleteFirst }
  - invoke: seL4_ARM_Page_Map
    cap: f
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
    expect: ok
  - invoke: seL4_ARM_Page_Map
    cap: f
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000000 }
    expect: { ok: { mapped: false, level: PageDirectory } }
  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000000 }
    expect: { ok: { mapped: true } }
`;
    const r = run(steps);
    expect(r.steps.map((s) => s.held)).to.deep.equal([
      true,
      true,
      false,
      true,
      false,
      false,
      false,
      false,
      true,
      false,
    ]);
    expect(r.steps[2]?.expected).to.match(/paddr = 0x[0-9a-f]+, got 0x/);
    expect(r.steps[4]?.expected).to.match(/bitsLeft=12, got 20/);
    expect(r.steps[7]?.expected).to.match(/must not fail/);
    expect(r.passed).to.equal(false);
  });

  it("api and boot sections: legacy API, another USER_TOP, several RAM regions", () => {
    const r = run(
      `
  - retype: { type: seL4_ARM_PageTableObject, as: pt }
  - invoke: seL4_ARM_PageTable_Map
    cap: pt
    args: { vspace: InitThreadVSpace, vaddr: 0xa0000000, attr: default }
    expect: { error: seL4_InvalidArgument, argumentNumber: 0 }
  - invoke: seL4_ARM_Page_Remap
    cap: pt
    args: { vspace: InitThreadVSpace, rights: R, attr: 0 }
    expect: { error: seL4_IllegalOperation }
`,
      "api: legacy\nboot:\n  ram:\n    - { base: 0x10000000, size: 64MiB }\n    - { base: 0x20000000, size: 0x1000000 }\n  userTop: 0xa0000000\n",
    );
    expect(r.steps.map((s) => s.held)).to.deep.equal([true, true, true]);
    expect(r.machine.bootInfo.untypedList.some((u) => u.paddr >= 0x20000000)).to.equal(true);
    // the legacy kernel names only 10.1.1's twelve well-known slots, and its TCBs are 2^9 bytes
    expect(r.names.has("SMMUSIDControl")).to.equal(false);
    expect(r.states[0]?.config.sizes.tcbBits).to.equal(9);
  });

  it("boot: fpu sets the TCB size for either API", () => {
    const tcbBits = (header: string) =>
      run("  - retype: { type: seL4_TCBObject, as: t }\n", header).states[0]?.config.sizes.tcbBits;
    expect(tcbBits("")).to.equal(10);
    expect(tcbBits("boot:\n  fpu: false\n")).to.equal(9);
    expect(tcbBits("api: legacy\nboot:\n  fpu: true\n")).to.equal(10);
  });

  it("expect: not_modelled holds only for capsim's own answer, and is never an seL4 error", () => {
    const r = run(`
  - invoke: seL4_IRQControl_Get
    cap: IRQControl
    args: { irq: 27, root: InitThreadCNode, dest: irq_handler }
    expect: not_modelled
  - invoke: seL4_TCB_Suspend
    cap: InitThreadTCB
    expect: { error: seL4_IllegalOperation }
  - copy: { from: IRQControl, as: irq_copy }
    expect: not_modelled
  - copy: { from: Domain, as: domain_copy }
`);
    expect(r.steps.map((s) => s.held)).to.deep.equal([true, false, false, true]);
    expect(r.steps[0]?.outcome).to.deep.include({ kind: "notModelled" });
    expect(r.steps[0]?.result).to.match(/^not modelled: capsim does not model interrupts/);
    expect(r.steps[1]?.expected).to.equal("seL4_IllegalOperation");
    expect(r.steps[1]?.why).to.match(/TCB_SetSpace/);
    expect(r.steps[2]?.result).to.match(/^seL4_IllegalOperation/);
    expect(r.steps[2]?.expected).to.match(/^not_modelled/);
  });

  it("retype without from takes the first RAM untyped with room, never a device untyped (which bootinfo lists first)", () => {
    const r = run(
      "  - retype: { type: seL4_ARM_SmallPageObject, as: f }\n  - retype: { type: seL4_EndpointObject, as: e }\n",
    );
    expect(r.steps.map((s) => s.held)).to.deep.equal([true, true]);
    const after = r.states[2] as KernelState;
    const cnode = rootCNodeOf(after, r.machine.initThread) as PhysAddr;
    expect(r.machine.bootInfo.untypedList[0]?.isDevice).to.equal(true);
    expect(getCap(after, slotAddress(after, cnode, r.names.get("f") as number))).to.include({
      type: "Frame",
      isDevice: false,
      paddr: 0x110000,
    });
    expect(getCap(after, slotAddress(after, cnode, r.names.get("e") as number))).to.include({
      type: "Endpoint",
      paddr: 0x111000,
    });
  });
});
