/**
 * `capsim fuzz --workers 1` against `--workers 2` through the compiled CLI, by wall time and by
 * each thread's CPU time (Linux: /proc/PID/task/TID/stat, sampled every SAMPLE_MS while the
 * command runs). On a machine other processes load, wall time says little: both commands get
 * less than their cores. Per-thread CPU barely moves with load, and gives what the command
 * would take on two idle cores: at least its busiest thread's CPU (a thread runs on one core
 * at a time) and at least its total CPU over two (`estimatedWallMs`). The CPU-estimated
 * speed-up is the ratio of the two commands' estimates.
 *
 * `node --import tsx bench/fuzzThreads.ts [--rounds N] [--campaigns 20x25000,20x100000,50x100000]
 * [--node-flags "FLAGS" ...] [--root DIR ...]`: each round runs 1 and 2 workers back to back, in
 * alternating order, under each variant in turn (each `--node-flags`, `""` the plain command,
 * and each `--root`, another checkout's built capsim to compare with); it prints every run and
 * the medians.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { childrenCpuMs, ensureBuilt, ROOT } from "./startup.ts";

/** How often the threads' CPU times are read: a thread's last SAMPLE_MS before it ends are missed. */
const SAMPLE_MS = 20;

export interface ThreadedRun {
  readonly wallMs: number;
  /** CPU of all threads, start-up included (the waited-for child's user+sys) */
  readonly cpuMs: number;
  /** the main thread's CPU */
  readonly mainMs: number;
  /** the other threads' CPU, busiest first: the worker threads, then V8's and libuv's */
  readonly otherMs: readonly number[];
  /** the 1-minute load average when the command ended */
  readonly load: number;
}

/** utime + stime of every thread of `pid` now, in ms, by thread id. */
function threadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] is stat's 3rd field; utime and stime are its 14th and 15th, in 10 ms ticks
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** Run `capsim fuzz --seed 1 ARGS` from dist/ under `nodeFlags`, sampling its threads. */
export function runThreaded(
  args: readonly string[],
  nodeFlags: readonly string[] = [],
  root: string = ROOT,
): Promise<ThreadedRun> {
  const env = { ...process.env };
  delete env.CAPSIM_FROM_SOURCE;
  const out = mkdtempSync(join(tmpdir(), "capsim-bench-fuzz-"));
  const c0 = childrenCpuMs() ?? 0;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, "bin/capsim.js", "fuzz", "--seed", "1", "--out", out, ...args], {
    cwd: root,
    env,
    stdio: "ignore",
  });
  const pid = child.pid ?? 0;
  const seen = new Map<number, number>();
  const sample = () => {
    for (const [tid, ms] of threadCpu(pid)) seen.set(tid, Math.max(seen.get(tid) ?? 0, ms));
  };
  const timer = setInterval(sample, SAMPLE_MS);
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      const wallMs = performance.now() - t0;
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`bench: capsim fuzz ${args.join(" ")} exited with ${code}`));
      const cpuMs = (childrenCpuMs() ?? 0) - c0;
      const others = [...seen].filter(([tid]) => tid !== pid).map(([, ms]) => ms);
      resolve({
        wallMs,
        cpuMs,
        mainMs: seen.get(pid) ?? 0,
        otherMs: others.sort((a, b) => b - a),
        load: loadavg()[0] ?? 0,
      });
    });
  });
}

/**
 * What the run would take on `cores` idle cores, from its CPU alone: its `threads` fuzzing
 * threads (the main thread and the busiest others) each need a core for their whole CPU time,
 * and all its threads together need their total CPU spread over the cores.
 */
export function estimatedWallMs(r: ThreadedRun, threads: number, cores = 2): number {
  const busiest = Math.max(r.mainMs, ...r.otherMs.slice(0, threads - 1));
  return Math.max(busiest, r.cpuMs / cores);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? 0;
};

const fmt = (ms: number) => (ms / 1000).toFixed(2);

function describe(r: ThreadedRun, threads: number): string {
  const fuzzing = r.otherMs.slice(0, threads - 1);
  const platform = r.otherMs.slice(threads - 1).reduce((a, b) => a + b, 0);
  return `wall ${fmt(r.wallMs)} s, CPU ${fmt(r.cpuMs)} s (main ${fmt(r.mainMs)}${fuzzing.map((m) => `, worker ${fmt(m)}`).join("")}, other threads ${fmt(platform)}), estimate ${fmt(estimatedWallMs(r, threads))} s, load ${r.load.toFixed(1)}`;
}

async function main(argv: readonly string[]): Promise<void> {
  const value = (flag: string) => argv[argv.indexOf(flag) + 1];
  const rounds = argv.includes("--rounds") ? Number(value("--rounds")) : 3;
  const campaigns = (argv.includes("--campaigns") ? (value("--campaigns") ?? "") : "20x25000,20x100000,50x100000")
    .split(",")
    .map((c) => {
      const [runs = 0, steps = 0] = c.split("x").map(Number);
      return [runs, steps] as const;
    });
  const flagSets: string[][] = [];
  const roots: string[] = [];
  argv.forEach((a, i) => {
    if (a === "--node-flags") flagSets.push((argv[i + 1] ?? "").split(" ").filter((f) => f !== ""));
    if (a === "--root") roots.push(argv[i + 1] ?? ROOT);
  });
  if (flagSets.length === 0) flagSets.push([]);
  if (roots.length === 0) roots.push(ROOT);
  const variants = roots.flatMap((root) =>
    flagSets.map((flags) => ({
      root,
      flags,
      name: `${root === ROOT ? "" : ` ${root}`}${flags.length ? ` node ${flags.join(" ")}` : ""}`,
    })),
  );
  ensureBuilt();
  console.log(`${cpus().length} cores; ${rounds} rounds; each round runs every variant with 1 and 2 workers`);
  for (const [runs, steps] of campaigns) {
    const wall = variants.map(() => ({ 1: [] as number[], 2: [] as number[] }));
    const est = variants.map(() => ({ 1: [] as number[], 2: [] as number[] }));
    for (let round = 0; round < rounds; round++)
      for (const [v, variant] of variants.entries())
        for (const w of round % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
          const args = ["--runs", String(runs), "--steps", String(steps), "--workers", String(w)];
          const r = await runThreaded(args, variant.flags, variant.root);
          wall[v]?.[w].push(r.wallMs);
          est[v]?.[w].push(estimatedWallMs(r, w));
          console.log(`  ${runs} x ${steps}${variant.name}, --workers ${w}: ${describe(r, w)}`);
        }
    for (const [v, variant] of variants.entries()) {
      const ratio = (xs: { 1: number[]; 2: number[] } | undefined) =>
        (median(xs?.[1] ?? []) / median(xs?.[2] ?? [])).toFixed(2);
      console.log(
        `${runs} x ${steps}${variant.name}: medians 1 worker ${fmt(median(wall[v]?.[1] ?? []))} s wall, ${fmt(median(est[v]?.[1] ?? []))} s estimated; 2 workers ${fmt(median(wall[v]?.[2] ?? []))} s, ${fmt(median(est[v]?.[2] ?? []))} s; speed-up wall ${ratio(wall[v])}x, CPU-estimated ${ratio(est[v])}x`,
      );
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
