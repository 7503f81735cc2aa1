import type { Terminal } from "./output.ts";

/** Where progress goes: a stream that may be a terminal. */
export interface ProgressSink extends Terminal {
  write(text: string): unknown;
}

/** How often each kind of display updates, in milliseconds. */
const TTY_PERIOD = 500;
const LOG_PERIOD = 10_000;

/**
 * The fuzz progress display. On a terminal, one line rewritten in place; anywhere else (a log,
 * a CI job), a plain line every ten seconds, since `\r` updates in a file run together into
 * one enormous line.
 */
export class FuzzProgress {
  private done = 0;
  private runsStarted = 0;
  private shown = false;
  private readonly t0: number;
  private last: number;

  constructor(
    private readonly sink: ProgressSink,
    private readonly runs: number,
    private readonly stepsPerRun: number,
    private readonly now: () => number = Date.now,
  ) {
    this.t0 = now();
    this.last = this.t0;
  }

  /** Steps run so far, shrinking included. */
  get steps(): number {
    return this.done;
  }

  startRun(): void {
    this.runsStarted++;
  }

  step(): void {
    this.done++;
    // Reading the clock every step would cost more than the step's bookkeeping.
    if (this.done % 256 === 0) this.update();
  }

  /** `n` steps at once (reported by a worker thread). */
  advance(n: number): void {
    if (n === 1) return this.step();
    this.done += n;
    this.update();
  }

  /** The display's text now. */
  line(): string {
    const total = this.runs * this.stepsPerRun;
    const rate = Math.round((this.done * 1000) / Math.max(1, this.now() - this.t0));
    if (this.done > total) return `capsim fuzz: shrinking a violation, ${this.done} steps so far, ${rate} steps/s`;
    const percent = Math.floor((100 * this.done) / total);
    return `capsim fuzz: run ${Math.min(this.runsStarted, this.runs)} of ${this.runs}, ${this.done} of ${total} steps (${percent}%), ${rate} steps/s`;
  }

  private update(): void {
    const now = this.now();
    if (now - this.last < (this.sink.isTTY ? TTY_PERIOD : LOG_PERIOD)) return;
    this.last = now;
    this.shown = true;
    this.sink.write(this.sink.isTTY ? `\r${this.line()}\x1b[K` : `${this.line()}\n`);
  }

  /** Clears the terminal line, so the closing result stands alone. */
  finish(): void {
    if (this.sink.isTTY && this.shown) this.sink.write("\r\x1b[K");
  }
}
