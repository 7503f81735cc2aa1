import { expect } from "chai";
import { readFileSync } from "node:fs";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/scenario/run.ts";
import { ScenarioError } from "../../src/scenario/errors.ts";
import { main } from "../../src/cli/main.ts";
import { describeChanges, showDot, showText } from "../../src/cli/show.ts";
import { rootCNodeOf } from "../../src/kernel/cspace.ts";
import type { PhysAddr } from "../../src/model/addresses.ts";

/*
 * Scenario files with `arch: aarch64` (docs/scenarios.md): the boot keys, libsel4 16's AArch64
 * names and the old names its aarch64 deprecated.h keeps, the refusals, and the commands.
 */

const run = (body: string, header = "arch: aarch64\n") =>
  runScenario(loadScenarioText("t.yaml", `name: t\n${header}steps:\n${body}`));

function usage(body: string, header = "arch: aarch64\n"): ScenarioError {
  try {
    run(body, header);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  return expect.fail("expected a usage error");
}

const held = (r: ReturnType<typeof run>) =>
  r.steps.filter((s) => !s.held).map((s) => `step ${s.index}: ${s.result}, expected ${s.expected}`);

describe("scenario files on aarch64", () => {
  it("boot AArch64 seL4 16.0.0: slot 3 is a VSpace, USER_TOP is 0x7fffffffffff", () => {
    const r = run(
      "  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000 }\n    expect: { ok: { mapped: true, pageSize: 4KiB } }\n",
    );
    expect(held(r)).to.deep.equal([]);
    expect(r.machine.state.config.arch).to.equal("aarch64");
    expect(r.machine.state.config.userTop).to.equal(0x7fffffffffff);
  });

  it("refuses api: legacy at the api line, saying why", () => {
    const e = usage("  - delete: InitThreadTCB\n", "arch: aarch64\napi: legacy\n");
    expect(e.line).to.equal(3);
    expect(e.message).to.match(/api: legacy is not modelled on aarch64: .*13\.0\.0/);
  });

  it("refuses another userTop and the fpu key, at boot", () => {
    expect(usage("  - delete: InitThreadTCB\n", "arch: aarch64\nboot: { userTop: 0xe0000000 }\n").message).to.match(
      /USER_TOP is seL4_UserTop, 0x7fffffffffff/,
    );
    expect(usage("  - delete: InitThreadTCB\n", "arch: aarch64\nboot: { fpu: true }\n").message).to.match(/fpu/);
  });

  it("refuses boot: { hypervisor: true } at the boot line, saying what is not modelled", () => {
    const e = usage("  - delete: InitThreadTCB\n", "arch: aarch64\nboot: { hypervisor: true }\n");
    expect(e.line).to.equal(3);
    expect(e.message).to.match(/hypervisor: true \(CONFIG_ARM_HYPERVISOR_SUPPORT\) is not modelled/);
    expect(usage("  - delete: InitThreadTCB\n", "boot: { hypervisor: true }\n").message).to.match(/aarch64 boot key/);
  });

  it("takes libsel4 16's old names as aliases: PGD/PUD/PD objects and PageDirectory/PageUpperDirectory_Map", () => {
    const r = run(
      [
        "  - retype: { type: seL4_ARM_PageGlobalDirectoryObject, as: vs }",
        "  - retype: { type: seL4_ARM_PageDirectoryObject, as: pd }",
        "  - invoke: seL4_ARM_ASIDPool_Assign",
        "    cap: InitThreadASIDPool",
        "    args: { vspace: vs }",
        "  - invoke: seL4_ARM_PageUpperDirectory_Map",
        "    cap: pd",
        "    args: { vspace: vs, vaddr: 0x10000000, attr: default }",
        "  - invoke: seL4_ARM_PageDirectory_Unmap",
        "    cap: pd",
        "",
      ].join("\n"),
    );
    expect(held(r)).to.deep.equal([]);
    const last = r.states[r.states.length - 1]!;
    const vs = [...last.objects.values()].filter((o) => o.type === "VSpace");
    expect(vs.length).to.be.at.least(3); // the global user VSpace, the initial thread's, vs
  });

  it("knows each architecture's own names: no PageDirectory cache operations on aarch64, no VSpace ones on aarch32", () => {
    expect(
      usage(
        "  - invoke: seL4_ARM_PageDirectory_Clean_Data\n    cap: InitThreadVSpace\n    args: { start: 0, end: 1 }\n",
      ).message,
    ).to.match(/unknown invocation "seL4_ARM_PageDirectory_Clean_Data" on aarch64/);
    expect(
      usage("  - invoke: seL4_ARM_VSpace_Clean_Data\n    cap: InitThreadVSpace\n    args: { start: 0, end: 1 }\n", "")
        .message,
    ).to.match(/unknown invocation "seL4_ARM_VSpace_Clean_Data"/);
    expect(usage("  - retype: { type: seL4_ARM_SectionObject, as: s }\n").message).to.match(
      /unknown object type "seL4_ARM_SectionObject" on aarch64/,
    );
  });

  it("takes 64-bit addresses on aarch64 and holds aarch32 to 32 bits", () => {
    const r = run(
      "  - resolve: { vspace: InitThreadVSpace, vaddr: 0x7fffffffffff }\n    expect: { ok: { mapped: false, level: VSpace, depth: 0 } }\n",
    );
    expect(held(r)).to.deep.equal([]);
    expect(usage("  - read: { vaddr: 0x100000000 }\n", "").message).to.match(/32-bit word/);
  });

  it("resolve wants the architecture's root: a VSpace cap on aarch64", () => {
    expect(usage("  - resolve: { vspace: InitThreadTCB, vaddr: 0 }\n").message).to.match(/TCB cap, not a VSpace/);
  });

  it("switch loads the thread's VSpace with its ASID as the hardware ASID", () => {
    const r = run("  - switch: { thread: InitThreadTCB }\n");
    expect(held(r)).to.deep.equal([]);
    const vs = r.machine.state.loadedVSpace;
    expect(r.steps[0]!.outcome).to.deep.equal({ kind: "ok", values: { pd: vs?.pd, hwASID: 1 } });
  });

  it("reads and writes fault with the ESR", () => {
    const r = run(
      "  - read: { vaddr: 0x40000000 }\n    expect: { fault: { kind: translation, level: 1, esr: 0x92000005, vaddr: 0x40000000 } }\n",
    );
    expect(held(r)).to.deep.equal([]);
    expect(r.steps[0]!.result).to.match(/ESR 0x92000005/);
  });
});

// A word is 8 bytes on AArch64 (seL4_WordBits 64), 4 on ARM32; the image at 0x10000 is mapped read-write.
describe("read and write of a word on aarch64: 8 bytes, exact to 2^64 - 1", () => {
  const okValues = (r: ReturnType<typeof run>) =>
    r.steps.map((st) => (st.outcome.kind === "ok" ? st.outcome.values : st.outcome.kind));

  it("writes a quoted 64-bit value as 8 little-endian bytes and reads it back exactly", () => {
    const r = run(
      [
        '  - write: { vaddr: 0x10008, value: "0xcafef00d12345678" }',
        "  - read: { vaddr: 0x10008 }",
        '    expect: { ok: { value: "0xCAFEF00D12345678", bytes: "78 56 34 12 0d f0 fe ca" } }',
        "  - read: { vaddr: 0x1000c, length: 4 }",
        "    expect: { ok: { value: 0xcafef00d } }",
        "",
      ].join("\n"),
    );
    expect(held(r)).to.deep.equal([]);
    expect(okValues(r)[1]).to.deep.equal({ value: "0xcafef00d12345678", bytes: "78 56 34 12 0d f0 fe ca" });
  });

  it("keeps values past 2^53 exact: 2^53 + 1 in decimal, and 2^64 - 1", () => {
    const r = run(
      [
        '  - write: { vaddr: 0x10000, value: "9007199254740993" }',
        "  - read: { vaddr: 0x10000 }",
        '    expect: { ok: { value: "0x20000000000001", bytes: "01 00 00 00 00 00 20 00" } }',
        '  - write: { vaddr: 0x10010, value: "18446744073709551615" }',
        "  - read: { vaddr: 0x10010 }",
        '    expect: { ok: { value: "0xffffffffffffffff" } }',
        "",
      ].join("\n"),
    );
    expect(held(r)).to.deep.equal([]);
    // 2^53 + 1 as a double would be 2^53: the read must not say so.
    const failing = run(
      '  - write: { vaddr: 0x10000, value: "9007199254740993" }\n  - read: { vaddr: 0x10000 }\n    expect: { ok: { value: "0x20000000000000" } }\n',
    );
    expect(held(failing)).to.have.length(1);
  });

  it("writes a small value as a whole word: all 8 bytes, the upper ones zero", () => {
    const r = run(
      [
        '  - write: { vaddr: 0x10000, value: "0x1111111111111111" }',
        "  - write: { vaddr: 0x10000, value: 1 }",
        "  - read: { vaddr: 0x10000, length: 9 }",
        '    expect: { ok: { bytes: "01 00 00 00 00 00 00 00 00" } }',
        "",
      ].join("\n"),
    );
    expect(held(r)).to.deep.equal([]);
    expect(okValues(r)[2]).to.not.have.property("value");
  });

  it("refuses a bare number past 2^53 (YAML has rounded it), saying to quote it, and a value past 2^64 - 1", () => {
    const bare = usage("  - write: { vaddr: 0x10000, value: 0xcafef00d12345678 }\n");
    expect(bare.message).to.match(/above 2\^53.*quoted string/);
    expect(bare.line).to.equal(4);
    expect(usage('  - write: { vaddr: 0x10000, value: "0x10000000000000000" }\n').message).to.match(
      /0xffffffffffffffff/,
    );
  });

  it("holds aarch32 to its 4-byte word: writes 4 bytes, reads 4 by default, refuses a 33-bit value", () => {
    const image =
      "  - write: { vaddr: 0x10000, bytes: [9, 9, 9, 9, 9, 9, 9, 9] }\n  - write: { vaddr: 0x10000, value: 1 }\n";
    const r = run(
      `${image}  - read: { vaddr: 0x10000 }\n    expect: { ok: { value: 1, bytes: "01 00 00 00" } }\n  - read: { vaddr: 0x10004, length: 4 }\n    expect: { ok: { value: 0x09090909 } }\n`,
      "",
    );
    expect(held(r)).to.deep.equal([]);
    const e = usage('  - write: { vaddr: 0x10000, value: "0x100000000" }\n', "");
    expect(e.message).to.match(/32-bit word \(at most 0xffffffff\)/);
    expect(e.line).to.equal(3);
  });
});

describe("the commands on an aarch64 scenario", () => {
  const file = "examples/15-aarch64-mapping-walk.yaml";
  const quietly = async (argv: string[]) => {
    const log = console.log;
    const out: string[] = [];
    console.log = (...a: unknown[]) => void out.push(a.join(" "));
    try {
      return { code: await main(argv), out: out.join("\n") };
    } finally {
      console.log = log;
    }
  };

  it("run, explain, show (text and dot) exit 0", async () => {
    for (const argv of [
      ["run", file],
      ["explain", file],
      ["show", file],
      ["show", file, "--format", "dot"],
    ])
      expect((await quietly(argv)).code, argv.join(" ")).to.equal(0);
  });

  it("show lists the VSpace level by level, and dot draws its tables and frames", () => {
    const r = runScenario(loadScenarioText(file, readFileSync(file, "utf8")));
    const s = r.states[r.states.length - 1]!;
    const cnode = rootCNodeOf(s, r.machine.initThread) as PhysAddr;
    const text = showText(s, cnode, r.names);
    expect(text).to.match(/VSpace @0x[0-9a-f]+ \(armKSGlobalUserVSpace/);
    expect(text).to.match(/L0 slot 1 0x8000000000: page table/);
    expect(text).to.match(/L3 slot 0 0x8000000000: SmallPage @0x[0-9a-f]+ ReadWrite/);
    expect(text).to.not.match(/\[9\d\d\d\]/); // only the CNode's own 4096 slots
    const dot = showDot(s, { boot: r.machine.state, cnode, names: r.names });
    expect(dot).to.match(/PageTable \(level 3\)/);
    expect(dot).to.match(/label="0x8000000000"/);
  });

  it("explain names the level of a changed page-table entry", () => {
    const r = runScenario(loadScenarioText(file, readFileSync(file, "utf8")));
    const i = r.steps.findIndex((s) => s.action.startsWith("seL4_ARM_Page_Map") && s.held && s.outcome.kind === "ok");
    const cnode = rootCNodeOf(r.states[0]!, r.machine.initThread) as PhysAddr;
    const lines = describeChanges(r.states[i]!, r.states[i + 1]!, cnode, r.names);
    expect(lines.join("\n")).to.match(/level-3 PageTable 0x[0-9a-f]+ slot 0: invalid -> SmallPage/);
  });
});
