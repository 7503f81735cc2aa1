import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "../../src/scenario/file.ts";
import { runScenario } from "../../src/scenario/run.ts";
import { exportCapdl, exportText } from "../../src/capdl/export.ts";
import { toInitializerJson } from "../../src/capdl/json.ts";
import { toDot } from "../../src/capdl/dot.ts";
import { printCapdl, readCapdl } from "../../src/capdl/index.ts";
import type { Model } from "../../src/capdl/model.ts";

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/capdl-examples");

/** Export of capsim states: what it writes, that the capDL tool's checks accept it, and the JSON's ordering rules. */
function exported(file: string, at?: number): { text: string; model: Model } {
  const r = runScenario(loadScenarioFile(file));
  const state = r.states[at ?? r.states.length - 1];
  if (!state) throw new Error("no such step");
  const e = exportCapdl(state, { boot: r.machine, names: r.names });
  return { text: exportText(e), model: e.model };
}

interface JsonSpecShape {
  objects: { name: string; object: unknown }[];
  root_objects: { start: number; end: number };
  untyped_covers: { parent: number; children: { start: number; end: number } }[];
  asid_slots: number[];
}

const paddrOfJson = (o: unknown): number | null => {
  if (o === null || typeof o !== "object") return null;
  const inner = "Frame" in o ? o.Frame : "Untyped" in o ? o.Untyped : null;
  return inner !== null && typeof inner === "object" && "paddr" in inner && typeof inner.paddr === "number"
    ? inner.paddr
    : null;
};

describe("capDL export", () => {
  const examples = readdirSync("examples").filter((f) => f.endsWith(".yaml"));
  for (const f of examples)
    describe(f, () => {
      const { text, model } = exported(`examples/${f}`);
      it("passes the capDL tool's checks and prints as a parse-print fixpoint", () => {
        const once = printCapdl(readCapdl(text));
        expect(printCapdl(readCapdl(once))).to.equal(once);
      });
      it("JSON: roots first, with paddr ascending; covers contiguous after them; pools by asid_high from 1", () => {
        const spec = toInitializerJson(model).spec as unknown as JsonSpecShape;
        const { start, end } = spec.root_objects;
        expect(start).to.equal(0);
        const roots = spec.objects.slice(start, end).map((o) => paddrOfJson(o.object));
        const firstNull = roots.indexOf(null);
        const withPaddr = (firstNull < 0 ? roots : roots.slice(0, firstNull)) as number[];
        expect(roots.slice(withPaddr.length).every((p) => p === null)).to.equal(true);
        expect(withPaddr).to.deep.equal([...withPaddr].sort((a, b) => a - b));
        let next = end;
        for (const c of spec.untyped_covers) {
          expect(c.children.start).to.equal(next);
          next = c.children.end;
        }
        expect(next).to.equal(spec.objects.length);
        expect(spec.asid_slots.length).to.be.at.most(spec.objects.length);
      });
    });

  it("JSON: interrupts, the domain schedule and pool indexes in rust-sel4's spec.rs shapes", () => {
    const spec = [
      "arch aarch64",
      "objects { i = arm_irq (trigger: edge, target: 0) n = notification cn = cnode (2 bits)",
      "  p1 = asid_pool (asid_high: 0x1) p3 = asid_pool (asid_high: 0x3) }",
      "caps { i { 0: n } cn { 1: i } }",
      "irq maps { 27: i }",
    ].join("\n");
    const { spec: json, dropped } = toInitializerJson(readCapdl(spec));
    const names = (json.objects as { name: string }[]).map((o) => o.name);
    const i = names.indexOf("i");
    expect((json.objects as { object: unknown }[])[i]?.object).to.deep.equal({
      ArmIrq: {
        slots: [
          {
            slot: 0,
            cap: {
              Notification: {
                object: names.indexOf("n"),
                badge: 0,
                rights: { read: false, write: false, grant: false, grant_reply: false },
              },
            },
          },
        ],
        extra: { trigger: 1, target: 0 },
      },
    });
    expect((json.objects as { object: unknown }[])[names.indexOf("cn")]?.object).to.deep.equal({
      CNode: { size_bits: 2, slots: [{ slot: 1, cap: { ArmIrqHandler: { object: i } } }] },
    });
    expect(json.irqs).to.deep.equal([{ irq: 27, handler: i }]);
    expect(json.asid_slots).to.deep.equal([names.indexOf("p1"), names.indexOf("p3")]);
    expect(dropped.some((d) => d.startsWith("asid_high values other than 1..n"))).to.equal(true);
    // example-arm.cdl's schedule: (0, 10), (1, 10), the end marker (0, 0), (2, 2); start 3, shift 1.
    const arm = toInitializerJson(readCapdl(readFileSync(resolve(EXAMPLES, "example-arm.cdl"), "utf8"))).spec;
    expect(arm.domain_schedule).to.deep.equal([
      { domain: 0, duration: { Ticks: 10 } },
      { domain: 1, duration: { Ticks: 10 } },
      { domain: 0, duration: "EndMarker" },
      { domain: 2, duration: { Ticks: 2 } },
    ]);
    expect([arm.domain_set_start, arm.domain_idx_shift]).to.deep.equal([3, 1]);
  });

  it("writes one table slot per large page and supersection, at its first index, and no kernel window", () => {
    const { text } = exported("examples/02-large-pages.yaml");
    expect(text).to.match(/pt \{16: large \(RWX\)\}/);
    expect(text).to.match(/1040: super \(RWX\)/);
    const pd = /init_pd \{([^}]*)\}/.exec(text)?.[1] ?? "";
    expect(pd).not.to.match(/\b(1041|1055): /);
    const slots = [...pd.matchAll(/(\d+): /g)].map((m) => Number(m[1]));
    expect(slots.length).to.be.greaterThan(0);
    expect(Math.max(...slots)).to.be.below(0xe00);
  });

  it("AArch64: the VSpace is a pgd, each table is named by its level, frames are 4k/2M/1024M, slots index each level", () => {
    const { text, model } = exported("examples/16-aarch64-huge-pages.yaml");
    expect(text).to.match(/^arch aarch64$/m);
    expect(text).to.contain("init_vspace = pgd");
    expect(text).to.match(/^\s+l1 = pud$/m);
    expect(text).to.match(/^\s+l2 = pd$/m);
    expect(text).to.match(/huge = frame \(1024M, paddr: 0x/);
    expect(text).to.match(/large = frame \(2M, paddr: 0x/);
    // 0x8000000000 is VSpace slot 1; huge at 0x8040000000 is slot 1 of the level-1 table, read-only and
    // executable (default attributes); large at 0x8000200000 is slot 1 of the level-2 table, ExecuteNever.
    expect(text).to.match(/init_vspace \{\s*0: init_image_pt_0\s*1: l1\s*\}/);
    expect(text).to.match(/l1 \{\s*0: l2\s*1: huge \(RX\)\s*\}/);
    expect(text).to.contain("l2 {1: large (RW)}");
    // capDL's mapping: names a pt or pd only: the 1 GiB page's CNode cap keeps its asid: alone, with a note.
    expect(text).to.match(/\d+: huge \(RW, asid: \(0x0, 0x1\)\)/);
    expect(text).to.match(/\d+: large \(RW, asid: \(0x0, 0x1\), mapping: \(l2, 1\)\)/);
    expect(text).to.match(/^-- a mapped 1 GiB frame cap has asid: but no mapping:/m);
    expect(model.arch).to.equal("aarch64");
  });

  it("AArch64: ASID pools hold pgd caps at their low ASID, 512 to a pool", () => {
    const { text } = exported("examples/20-aarch64-asid-pools.yaml", 9);
    expect(text).to.match(/pool = asid_pool \(asid_high: 0x1\)/);
    expect(text).to.match(/pool \{0: vs\}/);
    expect(text).to.match(/^\s+vs = pgd$/m);
  });

  it("names objects by the scenario's names, boot objects by reserved names, the rest kind@paddr", () => {
    const { text } = exported("examples/02-large-pages.yaml");
    expect(text).to.contain("large = frame (64k, paddr: 0x");
    expect(text).to.contain("init_cnode = cnode (12 bits)");
    expect(text).to.contain("init_asid_pool = asid_pool (asid_high: 0x0)");
    expect(text).to.match(/71: large \(RW, asid: \(0x0, 0x1\), mapping: \(pt, 16\)\)/);
  });

  it("writes the CDT and notes what capDL cannot say as comments", () => {
    const { text } = exported("examples/02-large-pages.yaml");
    expect(text).to.match(/\(init_cnode, 2\) \{\(init_tcb, 0\)\}/);
    expect(text).to.match(/^-- init_untyped_\d+ has its watermark at/m);
  });

  it("the state after boot (--at 0) has only boot objects", () => {
    const { model } = exported("examples/09-asid-pools.yaml", 0);
    const names = [...model.objects.values()].map((e) => e.id.name);
    expect(names.every((n) => n.startsWith("init_"))).to.equal(true);
  });

  it("dot: a record node per object and an edge per cap", () => {
    const { model } = exported("examples/01-map-a-frame.yaml");
    const dot = toDot(model);
    expect(dot).to.match(/^digraph "capdl" \{/);
    expect(dot).to.contain('"init_tcb":"t0":s -> "init_cnode":Object;');
  });

  it("capsim export: formats and a refused format", () => {
    const capsim = (...a: string[]) =>
      spawnSync(process.execPath, ["bin/capsim.js", ...a], {
        encoding: "utf8",
        env: { ...process.env, CAPSIM_FROM_SOURCE: "1" },
      });
    const ok = capsim("export", "examples/01-map-a-frame.yaml", "--at", "1");
    expect(ok.status).to.equal(0);
    expect(ok.stdout).to.contain("arch arm11");
    const bad = capsim("export", "examples/01-map-a-frame.yaml", "--format", "xml");
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain("the formats are capdl, json, dot");
  });
});
