/**
 * How fast the capsim command starts, against `node -e 0` on the same machine: the compiled CLI
 * (bin/capsim.js running dist/), as an installed `capsim` runs. Targets: `capsim --version`
 * within 3x of `node -e 0`, `capsim run` of example 01 within 5x. Nothing is asserted: on a
 * shared machine wall times swing, so each command runs many times, interleaved in a new order
 * each round, and the ratios compare medians (and minimums, the least disturbed runs). On Linux
 * the CPU time each run used (user + system, from /proc/self/stat, in 10 ms ticks) is compared
 * too: it barely moves when other processes compete for the cores, where wall time doubles.
 * `npm run bench` runs it after the operation benchmark; `npm run bench:startup` runs it alone.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface StartupRow {
  readonly command: string;
  readonly medianMs: number;
  readonly minMs: number;
  /** median over node -e 0's median */
  readonly ratio: number;
  /** min over node -e 0's min */
  readonly minRatio: number;
  /** median CPU time (user + system) and its ratio to node -e 0's, where the OS reports it */
  readonly cpuMedianMs?: number;
  readonly cpuRatio?: number;
  readonly target?: number;
}

const COMMANDS: readonly {
  readonly command: string;
  readonly args: readonly string[];
  readonly target?: number;
}[] = [
  { command: "node -e 0", args: ["-e", "0"] },
  {
    command: "capsim --version",
    args: ["bin/capsim.js", "--version"],
    target: 3,
  },
  { command: "capsim --help", args: ["bin/capsim.js", "--help"] },
  {
    command: "capsim run examples/01-map-a-frame.yaml",
    args: ["bin/capsim.js", "run", "examples/01-map-a-frame.yaml"],
    target: 5,
  },
];

function newestMtime(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir).map((name) => {
      const p = join(dir, name);
      const st = statSync(p);
      return st.isDirectory() ? newestMtime(p) : st.mtimeMs;
    }),
  );
}

/** Builds dist/ when it is missing or older than src/, so the figures are for the current code. */
export function ensureBuilt(): void {
  const main = join(ROOT, "dist/cli/main.js");
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  console.log("dist/ is missing or older than src/: npm run build");
  const r = spawnSync("npm", ["run", "build"], {
    cwd: ROOT,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  if (r.status !== 0) throw new Error("npm run build failed");
}

/** CPU milliseconds used by this process's waited-for children so far (Linux), else undefined. */
export function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is stat's 3rd field; cutime and cstime are its 16th and 17th, in USER_HZ (100) ticks
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Times each command `rounds` times, interleaved, after one untimed warm-up run of each. */
export function measureStartup(options: { readonly quick?: boolean } = {}): StartupRow[] {
  ensureBuilt();
  const rounds = options.quick ? 5 : 21;
  const env = { ...process.env };
  delete env.CAPSIM_FROM_SOURCE;
  const times = COMMANDS.map(() => [] as number[]);
  const cpu = COMMANDS.map(() => [] as number[]);
  for (let round = -1; round < rounds; round++) {
    const order = COMMANDS.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const i of order) {
      const c = COMMANDS[i]!;
      const c0 = childrenCpuMs();
      const t0 = performance.now();
      const r = spawnSync(process.execPath, c.args, {
        cwd: ROOT,
        env,
        stdio: "ignore",
      });
      const ms = performance.now() - t0;
      const c1 = childrenCpuMs();
      if (r.error) throw r.error;
      if (round < 0) continue;
      times[i]!.push(ms);
      if (c0 !== undefined && c1 !== undefined) cpu[i]!.push(c1 - c0);
    }
  }
  const base = {
    median: median(times[0]!),
    min: Math.min(...times[0]!),
    cpu: cpu[0]!.length ? median(cpu[0]!) : 0,
  };
  return COMMANDS.map((c, i) => ({
    command: c.command,
    medianMs: Math.round(median(times[i]!)),
    minMs: Math.round(Math.min(...times[i]!)),
    ratio: median(times[i]!) / base.median,
    minRatio: Math.min(...times[i]!) / base.min,
    ...(base.cpu > 0 ? { cpuMedianMs: median(cpu[i]!), cpuRatio: median(cpu[i]!) / base.cpu } : {}),
    ...(c.target !== undefined ? { target: c.target } : {}),
  }));
}

export function printStartup(rows: readonly StartupRow[], quick: boolean): void {
  console.log(`\nstartup (${quick ? 5 : 21} runs each, interleaved; the compiled CLI, node ${process.version}):\n`);
  const withCpu = rows.every((r) => r.cpuRatio !== undefined);
  console.log(
    [
      "command".padEnd(42),
      "median".padStart(9),
      "min".padStart(8),
      "  x node (median)",
      "  x node (min)",
      withCpu ? "  cpu median  x node (cpu)" : "",
      "  target (median)",
    ].join(""),
  );
  for (const r of rows) {
    const target = r.target === undefined ? "" : `  within ${r.target}x: ${r.ratio <= r.target ? "yes" : "NO"}`;
    const cpuText = withCpu
      ? `${`${Math.round(r.cpuMedianMs ?? 0)} ms`.padStart(12)}${`${(r.cpuRatio ?? 0).toFixed(2)}x`.padStart(14)}`
      : "";
    console.log(
      [
        r.command.padEnd(42),
        `${r.medianMs} ms`.padStart(9),
        `${r.minMs} ms`.padStart(8),
        `${r.ratio.toFixed(2)}x`.padStart(17),
        `${r.minRatio.toFixed(2)}x`.padStart(14),
        cpuText,
        target,
      ].join(""),
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes("--quick");
  printStartup(measureStartup({ quick }), quick);
}
