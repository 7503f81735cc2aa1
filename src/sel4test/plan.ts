import type { BootedMachine } from "../boot/minimal.ts";
import { INITIAL_CAP_SLOTS } from "../boot/initialCaps.ts";
import { getCap } from "../kernel/cdt.ts";
import { rootCNodeOf, slotAddress } from "../kernel/cspace.ts";
import { listDirectory, walkVSpace } from "../arch/index.ts";
import { vspaceRootAt } from "../kernel/store.ts";
import { libsel4Function } from "../invocations/libsel4.ts";
import { capObjectAddress } from "../model/caps.ts";
import type { Scenario } from "../scenario/load.ts";
import { parseNumberText, type Expect, type Step, type StepOf, type Value } from "../scenario/schema.ts";
import { archOfScenario, scenarioUserTop, type Sel4testArch } from "./arch.ts";
import { CNames, testNameOf } from "./names.ts";

/**
 * A scenario as a sel4test test, step by step, before it is written out as C: which steps run,
 * the raw seL4_Call each makes (libsel4's label, extra caps and message words in libsel4's
 * order, cut where the scenario cuts them), what each checks, and why the others cannot run in
 * a test process (../shared/REAL-KERNEL-NOTES.md). `capsim compare` reads the same plan to know
 * which steps the log answers.
 */

/** One extra cap or message word: the libsel4 parameter it stands for and its C expression. */
export interface Operand {
  readonly param: string;
  readonly expr: string;
}

export interface CallPlan {
  readonly fn: string;
  /** libsel4's invocation label, a C enumerator */
  readonly label: string;
  readonly service: string;
  readonly caps: readonly Operand[];
  readonly words: readonly Operand[];
}

/** What a step's expectation asks of the reply: the error, and each field by its message register. */
export type Check =
  | { readonly kind: "error"; readonly error: string }
  | { readonly kind: "mr"; readonly mr: number; readonly field: string; readonly expr: string };

interface StepBase {
  readonly index: number;
  readonly line: number;
  /** the step as written in the file */
  readonly source: readonly string[];
}

export interface RunStep extends StepBase {
  readonly kind: "run";
  /** C statements that prepare the call: fresh untypeds, probes */
  readonly setup: readonly string[];
  readonly call: CallPlan;
  readonly checks: readonly Check[];
  /** what the test cannot check of the expectation, and why */
  readonly remarks: readonly string[];
  /** C statements after the call: reading the physical address of what it made */
  readonly after: readonly string[];
  /** the virtual address the call names (vaddr, or a VSpace cache operation's start), for the USER_TOP note */
  readonly vaddr?: number;
}

export interface SkipStep extends StepBase {
  readonly kind: "skip";
  readonly reason: string;
}

export type StepPlan = RunStep | SkipStep;

export interface TestPlan {
  readonly file: string;
  readonly title: string;
  readonly testName: string;
  readonly functionName: string;
  readonly arch: Sel4testArch;
  readonly userTop: bigint;
  /** C declarations the test makes before its first step, one per name it needs */
  readonly declarations: readonly string[];
  readonly steps: readonly StepPlan[];
  /** why the whole file has no test, when it has none */
  readonly notExported?: string;
}

/** The test process's copies of the caps the scenario names after seL4's initial CSpace constants. */
const ENV_CAPS: Readonly<Record<string, string>> = {
  InitThreadCNode: "env->cspace_root",
  ASIDControl: "env->asid_ctrl",
  InitThreadASIDPool: "env->asid_pool",
  Domain: "env->domain",
};
/** Well-known slots that are empty after an ARM boot: a fresh empty slot in the test stands for each. */
const EMPTY_INITIAL = ["IOPortControl", "IOSpace", "SMMUSIDControl", "SMMUCBControl", "InitThreadSC", "SMC"];
const NO_COPY: Readonly<Record<string, string>> = {
  IRQControl: "the test process holds no IRQ control cap",
  BootInfoFrame: "the bootinfo frame is the root task's; the test process has none",
  InitThreadIPCBuffer: "the IPC buffer is the root task's; the test process has its own, which it must not lose",
};

const FRAME_TYPES = new Set([
  "seL4_ARM_SmallPageObject",
  "seL4_ARM_LargePageObject",
  "seL4_ARM_SectionObject",
  "seL4_ARM_SuperSectionObject",
  "seL4_ARM_HugePageObject",
]);
/** How many bytes a step at a vaddr covers, by the type of its cap (ARM32 rounds to 1 MiB sections below). */
const BYTES_OF_TYPE: Readonly<Record<string, number>> = {
  seL4_ARM_SuperSectionObject: 2 ** 24,
  seL4_ARM_SmallPageObject: 2 ** 12,
  seL4_ARM_LargePageObject: 2 ** 21,
  seL4_ARM_HugePageObject: 2 ** 30,
};

/** libsel4 parameters that index a slot of the scenario's initial CNode when given as numbers. */
const SLOT_INDEX_PARAMS = new Set(["node_offset", "node_index", "dest_index", "src_index", "pivot_index", "index"]);
const SLOT_KEYS = new Set(["dest", "src", "pivot"]);
const DEPTH = "seL4_WordBits";

const RIGHT_NAMES = new Set(["seL4_AllRights", "seL4_ReadWrite", "seL4_CanRead", "seL4_CanWrite", "seL4_NoRights"]);
const ATTR_NAMES: Readonly<Record<string, string>> = {
  PageCacheable: "seL4_ARM_PageCacheable",
  ParityEnabled: "seL4_ARM_ParityEnabled",
  ExecuteNever: "seL4_ARM_ExecuteNever",
};

/** Error fields by the message register seL4 puts them in (an error reply's MR0-MR3). */
const FIELD_REGISTER: Readonly<Record<string, number>> = {
  argumentNumber: 0,
  invalidCapNumber: 0,
  rangeMin: 0,
  rangeMax: 1,
  failedLookupWasSource: 0,
  bitsLeft: 2,
  memoryLeft: 0,
};

const QUERY_REASONS = {
  resolve: "resolve is a query of capsim's page tables, not an invocation",
  read: "a memory access through the scenario's current thread; the test process runs in its own address space",
  write: "a memory access through the scenario's current thread; the test process runs in its own address space",
  switch: "making a thread current is not an invocation; a test process cannot switch to another thread",
} as const;

const hexText = (n: number | bigint): string => `0x${n.toString(16)}`;
/** A word as C: small counts in decimal, addresses and masks in hex. */
const wordText = (n: number): string => (n < 4096 ? String(n) : hexText(n));

/** A step with no expectation, `ok` or `{ ok: ... }` must succeed: skipping it leaves the test's state behind capsim's. */
function expectsSuccess(exp: Expect | undefined): boolean {
  return exp === undefined || exp === "ok" || (typeof exp === "object" && "ok" in exp);
}

function isStep<K extends keyof typeof QUERY_REASONS | "invoke" | "retype" | "copy" | "delete" | "revoke">(
  step: Step,
  key: K,
): step is Extract<Step, Record<K, unknown>> {
  return key in step;
}

function paddrNamesIn(v: unknown, out: Set<string>): void {
  if (v === null || typeof v !== "object") return;
  if ("paddrOf" in v && typeof v.paddrOf === "string") out.add(v.paddrOf);
  for (const child of Object.values(v)) paddrNamesIn(child, out);
}

/** The names a step writes, not counting the expectation's paddrOf. */
function mentioned(step: Step, arch: Sel4testArch): string[] {
  if (isStep(step, "invoke")) {
    const fn = libsel4Function(step.invoke, arch.name);
    const names = step.cap !== undefined ? [step.cap] : [];
    for (const [k, v] of Object.entries(step.args ?? {})) {
      if (typeof v === "string" && ((fn?.caps.includes(k) ?? false) || SLOT_KEYS.has(k))) names.push(v);
      const inner = new Set<string>();
      paddrNamesIn(v, inner);
      names.push(...inner);
    }
    return names;
  }
  if (isStep(step, "retype")) {
    const r = step.retype;
    return [...(Array.isArray(r.as) ? r.as : [r.as]), ...(r.from !== undefined ? [r.from] : [])];
  }
  if (isStep(step, "copy")) return [step.copy.from, step.copy.as];
  if (isStep(step, "delete")) return [step.delete];
  if (isStep(step, "revoke")) return [step.revoke];
  return [];
}

/** The source lines of each step: from its line to the line before the next, without trailing blanks and comments. */
function stepSources(sc: Scenario, text: string): string[][] {
  const lines = text.split(/\r?\n/);
  return sc.stepLines.map((line, i) => {
    const next = sc.stepLines[i + 1] ?? lines.length + 1;
    const body = lines.slice(line - 1, next - 1);
    while (body.length > 1 && /^\s*(#.*)?$/.test(body[body.length - 1] as string)) body.pop();
    const indent = Math.min(...body.filter((l) => l.trim() !== "").map((l) => /^\s*/.exec(l)?.[0].length ?? 0));
    return body.map((l) => l.slice(indent).trimEnd());
  });
}

/** An address range [start, end) of InitThreadVSpace. */
type AddressRange = readonly [start: number, end: number];

/**
 * The ranges below USER_TOP that capsim's boot covers with entries in InitThreadVSpace: on ARM32
 * the 1 MiB directory entries around the initial thread's image, IPC buffer and bootinfo; on
 * AArch64 what every entry of the walk covers (a level-0 entry 512 GiB, level 1 1 GiB, level 2
 * 2 MiB, a page its size), since a step there finds boot's tables where a fresh VSpace has none.
 */
function bootMappedRanges(machine: BootedMachine, arch: Sel4testArch): AddressRange[] {
  const cnode = rootCNodeOf(machine.state, machine.initThread);
  if (cnode === undefined) return [];
  const rootAt = capObjectAddress(
    getCap(machine.state, slotAddress(machine.state, cnode, INITIAL_CAP_SLOTS.InitThreadVSpace)),
  );
  const root = rootAt === undefined ? undefined : vspaceRootAt(machine.state, rootAt);
  if (root === undefined) return [];
  const userTop = machine.state.config.userTop;
  const below = (r: AddressRange): AddressRange => [r[0], Math.min(r[1], userTop)];
  if (arch.name === "aarch64")
    return walkVSpace(machine.state, root)
      .filter((r) => r.vbase < userTop)
      .map((r) => below([r.vbase, r.vbase + 2 ** (12 + 9 * (3 - r.level))]));
  return listDirectory(machine.state, root)
    .filter((row) => row.index * 2 ** 20 < userTop)
    .map((row) => below([row.index * 2 ** 20, (row.index + row.count) * 2 ** 20]));
}

/** A reason to skip a step: thrown inside the planner, caught per step. */
class Skip extends Error {}

class Planner {
  private readonly caps = new CNames("cap_");
  private readonly paddrVars = new CNames("paddr_");
  private readonly bindings = new Map<string, string>();
  private readonly unavailable = new Map<string, string>();
  private readonly types = new Map<string, string>();
  /** endpoint caps with the write right: a seL4_Call on one waits for a receiver */
  private readonly sendable = new Set<string>();
  private readonly paddrs = new Map<string, string>();
  private readonly wantPaddr = new Set<string>();
  readonly declarations: string[] = [];
  private freshUntypeds = 0;

  constructor(
    private readonly sc: Scenario,
    private readonly arch: Sel4testArch,
    private readonly bootRanges: readonly AddressRange[],
  ) {
    // Only steps that may run read addresses: a query's paddrOf is never checked.
    for (const step of sc.steps)
      if (!Object.keys(QUERY_REASONS).some((k) => k in step)) paddrNamesIn(step, this.wantPaddr);
  }

  /** The C expression of a named cap, declaring what the test needs for it on first use. */
  private cap(name: string): string {
    const known = this.bindings.get(name);
    if (known !== undefined) return known;
    const why = this.unavailable.get(name);
    if (why !== undefined) throw new Skip(why);
    const env = Object.hasOwn(ENV_CAPS, name) ? ENV_CAPS[name] : undefined;
    if (env !== undefined) return this.bind(name, env);
    if (Object.hasOwn(NO_COPY, name)) throw new Skip(`uses ${name}: ${NO_COPY[name]}`);
    if (/^untyped\[\d+\]$/.test(name))
      throw new Skip(`uses ${name}, an untyped of capsim's boot layout; the test process's untypeds are others`);
    const id = this.caps.of(name);
    if (name === "InitThreadVSpace") {
      this.declarations.push(
        `seL4_CPtr ${id} = capsim_fresh_vspace(&cs, ${this.arch.vspaceRootType}); /* InitThreadVSpace: a fresh one, with an ASID from the test's pool */`,
      );
      this.types.set(name, this.arch.vspaceRootType);
    } else if (name === "InitThreadTCB") {
      this.declarations.push(
        `seL4_CPtr ${id} = capsim_fresh_object(&cs, seL4_TCBObject, 0); /* InitThreadTCB: a fresh TCB stands in */`,
      );
    } else if (EMPTY_INITIAL.includes(name)) {
      this.declarations.push(`seL4_CPtr ${id} = capsim_slot(&cs); /* ${name}: empty, as after an ARM boot */`);
    } else {
      this.declarations.push(`seL4_CPtr ${id} = capsim_slot(&cs); /* ${name} */`);
    }
    return this.bind(name, id);
  }

  private bind(name: string, expr: string): string {
    this.bindings.set(name, expr);
    return expr;
  }

  /** Plans every step; a step that cannot run makes the names it changes unusable when it was to succeed. */
  plan(sources: readonly (readonly string[])[]): StepPlan[] {
    return this.sc.steps.map((step, i) => {
      const base = { index: i + 1, line: this.sc.stepLines[i] as number, source: sources[i] ?? [] };
      try {
        return { kind: "run", ...base, ...this.step(step) };
      } catch (e) {
        if (!(e instanceof Skip)) throw e;
        if (expectsSuccess(step.expect) && !(Object.keys(QUERY_REASONS) as string[]).some((k) => k in step))
          for (const n of mentioned(step, this.arch))
            if (!this.unavailable.has(n) && !Object.hasOwn(ENV_CAPS, n)) {
              this.bindings.delete(n);
              this.unavailable.set(n, `uses ${n}, which step ${i + 1} (not run) was to change`);
            }
        return { kind: "skip", ...base, reason: e.message };
      }
    });
  }

  private step(step: Step): Omit<RunStep, "kind" | keyof StepBase> {
    for (const key of Object.keys(QUERY_REASONS) as (keyof typeof QUERY_REASONS)[])
      if (key in step) throw new Skip(QUERY_REASONS[key]);
    // Names first, so that a step naming an unusable cap gives that reason.
    for (const n of mentioned(step, this.arch)) if (this.unavailable.has(n)) throw new Skip(this.unavailable.get(n));
    if (step.expect !== undefined && typeof step.expect === "object" && "fault" in step.expect)
      throw new Skip("it expects a fault, which would end the test process");
    if (isStep(step, "retype")) return this.retype(step);
    if (isStep(step, "copy")) return this.copy(step);
    if (isStep(step, "delete")) return this.onSlot(step, "seL4_CNode_Delete", step.delete);
    if (isStep(step, "revoke")) return this.onSlot(step, "seL4_CNode_Revoke", step.revoke);
    if (isStep(step, "invoke")) return this.invoke(step);
    throw new Error(`a step with no action reached the sel4test planner: ${Object.keys(step).join(", ")}`);
  }

  private call(fn: string, service: string, params: ReadonlyMap<string, string>): CallPlan {
    const f = libsel4Function(fn, this.arch.name);
    if (f === undefined) throw new Error(`unknown libsel4 function ${fn}`);
    const caps: Operand[] = [];
    for (const c of f.caps) {
      const expr = params.get(c);
      if (expr === undefined) break;
      caps.push({ param: c, expr });
    }
    const words: Operand[] = [];
    for (const w of f.words) {
      const expr = params.get(w);
      if (expr === undefined) break;
      words.push({ param: w, expr });
    }
    return { fn, label: f.label, service, caps, words };
  }

  /** A destructive step on one of the test process's own caps would break the test, not the scenario. */
  private guardEnvCap(name: string, what: string): void {
    if (Object.hasOwn(ENV_CAPS, name))
      throw new Skip(`it would ${what} ${name}, which in the test is the test process's own ${ENV_CAPS[name]}`);
  }

  private onSlot(step: Step, fn: string, name: string): Omit<RunStep, "kind" | keyof StepBase> {
    this.guardEnvCap(name, fn === "seL4_CNode_Delete" ? "delete" : "revoke");
    const slot = this.cap(name);
    const params = new Map([
      ["index", slot],
      ["depth", DEPTH],
    ]);
    return this.finish(step, this.call(fn, "env->cspace_root", params), [], []);
  }

  private retype(step: StepOf<"retype">): Omit<RunStep, "kind" | keyof StepBase> {
    const r = step.retype;
    const names = Array.isArray(r.as) ? r.as : [r.as];
    const count = r.count ?? names.length;
    const sizeBits = r.size_bits ?? 0;
    const setup: string[] = [];
    const fresh = r.from === undefined;
    if (
      fresh &&
      typeof step.expect === "object" &&
      "error" in step.expect &&
      /NotEnoughMemory$/.test(step.expect.error)
    )
      throw new Skip(
        "whether an untyped has room depends on capsim's boot memory; the test makes a fresh one that does",
      );
    const untyped = r.from !== undefined ? this.cap(r.from) : `ut_${++this.freshUntypeds}`;
    for (const n of names) this.made(n, r.type);
    if (fresh) {
      setup.push(
        `seL4_CPtr ${untyped} = capsim_untyped_for(&cs, ${r.type}, ${sizeBits}, ${count}); /* a fresh untyped of exactly that size */`,
      );
      const first = names[0] as string;
      if (r.type === "seL4_UntypedObject" && count === 1 && this.wantPaddr.has(first)) {
        const v = this.paddrVar(first);
        setup.push(
          `${v} = capsim_untyped_paddr(&cs, ${untyped}); /* through a probe frame at its start, deleted again */`,
        );
      }
    }
    const slots = names.map((n) => this.cap(n));
    if (slots.length > 1) setup.push(`capsim_consecutive(&cs, ${slots.length}, (seL4_CPtr[]){ ${slots.join(", ")} });`);
    if (setup.length > 0) setup.push("CAPSIM_SETUP_OK(&cs);");
    const params = new Map([
      ["root", "env->cspace_root"],
      ["type", r.type],
      ["size_bits", String(sizeBits)],
      ["node_index", "0"],
      ["node_depth", "0"],
      ["node_offset", slots[0] as string],
      ["num_objects", String(count)],
    ]);
    return this.finish(step, this.call("seL4_Untyped_Retype", untyped, params), setup, this.readPaddrs(names));
  }

  private copy(step: StepOf<"copy">): Omit<RunStep, "kind" | keyof StepBase> {
    const c = step.copy;
    const src = this.cap(c.from);
    const dest = this.cap(c.as);
    const mint = c.rights !== undefined;
    const params = new Map([
      ["src_root", "env->cspace_root"],
      ["dest_index", dest],
      ["dest_depth", DEPTH],
      ["src_index", src],
      ["src_depth", DEPTH],
      ["rights", mint ? this.rights(c.rights) : "seL4_AllRights.words[0]"],
      ["badge", "0"],
    ]);
    this.copied(c.from, c.as, mint ? c.rights : undefined);
    return this.finish(
      step,
      this.call(mint ? "seL4_CNode_Mint" : "seL4_CNode_Copy", "env->cspace_root", params),
      [],
      [],
    );
  }

  private invoke(step: StepOf<"invoke">): Omit<RunStep, "kind" | keyof StepBase> {
    const fn = libsel4Function(step.invoke, this.arch.name);
    if (fn === undefined) throw new Error(`unknown libsel4 function ${step.invoke}`);
    const capName = step.cap ?? "InitThreadCNode";
    const args = step.args ?? {};
    for (const [k, v] of Object.entries(args))
      if (SLOT_INDEX_PARAMS.has(k) && v !== 0 && v !== "0")
        throw new Skip(`${k}: ${String(v)} numbers a slot of capsim's initial CNode; the test's CNode is another`);
    if (Object.hasOwn(args, "fault_ep") && args.fault_ep !== 0)
      throw new Skip("fault_ep numbers a slot of capsim's initial CNode; the test's CNode is another");
    if (step.invoke.startsWith("seL4_CNode_") && capName !== "InitThreadCNode" && args.dest !== undefined)
      throw new Skip(
        `dest names a slot by its number in capsim's initial CNode, and here indexes ${capName}; the test's numbers are others`,
      );
    if (this.sendable.has(capName))
      throw new Skip(
        `${capName} is an endpoint cap with the write right: a seL4_Call on it waits for a receiver and the test would block`,
      );
    if ((capName === "InitThreadTCB" || Object.values(args).includes("InitThreadTCB")) && expectsSuccess(step.expect))
      throw new Skip(
        "InitThreadTCB is the thread running the scenario; in the test a fresh TCB stands in, so a success would change another thread",
      );
    if (/^seL4_CNode_(Delete|Revoke|Move|Mutate|Rotate)$/.test(step.invoke))
      for (const k of ["dest", "src", "pivot"]) {
        const v = args[k];
        if (typeof v === "string" && (k !== "dest" || /Delete|Revoke/.test(step.invoke))) this.guardEnvCap(v, "remove");
      }
    this.guardBootMappings(step);
    const service = this.cap(capName);
    const params = new Map<string, string>();
    for (const [k, raw] of Object.entries(args)) {
      if (SLOT_KEYS.has(k)) {
        for (const [p, expr] of this.slotParams(step.invoke, k, raw as string)) params.set(p, expr);
      } else if (fn.caps.includes(k)) params.set(k, this.cap(raw as string));
      else params.set(k, this.word(k, raw));
    }
    if (step.invoke === "seL4_Untyped_Retype" && args.dest !== undefined && !params.has("num_objects"))
      params.set("num_objects", "1");
    const made: string[] = [];
    if (step.invoke === "seL4_Untyped_Retype" && typeof args.dest === "string" && typeof args.type === "string") {
      this.made(args.dest, args.type);
      made.push(args.dest);
    }
    return this.finish(step, this.call(step.invoke, service, params), [], this.readPaddrs(made));
  }

  /** `dest`, `src`, `pivot`: one name for libsel4's root, index and depth parameters, as capsim's invoke step expands them. */
  private slotParams(fn: string, key: string, name: string): [string, string][] {
    const slot = this.cap(name);
    if (key !== "dest")
      return [
        [`${key}_root`, "env->cspace_root"],
        [`${key}_index`, slot],
        [`${key}_depth`, DEPTH],
      ];
    if (fn === "seL4_Untyped_Retype")
      return [
        ["root", "env->cspace_root"],
        ["node_index", "0"],
        ["node_depth", "0"],
        ["node_offset", slot],
      ];
    if (fn === "seL4_ARM_ASIDControl_MakePool" || fn === "seL4_IRQControl_Get")
      return [
        ["root", "env->cspace_root"],
        ["index", slot],
        ["depth", DEPTH],
      ];
    if (/^seL4_CNode_(Delete|Revoke|SaveCaller|CancelBadgedSends)$/.test(fn))
      return [
        ["index", slot],
        ["depth", DEPTH],
      ];
    return [
      ["dest_index", slot],
      ["dest_depth", DEPTH],
    ];
  }

  /**
   * capsim's boot maps the initial thread's image, IPC buffer and bootinfo frame into
   * InitThreadVSpace; the test's fresh VSpace has nothing there, so a step at those addresses
   * answers differently for a reason outside the scenario.
   */
  private guardBootMappings(step: StepOf<"invoke">): void {
    const args = step.args ?? {};
    const inRoot =
      (this.arch.mappingCalls.includes(step.invoke) && args.vspace === "InitThreadVSpace") ||
      (this.arch.vspaceCacheCalls.includes(step.invoke) && step.cap === "InitThreadVSpace");
    if (!inRoot) return;
    const raw = args.vaddr ?? args.start;
    const vaddr = typeof raw === "number" ? raw : typeof raw === "string" ? parseNumberText(raw) : undefined;
    if (vaddr === undefined) return;
    const type = step.cap !== undefined ? this.types.get(step.cap) : undefined;
    const typed = type !== undefined ? BYTES_OF_TYPE[type] : undefined;
    // ARM32's unit is the directory's 1 MiB entry; AArch64's the step's own frame (or its address).
    const bytes = this.arch.name === "aarch32" ? Math.max(typed ?? 0, 2 ** 20) : (typed ?? 1);
    const lo = Math.floor(vaddr / bytes) * bytes;
    const hit = this.bootRanges
      .filter(([start, end]) => start < lo + bytes && lo < end)
      .map(([start]) => Math.max(lo, start));
    if (hit.length === 0) return;
    const at = hexText(Math.min(...hit));
    throw new Skip(
      this.arch.name === "aarch32"
        ? `capsim's boot maps the initial thread's image near ${at} in InitThreadVSpace; the test's fresh VSpace has nothing there`
        : `capsim's boot has tables covering ${at} in InitThreadVSpace (around the initial thread's image); the test's fresh VSpace has none there`,
    );
  }

  private made(name: string, type: string): void {
    this.types.set(name, type);
    this.paddrs.delete(name);
    if (type === "seL4_EndpointObject") this.sendable.add(name);
    else this.sendable.delete(name);
  }

  private copied(from: string, as: string, rights: string | undefined): void {
    const type = this.types.get(from);
    if (type !== undefined) this.types.set(as, type);
    const p = this.paddrs.get(from);
    if (p !== undefined) this.paddrs.set(as, p);
    const keepsWrite =
      rights === undefined ||
      /W/.test(rights) ||
      rights === "seL4_AllRights" ||
      rights === "seL4_ReadWrite" ||
      rights === "seL4_CanWrite";
    if (this.sendable.has(from) && keepsWrite) this.sendable.add(as);
    else this.sendable.delete(as);
  }

  private paddrVar(name: string): string {
    const v = this.paddrVars.of(name);
    if (!this.declarations.some((d) => d.startsWith(`seL4_Word ${v} `)))
      this.declarations.push(`seL4_Word ${v} = 0; /* the physical address of ${name}, read when it is made */`);
    this.paddrs.set(name, v);
    return v;
  }

  /** After a call that made frames whose address an expectation names: Page_GetAddress on each. */
  private readPaddrs(names: readonly string[]): string[] {
    const out: string[] = [];
    for (const n of names) {
      const type = this.types.get(n);
      if (!this.wantPaddr.has(n) || type === undefined || !FRAME_TYPES.has(type)) continue;
      const v = this.paddrVar(n);
      out.push(`if (cs.error == seL4_NoError) ${v} = capsim_frame_paddr(&cs, ${this.cap(n)});`);
    }
    return out;
  }

  private value(v: Value): string | undefined {
    if (typeof v === "number") return undefined;
    const p = this.paddrs.get(v.paddrOf);
    if (p === undefined) return undefined;
    return v.plus ? `${p} + ${wordText(v.plus)}` : p;
  }

  private rights(raw: unknown): string {
    if (typeof raw === "number") return wordText(raw);
    const text = String(raw);
    if (RIGHT_NAMES.has(text)) return `${text}.words[0]`;
    const has = (c: string) => (text.includes(c) ? 1 : 0);
    return `seL4_CapRights_new(${has("P")}, ${has("G")}, ${has("R")}, ${has("W")}).words[0]`;
  }

  private attr(raw: unknown): string {
    if (typeof raw === "number") return wordText(raw);
    if (raw === "default") return "seL4_ARM_Default_VMAttributes";
    const list = Array.isArray(raw) ? raw : [raw];
    const parts = list.map((a) => ATTR_NAMES[String(a)] ?? String(a));
    return parts.length === 0 ? "0" : parts.join(" | ");
  }

  /** One message word as C, written the way the scenario wrote it. */
  private word(key: string, raw: unknown): string {
    if (key === "rights") return this.rights(raw);
    if (key === "attr") return this.attr(raw);
    if (key === "type" && typeof raw === "string") return raw;
    if (typeof raw === "boolean") return raw ? "1" : "0";
    if (typeof raw === "number") return wordText(raw);
    if (typeof raw === "string") {
      const n = parseNumberText(raw);
      if (n !== undefined) return wordText(n);
    }
    if (raw !== null && typeof raw === "object" && "paddrOf" in raw) {
      const expr = this.value(raw as Value);
      if (expr === undefined)
        throw new Skip(`${key} is the physical address of ${String(raw.paddrOf)}, which the test cannot read`);
      return expr;
    }
    throw new Error(`a word the scenario loader should have refused: ${key}: ${String(raw)}`);
  }

  /** The checks of the step's expectation, and what of it the test cannot check. */
  private finish(step: Step, call: CallPlan, setup: string[], after: string[]): Omit<RunStep, "kind" | keyof StepBase> {
    const exp = step.expect;
    const checks: Check[] = [];
    const remarks: string[] = [];
    if (exp === "not_modelled") {
      remarks.push("capsim does not model this call: the kernel's reply is printed for capsim compare, not checked");
    } else if (exp === undefined || exp === "ok" || "ok" in exp) {
      checks.push({ kind: "error", error: "seL4_NoError" });
      if (typeof exp === "object" && "ok" in exp)
        for (const [k, want] of Object.entries(exp.ok)) {
          if ((k === "paddr" || k === "mr0") && typeof want === "object" && want !== null && "paddrOf" in want) {
            const expr = this.value(want);
            if (expr !== undefined) checks.push({ kind: "mr", mr: 0, field: k, expr });
            else
              remarks.push(
                `${k}: the physical address of ${want.paddrOf} cannot be read in the test, so it is not checked`,
              );
          } else
            remarks.push(`${k}: ${JSON.stringify(want)} is a value of capsim's machine, not checked on the real one`);
        }
    } else if ("error" in exp) {
      checks.push({ kind: "error", error: `seL4_${exp.error.replace(/^seL4_/, "")}` });
      for (const [field, mr] of Object.entries(FIELD_REGISTER)) {
        const want = (exp as Record<string, unknown>)[field];
        if (want === undefined) continue;
        const n = typeof want === "boolean" ? (want ? 1 : 0) : Number(want);
        checks.push({
          kind: "mr",
          mr,
          field,
          expr: wordText(field === "failedLookupWasSource" ? (n !== 0 ? 1 : 0) : n),
        });
      }
    }
    const args = "invoke" in step ? (step.args ?? {}) : {};
    const raw = args.vaddr ?? args.start;
    const vaddr = typeof raw === "number" ? raw : typeof raw === "string" ? parseNumberText(raw) : undefined;
    return { setup, call, checks, remarks, after, ...(vaddr !== undefined ? { vaddr } : {}) };
  }
}

/**
 * Plans a scenario's sel4test test. `machine` is capsim's boot of the scenario (for where its
 * boot maps the initial thread's image); `text` is the file's text, quoted in the C.
 */
export function planTest(sc: Scenario, text: string, machine: BootedMachine, prefix?: string): TestPlan {
  const arch = archOfScenario(sc);
  const testName = testNameOf(sc.file, prefix);
  const base = {
    file: sc.file,
    title: sc.header.name,
    testName,
    functionName: `test_${testName.toLowerCase()}`,
    arch,
    userTop: scenarioUserTop(sc, arch),
  };
  const sources = stepSources(sc, text);
  if (sc.header.api === "legacy")
    return {
      ...base,
      declarations: [],
      steps: sc.steps.map((_, i) => ({
        kind: "skip",
        index: i + 1,
        line: sc.stepLines[i] as number,
        source: sources[i] ?? [],
        reason: "api: legacy",
      })),
      notExported: "api: legacy follows seL4 10.1.1; sel4test runs a current kernel",
    };
  const planner = new Planner(sc, arch, bootMappedRanges(machine, arch));
  const steps = planner.plan(sources);
  return { ...base, declarations: planner.declarations, steps };
}
