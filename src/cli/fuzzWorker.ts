import { parentPort, workerData } from "node:worker_threads";
import { buildFuzzWorld } from "../testing/world.ts";
import { fuzzRun } from "./fuzzRuns.ts";
import type { FromWorker, ToWorker, WorkerSetup } from "./fuzzPool.ts";

/*
 * A fuzz worker thread (started by fuzzPool.ts): it builds its own fuzz world, then runs the
 * campaign's runs it is handed one at a time, and answers each with its outcome (a failure
 * already shrunk, so that only plain data crosses back).
 */

/** Steps between two progress messages: often enough for the display, rare enough to cost nothing. */
const PROGRESS_EVERY = 4096;

const port = parentPort;
if (port === null) throw new Error("capsim internal error: fuzzWorker.ts runs only as a worker thread");
// Set by fuzzPool.ts, which types it.
const setup: WorkerSetup = workerData;
const { seed, steps, arch } = setup;
const world = buildFuzzWorld({ arch });
let unreported = 0;
const post = (m: FromWorker) => port.postMessage(m);
const onStep = () => {
  if (++unreported === PROGRESS_EVERY) {
    post({ kind: "progress", steps: unreported });
    unreported = 0;
  }
};
port.on("message", (m: ToWorker) => {
  if (m.kind === "stop") {
    port.close();
    return;
  }
  const outcome = fuzzRun(world, seed, m.run, steps, onStep);
  if (unreported > 0) post({ kind: "progress", steps: unreported });
  unreported = 0;
  post({ kind: "done", outcome });
});
post({ kind: "ready" });
