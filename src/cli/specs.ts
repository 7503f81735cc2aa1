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
  brief: "narrate each step: what was invoked, what happened and why",
  summary: "Narrate a scenario step by step: what was invoked, what the kernel did and why, what changed.",
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
  summary: "Print the initial thread's CSpace and every VSpace after a step of a scenario.",
  operands: "FILE",
  minOperands: 1,
  maxOperands: 1,
  operandsProblem: "name exactly one scenario file",
  flags: [
    AT_FLAG,
    {
      name: "format",
      value: "text|dot",
      help: "text (default), or Graphviz dot",
    },
  ],
};

export const FUZZ: CommandSpec = {
  name: "fuzz",
  brief: "random VSpace invocations, every invariant checked after every step",
  summary:
    "Random VSpace invocation sequences with every invariant checked after every step. A violation is shrunk and written as a scenario that `capsim run --check-invariants FILE` replays.",
  operands: "",
  minOperands: 0,
  maxOperands: 0,
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
  ],
  notes: [
    "Example: --runs 100 --steps 200 checks 20000 steps in all.",
    "exit status: 0 nothing violated, 1 an invariant was violated, 2 the command line is wrong",
  ],
};

export const EXPORT: CommandSpec = {
  name: "export",
  brief: "a scenario's state as a capDL spec (or the initializer's JSON, or dot)",
  summary:
    "Write the state after a step of a scenario as capDL: every object, every CNode and TCB slot, table slots from the hardware entries, ASID pools, untyped covers and the CDT (docs/capdl.md).",
  operands: "FILE",
  minOperands: 1,
  maxOperands: 1,
  operandsProblem: "name exactly one scenario file",
  flags: [
    AT_FLAG,
    {
      name: "format",
      value: "capdl|json|dot",
      help: "capdl (default): the capDL tool's normal form; json: rust-sel4 capDL initializer's spec; dot: Graphviz",
    },
  ],
  notes: ["The spec goes to stdout; what a format cannot say goes to stderr."],
};

export const IMPORT: CommandSpec = {
  name: "import",
  brief: "replay a capDL spec through the kernel: would seL4 build this system?",
  summary:
    "Read a capDL spec (arch arm11), check it as the capDL tool does, boot a machine, bind the spec's boot objects and replay the spec as invocations in a loader's order; stop at the first one seL4 refuses (docs/capdl.md).",
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

export const COMMAND_SPECS = {
  run: RUN,
  explain: EXPLAIN,
  show: SHOW,
  fuzz: FUZZ,
  export: EXPORT,
  import: IMPORT,
} as const;
export type CommandName = keyof typeof COMMAND_SPECS;
