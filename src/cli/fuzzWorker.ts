import { parentPort, workerData } from "node:worker_threads";
import { buildFuzzWorld } from "../testing/world.ts";
import { claimAndRun, countStart, workerProgress, type FromWorker, type WorkerSetup } from "./fuzzPool.ts";

/*
 * A fuzz worker thread (started by fuzzPool.ts): it builds its own fuzz world, then claims the
 * campaign's runs from the counter it shares with the other threads and runs them, answering
 * each with its outcome (a failure already shrunk, so that only plain data crosses back), until
 * none is left; then it ends.
 */

const port = parentPort;
if (port === null) throw new Error("capsim internal error: fuzzWorker.ts runs only as a worker thread");
// Set by fuzzPool.ts, which types it.
const setup: WorkerSetup = workerData;
const cells = new Int32Array(setup.control);
const progress = workerProgress(cells);
claimAndRun(cells, setup, buildFuzzWorld({ arch: setup.arch }), {
  onClaim: () => countStart(cells),
  onStep: progress.onStep,
  done: (position, outcome) => {
    progress.flush();
    port.postMessage({ position, outcome } satisfies FromWorker);
  },
});
