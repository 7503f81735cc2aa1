/**
 * The playground's speed in a real browser (Debian's Chromium through playwright-core):
 * - interactive: from navigation start to the moment the page has run its first scenario and
 *   drawn every view (its `__capsim.readyAt`), over several fresh loads; target under 1 s;
 * - one step: moving the timeline one position in a 200-step scenario, timed inside the page
 *   around the synchronous redraw of every view; target under 50 ms.
 * - the CSpace tree, drawn just after each step (it checks every cap's mapping against the
 *   tables): its own time, at a few positions.
 * The main thread's busy time until interactive is printed too: on a loaded machine the wall
 * time also counts the time spent waiting for a core.
 * Nothing is asserted (wall times swing on a shared machine); medians and maxima are printed.
 * `npm run bench:playground`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildPlayground } from "../scripts/playground.ts";
import { launchChromium } from "../scripts/chromium.ts";

interface Hooks {
  ready: boolean;
  readyAt: number;
  editorReady(): boolean;
  editorAt(): number | undefined;
  timings: { scriptStart: number; modulesReady: number; started: number; editorMs: number; loadMs: number };
  goTo(at: number): void;
  setText(t: string): void;
  positions(): number;
  cspaceMs(): number;
}
declare const window: { __capsim: Hooks };

const LOADS = 7;
const STEPS = 200;

/** 200 steps: a page table, then 99 frames each retyped and mapped into it. */
function longScenario(): string {
  const lines = [
    "name: two hundred steps",
    "steps:",
    "  - retype: { type: seL4_ARM_PageTableObject, as: pt }",
    "  - invoke: seL4_ARM_PageTable_Map",
    "    cap: pt",
    "    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, attr: default }",
  ];
  for (let i = 0; i < (STEPS - 2) / 2; i++)
    lines.push(
      `  - retype: { type: seL4_ARM_SmallPageObject, as: f${i} }`,
      "  - invoke: seL4_ARM_Page_Map",
      `    cap: f${i}`,
      `    args: { vspace: InitThreadVSpace, vaddr: 0x${(0x10000000 + i * 4096).toString(16)}, rights: RW, attr: default }`,
    );
  return `${lines.join("\n")}\n`;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number) => `${x.toFixed(1)} ms`;

const url = pathToFileURL(await buildPlayground(mkdtempSync(join(tmpdir(), "capsim-bench-playground-")))).href;
const browser = await launchChromium();
try {
  const ready: number[] = [];
  const busy: number[] = [];
  const parts: { script: number; modules: number; editor: number; load: number }[] = [];
  const codemirror: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.goto(url);
    await page.waitForFunction(() => window.__capsim?.ready === true);
    ready.push(await page.evaluate(() => window.__capsim.readyAt));
    parts.push(
      await page.evaluate(() => {
        const t = window.__capsim.timings;
        return { script: t.scriptStart, modules: t.modulesReady - t.scriptStart, editor: t.editorMs, load: t.loadMs };
      }),
    );
    await page.waitForFunction(() => window.__capsim.editorReady());
    codemirror.push((await page.evaluate(() => window.__capsim.editorAt())) ?? NaN);
    // the main thread's own work until then (Chromium's TaskDuration, in seconds): what a busy machine inflates least
    const { metrics } = await cdp.send("Performance.getMetrics");
    busy.push((metrics.find((m) => m.name === "TaskDuration")?.value ?? NaN) * 1000);
    await page.close();
  }
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await page.waitForFunction(() => window.__capsim?.ready === true);
  await page.evaluate((t) => window.__capsim.setText(t), longScenario());
  await page.waitForFunction((n) => window.__capsim.positions() === n + 1, STEPS);
  const steps = await page.evaluate((n) => {
    const times: number[] = [];
    for (let at = 1; at <= n; at++) {
      const t = performance.now();
      window.__capsim.goTo(at);
      times.push(performance.now() - t);
    }
    for (let at = n - 1; at >= 0; at--) {
      const t = performance.now();
      window.__capsim.goTo(at);
      times.push(performance.now() - t);
    }
    return times;
  }, STEPS);
  const cspace: number[] = [];
  for (const at of [50, 100, 150, 200]) {
    await page.evaluate((n) => window.__capsim.goTo(n), at);
    await page.waitForTimeout(50);
    cspace.push(await page.evaluate(() => window.__capsim.cspaceMs()));
  }
  console.log(`Chromium ${browser.version()}, page from file://`);
  console.log(
    `interactive after opening: median ${ms(median(ready))}, max ${ms(Math.max(...ready))} over ${LOADS} loads (target < 1000 ms); main-thread work until then: median ${ms(median(busy))}`,
  );
  const part = (k: keyof (typeof parts)[number]) => ms(median(parts.map((p) => p[k])));
  console.log(
    `  of which (medians): the script starts running at ${part("script")}, its modules initialise in ${part("modules")}, the plain editor ${part("editor")}, the first scenario run and drawn ${part("load")}`,
  );
  console.log(`CodeMirror (codemirror.js) takes over from the plain text box at: median ${ms(median(codemirror))}`);
  console.log(
    `one step in a ${STEPS}-step scenario: median ${ms(median(steps))}, max ${ms(Math.max(...steps))} over ${steps.length} moves forward and back (target < 50 ms)`,
  );
  console.log(`the CSpace tree drawn after a step (positions 50, 100, 150, 200): ${cspace.map(ms).join(", ")}`);
} finally {
  await browser.close();
}
