/**
 * The README's pictures of the playground (docs/playground-*.png: a step, the object graph, AArch64's levels, exercise mode), taken in Chromium from a
 * fresh build: `node --import tsx scripts/playground-screenshots.ts`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildPlayground } from "./playground.ts";
import { launchChromium } from "./chromium.ts";

const DOCS = resolve(dirname(fileURLToPath(import.meta.url)), "..", "docs");

interface Hooks {
  ready: boolean;
  editorReady(): boolean;
  goTo(at: number): void;
  loadExample(file: string): void;
}
declare const window: { __capsim: Hooks };

const url = pathToFileURL(await buildPlayground(mkdtempSync(join(tmpdir(), "capsim-shots-")))).href;
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await page.goto(url);
  await page.waitForFunction(() => window.__capsim?.ready === true && window.__capsim.editorReady());
  await page.evaluate(() => window.__capsim.goTo(6));
  await page.getByTestId("pde-256").click();
  await page.getByTestId("pte-0").click();
  await page.getByTestId("walk-va").fill("0x10000123");
  await page.getByTestId("walk-go").click();
  await page.getByTestId("walk-end").waitFor();
  await page.screenshot({ path: join(DOCS, "playground-step.png"), fullPage: true });
  // the object graph of the same step, drawn just after it
  await page.getByTestId("node-boot-Untyped").waitFor();
  await page.getByTestId("graph").screenshot({ path: join(DOCS, "playground-graph.png") });

  // AArch64: the VSpace and the level-1, 2 and 3 tables opened down to the frame, and the four-level walk
  await page.evaluate(() => window.__capsim.loadExample("15-aarch64-mapping-walk.yaml"));
  await page.evaluate(() => window.__capsim.goTo(13));
  for (const id of ["l0e-1", "l1e-0", "l2e-0", "l3e-0"]) await page.getByTestId(id).click();
  await page.getByTestId("walk-va").fill("0x8000000abc");
  await page.getByTestId("walk-go").click();
  await page.getByTestId("walk-end").waitFor();
  await page.screenshot({ path: join(DOCS, "playground-aarch64.png"), fullPage: true });

  await page.evaluate(() => window.__capsim.loadExample("02-large-pages.yaml"));
  await page.evaluate(() => window.__capsim.goTo(2));
  await page.getByTestId("exercise").check();
  await page.screenshot({ path: join(DOCS, "playground-exercise.png") });
  console.log(`written: docs/playground-{step,graph,aarch64,exercise}.png`);
} finally {
  await browser.close();
}
