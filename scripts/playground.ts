/**
 * Builds the playground: index.html and two classic-script bundles beside it (IIFEs: pages
 * opened from file:// may not load ES-module scripts), playground.js and codemirror.js (CodeMirror,
 * loaded second), into dist/playground/ by default. The
 * example scenarios go into the bundle as text. `npm run build:playground`; `prepare` runs it
 * after the build. The browser tests import `buildPlayground` to build a fresh page of their own.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions, type Plugin } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_OUT = join(ROOT, "dist", "playground");

/** The example scenarios the page offers, in file order. */
export function exampleScenarios(): { file: string; text: string }[] {
  const dir = join(ROOT, "examples");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), "utf8") }));
}

/**
 * zod's `locales` namespace (in zod/v4/core and zod/v4/classic) re-exports every language's
 * messages, a quarter of a megabyte of the bundle, which esbuild keeps because the namespace
 * object escapes. capsim uses zod's English default only (registered by zod's schemas.js itself),
 * so the page's build resolves that namespace to English alone.
 */
export const zodEnglishOnly: Plugin = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
        ? { path: "zod-locales-en", namespace: "zod-english-only", pluginData: dirname(args.importer) }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(String(args.pluginData), "..", "locales", "en.js"))};`,
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

/** Build the page into `out`; returns the path of its index.html. `allLocales` keeps zod's (to measure the difference). */
export async function buildPlayground(out = DEFAULT_OUT, allLocales = false): Promise<string> {
  mkdirSync(out, { recursive: true });
  // each script a classic IIFE: a page opened from file:// may not load ES modules
  const script = (entry: string, file: string, more: BuildOptions = {}) =>
    build({
      entryPoints: [join(ROOT, "src", "playground", entry)],
      bundle: true,
      format: "iife",
      platform: "browser",
      target: "es2022",
      minify: true,
      outfile: join(out, file),
      logLevel: "warning",
      ...more,
    });
  await script("main.ts", "playground.js", {
    define: { CAPSIM_EXAMPLES: JSON.stringify(exampleScenarios()) },
    plugins: allLocales ? [] : [zodEnglishOnly],
    // when the script began to run, before its modules initialise: the benchmark splits the start-up time here
    banner: { js: "var CAPSIM_SCRIPT_START = performance.now();" },
  });
  // CodeMirror in a second script, compiled after the page's first drawing
  await script("editorBundle.ts", "codemirror.js");
  copyFileSync(join(ROOT, "src", "playground", "index.html"), join(out, "index.html"));
  return join(out, "index.html");
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  console.log(`playground: ${await buildPlayground()}`);
