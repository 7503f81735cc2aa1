import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The layer rule of docs/architecture.md, checked on the source text: every relative import of
 * a file under src/ goes to its own folder or to a lower layer, and code outside src/arch/
 * reaches an architecture only through src/arch/index.ts. Type-only imports count too: a type
 * that sits above its user is the start of a cycle.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Lowest first. Folders on one line share a rank and may not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ["model"],
  ["kernel"],
  ["arch"],
  ["invocations"],
  ["boot", "machine"],
  ["testing", "views", "capdl"],
  ["scenario"],
  ["sel4test"],
  ["cli", "playground"],
];
const rankOf = (folder: string): number => LAYERS.findIndex((l) => l.includes(folder));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The relative import specifiers of a module (static, dynamic and re-exports). */
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g))
    specs.push(m[1] as string);
  return specs;
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

/** Every import edge between files under src/, as paths relative to src/. */
function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    importsOf(readFileSync(file, "utf8")).map((spec) => ({
      from: relative(SRC, file),
      to: relative(SRC, resolve(dirname(file), spec)),
    })),
  );
}

/** What is wrong with one import edge, or null when the layer rule allows it. */
export function layerViolation(e: Edge): string | null {
  const fromParts = e.from.split("/");
  const toParts = e.to.split("/");
  if (toParts[0] === "..") return `${e.from} imports ${e.to}, outside src/`;
  if (fromParts.length === 1) return null; // src/index.ts: the package's public surface, above every layer
  if (toParts.length === 1) return `${e.from} imports the package root ${e.to}`;
  const [from, to] = [fromParts[0] as string, toParts[0] as string];
  if (to === "arch" && from !== "arch" && e.to !== "arch/index.ts")
    return `${e.from} imports ${e.to}: outside arch/, an architecture is reached only through arch/index.ts`;
  if (from === "arch" && to === "arch" && fromParts[1] !== toParts[1]) {
    const [fa, ta] = [fromParts[1] as string, toParts[1] as string];
    // arch/arm/ is what the ARM architectures share (seL4's src/arch/arm/ beside arm/32 and arm/64): below both.
    if (fa === "arm") return `${e.from} imports ${e.to}: arch/arm/ imports no architecture`;
    if (fa !== "index.ts" && ta !== "index.ts" && ta !== "arm")
      return `${e.from} imports ${e.to}: one architecture never imports another`;
  }
  if (from === to) return null;
  const [rf, rt] = [rankOf(from), rankOf(to)];
  if (rf < 0) return `${e.from} is in a folder that has no layer (add it to docs/architecture.md and this test)`;
  if (rt < 0) return `${e.to} is in a folder that has no layer`;
  if (rt >= rf) return `${e.from} (layer ${from}) imports ${e.to} (layer ${to}): imports go only to lower layers`;
  return null;
}

describe("architecture: the layer rule", () => {
  it("every import in src/ goes down the layers, and to an architecture only through arch/index.ts", () => {
    const all = edges();
    expect(all.length).to.be.greaterThan(100);
    const bad = all.map(layerViolation).filter((v): v is string => v !== null);
    expect(bad, bad.join("\n")).to.deep.equal([]);
  });

  it("the rule catches an upward import, a same-rank import, a reach into an architecture and an escape from src/", () => {
    expect(layerViolation({ from: "model/state.ts", to: "kernel/cdt.ts" })).to.match(/imports go only to lower layers/);
    expect(layerViolation({ from: "boot/boot.ts", to: "machine/threads.ts" })).to.match(
      /imports go only to lower layers/,
    );
    expect(
      layerViolation({
        from: "invocations/untyped.ts",
        to: "arch/aarch32/walk.ts",
      }),
    ).to.match(/only through arch\/index.ts/);
    expect(
      layerViolation({
        from: "arch/aarch64/walk.ts",
        to: "arch/aarch32/walk.ts",
      }),
    ).to.match(/never imports another/);
    expect(layerViolation({ from: "arch/aarch64/invocations/vspace.ts", to: "arch/arm/cacheMaintenance.ts" })).to.equal(
      null,
    );
    expect(layerViolation({ from: "arch/arm/cacheMaintenance.ts", to: "arch/aarch32/walk.ts" })).to.match(
      /arch\/arm\/ imports no architecture/,
    );
    expect(layerViolation({ from: "cli/main.ts", to: "../test/helpers/machine.ts" })).to.match(/outside src/);
    expect(layerViolation({ from: "cli/main.ts", to: "scenario/run.ts" })).to.equal(null);
    expect(layerViolation({ from: "invocations/untyped.ts", to: "arch/index.ts" })).to.equal(null);
  });

  it("finds static, dynamic and re-export imports", () => {
    const text = `import { a } from "./a.ts";\nimport type { B } from "../b.ts";\nexport { c } from "./c.ts";\nconst d = await import("./d.ts");\nimport "./e.ts";`;
    expect(importsOf(text)).to.deep.equal(["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
  });
});
