/**
 * capsim's benchmark: the cost of one invocation, and whether it stays flat as the state grows.
 * `npm run bench` runs the full mode (10^3 .. 10^6 live mappings); `npm run bench -- --quick`
 * runs 10^3 and 10^4 only (CI keeps it working). Then the CLI's start-up against `node -e 0`
 * (bench/startup.ts). Results go to bench/results.json.
 * Nothing here is asserted: the figures are for people to read.
 */
import { writeFileSync } from "node:fs";
import { Bench } from "tinybench";
import type { CPtr, PhysAddr, VirtAddr } from "../src/model/addresses.ts";
import { INITIAL_CAP_SLOTS } from "../src/boot/initialCaps.ts";
import { invoke } from "../src/invocations/dispatch.ts";
import type { InvocationLabel } from "../src/model/labels.ts";
import type { InvokeResult } from "../src/model/message.ts";
import type { KernelState } from "../src/model/state.ts";
import { immerEngine, withEngine } from "../test/support/immerEngine.ts";
import { retainedBytes } from "./retained.ts";
import { baselineTasks } from "./baseline.ts";
import { measureStartup, printStartup } from "./startup.ts";
import { measureFuzz, printFuzz } from "./fuzz.ts";
import { measureLongRun, measureShow, printLongRun, printShow } from "./runshow.ts";
import { objectTypeNumber } from "../src/arch/aarch32/objectTypes.ts";
import fc from "fast-check";
import { checkAll } from "../src/testing/invariants.ts";
import { checkTouched } from "../src/testing/incremental.ts";
import { fuzzOpArbitrary } from "../src/testing/arbitraries.ts";
import { applyFuzzOp, buildFuzzWorld, type FuzzOp } from "../src/testing/world.ts";
import { resolve } from "../src/arch/aarch32/walk.ts";
import { buildWorld } from "./world.ts";
import { capAt, rootCNodeOf } from "../src/kernel/cspace.ts";
import { showText } from "../src/cli/show.ts";
import { boot } from "../src/boot/boot.ts";
import { objectTypeNumber as objectTypeNumber64 } from "../src/arch/aarch64/objectTypes.ts";
import { resolve as resolve64 } from "../src/arch/aarch64/walk.ts";

const quick = process.argv.includes("--quick");
/** `--invocations-only`: the invocation rows alone (no memory, show, start-up, fuzz or scenario parts), for quick A/B work. */
const invocationsOnly = process.argv.includes("--invocations-only");
const fuzzWorld = buildFuzzWorld();
const fuzzOps = fc.sample(fuzzOpArbitrary(), { seed: 42, numRuns: 500 });
let fuzzIndex = 0;
// The AArch64 fuzz world and ops, for its fuzz-step row.
const fuzzWorld64 = buildFuzzWorld({ arch: "aarch64" });
const fuzzOps64 = fc.sample(fuzzOpArbitrary({ arch: "aarch64" }), { seed: 42, numRuns: 500 });
let fuzzIndex64 = 0;
const SIZES = quick ? [1e3, 1e4] : [1e3, 1e4, 1e5, 1e6];
const LARGEST = SIZES[SIZES.length - 1] as number;
const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
const PD = INITIAL_CAP_SLOTS.InitThreadVSpace;
const BATCH = 32;

/** `op` run with immer as the transition engine (the default engine is put back after each call). */
function withImmer(op: () => unknown): () => unknown {
  return () => {
    return withEngine(immerEngine, op);
  };
}
const ROUNDS = quick ? 3 : 5;

/** `items` starting at index `k` (mod its length) and wrapping around. */
function rotated<T>(items: readonly T[], k: number): T[] {
  const at = k % items.length;
  return [...items.slice(at), ...items.slice(0, at)];
}
const gc = (globalThis as { gc?: () => void }).gc;

/**
 * An AArch64 machine with `n` live 4 KiB mappings, as buildWorld's: n copies of one frame cap,
 * each mapped once, from 2^39 (VSpace slot 1) in the initial thread's VSpace, under level-1,
 * -2 and -3 tables (one level-2 table per GiB, one level-3 table per 2 MiB).
 */
function buildWorld64(n: number) {
  // 2^20 slots (the most boot allows) hold the 10^6 frame caps, the tables and the spares.
  const m = boot({ arch: "aarch64", ram: [{ base: 0x40000000, size: 2 ** 30 }], cnodeSizeBits: 20 });
  const T = m.initThread;
  let s = m.state;
  const call = (cptr: number, label: InvocationLabel, args: number[], extra: number[] = []) => {
    const r = invoke(s, T, cptr as CPtr, { label, args, extraCaps: extra as CPtr[] });
    if (r.reply.kind !== "ok") throw new Error(`bench setup (aarch64): ${label} failed: ${JSON.stringify(r.reply)}`);
    s = r.state;
  };
  const untypeds = m.bootInfo.untypedList
    .map((u, i) => ({ ...u, slot: m.bootInfo.untyped.start + i }))
    .filter((u) => !u.isDevice)
    .sort((a, b) => b.sizeBits - a.sizeBits);
  const big = untypeds[0]!.slot;
  const DEPTH = 64;
  const retype = (type: Parameters<typeof objectTypeNumber64>[0], dest: number, count: number) =>
    call(big, "UntypedRetype", [objectTypeNumber64(type), 0, 0, 0, dest, count], [CNODE]);
  let next = m.bootInfo.empty.start;
  const frame = next++;
  retype("seL4_ARM_SmallPageObject", frame, 1);
  const base = 2 ** 39;
  const table = (vaddr: number) => {
    const pt = next++;
    retype("seL4_ARM_PageTableObject", pt, 1);
    call(pt, "ARMPageTableMap", [vaddr, 3], [PD]);
  };
  table(base);
  for (let i = 0; i < n; i += 512) {
    if (i % 2 ** 18 === 0) table(base + i * 4096);
    table(base + i * 4096);
  }
  for (let i = 0; i < n; i++) {
    const copy = next++;
    call(CNODE, "CNodeCopy", [copy, DEPTH, frame, DEPTH, 15], [CNODE]);
    call(copy, "ARMPageMap", [base + i * 4096, 3, 3], [PD]);
  }
  const spareFrame = next++;
  call(CNODE, "CNodeCopy", [spareFrame, DEPTH, frame, DEPTH, 15], [CNODE]);
  const sparePT = next++;
  retype("seL4_ARM_PageTableObject", sparePT, 1);
  const freeSlot = next++;
  // A mapped spare at the top of the user range (VSpace slot 255), under its own three tables.
  const spareVaddr = 2 ** 47 - 2 ** 21;
  for (let level = 1; level <= 3; level++) table(spareVaddr);
  const unmapped = s;
  call(spareFrame, "ARMPageMap", [spareVaddr, 3, 3], [PD]);
  const vspace = capAt(s, T, PD);
  if (vspace.type !== "VSpace")
    throw new Error("bench setup (aarch64): the initial thread's VSpace slot holds no VSpace cap");
  return { T, unmapped, mapped: s, spareFrame, sparePT, freeSlot, spareVaddr, big, frame, vspace: vspace.paddr, DEPTH };
}

/** The AArch64 rows (marked "aarch64"): the same operations as ARM32's at the same sizes, measured after them. */
async function measure64(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of SIZES) {
    const w = buildWorld64(n);
    const mapMsg = message("ARMPageMap", [w.spareVaddr, 3, 3], [PD]);
    const tasks = invocationTasks("aarch64 ", w, mapMsg, {
      depth: w.DEPTH,
      // A level-3 table's slot the spare's walk leaves free: 2 MiB below the spare, under the same level-2 table.
      ptVaddr: w.spareVaddr - 2 ** 21,
      frameType: objectTypeNumber64("seL4_ARM_SmallPageObject"),
      resolve: () => resolve64(w.mapped, w.vspace, (w.spareVaddr + 0x123) as VirtAddr),
      fuzzStep: () => {
        const o = fuzzOps64[fuzzIndex64++ % fuzzOps64.length] as FuzzOp;
        checkTouched(fuzzWorld64.state, applyFuzzOp(fuzzWorld64, fuzzWorld64.state, o).state);
      },
    });
    // Each measured call must be the success it is named after, not an early error.
    for (const [name, op] of tasks) {
      const r = op();
      if (typeof r === "object" && r !== null && "reply" in r && (r.reply as { kind?: string }).kind !== "ok")
        throw new Error(`bench setup (aarch64): ${name} does not succeed: ${JSON.stringify(r.reply)}`);
    }
    rows.push(...(await timedRows("aarch64 ", tasks, n, () => invoke(w.unmapped, w.T, w.spareFrame as CPtr, mapMsg))));
  }
  return rows;
}

interface Row {
  op: string;
  size: number;
  medianNs: number;
}

interface MemoryRow {
  size: number;
  /** V8's heap growth while building the world, per live mapping */
  heapBytesPerMapping: number;
  /** the bytes one state holds, counted (bench/retained.ts) */
  bytesOfOneState: number;
  /** 1,000 consecutive states (map, unmap, map, ...) kept alive, on top of the first, counted */
  extraBytesFor1000States: number;
  /** (one state + the 1,000 states) / one state: 1,000 copies would be 1,001 */
  ratio1000States: number;
}

/** The heap in use after full collections (several: weak references and finalisation need more than one). */
function heapAfterGC(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

/** [name, operation, calls per sample]: a sub-microsecond call runs BATCH times per sample, reported per call. */
type Task = [string, () => unknown, number];

/** The best median of each task over ROUNDS rounds (one more, thrown away, when `first`). */
async function bestOfRounds(tasks: readonly Task[], first: boolean): Promise<Map<string, number>> {
  // The best of ROUNDS medians: this is a shared virtual machine, and a neighbour's burst can
  // slow several tasks in a row; the fastest round is the closest to the code's own cost.
  // Each round takes the tasks in a different order, so that bursts which recur about once a
  // round cannot land on the same task every time.
  // At the first size one more round runs first and is thrown away: V8's young generation
  // starts small and grows with the allocation rate, and the JIT is still warming up.
  const best = new Map<string, number>();
  const discard = first ? 1 : 0;
  for (let round = 0; round < ROUNDS + discard; round++) {
    const bench = new Bench({
      time: quick && round >= discard ? 100 : 200,
      warmupTime: 100,
    });
    for (const [name, op, calls] of rotated(tasks, round * 4)) {
      bench.add(name, () => {
        for (let i = 0; i < calls; i++) op();
      });
    }
    await bench.run();
    if (round < discard) continue;
    for (const t of bench.tasks) {
      const median = t.result && "latency" in t.result ? (t.result.latency as { p50?: number }).p50 : undefined;
      const calls = tasks.find(([name]) => name === t.name)?.[2] ?? 1;
      const ns = ((median ?? NaN) * 1e6) / calls;
      best.set(t.name, Math.min(best.get(t.name) ?? Infinity, ns));
    }
  }
  return best;
}

/** A message of `label` (built once: the figures are the kernel's cost, not the caller's allocations). */
const message = (label: InvocationLabel, args: number[], extra: number[] = []) => ({
  label,
  args,
  extraCaps: extra as CPtr[],
});

/** What invocationTasks needs of a bench world (buildWorld's and buildWorld64's). */
interface BenchWorld {
  readonly T: PhysAddr;
  readonly unmapped: KernelState;
  readonly mapped: KernelState;
  readonly spareFrame: number;
  readonly sparePT: number;
  readonly freeSlot: number;
  readonly big: number;
  readonly frame: number;
}

/**
 * The measured operations of one world, named with `prefix`: [name, operation, calls per
 * sample]. A sub-microsecond call is below what a per-call timer measures reliably, so those
 * samples run BATCH calls and report the time of one.
 */
function invocationTasks(
  prefix: string,
  w: BenchWorld,
  mapMsg: ReturnType<typeof message>,
  a: {
    readonly depth: number;
    readonly ptVaddr: number;
    readonly frameType: number;
    readonly resolve: () => unknown;
    readonly fuzzStep: () => void;
  },
): Task[] {
  const unmapMsg = message("ARMPageUnmap", []);
  const ptMapMsg = message("ARMPageTableMap", [a.ptVaddr, 3], [PD]);
  const copyMsg = message("CNodeCopy", [w.freeSlot, a.depth, w.frame, a.depth, 15], [CNODE]);
  const deleteMsg = message("CNodeDelete", [w.freeSlot, a.depth]);
  const retypeMsg = message("UntypedRetype", [a.frameType, 0, 0, 0, w.freeSlot, 1], [CNODE]);
  const copied = invoke(w.unmapped, w.T, CNODE as CPtr, copyMsg).state;
  const T = w.T;
  const tasks: Task[] = [
    ["frame map (4 KiB)", () => invoke(w.unmapped, T, w.spareFrame as CPtr, mapMsg), BATCH],
    ["frame unmap (4 KiB)", () => invoke(w.mapped, T, w.spareFrame as CPtr, unmapMsg), BATCH],
    ["page table map", () => invoke(w.unmapped, T, w.sparePT as CPtr, ptMapMsg), BATCH],
    ["CNode copy", () => invoke(w.unmapped, T, CNODE as CPtr, copyMsg), BATCH],
    ["CNode delete", () => invoke(copied, T, CNODE as CPtr, deleteMsg), BATCH],
    ["untyped retype (1 frame)", () => invoke(w.unmapped, T, w.big as CPtr, retypeMsg), BATCH],
    ["resolve", a.resolve, BATCH],
    // The alternative transition engine, for the record: the same two calls through immer's produce.
    ["frame map, immer engine", withImmer(() => invoke(w.unmapped, T, w.spareFrame as CPtr, mapMsg)), BATCH],
    ["frame unmap, immer engine", withImmer(() => invoke(w.mapped, T, w.spareFrame as CPtr, unmapMsg)), BATCH],
    [
      "map + incremental invariant check",
      () => checkTouched(w.unmapped, invoke(w.unmapped, T, w.spareFrame as CPtr, mapMsg).state),
      1,
    ],
    // One `capsim fuzz` step: a random VSpace operation on the fuzz world, then the invariants
    // it touched (the fuzz world is fixed-size; this row shows the cost of a checked step).
    ["fuzz step (incremental check)", a.fuzzStep, 1],
  ];
  return tasks.map(([name, op, calls]) => [prefix + name, op, calls]);
}

/**
 * The rows of one size: each task's best median; at the smallest size also a step followed by
 * a full invariant check, which walks the whole state (shown once, for scale).
 */
async function timedRows(prefix: string, tasks: readonly Task[], n: number, step: () => InvokeResult): Promise<Row[]> {
  const best = await bestOfRounds(tasks, n === SIZES[0]);
  const rows: Row[] = tasks.map(([op]) => ({ op, size: n, medianNs: Math.round(best.get(op) ?? NaN) }));
  if (n === SIZES[0]) {
    const t0 = process.hrtime.bigint();
    let k = 0;
    for (; k < 20; k++) checkAll(step().state);
    rows.push({
      op: `${prefix}step + full invariant check`,
      size: n,
      medianNs: Math.round(Number(process.hrtime.bigint() - t0) / k),
    });
  }
  return rows;
}

/** ns for `capsim show`'s text of state `s`: the faster of two calls. */
function showTime(s: KernelState, thread: PhysAddr): number {
  const cnode = rootCNodeOf(s, thread);
  if (cnode === undefined) throw new Error("bench setup: the thread has no root CNode");
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = process.hrtime.bigint();
    showText(s, cnode, new Map());
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best;
}

async function measure(): Promise<{ rows: Row[]; memory: MemoryRow[] }> {
  const rows: Row[] = [];
  const memory: MemoryRow[] = [];
  // A world built and dropped first, so the heap figures below hold states, not the JIT's code and feedback.
  buildWorld(SIZES[0] as number);
  for (const n of SIZES) {
    const heap0 = heapAfterGC();
    const w = buildWorld(n);
    const heap1 = heapAfterGC();
    const mapMsg = message("ARMPageMap", [w.spareVaddr, 3, 3], [PD]);
    const unmapMsg = message("ARMPageUnmap", []);
    if (!invocationsOnly) {
      const states: KernelState[] = [];
      let s = w.unmapped;
      for (let i = 0; i < 1000; i++) {
        s = invoke(s, w.T, w.spareFrame as CPtr, i % 2 === 0 ? mapMsg : unmapMsg).state;
        states.push(s);
      }
      const seen = new Set<object>();
      const one = retainedBytes([w.unmapped], seen);
      const extra = retainedBytes(states, seen);
      memory.push({
        size: n,
        heapBytesPerMapping: Math.round((heap1 - heap0) / n),
        bytesOfOneState: one,
        extraBytesFor1000States: extra,
        ratio1000States: (one + extra) / one,
      });
    }
    const baseline = baselineTasks(n);
    if (baseline.map() !== 0 || baseline.unmap() !== 0) throw new Error("bench setup: the mutable baseline fails");
    const tasks = invocationTasks("", w, mapMsg, {
      depth: 32,
      ptVaddr: 0xd8000000,
      frameType: objectTypeNumber("seL4_ARM_SmallPageObject"),
      resolve: () => resolve(w.mapped, w.pd, (w.spareVaddr + 0x123) as VirtAddr),
      fuzzStep: () => {
        const o = fuzzOps[fuzzIndex++ % fuzzOps.length] as FuzzOp;
        checkTouched(fuzzWorld.state, applyFuzzOp(fuzzWorld, fuzzWorld.state, o).state);
      },
    });
    tasks.push([BASELINE_MAP, baseline.map, BATCH], [BASELINE_UNMAP, baseline.unmap, BATCH]);
    rows.push(...(await timedRows("", tasks, n, () => invoke(w.unmapped, w.T, w.spareFrame as CPtr, mapMsg))));
    // `capsim show`'s text of the whole machine (issue 18: under 1 s at 10^5 mappings); one call
    // (the best of two) per size up to 10^5, as its output is one line per mapping.
    if (n <= 1e5 && !invocationsOnly)
      rows.push({ op: "show (text) of the whole machine", size: n, medianNs: showTime(w.mapped, w.T) });
  }
  return { rows, memory };
}

/** The mutable baseline's rows (bench/baseline.ts): typed arrays written in place, seL4's checks, no history. */
const BASELINE_MAP = "mutable baseline: frame map";
const BASELINE_UNMAP = "mutable baseline: frame unmap";

/** Whether a row is one operation's cost (whole-state rows and the baseline itself get no ratio). */
const PER_CALL = (op: string): boolean => !/^mutable|^show|full invariant check/.test(op);

/**
 * A row's figure over the mutable baseline's at the same size: unmap rows against the baseline's
 * unmap, every other row against its map (the cost of one kernel operation done in place).
 */
function baselineRatio(op: string, size: number): number | undefined {
  const base = /unmap/.test(op) ? BASELINE_UNMAP : BASELINE_MAP;
  const ns = rows.find((r) => r.op === op && r.size === size)?.medianNs;
  const baseNs = rows.find((r) => r.op === base && r.size === size)?.medianNs;
  return ns === undefined || baseNs === undefined ? undefined : ns / baseNs;
}

const { rows, memory } = await measure();
rows.push(...(await measure64()));
const ops = [...new Set(rows.map((r) => r.op))];
console.log(
  `capsim benchmark (${quick ? "quick" : "full"} mode; ns per operation: the best of ${ROUNDS} rounds of medians; sizes are live 4 KiB mappings)\n`,
);
// Each size's column is as wide as its widest figure plus two spaces (at least 10), so a long
// figure (a whole-state row in ns) never runs into its neighbour.
const nameWidth = Math.max(44, ...ops.map((op) => op.length + 2));
const widths = SIZES.map((n) =>
  Math.max(10, ...rows.filter((r) => r.size === n).map((r) => String(r.medianNs).length + 2)),
);
console.log(
  [
    "operation".padEnd(nameWidth),
    ...SIZES.map((n, i) => `n=${n.toExponential(0)}`.padStart(widths[i] as number)),
    "  max/min",
    `  x mutable (n=${LARGEST.toExponential(0)})`,
  ].join(""),
);
const ratios: Record<string, number> = {};
const mutableRatios: Record<string, number> = {};
for (const op of ops) {
  const vals = SIZES.map((n) => rows.find((r) => r.op === op && r.size === n)?.medianNs);
  const known = vals.filter((v): v is number => v !== undefined);
  ratios[op] = known.length > 1 ? Math.max(...known) / Math.min(...known) : 1;
  const x = baselineRatio(op, LARGEST);
  if (x !== undefined && PER_CALL(op)) mutableRatios[op] = x;
  console.log(
    [
      op.padEnd(nameWidth),
      ...vals.map((v, i) => (v === undefined ? "" : String(v)).padStart(widths[i] as number)),
      `  ${ratios[op]!.toFixed(2)}`.padEnd(9),
      x === undefined || !PER_CALL(op) ? "" : `  ${x.toFixed(0)}x`,
    ].join(""),
  );
}
/** The memory table, start-up, fuzz and the CLI's targets, then bench/results.json (left out by --invocations-only). */
async function reportTheRest(): Promise<void> {
  console.log(`\nmemory${gc ? "" : " (approximate: run with --expose-gc for exact figures)"}:`);
  console.log(
    [
      "live mappings".padEnd(14),
      "heap/mapping".padStart(13),
      "one state".padStart(12),
      "counted/mapping".padStart(17),
      "1,000 states".padStart(14),
      "  (one + 1,000) / one",
    ].join(""),
  );
  for (const m of memory) {
    console.log(
      [
        String(m.size).padEnd(14),
        `${m.heapBytesPerMapping} B`.padStart(13),
        `${(m.bytesOfOneState / 1e6).toFixed(2)} MB`.padStart(12),
        `${Math.round(m.bytesOfOneState / m.size)} B`.padStart(17),
        `+${(m.extraBytesFor1000States / 1e6).toFixed(2)} MB`.padStart(14),
        `  ${m.ratio1000States.toFixed(2)}x`,
      ].join(""),
    );
  }
  const startup = measureStartup({ quick });
  printStartup(startup, quick);
  const fuzz = await measureFuzz({ quick });
  printFuzz(fuzz);
  // Issue 18's CLI targets: capsim run of a 10,000-step scenario, show of 10^5 mappings (10^4 in quick mode).
  const longRun = measureLongRun({ quick });
  printLongRun(longRun);
  const show = measureShow(quick ? 1e4 : 1e5);
  printShow(show);
  writeFileSync(
    "bench/results.json",
    JSON.stringify(
      {
        mode: quick ? "quick" : "full",
        date: new Date().toISOString(),
        rows,
        ratios,
        mutableRatios,
        memory,
        startup,
        fuzz,
        longRun,
        show,
      },
      null,
      2,
    ),
  );
  console.log("\nwritten to bench/results.json");
}

if (!invocationsOnly) await reportTheRest();
