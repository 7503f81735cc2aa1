/**
 * Issue 18's long-state targets for the CLI: `capsim run` of a 10,000-step scenario under 1 s
 * after start-up, and `capsim show` of a machine with 10^5 mappings under 1 s.
 * - The 10,000-step file is written as `capsim fuzz` writes a failing run's replay
 *   (`fuzzScenario`): the fuzz world's setup, then 10,000 fuzz operations drawn by fast-check
 *   from seed LONG_SEED, each step expecting what it did when written. Same seed, same file.
 * - run: the compiled CLI (bin/capsim.js on dist/), CPU time (user + system) of `capsim run FILE`
 *   minus that of `capsim run examples/01-map-a-frame.yaml` (start-up, loading, boot), median
 *   of interleaved rounds; and in this process, what load + run + the report's text take.
 * - show: `showText` of the benchmark's 10^5-mapping world is bench/run.ts's "show" row; this
 *   file times the same text in CPU time, without the rest of the benchmark.
 * `npm run bench` runs the run half after the start-up benchmark; alone:
 * `node --import tsx bench/runshow.ts [--quick]` (add `--write FILE` to keep the scenario file).
 * Nothing here is asserted: the figures are for people to read.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { fuzzScenario } from "../src/cli/fuzzRuns.ts";
import { showText } from "../src/cli/show.ts";
import { bootMinimal } from "../src/boot/minimal.ts";
import { INITIAL_CAP_SLOTS } from "../src/boot/initialCaps.ts";
import { callLibsel4 } from "../src/invocations/libsel4.ts";
import { rootCNodeOf } from "../src/kernel/cspace.ts";
import type { CPtr, PhysAddr } from "../src/model/addresses.ts";
import { objectTypeNumber } from "../src/arch/aarch32/objectTypes.ts";
import type { KernelState } from "../src/model/state.ts";
import { fuzzOpArbitrary } from "../src/testing/arbitraries.ts";
import { buildFuzzWorld } from "../src/testing/world.ts";
import { childrenCpuMs, ensureBuilt, ROOT } from "./startup.ts";

export const LONG_STEPS = 10_000;
export const LONG_SEED = 18;

/** The 10,000-step scenario's text (about 1.3 MB): the same every time. */
export function longScenarioText(steps = LONG_STEPS, seed = LONG_SEED): string {
  const ops = fc.sample(fuzzOpArbitrary(), { seed, numRuns: steps });
  return fuzzScenario(buildFuzzWorld(), ops, `${steps} fuzz steps, seed ${seed}`);
}

/**
 * A machine with `n` live 4 KiB mappings for show: n frames retyped 256 at a time from the
 * largest untyped, each mapped once, 256 to a page table, in the initial thread's page
 * directory (up to 2^18 of them fit below USER_TOP at 0x10000000).
 */
export function showWorld(n: number): { state: KernelState; thread: PhysAddr } {
  const m = bootMinimal({ ram: [{ base: 0, size: 512 * 2 ** 20 }], cnodeSizeBits: 21 });
  let s = m.state;
  const slots = INITIAL_CAP_SLOTS;
  const call = (name: string, cptr: number, params: Record<string, number>) =>
    callLibsel4(s, m.initThread, name, cptr as CPtr, params);
  const must = (name: string, cptr: number, params: Record<string, number>) => {
    const r = call(name, cptr, params);
    if (r.reply.kind !== "ok") throw new Error(`bench setup: ${name} failed: ${JSON.stringify(r.reply)}`);
    s = r.state;
  };
  // The untypeds from the largest down: each retype takes the first with room.
  const untypeds = m.bootInfo.untypedList
    .map((u, i) => ({ sizeBits: u.sizeBits, isDevice: u.isDevice, slot: m.bootInfo.untyped.start + i }))
    .filter((u) => !u.isDevice)
    .sort((a, b) => b.sizeBits - a.sizeBits);
  let free = m.bootInfo.empty.start;
  const make = (type: number, count: number): number => {
    const first = free;
    const params = { type, size_bits: 0, root: slots.InitThreadCNode, node_index: 0, node_depth: 0 };
    for (const u of untypeds) {
      const r = call("seL4_Untyped_Retype", u.slot, { ...params, node_offset: first, num_objects: count });
      if (r.reply.kind !== "ok") continue;
      s = r.state;
      free += count;
      return first;
    }
    throw new Error(`bench setup: no untyped has room for ${count} more objects`);
  };
  const SMALL_PAGE = objectTypeNumber("seL4_ARM_SmallPageObject");
  const PAGE_TABLE = objectTypeNumber("seL4_ARM_PageTableObject");
  for (let done = 0; done < n; done += 256) {
    const vbase = 0x10000000 + done * 4096;
    const pt = make(PAGE_TABLE, 1);
    must("seL4_ARM_PageTable_Map", pt, { vspace: slots.InitThreadVSpace, vaddr: vbase, attr: 3 });
    const count = Math.min(256, n - done);
    const frames = make(SMALL_PAGE, count);
    for (let k = 0; k < count; k++)
      must("seL4_ARM_Page_Map", frames + k, {
        vspace: slots.InitThreadVSpace,
        vaddr: vbase + k * 4096,
        rights: 3,
        attr: 3,
      });
  }
  return { state: s, thread: m.initThread };
}

export interface ShowTiming {
  readonly mappings: number;
  readonly lines: number;
  /** CPU ms of showText of the whole machine, each round's, in order (the first is the JIT's cold run) */
  readonly cpuMs: readonly number[];
}

/** CPU time of `capsim show`'s text (showText) of a machine with `n` mappings, `rounds` times. */
export function measureShow(n: number, rounds = 3): ShowTiming {
  const { state, thread } = showWorld(n);
  const cnode = rootCNodeOf(state, thread);
  if (cnode === undefined) throw new Error("bench setup: the thread has no root CNode");
  const cpuMs: number[] = [];
  let lines = 0;
  for (let i = 0; i < rounds; i++) {
    const c0 = process.cpuUsage();
    const text = showText(state, cnode, new Map());
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
    // Counted outside the timing: splitting 21.6 MB into 300,000 strings cost 15-35 ms and their garbage.
    lines = 1;
    for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) lines++;
  }
  return { mappings: n, lines, cpuMs };
}

export function printShow(t: ShowTiming): void {
  console.log(
    `\ncapsim show's text (showText) of a machine with ${t.mappings} mappings (${t.lines} lines), CPU time per call: ${t.cpuMs.map((x) => `${Math.round(x)} ms`).join(", ")} (the first cold; target 1000 ms)`,
  );
}

export interface RunTiming {
  readonly steps: number;
  readonly fileBytes: number;
  /** CPU ms of `capsim run FILE` and of `capsim run examples/01-map-a-frame.yaml`, medians */
  readonly longCpuMs: number;
  readonly startupCpuMs: number;
  /** longCpuMs - startupCpuMs: the target's "after start-up" */
  readonly afterStartupCpuMs: number;
  readonly rounds: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function cliCpuMs(args: readonly string[]): number {
  const env = { ...process.env };
  delete env.CAPSIM_FROM_SOURCE;
  const c0 = childrenCpuMs() ?? 0;
  const r = spawnSync(process.execPath, ["bin/capsim.js", ...args], { cwd: ROOT, env, stdio: "ignore" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`bench: capsim ${args.join(" ")} exited with ${r.status}`);
  return (childrenCpuMs() ?? 0) - c0;
}

/** `capsim run` of the long file against example 01, interleaved, after one untimed run of each. */
export function measureLongRun(options: { readonly quick?: boolean; readonly file?: string } = {}): RunTiming {
  const text = longScenarioText();
  const file = options.file ?? join(mkdtempSync(join(tmpdir(), "capsim-bench-run-")), "long.yaml");
  writeFileSync(file, text);
  ensureBuilt();
  const rounds = options.quick ? 3 : 7;
  const long: number[] = [];
  const small: number[] = [];
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const ms = cliCpuMs(["run", i === 0 ? file : "examples/01-map-a-frame.yaml"]);
      if (round >= 0) (i === 0 ? long : small).push(ms);
    }
  }
  const longCpuMs = median(long);
  const startupCpuMs = median(small);
  return {
    steps: LONG_STEPS,
    fileBytes: Buffer.byteLength(text),
    longCpuMs,
    startupCpuMs,
    afterStartupCpuMs: longCpuMs - startupCpuMs,
    rounds,
  };
}

export function printLongRun(t: RunTiming): void {
  console.log(
    `\ncapsim run of a ${t.steps}-step scenario (fuzzScenario, seed ${LONG_SEED}, ${(t.fileBytes / 1e6).toFixed(2)} MB; compiled CLI, CPU time, median of ${t.rounds} interleaved runs):`,
  );
  console.log(`  capsim run LONG_FILE                         ${Math.round(t.longCpuMs)} ms`);
  console.log(`  capsim run examples/01-map-a-frame.yaml      ${Math.round(t.startupCpuMs)} ms (start-up)`);
  console.log(
    `  after start-up                               ${Math.round(t.afterStartupCpuMs)} ms (target 1000 ms: ${t.afterStartupCpuMs <= 1000 ? "met" : "NOT met"})`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const w = process.argv.indexOf("--write");
  if (w >= 0 && process.argv[w + 1] !== undefined) {
    writeFileSync(process.argv[w + 1] as string, longScenarioText());
  } else {
    const quick = process.argv.includes("--quick");
    if (!process.argv.includes("--show-only")) printLongRun(measureLongRun({ quick }));
    if (!process.argv.includes("--run-only")) printShow(measureShow(quick ? 1e4 : 1e5));
  }
}
