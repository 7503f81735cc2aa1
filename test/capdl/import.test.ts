import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readCapdl, CapdlError } from "../../src/capdl/index.ts";
import { importCapdl, refusalText, ImportError } from "../../src/capdl/import.ts";
import { exportCapdl, exportText } from "../../src/capdl/export.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { loadScenarioFile } from "../../src/scenario/file.ts";
import { runScenario } from "../../src/scenario/run.ts";
import { bootOf, replayScenario } from "../../src/cli/import.ts";
import { boot } from "../../src/boot/boot.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { concreteMappings } from "../../src/testing/index.ts";
import { getCap } from "../../src/kernel/cdt.ts";
import { slotAddress } from "../../src/kernel/cspace.ts";
import type { ASID } from "../../src/model/addresses.ts";
import type { KernelState } from "../../src/model/state.ts";

/** Import by replay: a real generated system builds; capDL-valid specs that seL4 refuses stop at the right invocation. */
const here = dirname(fileURLToPath(import.meta.url));
const EXAMPLES = resolve(here, "../../../shared/capdl-examples");
const fixture = (name: string): string => readFileSync(resolve(here, "fixtures", name), "utf8");

/** Run a scenario (every step must succeed) and export its last state. */
function exportScenario(yaml: string): { r: ReturnType<typeof runScenario>; last: KernelState; text: string } {
  const r = runScenario(loadScenarioText("scenario.yaml", yaml));
  expect(r.steps.map((st) => st.result)).to.deep.equal(r.steps.map(() => "ok"));
  const last = r.states[r.states.length - 1];
  if (!last) throw new Error("no state");
  return { r, last, text: exportText(exportCapdl(last, { boot: r.machine, names: r.names })) };
}

describe("capDL import", () => {
  it("camkes-adder-arm.cdl imports with no refusal, and its replay scenario runs to the same state", () => {
    const res = importCapdl(readCapdl(readFileSync(resolve(EXAMPLES, "camkes-adder-arm.cdl"), "utf8")));
    expect(refusalText(res)).to.equal("");
    expect(res.steps.length).to.be.greaterThan(200);
    const report = runScenario(loadScenarioText("adder.yaml", replayScenario(res, "camkes-adder-arm.cdl")));
    expect(report.steps.every((s) => s.outcome.kind === "ok")).to.equal(true);
    const last = report.states[report.states.length - 1];
    if (!last) throw new Error("no state");
    expect(exportText(exportCapdl(last))).to.equal(exportText(exportCapdl(res.state)));
  });

  it("an AArch64 export imports (tables by level, then frames), and its replay scenario runs to the same state", () => {
    const file = "examples/16-aarch64-huge-pages.yaml";
    const r = runScenario(loadScenarioFile(file));
    const last = r.states[r.states.length - 1];
    if (!last) throw new Error("no state");
    const res = importCapdl(readCapdl(exportText(exportCapdl(last, { boot: r.machine, names: r.names }))), {
      boot: bootOf(file),
    });
    expect(refusalText(res)).to.equal("");
    const whats = res.steps.map((s) => s.what);
    const l1 = whats.findIndex((w) =>
      /^seL4_ARM_PageTable_Map\(l1, InitThreadVSpace, vaddr=0x8000000000\) as the level-1 pud/.test(w),
    );
    const l2 = whats.findIndex((w) =>
      /^seL4_ARM_PageTable_Map\(l2, InitThreadVSpace, vaddr=0x8000000000\) as the level-2 pd/.test(w),
    );
    const huge = whats.findIndex((w) =>
      /^seL4_ARM_Page_Map\(huge\S*, InitThreadVSpace, vaddr=0x8040000000, R,/.test(w),
    );
    expect(l1).to.be.at.least(0);
    expect(l2).to.be.greaterThan(l1);
    expect(huge).to.be.greaterThan(l2);
    const yaml = replayScenario(res, "x.cdl");
    expect(yaml).to.match(/^arch: aarch64$/m);
    const report = runScenario(loadScenarioText("replay.yaml", yaml));
    expect(report.steps.every((s) => s.outcome.kind === "ok")).to.equal(true);
    const end = report.states[report.states.length - 1];
    if (!end) throw new Error("no state");
    expect(exportText(exportCapdl(end))).to.equal(exportText(exportCapdl(res.state)));
  });

  it("sets each TCB's CSpace and VSpace by SetSpace, and names in one note per TCB what capsim does not set", () => {
    const res = importCapdl(readCapdl(readFileSync(resolve(EXAMPLES, "camkes-adder-arm.cdl"), "utf8")));
    const setSpace = res.steps.filter((s) => s.what.startsWith("seL4_TCB_SetSpace(")).length;
    expect(setSpace).to.be.greaterThan(0);
    const notes = res.notes.filter((n) => n.startsWith("adder_adder_0_control_tcb:"));
    expect(notes).to.deep.equal([
      "adder_adder_0_control_tcb: capsim models TCB_SetSpace only; not set: its IPC buffer (slot 4 and addr:; TCB_SetIPCBuffer), prio/max_prio (TCB_SetSchedParams), ip/sp (TCB_WriteRegisters), init: arguments (TCB_WriteRegisters)",
    ]);
  });

  it("maps the frame camkes shares uncached into both address spaces", () => {
    const res = importCapdl(readCapdl(readFileSync(resolve(EXAMPLES, "camkes-adder-arm.cdl"), "utf8")));
    const text = exportText(exportCapdl(res.state));
    const shared = [...text.matchAll(/^\s+\d+: (frame@0x[0-9a-f]+) \(RW?X?, uncached\)$/gm)].map((m) => m[1]);
    expect(shared.length).to.equal(2);
    expect(shared[0]).to.equal(shared[1]);
  });

  const bad: [string, number, string, RegExp][] = [
    ["small-frame-in-pd.cdl", 9, "seL4_ARM_Page_Map", /seL4_FailedLookup/],
    ["large-page-misaligned.cdl", 10, "seL4_ARM_Page_Map", /seL4_AlignmentError/],
    ["unmapped-pt-cap.cdl", 9, "seL4_CNode_Mint", /seL4_IllegalOperation/],
    ["asid-not-first-free.cdl", 9, "seL4_ARM_ASIDPool_Assign", /first free ASID, \(0x1, 0x0\)/],
    ["above-user-top.cdl", 9, "seL4_ARM_Page_Map", /seL4_InvalidArgument \(argumentNumber=0\)/],
    ["untyped-too-small.cdl", 5, "seL4_Untyped_Retype", /seL4_NotEnoughMemory/],
    ["aarch64-small-frame-in-pd.cdl", 14, "seL4_ARM_Page_Map", /seL4_FailedLookup .*"bitsLeft":21/],
    ["aarch64-unmapped-pt-cap.cdl", 9, "seL4_CNode_Mint", /seL4_IllegalOperation/],
  ];
  for (const [file, line, invocation, error] of bad)
    it(`${file}: stops at ${invocation} with ${String(error)}`, () => {
      const res = importCapdl(readCapdl(fixture(file), file));
      const f = res.refusal;
      expect(f, "a refusal").not.to.equal(null);
      expect(f?.what).to.contain(invocation);
      expect(f?.error).to.match(error);
      expect(f?.pos?.line).to.equal(line);
      expect(f?.by).to.equal("seL4");
      expect(f?.step).to.equal(res.steps.length);
      expect(refusalText(res, file)).to.contain("capDL accepts this; seL4 refuses it.");
    });

  it("refuses an aarch64 spec on an ARM32 machine, and an arm11 spec on an aarch64 machine", () => {
    const m = readCapdl(readFileSync(resolve(EXAMPLES, "example-aarch64.cdl"), "utf8"));
    expect(() => importCapdl(m, { boot: { ram: [{ base: 0, size: 2 ** 28 }] } })).to.throw(
      ImportError,
      /the spec is aarch64 but the boot options describe a 32-bit ARM machine/,
    );
    const arm = readCapdl(readFileSync(resolve(EXAMPLES, "camkes-adder-arm.cdl"), "utf8"));
    expect(() => importCapdl(arm, { boot: { arch: "aarch64", ram: [{ base: 0x40000000, size: 2 ** 30 }] } })).to.throw(
      ImportError,
      /the spec is arm11 .* but the boot options describe an aarch64 machine/,
    );
  });

  // Both samplers leave rm_ut unsized (capsim sizes it by its cover, with a note) and put a
  // 10-bit CNode in an 8-bit untyped (`something`): seL4's Retype refuses that, on either architecture.
  for (const [file, cnodeBytes] of [
    ["example-arm.cdl", 2 ** 14],
    ["example-aarch64.cdl", 2 ** 15],
  ] as const)
    it(`${file} stops where seL4 cannot fit rm_cn in its 8-bit untyped`, () => {
      const res = importCapdl(readCapdl(readFileSync(resolve(EXAMPLES, file), "utf8")));
      const f = res.refusal;
      expect(f?.by).to.equal("seL4");
      expect(f?.what).to.match(/^seL4_Untyped_Retype\(something, seL4_CapTableObject, size_bits=10\) -> rm_cn/);
      expect(f?.error).to.contain("seL4_NotEnoughMemory (memoryLeft=256)");
      expect(f?.error).to.contain(`2^${Math.log2(cnodeBytes)} bytes`);
      expect(f?.pos?.line).to.equal(14);
      expect(
        res.notes.some((n) => /^rm_ut: capDL gives this untyped no size; capsim makes it \d+ bits/.test(n)),
      ).to.equal(true);
    });

  it("09-asid-pools: the directory's stale ASID (its pool deleted; seL4 leaves the cap's ASID) is not written, and it re-imports", () => {
    const file = "examples/09-asid-pools.yaml";
    const r = runScenario(loadScenarioFile(file));
    const last = r.states[r.states.length - 1];
    if (!last) throw new Error("no state");
    // seL4's deleteASIDPool clears the pool's entries, not the caps: pd's cap still says ASID (1, 0).
    const pdCap = [...last.ctes.values()].find((c) => c.cap.type === "PageDirectory" && c.cap.mappedASID === 1024);
    expect(pdCap, "a PD cap with the stale ASID (1, 0)").not.to.equal(undefined);
    const text = exportText(exportCapdl(last, { boot: r.machine, names: r.names }));
    expect(text).to.match(/^\s+\d+: pd$/m);
    expect(text).not.to.match(/: pd \(asid/);
    expect(text).to.match(/^-- a page-directory, VSpace or page-table cap whose ASID is gone/m);
    const res = importCapdl(readCapdl(text), { boot: bootOf(file) });
    expect(refusalText(res)).to.equal("");
  });

  it("rebuilds the cdt: a copy is minted from its cdt parent, and a mapped original maps by itself", () => {
    // f's original (slot 20) maps at 0x10000000; slot 21 is a copy of it; slot 22 a copy of the copy.
    const spec = [
      "arch arm11",
      "objects { init_cnode = cnode (12 bits) init_untyped_20 = ut (16 bits, paddr: 0x110000) { pt0, f } pt0 = pt f = frame (4k, paddr: 0x111000) init_pd = pd }",
      "caps {",
      "  init_cnode { 20: f (RW, asid: (0x0, 0x1), mapping: (pt0, 0)) 21: f (RW) 22: f (R) 23: pt0 (asid: (0x0, 0x1)) }",
      "  init_pd { 0x100: pt0 } pt0 { 0: f (RW) }",
      "}",
      "cdt { (init_cnode, 20) { (init_cnode, 21) } (init_cnode, 21) { (init_cnode, 22) } }",
    ].join("\n");
    const machine = { ram: [{ base: 0, size: 256 * 2 ** 20 }] };
    const slot = boot(machine).bootInfo.untypedList.findIndex(
      (u) => u.paddr <= 0x110000 && 0x120000 <= u.paddr + 2 ** u.sizeBits,
    );
    const res = importCapdl(readCapdl(spec.replaceAll("init_untyped_20", `init_untyped_${slot}`)), { boot: machine });
    expect(refusalText(res)).to.equal("");
    const whats = res.steps.map((s) => s.what);
    expect(whats.some((w) => /^seL4_ARM_Page_Map\(f, /.test(w))).to.equal(true); // the original maps
    expect(whats.some((w) => /^seL4_CNode_Copy\(f\)/.test(w))).to.equal(false);
    const mint21 = whats.findIndex((w) => /^seL4_CNode_Mint\(InitThreadCNode, slot 21\) <- f rights RW /.test(w));
    const mint22 = whats.findIndex((w) => /^seL4_CNode_Mint\(InitThreadCNode, slot 22\) <- f~2 rights R /.test(w));
    expect(mint21).to.be.at.least(0);
    expect(mint22).to.be.greaterThan(mint21);
  });

  describe("two caps recording one mapping (the frame mapped again at the same address through a copy)", () => {
    // seL4 replaces a small page by a small page (ARM32) and any page by any page (AArch64)
    // without touching the cap that made the first mapping, so both caps record the one entry.
    // (On AArch64 the root task's VSpace has its level-1 and -2 tables at 0x10000000 from boot.)
    const cases = [
      { arch: "", pd: "InitThreadVSpace", first: "frame", second: "frame2" },
      { arch: "", pd: "InitThreadVSpace", first: "frame2", second: "frame" },
      { arch: "arch: aarch64\n", pd: "InitThreadVSpace", first: "frame", second: "frame2" },
    ];
    for (const c of cases)
      it(`${c.arch ? "AArch64" : "ARM32"}: ${c.first} maps, then ${c.second}: only the original (frame) is written mapped, and it re-imports`, () => {
        const yaml = [
          "name: two caps, one mapping",
          c.arch.trimEnd(),
          "steps:",
          "  - retype: { type: seL4_ARM_PageTableObject, as: pt }",
          "  - retype: { type: seL4_ARM_SmallPageObject, as: frame }",
          "  - copy: { from: frame, as: frame2 }",
          `  - invoke: seL4_ARM_PageTable_Map\n    cap: pt\n    args: { vspace: ${c.pd}, vaddr: 0x10000000, attr: default }`,
          `  - invoke: seL4_ARM_Page_Map\n    cap: ${c.first}\n    args: { vspace: ${c.pd}, vaddr: 0x10000000, rights: RW, attr: default }`,
          `  - invoke: seL4_ARM_Page_Map\n    cap: ${c.second}\n    args: { vspace: ${c.pd}, vaddr: 0x10000000, rights: RW, attr: default }`,
        ]
          .filter((l) => l !== "")
          .join("\n");
        const { r, last, text } = exportScenario(yaml);
        const recording = [...last.ctes.values()].filter(
          (e) => e.cap.type === "Frame" && e.cap.mapping?.vaddr === 0x10000000,
        );
        expect(recording.length, "both caps record the mapping in seL4").to.equal(2);
        // Both caps name the object `frame`; the original is the scenario's `frame` slot.
        const frameCaps = [...text.matchAll(/^\s+(\d+): frame \((.*)\)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
        const original = r.names.get("frame");
        const copy = r.names.get("frame2");
        expect(frameCaps.sort()).to.deep.equal(
          [`${original}: RW, asid: (0x0, 0x1), mapping: (pt, 0)`, `${copy}: RW`].sort(),
        );
        expect(text).to.match(/^-- a frame cap that records the same entry as another cap/m);
        const res = importCapdl(readCapdl(text), {
          boot: bootOf(c.arch ? "examples/16-aarch64-huge-pages.yaml" : "examples/01-map-a-frame.yaml"),
        });
        expect(refusalText(res)).to.equal("");
        const mapped = [...res.state.ctes.values()].filter(
          (e) => e.cap.type === "Frame" && e.cap.mapping?.vaddr === 0x10000000,
        );
        expect(mapped.length).to.equal(1);
      });
  });

  it("the root task's IPC buffer mapped again at its address through a copy: the boot cap keeps the mapping, the TCB's slot is untouched", () => {
    const machine = boot({ ram: [{ base: 0, size: 256 * 2 ** 20 }] });
    const tcb = machine.state.objects.get(machine.initThread);
    const vaddr = tcb?.type === "TCB" ? tcb.ipcBuffer : 0;
    expect(vaddr).to.be.greaterThan(0);
    const { r, text } = exportScenario(
      [
        "name: the IPC buffer mapped twice at one address",
        "steps:",
        "  - copy: { from: InitThreadIPCBuffer, as: ipc2 }",
        `  - invoke: seL4_ARM_Page_Map\n    cap: ipc2\n    args: { vspace: InitThreadVSpace, vaddr: 0x${vaddr.toString(16)}, rights: RW, attr: default }`,
      ].join("\n"),
    );
    const caps = [...text.matchAll(/^\s+(\d+): init_ipc_buffer \((.*)\)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
    expect(caps.filter((c) => c.includes("mapping:")).map((c) => Number(c.split(":")[0]))).to.deep.equal([
      INITIAL_CAP_SLOTS.InitThreadIPCBuffer,
    ]);
    expect(caps).to.include(`${r.names.get("ipc2")}: RW`);
    expect(text).to.match(/^\s+init_tcb \{[^}]*4: init_ipc_buffer \(RW\)/m);
    const res = importCapdl(readCapdl(text), { boot: bootOf("examples/01-map-a-frame.yaml") });
    expect(refusalText(res)).to.equal("");
  });

  it("a root whose lower ASID was freed (its root deleted) gets its ASID through a filler root in an export, not in a loader's spec", () => {
    const { text } = exportScenario(
      [
        "name: a freed low ASID",
        "steps:",
        "  - retype: { type: seL4_ARM_PageDirectoryObject, count: 2, as: [pd1, pd2] }",
        "  - invoke: seL4_ARM_ASIDPool_Assign\n    cap: InitThreadASIDPool\n    args: { vspace: pd1 }",
        "  - invoke: seL4_ARM_ASIDPool_Assign\n    cap: InitThreadASIDPool\n    args: { vspace: pd2 }",
        "  - delete: pd1",
      ].join("\n"),
    );
    // deleteASID (the last cap to pd1 goes) frees ASID 2; pd2 keeps 3.
    expect(text).to.match(/^\s+init_asid_pool \{\s+1: init_pd\s+3: pd2\s+\}$/m);
    const res = importCapdl(readCapdl(text), { boot: bootOf("examples/01-map-a-frame.yaml") });
    expect(refusalText(res)).to.equal("");
    const whats = res.steps.map((st) => st.what);
    expect(whats.some((w) => /^seL4_ARM_ASIDPool_Assign\(InitThreadASIDPool, vspace=pd_filler@2\)/.test(w))).to.equal(
      true,
    );
    expect(whats.some((w) => /^seL4_CNode_Delete\(InitThreadCNode, pd_filler@2\)/.test(w))).to.equal(true);
    const at0 = res.state.asidTable.get(0);
    const pool = at0 === undefined ? undefined : res.state.objects.get(at0);
    expect(pool?.type === "ASIDPool" ? [...pool.entries.keys()].sort() : []).to.deep.equal([1, 3]);
  });

  it("two caps to a frame whose common parent cap was deleted come back as siblings under the untyped", () => {
    const { r, last, text } = exportScenario(
      [
        "name: siblings",
        "steps:",
        "  - retype: { type: seL4_ARM_SmallPageObject, as: frame }",
        "  - copy: { from: frame, as: a }",
        "  - copy: { from: frame, as: b }",
        "  - delete: frame",
      ].join("\n"),
    );
    const root = getCap(last, slotAddress(last, r.machine.initThread, 0));
    const a = root.type === "CNode" ? getCap(last, slotAddress(last, root.paddr, r.names.get("a") ?? 0)) : root;
    const frame = a.type === "Frame" ? a.paddr : -1;
    const parents = (s: KernelState): string[] =>
      [...s.ctes.values()]
        .filter((c) => c.cap.type === "Frame" && c.cap.paddr === frame)
        .map((c) => (c.parent === null ? "none" : getCap(s, c.parent).type));
    expect(parents(last)).to.deep.equal(["Untyped", "Untyped"]);
    const res = importCapdl(readCapdl(text), { boot: bootOf("examples/01-map-a-frame.yaml") });
    expect(refusalText(res)).to.equal("");
    expect(parents(res.state)).to.deep.equal(["Untyped", "Untyped"]);
  });

  describe("the root task's pool deleted, then a pool made again at its index", () => {
    // deleteASIDPool frees ASID-table index 0 and leaves the root task's VSpace cap with ASID 1;
    // MakePool hands out the first free index, 0, and the new pool starts empty, so Assign gives
    // vs ASID (0, 1) (low 0 is skipped in pool 0) and findVSpaceForASID(1) finds vs, never again
    // the root task's VSpace: it is dead (seL4 16.0.0, arch/arm/64/kernel/vspace.c and
    // arch/arm/32/kernel/vspace.c).
    for (const a64 of [false, true])
      it(`${a64 ? "AArch64" : "ARM32"}: the dead root task VSpace is written with no slots, and import deletes the boot pool before MakePool`, () => {
        const yaml = [
          "name: pool 0 made again",
          ...(a64 ? ["arch: aarch64"] : []),
          "steps:",
          "  - retype: { type: seL4_UntypedObject, size_bits: 12, as: pool_memory }",
          `  - retype: { type: ${a64 ? "seL4_ARM_VSpaceObject" : "seL4_ARM_PageDirectoryObject"}, as: vs }`,
          `  - retype: { type: ${a64 ? "seL4_ARM_LargePageObject" : "seL4_ARM_SectionObject"}, as: frame }`,
          ...(a64 ? ["  - retype: { type: seL4_ARM_PageTableObject, count: 2, as: [l1, l2] }"] : []),
          "  - delete: InitThreadASIDPool",
          "  - invoke: seL4_ARM_ASIDControl_MakePool\n    cap: ASIDControl\n    args: { untyped: pool_memory, dest: pool }",
          "  - invoke: seL4_ARM_ASIDPool_Assign\n    cap: pool\n    args: { vspace: vs }",
          ...(a64
            ? ["l1", "l2"].map(
                (t) =>
                  `  - invoke: seL4_ARM_PageTable_Map\n    cap: ${t}\n    args: { vspace: vs, vaddr: 0x40000000, attr: default }`,
              )
            : []),
          "  - invoke: seL4_ARM_Page_Map\n    cap: frame\n    args: { vspace: vs, vaddr: 0x40000000, rights: RW, attr: default }",
        ].join("\n");
        const { last, text } = exportScenario(yaml);
        expect(text).not.to.contain("init_asid_pool");
        expect(text).to.match(/^\s+pool \{1: vs\}$/m);
        expect(text).to.match(/^\s+pool = asid_pool \(asid_high: 0x0\)$/m);
        expect(text).to.match(/^\s+\d+: frame \(RW, asid: \(0x0, 0x1\)/m);
        const vspace = a64 ? "init_vspace" : "init_pd";
        expect(text, "the dead root's slots are left out").not.to.match(new RegExp(`^\\s+${vspace} \\{`, "m"));
        const res = importCapdl(readCapdl(text), {
          boot: bootOf(a64 ? "examples/16-aarch64-huge-pages.yaml" : "examples/01-map-a-frame.yaml"),
        });
        expect(refusalText(res)).to.equal("");
        const whats = res.steps.map((st) => st.what);
        const del = whats.findIndex((w) => w.startsWith("seL4_CNode_Delete(InitThreadCNode, InitThreadASIDPool)"));
        const make = whats.findIndex((w) => w.startsWith("seL4_ARM_ASIDControl_MakePool"));
        expect(del).to.be.at.least(0);
        expect(make).to.be.greaterThan(del);
        // ASID 1 is vs's in both; nothing else is mapped by any ASID.
        const asids = (s: KernelState): ASID[] =>
          [...s.asidTable].flatMap(([high, pool]) => {
            const p = s.objects.get(pool);
            return p?.type === "ASIDPool"
              ? [...p.entries.keys()].map((low) => (high * (a64 ? 512 : 1024) + low) as ASID)
              : [];
          });
        expect(asids(res.state)).to.deep.equal([1]);
        expect([...concreteMappings(res.state, [1 as ASID])]).to.deep.equal([...concreteMappings(last, [1 as ASID])]);
        const rootCap = getCap(res.state, slotAddress(res.state, res.machine.initThread, 1));
        expect(rootCap.type === "VSpace" || rootCap.type === "PageDirectory" ? rootCap.mappedASID : null).to.equal(1);
        expect(res.state.asidTable.get(0)).not.to.equal(res.machine.state.asidTable.get(0));
        const replay = runScenario(loadScenarioText("replay.yaml", replayScenario(res, "pool0.cdl")));
        expect(replay.steps.filter((st) => st.result !== "ok")).to.deep.equal([]);
        expect(replay.states[replay.states.length - 1]?.asidTable).to.deep.equal(res.state.asidTable);
      });
  });

  it("a pool whose lower index was freed (pools 1 and 2 made, 1 deleted) is made at its index through a filler pool", () => {
    const yaml = [
      "name: a freed pool index",
      "steps:",
      "  - retype: { type: seL4_UntypedObject, size_bits: 12, count: 2, as: [mem_a, mem_b] }",
      "  - invoke: seL4_ARM_ASIDControl_MakePool\n    cap: ASIDControl\n    args: { untyped: mem_a, dest: pool_a }",
      "  - invoke: seL4_ARM_ASIDControl_MakePool\n    cap: ASIDControl\n    args: { untyped: mem_b, dest: pool_b }",
      "  - delete: pool_a",
    ].join("\n");
    const { text } = exportScenario(yaml);
    expect(text).to.match(/^\s+pool_b = asid_pool \(asid_high: 0x2\)$/m);
    const res = importCapdl(readCapdl(text), { boot: bootOf("examples/01-map-a-frame.yaml") });
    expect(refusalText(res)).to.equal("");
    expect([...res.state.asidTable.keys()].sort()).to.deep.equal([0, 2]);
    // The replay as a scenario (filler pool, its deletion) runs to the same ASID table.
    const replay = runScenario(loadScenarioText("replay.yaml", replayScenario(res, "gap.cdl")));
    expect(replay.steps.filter((st) => st.result !== "ok")).to.deep.equal([]);
    expect([...(replay.states[replay.states.length - 1]?.asidTable.keys() ?? [])].sort()).to.deep.equal([0, 2]);
    const whats = res.steps.map((st) => st.what);
    expect(whats.filter((w) => w.startsWith("seL4_ARM_ASIDControl_MakePool")).length).to.equal(2);
    expect(whats.some((w) => /^seL4_CNode_Delete\(InitThreadCNode, asid_pool_filler@1\)/.test(w))).to.equal(true);
  });

  it("a capDL-invalid spec is refused before any invocation", () => {
    expect(() => readCapdl("arch arm11 objects { p = pd t = pt } caps { t { 0: p } }")).to.throw(
      CapdlError,
      /not valid for this object/,
    );
  });

  describe("export then import gives back the mappings of each example's last state", () => {
    for (const f of readdirSync("examples").filter((x) => x.endsWith(".yaml"))) {
      it(f, function () {
        const file = `examples/${f}`;
        const r = runScenario(loadScenarioFile(file));
        const state = r.states[r.states.length - 1];
        if (!state) throw new Error("no state");
        const spec = readCapdl(exportText(exportCapdl(state, { boot: r.machine, names: r.names })));
        const res = importCapdl(spec, { boot: bootOf(file) });
        expect(refusalText(res)).to.equal("");
        const again = readCapdl(exportText(exportCapdl(res.state, { boot: res.machine })));
        const tables = (m: typeof spec): string[] =>
          [...m.objects.values()]
            .filter((e) => ["pgd", "pud", "pd", "pt"].includes(e.obj.kind))
            .flatMap((e) =>
              "slots" in e.obj
                ? [...e.obj.slots].map(([slot, s]) => `${s.cap.kind} ${slot} ${JSON.stringify(s.cap)}`)
                : [],
            )
            .filter((t) => t.includes('"frame"'))
            .map((t) => t.replace(/"name":"[^"]*"/g, ""))
            .sort();
        const frames = (m: typeof spec): string[] =>
          [...m.objects.values()].flatMap((e) => (e.obj.kind === "frame" ? [JSON.stringify(e.obj)] : [])).sort();
        expect(frames(again)).to.deep.equal(frames(spec));
        expect(tables(again).length).to.equal(tables(spec).length);
      });
    }
  });
});

describe("capDL import example", () => {
  it("examples/two-address-spaces.cdl imports with no refusal and shares its frame", () => {
    const res = importCapdl(readCapdl(readFileSync("examples/two-address-spaces.cdl", "utf8")));
    expect(refusalText(res)).to.equal("");
    const text = exportText(exportCapdl(res.state));
    expect(text).to.match(/\{16: frame@0x[0-9a-f]+ \(RW\)\}|16: frame@0x[0-9a-f]+ \(RW\)/);
    expect(text).to.match(/\{32: frame@0x[0-9a-f]+ \(R\)\}/);
  });

  it("examples/aarch64-two-address-spaces.cdl imports with no refusal: each level's slots, the shared frame, a 1 GiB page", () => {
    const res = importCapdl(readCapdl(readFileSync("examples/aarch64-two-address-spaces.cdl", "utf8")));
    expect(refusalText(res)).to.equal("");
    const text = exportText(exportCapdl(res.state));
    const server = /(pt@0x[0-9a-f]+) \{0: (frame@0x[0-9a-f]+) \(RW\)\}/.exec(text);
    const client = /(pt@0x[0-9a-f]+) \{1: (frame@0x[0-9a-f]+) \(R\)\}/.exec(text);
    expect(server?.[2]).to.be.a("string");
    expect(client?.[2]).to.equal(server?.[2]);
    expect(text).to.match(/1: frame@0x[0-9a-f]+ \(RW\)\s*\}/); // the 1 GiB page in the client's pud
    expect(text).to.match(/= frame \(1024M, paddr: 0x[0-9a-f]+\)/);
    expect(text).to.match(/0: frame@0x[0-9a-f]+ \(RX\)/); // the 2 MiB code page in the server's pd
    // The server CNode's frame cap is the mapping's copy, moved there: it names its mapping (pool 1, low 0).
    expect(text).to.contain(`4: ${server?.[2] ?? "?"} (RW, asid: (0x1, 0x0), mapping: (${server?.[1] ?? "?"}, 0))`);
  });
});

describe("capDL import: object sizes come from the types Retype makes them as", () => {
  const run = (text: string) => importCapdl(readCapdl(text));
  it("a frame size the architecture lacks is refused at its create step, on both architectures", () => {
    expect(run("arch arm11 objects { f = frame (2M) } caps { }").refusal?.error).to.equal(
      "ARM32 has no 21-bit frames (4k, 64k, 1M, 16M)",
    );
    expect(run("arch aarch64 objects { f = frame (64k) } caps { }").refusal?.error).to.equal(
      "AArch64 has no 16-bit frames (4k, 2M, 1024M)",
    );
  });

  it("a pgd in an arm11 spec is refused by the capDL check", () => {
    expect(() => run("arch arm11 objects { g = pgd } caps { }")).to.throw(CapdlError, /not a valid object/);
  });

  // An unsized untyped is sized from its cover through getObjectSize: ARM32's 64k frame, directory,
  // table, CNode and TCB; AArch64's pgd, pud, pd and pt (a page table's 4 KiB each) and 2M frame.
  for (const [spec, bits] of [
    [
      "arch arm11 objects { u = ut { g, d, t, c, e } g = frame (64k) d = pd t = pt c = cnode (3 bits) e = tcb p = asid_pool (asid_high: 0x1) } caps { }",
      17,
    ],
    [
      "arch aarch64 objects { u = ut { g, v, w, d, t, c, e } g = frame (2M) v = pgd w = pud d = pd t = pt c = cnode (3 bits) e = notification } caps { }",
      22,
    ],
  ] as const)
    it(`an unsized untyped covering objects is made ${bits} bits (${spec.split(" ")[1]})`, () => {
      const res = run(spec);
      expect(refusalText(res)).to.equal("");
      expect(res.notes).to.include(
        `u: capDL gives this untyped no size; capsim makes it ${bits} bits, the least that holds its cover`,
      );
    });
});
