import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { buildPlayground, exampleScenarios } from "../../scripts/playground.ts";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario } from "../../src/scenario/run.ts";
import { capAt } from "../../src/kernel/cspace.ts";
import { hex } from "../../src/model/addresses.ts";
import { launchChromium } from "../../scripts/chromium.ts";

/**
 * The playground in a real browser: Debian's Chromium, driven by playwright-core, loading the
 * page from file:// as a user opens it. The page is built fresh into a temporary directory, so
 * a stale dist/ is never what is tested. Screenshots go to the same directory.
 */

const ROOT = resolve(import.meta.dirname, "../..");

interface Hooks {
  ready: boolean;
  editorReady(): boolean;
  position(): number;
  positions(): number;
  goTo(at: number): void;
  text(): string;
  setText(text: string): void;
  diagnostics(): { line: number; message: string; severity: string }[];
  loadExample(file: string): void;
  answers(): string[];
}
declare const window: { __capsim: Hooks };

/** The physical address of the frame a scenario names, after its last step: from the library, to compare with the page. */
function framePaddr(file: string, name: string): number {
  const report = runScenario(loadScenarioText(file, readFileSync(join(ROOT, "examples", file), "utf8")));
  const slot = report.names.get(name);
  if (slot === undefined) throw new Error(`${file} declares no ${name}`);
  const cap = capAt(report.states[report.states.length - 1]!, report.machine.initThread, slot);
  if (!("paddr" in cap)) throw new Error(`${name} is not an object's cap`);
  return cap.paddr;
}

describe("the playground page in Chromium (test/playground/)", function () {
  this.timeout(120_000);
  let browser: Browser;
  let page: Page;
  let url = "";
  let shots = "";

  before(async function () {
    shots = mkdtempSync(join(tmpdir(), "capsim-playground-"));
    url = pathToFileURL(await buildPlayground(shots)).href;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("pageerror", (e) => {
      throw new Error(`the page threw: ${e.message}`);
    });
    await page.goto(url);
    // the page is interactive with a plain text box first; CodeMirror (codemirror.js) takes over just after
    await page.waitForFunction(() => window.__capsim?.ready === true && window.__capsim.editorReady());
    expect(await page.locator("#editor .cm-editor").count()).to.equal(1);
    expect(await page.locator("#editor .plain-editor").count(), "the plain box gives way").to.equal(0);
  });

  after(async () => {
    await browser?.close();
  });

  const where = () => page.getByTestId("where").textContent();
  /**
   * The text a locator reads once the page has caught up: a click's effect lands on the page's
   * next task, so reading at once can see the text from before it (playwright-core has no
   * retrying assertions). Polls for up to 10 s, then asserts on the last reading.
   */
  const settled = async (read: () => Promise<string | null>, want: string | RegExp): Promise<void> => {
    const ok = (t: string | null) => (typeof want === "string" ? t === want : want.test(t ?? ""));
    let text = await read();
    for (let i = 0; i < 200 && !ok(text); i++) {
      await page.waitForTimeout(50);
      text = await read();
    }
    if (typeof want === "string") expect(text).to.equal(want);
    else expect(text).to.match(want);
  };
  const verdict = () => page.getByTestId("verdict").textContent();
  // Loading an example runs it at once (only typing waits for a pause).
  const load = (file: string) => page.evaluate((f) => window.__capsim.loadExample(f), file);

  it("loads every example, and each runs with every expectation held", async () => {
    for (const ex of exampleScenarios()) {
      await load(ex.file);
      expect(await page.evaluate(() => window.__capsim.text())).to.equal(ex.text);
      const steps = loadScenarioText(ex.file, ex.text).steps.length;
      expect(await page.getByTestId("status").textContent(), ex.file).to.equal(
        `${steps} steps, every expectation held`,
      );
      expect(await page.evaluate(() => window.__capsim.positions()), ex.file).to.equal(steps + 1);
      expect(await page.getByTestId("problem").textContent(), ex.file).to.equal("");
    }
  });

  it("steps forward and back with the buttons, and jumps from the step list", async () => {
    await load("01-map-a-frame.yaml");
    expect(await where()).to.equal("0 / 8");
    await page.getByTestId("forward").click();
    await page.getByTestId("forward").click();
    await settled(where, "2 / 8");
    // step 2 is the map that fails for lack of a page table: marked failed, seL4's error named
    const failed = page.locator("#steps li.failed");
    expect(await failed.count()).to.equal(1);
    expect(await failed.textContent()).to.match(/^2\. .*seL4_FailedLookup$/);
    expect(await page.getByTestId("result").textContent()).to.contain("seL4_FailedLookup");
    // the narration lists the checks in seL4's order (decodeARMFrameInvocation: alignment before the
    // page-table lookup), the last one refusing the call
    const checks = await page.getByTestId("checks").locator("li").allTextContents();
    expect(checks.at(-1)).to.match(/createSafeMappingEntries.*: refused: seL4_FailedLookup/);
    expect(checks.slice(0, -1).every((c) => c.endsWith(": ok"))).to.equal(true);
    const alignment = checks.findIndex((c) => c.includes("checkVPAlignment"));
    expect(alignment).to.be.within(0, checks.length - 2);
    await page.getByTestId("back").click();
    await settled(where, "1 / 8");
    await page.locator('#steps li[data-at="6"]').click();
    await settled(where, "6 / 8");
    await page.keyboard.press("ArrowLeft");
    await settled(where, "5 / 8");
  });

  it("decodes the entries a mapping writes: 0x10000000 is directory slot 256, table slot 0", async () => {
    await load("01-map-a-frame.yaml");
    await page.evaluate(() => window.__capsim.goTo(5));
    // 0x10000000 >> 20 = 256: the page table goes into directory slot 256
    const pde = page.getByTestId("pde-256");
    expect(await pde.textContent()).to.match(/^slot 256 @0x10000000: page table -> 0x[0-9a-f]+$/);
    expect(await page.getByTestId("pte-0").count()).to.equal(0);
    await page.evaluate(() => window.__capsim.goTo(6));
    await pde.click();
    const frame = framePaddr("01-map-a-frame.yaml", "frame");
    // bits 19..12 of 0x10000000 are 0: table slot 0, a 4 KiB page, read-write as mapped
    expect(await page.getByTestId("pte-0").textContent()).to.equal(
      `slot 0 @0x10000000: 4K page -> ${hex(frame)}, RW, cacheable`,
    );
    expect(await page.locator("#pt-grid .seg.changed").count(), "step 6 wrote table slot 0").to.equal(1);
    expect(await page.getByTestId("pd-grid").textContent()).to.match(/kernel window: \d+ valid entries/);
    await page.screenshot({ path: join(shots, "01-step6.png"), fullPage: true });
  });

  it("AArch64: opens the VSpace and the level-1, 2 and 3 tables of 0x8000000000, each of 512 entries", async () => {
    await load("15-aarch64-mapping-walk.yaml");
    // step 13 is the Page_Map that succeeds once every level has its table
    await page.evaluate(() => window.__capsim.goTo(13));
    // VA[47:39] of 0x8000000000 is 1: VSpace slot 1 holds the level-1 table the scenario mapped
    const l0 = page.getByTestId("l0e-1");
    expect(await l0.textContent()).to.match(/^slot 1 @0x8000000000: page table -> 0x[0-9a-f]+$/);
    // the upper half of the VSpace is above seL4_UserTop (0x7fffffffffff): 256 slots of 512, shaded
    expect(await page.getByTestId("l0-grid").textContent()).to.contain("slots 256-511: invalid (above seL4_UserTop");
    await l0.click();
    await settled(
      () => page.getByTestId("l1-grid").textContent(),
      /^slot 0 @0x8000000000: page table -> 0x[0-9a-f]+slots 1-511: invalid$/,
    );
    await page.getByTestId("l1e-0").click();
    await settled(() => page.getByTestId("l2-grid").textContent(), /^slot 0 @0x8000000000: page table -> /);
    await page.getByTestId("l2e-0").click();
    const frame = framePaddr("15-aarch64-mapping-walk.yaml", "frame");
    await settled(
      () => page.getByTestId("l3-grid").textContent(),
      `slot 0 @0x8000000000: 4K page -> ${hex(frame)}, RW, cacheableslots 1-511: invalid`,
    );
    expect(await page.locator("#l3-grid .seg.changed").count(), "step 13 wrote level-3 slot 0").to.equal(1);
    // the descriptor's bits: AP[2:1] = 0b01 is EL0 read-write; the output address is the frame
    await page.getByTestId("l3e-0").click();
    await settled(
      () => page.getByTestId("word").textContent(),
      /^PageTable \(level 3\): word 0x[0-9a-f]{16}: SmallPage/,
    );
    const fields = (await page.getByTestId("bits").locator("li").allTextContents()).join("\n");
    expect(fields).to.match(/^AP\[2:1\] \[7\.\.6\] = 0x1: /m);
    expect(fields).to.match(new RegExp(`^output address \\[47\\.\\.12\\] = ${hex(frame)}: `, "m"));
    // the walk goes through the four levels: VA[47:39] = 1, then 0, 0, 0, offset 0xabc
    await page.getByTestId("walk-va").fill("0x8000000abc");
    await page.getByTestId("walk-go").click();
    await page.getByTestId("walk-end").waitFor();
    expect(await page.getByTestId("split").locator("tr").nth(1).textContent()).to.equal("0x10x00x00x00xabc");
    expect(await page.getByTestId("walk-0").textContent()).to.match(/^VSpace @0x[0-9a-f]+ \[1\] /);
    expect(await page.getByTestId("walk-3").textContent()).to.match(/^PageTable \(level 3\) @0x[0-9a-f]+ \[0\] /);
    expect(await page.getByTestId("walk-end").textContent()).to.match(
      new RegExp(`^0x8000000abc -> ${hex(frame + 0xabc)}: SmallPage @${hex(frame)}, ReadWrite`),
    );
    await page.screenshot({ path: join(shots, "aarch64-levels.png"), fullPage: true });
  });

  it("shows a LargePage as one row of 16 slots and a Section in the directory itself", async () => {
    await load("02-large-pages.yaml");
    const last = await page.evaluate(() => window.__capsim.positions() - 1);
    await page.evaluate((at) => window.__capsim.goTo(at), last);
    const pd = (await page.getByTestId("pd-grid").textContent()) ?? "";
    // 0x30000000 >> 20 = 768, mapped R with PageCacheable only
    expect(pd).to.match(/slot 768 @0x30000000: 1M section -> 0x[0-9a-f]+, RO, cacheable(?!, XN)/);
    // 0x41000000 >> 20 = 1040: a supersection fills 16 directory slots
    expect(pd).to.match(/slots 1040-1055 @0x41000000: 16M supersection -> 0x[0-9a-f]+, RW/);
    // the table at 0x20000000 (slot 512); 0x20010000's bits 19..12 are 16: a 64 KiB page fills table slots 16-31
    await page.getByTestId("pde-512").click();
    await settled(
      () => page.getByTestId("pt-grid").textContent(),
      /slots 16-31 @0x20010000: 64K large page -> 0x[0-9a-f]+, RW/,
    );
  });

  it("marks a mistake inline at its line, and clears the mark when it is fixed", async () => {
    await load("01-map-a-frame.yaml");
    const text = await page.evaluate(() => window.__capsim.text());
    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.includes("retype: { type: seL4_ARM_PageTableObject"));
    lines[at] = lines[at]!.replace("retype:", "retyp:");
    await page.evaluate((t) => window.__capsim.setText(t), lines.join("\n"));
    await page.waitForFunction(() => window.__capsim.diagnostics().length > 0, undefined, { polling: 100 });
    const diagnostics = await page.evaluate(() => window.__capsim.diagnostics());
    expect(diagnostics).to.have.length(1);
    expect(diagnostics[0]!.line).to.equal(at + 1);
    expect(diagnostics[0]!.message).to.contain('did you mean "retype"');
    expect(await page.locator(".cm-lint-marker-error").count()).to.equal(1);
    expect(await page.getByTestId("problem").textContent()).to.contain(`line ${at + 1}:`);
    await page.screenshot({ path: join(shots, "error.png") });
    // typing the missing letter back clears it
    const line = page.locator(".cm-line", { hasText: "retyp: { type: seL4_ARM_PageTableObject" });
    await line.click();
    await page.keyboard.press("End");
    const rest = lines[at]!.slice(lines[at]!.indexOf("retyp") + "retyp".length);
    for (let i = 0; i < rest.length; i++) await page.keyboard.press("ArrowLeft");
    await page.keyboard.type("e");
    await page.waitForFunction(() => window.__capsim.diagnostics().length === 0, undefined, { polling: 100 });
    expect(await page.getByTestId("problem").textContent()).to.equal("");
  });

  it("marks an expectation that did not hold at its step's line: expected against actual", async () => {
    await load("01-map-a-frame.yaml");
    const text = await page.evaluate(() => window.__capsim.text());
    const wrong = text.replace("expect: { error: seL4_FailedLookup", "expect: { error: seL4_AlignmentError");
    await page.evaluate((t) => window.__capsim.setText(t), wrong);
    await page.waitForFunction(() => window.__capsim.diagnostics().length > 0, undefined, { polling: 100 });
    const [d] = await page.evaluate(() => window.__capsim.diagnostics());
    // the step starts at its "- invoke:" line, the second step of the file
    const stepLine = wrong.split("\n").findIndex((l) => l.includes("- invoke: seL4_ARM_Page_Map")) + 1;
    expect(d).to.deep.include({ line: stepLine, severity: "warning" });
    expect(d!.message).to.match(/^step 2: expected .*AlignmentError.*, got seL4_FailedLookup/);
    expect(await page.getByTestId("status").textContent()).to.match(/an expectation failed$/);
  });

  it("round-trips a share URL: the same scenario at the same step", async () => {
    await load("04-two-mappings-need-two-caps.yaml");
    await page.evaluate(() => window.__capsim.goTo(3));
    await page.getByTestId("share").click();
    const shared = page.url();
    expect(shared).to.match(/#s=[A-Za-z0-9+\-$]+&step=3$/);
    const text = await page.evaluate(() => window.__capsim.text());
    const other = await browser.newPage();
    await other.goto(shared);
    await other.waitForFunction(() => window.__capsim?.ready === true);
    expect(await other.evaluate(() => window.__capsim.text())).to.equal(text);
    expect(await other.evaluate(() => window.__capsim.position())).to.equal(3);
    await other.close();
  });

  it("exercise mode hides each result until the learner predicts it, and checks the prediction", async () => {
    await page.getByTestId("seed").fill("42");
    await page.getByTestId("problem-new").click();
    expect(await page.getByTestId("exercise").isChecked()).to.equal(true);
    const answers = await page.evaluate(() => window.__capsim.answers());
    const total = answers.length;
    expect(await where()).to.equal(`0 / ${total}`);
    expect(await page.locator("#steps li.hidden").count()).to.equal(total);
    try {
      // the timeline stops before a step whose result is hidden
      await page.getByTestId("forward").click();
      await settled(where, `0 / ${total}`);
      // a wrong prediction still moves on, and says what seL4 answered
      await page.getByTestId("guess").fill("seL4_AlignmentError");
      await page.getByTestId("check").click();
      await settled(where, `1 / ${total}`);
      await settled(verdict, "Not quite: you said seL4_AlignmentError, step 1 answered ok.");
      // the solution toggle reveals without a prediction
      await page.locator('[data-testid="solution"] summary').click();
      await settled(verdict, `Solution: step 2 answers ${answers[1]}.`);
      await page.getByTestId("forward").click();
      await settled(where, `2 / ${total}`);
      // the resolves: every address inside a mapped frame or not mapped, each predicted right
      for (let at = 2; at < total; at++) {
        await page.getByTestId("guess").fill(answers[at]!);
        await page.getByTestId("check").click();
        await settled(where, `${at + 1} / ${total}`);
        await settled(verdict, /^Right: /);
      }
      const resolves = answers.slice(-5);
      expect(resolves.filter((a) => a === "not mapped")).to.have.length(2);
      expect(resolves.filter((a) => /^0x[0-9a-f]+$/.test(a))).to.have.length(3);
      await page.screenshot({ path: join(shots, "exercise.png"), fullPage: true });
    } finally {
      // The later tests share this page: never leave it in exercise mode, even after a failure.
      await page.getByTestId("exercise").uncheck();
    }
  });

  it("opens the mapping-tutorial exercise in exercise mode, each answer hidden until predicted", async () => {
    const file = "22-exercise-mapping-tutorial.yaml";
    await load(file);
    try {
      expect(await page.getByTestId("exercise").isChecked()).to.equal(true);
      const answers = await page.evaluate(() => window.__capsim.answers());
      // the tutorial's answers, from seL4: no page table yet, then a read-only page that a write faults on until remapped RW
      const frame = framePaddr(file, "frame");
      expect(answers).to.deep.equal([
        ...["ok", "ok", "seL4_FailedLookup", "ok", "ok", "ok", hex(frame + 0xabc)],
        ...["VM fault", "ok", "ok", "0x5"],
      ]);
      expect(await page.locator("#steps li.hidden").count()).to.equal(answers.length);
      // the editor's text gives nothing away: no expect lines, so no marks
      expect(await page.evaluate(() => window.__capsim.diagnostics())).to.deep.equal([]);
      for (let at = 0; at < 3; at++) {
        await page.getByTestId("guess").fill(answers[at]!);
        await page.getByTestId("check").click();
        await settled(where, `${at + 1} / ${answers.length}`);
        await settled(verdict, /^Right: /);
      }
      // once predicted, the narration says which level was missing: bitsLeft 20, the page directory's share
      expect(await page.getByTestId("result").textContent()).to.contain("bitsLeft=20");
      expect(await page.locator("#steps li.hidden").count()).to.equal(answers.length - 3);
    } finally {
      await page.getByTestId("exercise").uncheck();
    }
  });

  it("walks an address entry by entry: 0x10000123 splits into PD 0x100, PT 0x0, offset 0x123", async () => {
    await load("01-map-a-frame.yaml");
    await page.evaluate(() => window.__capsim.goTo(6));
    await page.getByTestId("walk-va").fill("0x10000123");
    await page.getByTestId("walk-go").click();
    // ARMv7 short descriptors: VA[31:20] index the directory, VA[19:12] the table, VA[11:0] the offset
    expect(await page.getByTestId("split").locator("tr").nth(1).textContent()).to.equal("0x1000x00x123");
    await page.getByTestId("walk-end").waitFor();
    expect(await page.getByTestId("walk-0").textContent()).to.match(/^PageDirectory @0x[0-9a-f]+ \[256\] /);
    expect(await page.getByTestId("walk-1").textContent()).to.match(/^PageTable @0x[0-9a-f]+ \[0\] /);
    const frame = framePaddr("01-map-a-frame.yaml", "frame");
    expect(await page.getByTestId("walk-end").textContent()).to.match(
      new RegExp(`^0x10000123 -> ${hex(frame + 0x123)}: SmallPage @${hex(frame)}, ReadWrite`),
    );
    // 0x20000000 is in directory slot 512, which holds nothing: the walk stops at the first level
    await page.getByTestId("walk-va").fill("0x20000000");
    await page.getByTestId("walk-go").click();
    await page.getByTestId("walk-end").waitFor();
    expect(await page.getByTestId("walk-0").textContent()).to.match(/\[512\]/);
    expect(await page.getByTestId("walk-1").count()).to.equal(0);
    expect(await page.getByTestId("walk-end").textContent()).to.match(/^fault at the PageDirectory \(level 1\)/);
  });

  it("draws a page-table entry's bits: a read-write small page has AP[1:0] = 0b11 and XN clear", async () => {
    await load("01-map-a-frame.yaml");
    await page.evaluate(() => window.__capsim.goTo(6));
    await page.getByTestId("pde-256").click();
    await page.getByTestId("pte-0").click();
    const fields = (await page.getByTestId("bits").locator("li").allTextContents()).join("\n");
    expect(fields).to.match(/^AP\[1:0\] \[5\.\.4\] = 0x3: /m);
    expect(fields).to.match(/^XN \[0\] = 0x0: /m);
    expect(fields).to.match(/^page base \[31\.\.12\] = /m);
  });

  it("shows what a step changed, and the CSpace with a cap's derivation tree", async () => {
    await load("01-map-a-frame.yaml");
    await page.evaluate(() => window.__capsim.goTo(6));
    const changes = await page.getByTestId("changes").locator("li").allTextContents();
    expect(
      changes.some((c) => /^PageTable @0x[0-9a-f]+ slot 0: invalid .* -> SmallPage/.test(c)),
      changes.join("\n"),
    ).to.equal(true);
    expect(changes.some((c) => /unmapped -> Frame SmallPage .* mapped ASID \d+ at 0x10000000$/.test(c))).to.equal(true);
    // a failed step changes nothing
    await page.evaluate(() => window.__capsim.goTo(2));
    expect(await page.getByTestId("changes").textContent()).to.contain("Nothing");
    await page.getByTestId("slot-3").click();
    expect(await page.getByTestId("slot-3").textContent()).to.match(/^\[3\] InitThreadVSpace: PageDirectory/);
    expect(await page.getByTestId("cspace").textContent()).to.contain("4096 slots");
    expect(await page.getByTestId("revoke-preview").textContent()).to.match(
      /^Revoke would delete the \d+ caps? derived/,
    );
  });

  it("draws the object graph: the CNode's caps, the tables' entries, the step's changes in red", async () => {
    await load("01-map-a-frame.yaml");
    await page.evaluate(() => window.__capsim.goTo(6));
    const frame = framePaddr("01-map-a-frame.yaml", "frame");
    // the graph is drawn just after the step
    const frameNode = page.getByTestId(`node-o${frame}`);
    await frameNode.waitFor();
    expect(await frameNode.locator("text").textContent()).to.equal(`Frame @${hex(frame)}`);
    // step 6 maps the frame: the table's entry to it and the frame cap (now recording the mapping) are red
    const changed = page.locator("#graph path.edge.changed");
    await settled(async () => String(await changed.count()), "2");
    expect(await page.locator(`#graph path.edge.entry.changed[data-to="o${frame}"]`).count()).to.equal(1);
    expect(await page.locator(`#graph path.edge.cap.changed[data-to="o${frame}"]`).count()).to.equal(1);
    // boot's untouched untyped caps are one node
    expect(await page.getByTestId("node-boot-Untyped").locator("text").textContent()).to.match(
      /^\d+ boot untyped objects$/,
    );
    await page.getByTestId("graph").screenshot({ path: join(shots, "graph.png") });
  });

  it("resolves the invoked cap's CPtr through the CSpace, and a typed CPtr to seL4's lookup failure", async () => {
    await load("01-map-a-frame.yaml");
    await page.evaluate(() => window.__capsim.goTo(2));
    const report = runScenario(
      loadScenarioText("01.yaml", readFileSync(join(ROOT, "examples/01-map-a-frame.yaml"), "utf8")),
    );
    const slot = report.names.get("frame") as number;
    // the initial thread's CNode has 2^12 slots and a 20-bit guard of 0: the CPtr is the slot index
    const levels = page.getByTestId("cptr-levels").locator("li");
    expect(await levels.count()).to.equal(1);
    expect(await levels.first().textContent()).to.match(
      new RegExp(
        `^CNode @0x[0-9a-f]+, 32 bits left: guard bits \\[31:12\\] = 0x0 matches .*; radix bits \\[11:0\\] = slot ${slot} of 4096: Frame SmallPage`,
      ),
    );
    expect(await page.getByTestId("cptr-end").textContent()).to.match(
      new RegExp(`^-> slot ${slot} of CNode @0x[0-9a-f]+: Frame`),
    );
    // a CPtr with a guard bit set: seL4's guard mismatch, bitsLeft 32, guardFound 0, bitsFound 20
    await page.getByTestId("cptr").fill("0x100046");
    await page.getByTestId("cptr-go").click();
    await settled(
      () => page.getByTestId("cptr-end").textContent(),
      /^-> lookup failure GuardMismatch \[4, 32, 0, 20\]/,
    );
    expect(await page.locator('[data-testid="cptr-bits"] td.bad').count()).to.equal(1);
  });

  it("exports the state as capDL, and imports a pasted spec: built, refused at its spec line, or rejected", async () => {
    await load("01-map-a-frame.yaml");
    await page.evaluate(() => window.__capsim.goTo(8));
    await page.getByTestId("capdl-export").click();
    const out = (await page.getByTestId("capdl-out").textContent()) ?? "";
    expect(out).to.match(/^-- the state after step 8\n/);
    expect(out).to.match(/^arch arm11$/m);
    // the scenario's own name for its frame, where the table maps it
    expect(out).to.match(/^ +frame = frame \(4k, paddr: 0x[0-9a-f]+\)$/m);
    // AArch64: whatever src/capdl says, its text or its refusal
    await load("15-aarch64-mapping-walk.yaml");
    await page.getByTestId("capdl-export").click();
    expect(await page.getByTestId("capdl-out").textContent()).to.match(
      /^(-- the state after step 0\n[^]*^arch aarch64$|capsim does not export this state: .+)/m,
    );
    // a spec seL4 builds whole, opened as its replay
    const cdl = readFileSync(join(ROOT, "examples/two-address-spaces.cdl"), "utf8");
    await page.getByTestId("capdl-in").fill(cdl);
    await page.getByTestId("capdl-import").click();
    await settled(
      () => page.getByTestId("capdl-result").locator("p").first().textContent(),
      /^seL4 built the whole spec in \d+ invocations\.$/,
    );
    await page.getByTestId("capdl-open").click();
    expect(await page.evaluate(() => window.__capsim.text())).to.match(/^# capsim import pasted\.cdl/);
    expect(await page.getByTestId("status").textContent()).to.match(/every expectation held$/);
    // a 4 KiB frame in a directory slot: capDL allows it, seL4's Page_Map finds no page table (the spec's line 9)
    const refused = readFileSync(join(ROOT, "test/capdl/fixtures/small-frame-in-pd.cdl"), "utf8");
    await page.getByTestId("capdl-in").fill(refused);
    await page.getByTestId("capdl-import").click();
    await settled(() => page.getByTestId("capdl-line").textContent(), `line 9: ${refused.split("\n")[8]}`);
    expect(await page.getByTestId("capdl-result").textContent()).to.contain("capDL accepts this; seL4 refuses it.");
    await page.getByTestId("capdl-open").click();
    const last = await page.evaluate(() => window.__capsim.positions() - 1);
    expect(await page.evaluate(() => window.__capsim.position())).to.equal(last);
    expect(await page.getByTestId("result").textContent()).to.contain("seL4_FailedLookup");
    // not capDL at all: rejected with its line, nothing to step through
    await page.getByTestId("capdl-in").fill("arch arm11\nobjects {\n  x = bogus\n}\n");
    await page.getByTestId("capdl-import").click();
    await settled(() => page.getByTestId("capdl-line").textContent(), /^line 3: /);
    expect(await page.getByTestId("capdl-open").count()).to.equal(0);
  });

  it("shows the ASID table: a new pool's first ASID names the directory assigned to it, until the pool goes", async () => {
    await load("09-asid-pools.yaml");
    await page.evaluate(() => window.__capsim.goTo(7));
    // boot gives the initial directory ASID 1 in pool 0; ARM32 pools hold 2^10 ASIDs (asidLowBits),
    // and MakePool takes table index 1, so Assign hands out its first ASID, 1024
    expect(await page.getByTestId("asid-1").textContent()).to.match(/^ASID 1 -> page directory @0x[0-9a-f]+/);
    expect(await page.getByTestId("asid-1024").textContent()).to.match(/^ASID 1024 -> page directory @0x[0-9a-f]+/);
    // step 11 deletes the pool's last cap: its ASIDs go with it (the ASID view is drawn just after the step)
    await page.evaluate(() => window.__capsim.goTo(11));
    await page.waitForFunction(() => document.querySelector('[data-testid="asid-1024"]') === null, undefined, {
      polling: 50,
      timeout: 10_000,
    });
    expect(await page.getByTestId("asid-1").count()).to.equal(1);
  });
});
