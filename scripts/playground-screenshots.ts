/**
 * The README's pictures of the playground (docs/playground-*.png), taken in Chromium from a
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
  goTo(at: number): void;
  loadExample(file: string): void;
}
declare const window: { __capsim: Hooks };

const url = pathToFileURL(await buildPlayground(mkdtempSync(join(tmpdir(), "capsim-shots-")))).href;
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await page.goto(url);
  await page.waitForFunction(() => window.__capsim?.ready === true);
  await page.evaluate(() => window.__capsim.goTo(6));
  await page.getByTestId("pde-256").click();
  await page.getByTestId("pte-0").click();
  await page.getByTestId("walk-va").fill("0x10000123");
  await page.getByTestId("walk-go").click();
  await page.getByTestId("walk-end").waitFor();
  await page.screenshot({ path: join(DOCS, "playground-step.png"), fullPage: true });

  await page.evaluate(() => window.__capsim.loadExample("02-large-pages.yaml"));
  await page.evaluate(() => window.__capsim.goTo(2));
  await page.getByTestId("exercise").check();
  await page.screenshot({ path: join(DOCS, "playground-exercise.png") });
  console.log(`written: ${join(DOCS, "playground-step.png")}, ${join(DOCS, "playground-exercise.png")}`);
} finally {
  await browser.close();
}
