/**
 * The long hostile-file campaign: `npm run fuzz:files -- --cases N --seed S [--out DIR]
 * [--timeout-ms T] [--slow-ms S] [--from I] [--minutes M] [--heap-mb H]`. Cases run in a worker thread, one at a time,
 * under a watchdog: a case over the time limit is a hang (the worker is ended and a new one goes on
 * from the next case), a worker that runs out of its heap (H MB, default 320) is an out-of-memory.
 * The heap cap is the memory target made a check: with a 2 GB cap the worker's heap grew lazily
 * towards it between collections and the peak RSS said nothing about what any input needed. Each defect's input is
 * saved to DIR (default fuzz-out/) as <kind>-<seed>-<case>.yaml; a case that answers but takes
 * over S ms (default 2000) is counted as slow and saved too. A case's time is the lesser of its wall
 * time and the process's CPU time over it (the main thread only waits): on a shared machine wall time
 * also counts the waits for a core, and on a quiet one CPU time also counts the collector's and the
 * compiler's helper threads, so each bounds the quiet machine's wall time from above and the lesser
 * is the tighter bound; both are printed. Prints the
 * counts, the slowest cases and the process's peak RSS; exits 1 when there was any defect. With
 * --minutes, no case starts after M minutes and the figures are for the cases run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { classify, DEFECTS, hostileCase, type Verdict } from "../support/hostileFiles.ts";

interface Job {
  readonly seed: number;
  readonly from: number;
  readonly to: number;
}
type Message =
  | { readonly index: number; readonly start: true }
  | {
      readonly index: number;
      readonly name: string;
      readonly verdict: Verdict;
      readonly ms: number;
      readonly cpuMs: number;
    };

if (!isMainThread) {
  const job = workerData as Job;
  for (let i = job.from; i < job.to; i++) {
    // Making a case (up to megabytes of text) is the harness's work, not capsim's: it stays outside the
    // timing and the watchdog, which starts once the case is made.
    const hostile = hostileCase(job.seed, i);
    parentPort?.postMessage({ index: i, start: true } satisfies Message);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const verdict = classify(hostile);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const message = { index: i, name: hostile.name, verdict, ms: performance.now() - t0, cpuMs };
    parentPort?.postMessage(message satisfies Message);
  }
} else {
  const flag = (name: string, fallback: number) => {
    const at = process.argv.indexOf(`--${name}`);
    const v = at < 0 ? undefined : Number(process.argv[at + 1]);
    if (v !== undefined && !Number.isSafeInteger(v)) throw new Error(`--${name} needs a whole number`);
    return v ?? fallback;
  };
  const cases = flag("cases", 1000);
  const seed = flag("seed", 1);
  const from = flag("from", 0);
  const timeoutMs = flag("timeout-ms", 10_000);
  const slowMs = flag("slow-ms", 2000);
  const heapMb = flag("heap-mb", 320);
  const budgetMs = flag("minutes", 0) * 60_000 || Infinity;
  const outAt = process.argv.indexOf("--out");
  const out = outAt < 0 ? "fuzz-out" : (process.argv[outAt + 1] ?? "fuzz-out");
  const counts = new Map<string, number>();
  const slowest: { index: number; ms: number; cpuMs: number; name: string }[] = [];
  const started = performance.now();
  const save = (kind: string, index: number, detail: string) => {
    mkdirSync(out, { recursive: true });
    const c = hostileCase(seed, index);
    writeFileSync(join(out, `${kind}-${seed}-${index}.yaml`), c.text);
    console.log(`${kind} case ${index} (${c.name}): ${detail.slice(0, 300)}`);
  };
  const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);

  /** Runs cases [first, cases) in one worker; resolves with the case to restart from, or `cases` when done. */
  const runFrom = (first: number) =>
    new Promise<number>((resolve) => {
      // A worker does not inherit tsx's loader, so its first act is to register it, then load this file.
      const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
      const worker = new Worker(boot, {
        eval: true,
        workerData: { seed, from: first, to: cases } satisfies Job,
        resourceLimits: { maxOldGenerationSizeMb: heapMb },
      });
      let current = first;
      let begun = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          count("hang");
          save("hang", current, `no answer within ${timeoutMs} ms`);
          void worker.terminate();
          resolve(current + 1);
        }, timeoutMs);
      };
      worker.on("message", (m: Message) => {
        current = m.index;
        begun = true;
        if ("start" in m) return arm();
        clearTimeout(timer);
        count(m.verdict.kind);
        if (DEFECTS.has(m.verdict.kind)) save(m.verdict.kind, m.index, "message" in m.verdict ? m.verdict.message : "");
        if (Math.min(m.ms, m.cpuMs) > slowMs) {
          count("slow");
          save("slow", m.index, `${Math.round(m.cpuMs)} ms CPU (${Math.round(m.ms)} ms wall), ${m.verdict.kind}`);
        }
        // The worker names the case: making it again here would double the harness's memory and time.
        slowest.push({ index: m.index, ms: m.ms, cpuMs: m.cpuMs, name: m.name });
        slowest.sort((a, b) => Math.min(b.ms, b.cpuMs) - Math.min(a.ms, a.cpuMs)).splice(5);
        if ((m.index + 1) % 1000 === 0)
          console.log(`${m.index + 1} cases, ${Math.round((performance.now() - started) / 1000)} s`);
        if (performance.now() - started > budgetMs) {
          void worker.terminate();
          resolve(cases);
        }
      });
      worker.on("error", (e) => {
        clearTimeout(timer);
        if (!begun) throw new Error(`the fuzz worker failed before its first case: ${String(e)}`);
        const kind = /out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(String(e)) ? "oom" : "crash";
        count(kind);
        save(kind, current, String(e));
        resolve(current + 1);
      });
      worker.on("exit", () => {
        clearTimeout(timer);
        resolve(cases);
      });
    });

  let next = from;
  while (next < cases) next = await runFrom(next);
  const seconds = (performance.now() - started) / 1000;
  const defects = [...counts]
    .filter(([k]) => DEFECTS.has(k as Verdict["kind"]) || k === "hang" || k === "oom")
    .reduce((n, [, v]) => n + v, 0);
  const total = [...counts].filter(([k]) => k !== "slow").reduce((n, [, v]) => n + v, 0);
  console.log(
    `seed ${seed}, cases ${from}..${from + total - 1}: ${JSON.stringify(Object.fromEntries(counts))} in ${seconds.toFixed(0)} s`,
  );
  const slowText = (s: (typeof slowest)[number]) =>
    `${s.index} ${Math.round(s.cpuMs)} ms CPU, ${Math.round(s.ms)} ms wall (${s.name})`;
  console.log(`slowest: ${slowest.map(slowText).join("; ")}`);
  console.log(`peak RSS of this process (worker included): ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  process.exitCode = defects > 0 ? 1 : 0;
}
