#!/usr/bin/env node
// The capsim command: runs the compiled CLI in dist/ (`npm run build`, which `npm ci` and
// `npm pack` run through `prepare`). In a checkout, CAPSIM_FROM_SOURCE=1 runs the TypeScript
// sources through tsx instead; the test suite sets it, so tests never run a stale dist/.
// An installed package has no src/, so there the variable changes nothing.
import { existsSync } from "node:fs";

const fromSource =
  process.env.CAPSIM_FROM_SOURCE === "1" &&
  existsSync(new URL("../src/cli/main.ts", import.meta.url));

async function loadCli() {
  if (fromSource) {
    const { register } = await import("tsx/esm/api");
    register();
    return import("../src/cli/main.ts");
  }
  try {
    return await import("../dist/cli/main.js");
  } catch (e) {
    if (
      e?.code === "ERR_MODULE_NOT_FOUND" &&
      String(e.message).includes("dist/cli/main.js")
    ) {
      console.error(
        "capsim: the compiled CLI (dist/) is missing; in a checkout, run `npm run build` (`npm ci` runs it)",
      );
      process.exit(2);
    }
    throw e;
  }
}

const { main } = await loadCli();
process.exitCode = await main(process.argv.slice(2));
