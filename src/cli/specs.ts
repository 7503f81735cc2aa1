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

export const SHOW: CommandSpec = {
  name: "show",
  brief: "the CSpace and every VSpace after a step",
  summary: "Print the initial thread's CSpace and every VSpace after a step of a scenario.",
  operands: "FILE",
  minOperands: 1,
  maxOperands: 1,
  operandsProblem: "name exactly one scenario file",
  flags: [
    {
      name: "at",
      value: "STEP",
      help: "the state after this step; 0 is straight after boot (default: the last step)",
    },
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
    {
      name: "arch",
      value: "ARCH",
      help: "the architecture to fuzz: aarch32 (default) or aarch64",
    },
  ],
  notes: [
    "Example: --runs 100 --steps 200 checks 20000 steps in all.",
    "exit status: 0 nothing violated, 1 an invariant was violated, 2 the command line is wrong",
  ],
};

export const COMMAND_SPECS = {
  run: RUN,
  explain: EXPLAIN,
  show: SHOW,
  fuzz: FUZZ,
} as const;
export type CommandName = keyof typeof COMMAND_SPECS;
