/**
 * How capsim writes to the terminal: results on stdout, diagnostics on stderr, colour only for
 * a person (a TTY without NO_COLOR), and a reader that goes away (`| head`) ends the command
 * quietly rather than with an EPIPE stack trace.
 */

/** The part of a stream colour and progress decisions look at. */
export interface Terminal {
  readonly isTTY?: boolean;
}

/** no-color.org: NO_COLOR set to anything but the empty string turns colour off. */
export function wantsColour(
  stream: Terminal,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return (
    stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "")
  );
}

export interface Palette {
  readonly good: (text: string) => string;
  readonly bad: (text: string) => string;
}

const sgr = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
const plain = (text: string) => text;

export function palette(
  stream: Terminal,
  env: NodeJS.ProcessEnv = process.env,
): Palette {
  return wantsColour(stream, env)
    ? { good: sgr(32), bad: sgr(31) }
    : { good: plain, bad: plain };
}

/** Once the reader of stdout or stderr has gone, nothing more can be said: exit with the status so far. */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
      process.exit();
    });
  }
}
