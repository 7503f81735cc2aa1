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

/** Import by replay: a real generated system builds; capDL-valid specs that seL4 refuses stop at the right invocation. */
const here = dirname(fileURLToPath(import.meta.url));
const EXAMPLES = resolve(here, "../../../shared/capdl-examples");
const fixture = (name: string): string => readFileSync(resolve(here, "fixtures", name), "utf8");

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
