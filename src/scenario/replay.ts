import { stringify } from "yaml";
import type { ImportResult } from "../capdl/import.ts";

/*
 * A capDL import's replay as scenario text, for `capsim import --scenario` and the playground's
 * import: each step carries the spec line it came from, and the step seL4 refused says so.
 */

/** The replay as a scenario file: the boot block, then every step with the spec line it came from. */
export function replayScenario(res: ImportResult, file: string): string {
  const steps = res.steps.map((s, i) => {
    const note = `${s.what}${s.pos ? ` (${file} line ${s.pos.line})` : ""}`;
    const failed = res.refusal !== null && i === res.refusal.step - 1;
    return { ...s.step, note: failed ? `${note}; seL4 refuses it: ${res.refusal?.error ?? ""}` : note };
  });
  // The architecture and the API generation are header fields of a scenario, not part of its boot block.
  const { api, ...rest } = res.bootOptions;
  const { arch, ...bootBlock } = "arch" in rest ? rest : { ...rest, arch: undefined };
  const doc = {
    name: `import of ${file}`,
    ...(arch ? { arch } : {}),
    ...(api ? { api } : {}),
    boot: bootBlock,
    steps,
  };
  return `# capsim import ${file}: the spec replayed as invocations (docs/capdl.md)\n${stringify(doc, { lineWidth: 0 })}`;
}
