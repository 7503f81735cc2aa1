import type { CommandSpec } from "./flags.ts";

/**
 * Each command's options and help, as plain data. main.ts answers --help and usage errors from
 * these alone, so that neither needs the command's module; each module checks its own values.
 */

const EXIT_STATUS =
  "exit status: 0 every expectation held, 1 an expectation failed, 2 a file is not a valid scenario or the command line is wrong, 3 capsim failed internally (a bug in capsim; the file and the error are reported)";

export const RUN: CommandSpec = {
  name: "run",
  brief: "run scenario files and check every expectation",
  summary:
    "Run scenario files (SCENARIOS.md) and check every expectation. A directory runs the *.yaml files in it, in sorted order.",
  operands: "FILE|DIR...",
  minOperands: 1,
  maxOperands: Infinity,
  operandsProblem: "name at least one scenario file",
  flags: [
    { name: "json", help: "print the report as JSON on stdout" },
    {
      name: "check-invariants",
      help: "also check every invariant after every step",
    },
  ],
  notes: ["Results go to stdout, one line per step and a closing line `N passed, M failed`.", EXIT_STATUS],
};

export const EXPLAIN: CommandSpec = {
  name: "explain",
  brief: "narrate each step: what was invoked, the checks in order, what happened and why",
  summary:
    "Narrate a scenario step by step: what was invoked, every check the kernel made in seL4's order (the last one refused, when the call failed), the walk of each resolve, what changed.",
  operands: "FILE",
  minOperands: 1,
  maxOperands: 1,
  operandsProblem: "name exactly one scenario file",
  flags: [],
  notes: [EXIT_STATUS],
};

/** --at STEP: which state of a scenario a command reads (show, export). */
const AT_FLAG = {
  name: "at",
  value: "STEP",
  help: "the state after this step; 0 is straight after boot (default: the last step)",
};

export const SHOW: CommandSpec = {
  name: "show",
  brief: "the CSpace and every VSpace after a step",
  summary: "Print the initial thread's CSpace, the ASID table and every VSpace after a step of a scenario.",
  operands: "FILE",
  minOperands: 1,
  maxOperands: 1,
  operandsProblem: "name exactly one scenario file",
  flags: [
    AT_FLAG,
    {
      name: "format",
      value: "text|dot",
      help: "text (default), or Graphviz dot: caps beside what they name, the boot image collapsed, the step's changes in red",
    },
    {
      name: "bits",
      help: "under each entry, its descriptor word field by field, with the seL4 attribute or right behind each field",
    },
  ],
  notes: [
    "Only the CNode's real slots are listed. A cap whose mapping record the tables no longer bear out is marked STALE; page tables no directory reaches are listed as orphaned.",
  ],
};

export const FUZZ: CommandSpec = {
  name: "fuzz",
  brief: "random VSpace invocations, every invariant checked after every step",
  summary:
    "Random VSpace invocation sequences with every invariant checked after every step. A violation is shrunk and written as a scenario that `capsim run --check-invariants FILE` replays.",
  operands: "",
  minOperands: 0,
  // the summary files of --merge
  maxOperands: Infinity,
  operandsProblem: "takes no file",
  flags: [
    {
      name: "runs",
      value: "R",
      help: "how many runs, each from a fresh boot (default 100)",
    },
    {
      name: "steps",
      value: "N",
      help: "steps in each run (default 200): the total is R x N steps",
    },
    {
      name: "seed",
      value: "S",
      help: "the random seed (default: from the clock; always printed, to repeat a run)",
    },
    {
      name: "out",
      value: "DIR",
      help: "where a violation's scenario is written (default capsim-fuzz)",
    },
    {
      name: "workers",
      value: "W",
      help: "threads running runs side by side, this one included (default: the machine's cores, but one thread below 1000000 steps in all and one per 500000 steps above; a thread's start and JIT warm-up cost 1-1.5 s of CPU)",
    },
    {
      name: "shard",
      value: "I/N",
      help: "run only shard I of N (1-based): every N-th run of the campaign, from run I",
    },
    {
      name: "summary",
      value: "FILE",
      help: "also write the result as a JSON summary to FILE (what --merge reads)",
    },
    { name: "json", help: "print the JSON summary on stdout (the other lines go to stderr)" },
    {
      name: "merge",
      help: "capsim fuzz --merge FILE...: combine the shards' summaries into the campaign's result",
    },
    {
      name: "arch",
      value: "ARCH",
      help: "the architecture to fuzz: aarch32 (default) or aarch64",
    },
  ],
  notes: [
    "Example: --runs 100 --steps 200 checks 20000 steps in all.",
    "Each run has its own seed, derived from the campaign's seed and the run's number (run 1's seed is the campaign's), so the runs of one campaign come out the same on any number of workers or machines; a failing run is reported with its seed, and `capsim fuzz --seed SEED --runs 1 --steps N` replays it alone.",
    "Across machines: run `capsim fuzz --seed S --shard I/N --summary shard-I.json` for I = 1..N, then `capsim fuzz --merge shard-*.json`.",
    "exit status: 0 nothing violated, 1 an invariant was violated, 2 the command line or a summary file is wrong",
  ],
};

export const EXPORT: CommandSpec = {
  name: "export",
  brief: "a scenario's state as capDL (or the initializer's JSON, or dot), or scenarios as a sel4test test",
  summary:
    "Write the state after a step of a scenario as capDL: every object, every CNode and TCB slot, table slots from the hardware entries, ASID pools, untyped covers and the CDT (docs/capdl.md). With --format sel4test, write scenario files (a directory stands for the *.yaml files in it, in sorted order) as one C file for sel4test's test application, one test per scenario, to run them on the real kernel (docs/real-kernel.md).",
  operands: "FILE|DIR...",
  minOperands: 1,
  maxOperands: Infinity,
  operandsProblem: "name a scenario file (several, or directories, with --format sel4test)",
  flags: [
    AT_FLAG,
    {
      name: "format",
      value: "capdl|json|dot|sel4test",
      help: "capdl (default): the capDL tool's normal form; json: rust-sel4 capDL initializer's spec; dot: Graphviz; sel4test: a C test for the real kernel",
    },
    {
      name: "name",
      value: "PREFIX",
      help: "sel4test: the start of every test's name (default CAPSIM); a test is PREFIX_ and the file's name",
    },
  ],
  notes: [
    "The output goes to stdout; what a format cannot say goes to stderr.",
    "exit status: 0 written, 2 a file is not a valid scenario or the command line is wrong, 3 capsim failed internally",
  ],
};

export const IMPORT: CommandSpec = {
  name: "import",
  brief: "replay a capDL spec through the kernel: would seL4 build this system?",
  summary:
    "Read a capDL spec (arch arm11 or aarch64), check it as the capDL tool does, boot a machine, bind the spec's boot objects and replay the spec as invocations in a loader's order; stop at the first one seL4 refuses (docs/capdl.md).",
  operands: "FILE",
  minOperands: 1,
  maxOperands: 1,
  operandsProblem: "name exactly one capDL file",
  flags: [
    {
      name: "boot",
      value: "SCENARIO",
      help: "boot the machine this scenario file's boot block describes (default: one large enough for the spec)",
    },
    {
      name: "scenario",
      value: "OUT",
      help: "also write the replay as a scenario file that capsim run, explain and show step through",
    },
  ],
  notes: [
    "exit status: 0 seL4 built the whole spec, 1 the replay stopped: seL4 refused an invocation, or capsim cannot replay what the spec asks (reported with the spec line), 2 the spec is not valid capDL or the command line is wrong",
  ],
};

export const COMPARE: CommandSpec = {
  name: "compare",
  brief: "the real kernel's replies (a sel4test log) beside capsim's",
  summary:
    "Read the lines a test made by `capsim export --format sel4test` printed in a serial log, and print, step by step, the real kernel's reply beside capsim's answer (docs/real-kernel.md).",
  operands: "FILE.yaml LOG",
  minOperands: 2,
  maxOperands: 2,
  operandsProblem: "name one scenario file and one log file",
  flags: [
    {
      name: "name",
      value: "PREFIX",
      help: "the prefix the test was exported with (default CAPSIM)",
    },
  ],
  notes: [
    "exit status: 0 every step the kernel answered agrees with capsim, 1 a step differs, 2 bad input (an invalid scenario, an unreadable or garbled log, or a log without every step's reply), 3 capsim failed internally",
  ],
};

export const PLAYGROUND: CommandSpec = {
  name: "playground",
  brief: "the web page: edit a scenario, step through it, see the tables",
  summary:
    "Print the path of the playground page (one static index.html; open it in a browser, no server needed), or serve it on 127.0.0.1 with --serve.",
  operands: "",
  minOperands: 0,
  maxOperands: 0,
  operandsProblem: "takes no file (load a scenario in the page)",
  flags: [
    { name: "serve", help: "serve the page on 127.0.0.1 until interrupted (Ctrl-C)" },
    { name: "port", value: "N", help: "the port --serve listens on (default 8080; 0 picks a free one)" },
  ],
  notes: ["The page runs capsim itself in the browser: nothing is sent anywhere. docs/playground.md describes it."],
};

export const COMMAND_SPECS = {
  run: RUN,
  explain: EXPLAIN,
  show: SHOW,
  fuzz: FUZZ,
  export: EXPORT,
  compare: COMPARE,
  import: IMPORT,
  playground: PLAYGROUND,
} as const;
export type CommandName = keyof typeof COMMAND_SPECS;
