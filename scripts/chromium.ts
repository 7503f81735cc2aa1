import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/**
 * The browser the playground's tests drive: Debian's chromium through playwright-core, which
 * brings no browser of its own. `.ci/run` installs the package when it is missing.
 */
export const CHROMIUM = process.env.CAPSIM_CHROMIUM ?? "/usr/bin/chromium";

/**
 * The flags a root user on a machine without network needs (../shared/PLAYGROUND.md §B8).
 * playwright adds --headless itself and starts each browser with a fresh profile directory.
 */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `the playground's browser tests need Chromium at ${CHROMIUM}, and it is missing: install it with \`apt-get update && apt-get install -y chromium\` (Debian), or set CAPSIM_CHROMIUM to a Chromium binary`,
    );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}
