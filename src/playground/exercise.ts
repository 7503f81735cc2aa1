import { hex } from "../model/addresses.ts";
import { ERROR_CODES } from "../model/errors.ts";
import type { StepReport } from "../scenario/run.ts";
import { parseNumberText } from "../scenario/schema.ts";
import { rng } from "../model/random.ts";

/*
 * Exercise mode: the learner predicts what a step will do before the page shows it. The answer
 * is what seL4 replies (ok, or the error's name), for a `resolve` the physical address or "not
 * mapped", for a read the value read, and for a memory access that faults, "VM fault". Seeded problems generate a scenario
 * of mappings followed by addresses to translate, as OSTEP's paging homework does.
 */

/** What the learner must say for a step: the canonical answer, as the page shows the solution. */
export function answerOf(step: StepReport): string {
  const o = step.outcome;
  switch (o.kind) {
    case "error":
      return `seL4_${o.error.error}`;
    case "fault":
      return "VM fault";
    case "notModelled":
      return "not modelled";
    case "internal":
      return "capsim failed";
    case "ok":
      if (o.values.mapped === true && typeof o.values.paddr === "number") return hex(o.values.paddr);
      if (o.values.mapped === false) return "not mapped";
      // a read's answer is the value it reads
      if (typeof o.values.value === "number") return hex(o.values.value);
      return "ok";
  }
}

/** The answers the prediction box offers: ok, seL4's error names, and the walk's two endings. */
export const ANSWER_CHOICES: readonly string[] = [
  "ok",
  ...Object.keys(ERROR_CODES)
    .filter((e) => e !== "NoError")
    .map((e) => `seL4_${e}`),
  "not mapped",
  "VM fault",
];

/** Whether a prediction says the same as the answer: names without regard to case, addresses by value. */
export function predictionHolds(prediction: string, answer: string): boolean {
  const p = prediction.trim().toLowerCase();
  const a = answer.toLowerCase();
  if (p === a) return true;
  const pn = parseNumberText(p);
  const an = parseNumberText(a);
  return pn !== undefined && an !== undefined && pn === an;
}

const hex8 = (n: number) => `0x${(n >>> 0).toString(16)}`;

/**
 * A seeded "translate these addresses" problem: one page table and a few 4 KiB frames mapped
 * under it, then `resolve` steps for addresses inside those frames, beside them, and in a
 * megabyte with no table. In exercise mode each resolve's answer stays hidden until predicted.
 */
export function translationProblem(seed: number): string {
  const next = rng(seed);
  const pick = (n: number) => Math.floor(next() * n);
  // a user megabyte well below the kernel window and the initial thread's image
  const mb = 0x100 + pick(0x600);
  const base = mb * 2 ** 20;
  const slots = new Set<number>();
  while (slots.size < 3) slots.add(pick(256));
  const frames = [...slots];
  const lines = [
    `# Translate these addresses (seed ${seed}): for each resolve, say the physical address, or "not mapped".`,
    `name: translate addresses, seed ${seed}`,
    "steps:",
    "  - retype: { type: seL4_ARM_PageTableObject, as: pt }",
    "  - invoke: seL4_ARM_PageTable_Map",
    "    cap: pt",
    `    args: { vspace: InitThreadVSpace, vaddr: ${hex8(base)}, attr: default }`,
  ];
  frames.forEach((slot, i) => {
    lines.push(
      `  - retype: { type: seL4_ARM_SmallPageObject, as: f${i} }`,
      "  - invoke: seL4_ARM_Page_Map",
      `    cap: f${i}`,
      `    args: { vspace: InitThreadVSpace, vaddr: ${hex8(base + slot * 4096)}, rights: RW, attr: default }`,
    );
  });
  const free = [...Array(256).keys()].filter((s) => !slots.has(s));
  const questions = [
    ...frames.map((slot) => base + slot * 4096 + pick(4096)),
    base + (free[pick(free.length)] as number) * 4096 + pick(4096),
    (mb + 1 + pick(16)) * 2 ** 20 + pick(2 ** 20),
  ];
  for (let i = questions.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [questions[i], questions[j]] = [questions[j] as number, questions[i] as number];
  }
  for (const q of questions) lines.push(`  - resolve: { vspace: InitThreadVSpace, vaddr: ${hex8(q)} }`);
  return `${lines.join("\n")}\n`;
}
