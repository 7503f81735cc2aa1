import { z } from "zod";
import { hex, type PhysAddr } from "../model/addresses.ts";
import { rootCNodeOf, slotAddress } from "../kernel/cspace.ts";
import { capText } from "../views/index.ts";
import type { KernelState } from "../model/state.ts";
import { getObjectOfType } from "../kernel/store.ts";
import { listDirectory, listTable, type EntryRow } from "../arch/index.ts";
import { loadScenarioFile } from "../scenario/file.ts";
import { runScenario } from "../scenario/run.ts";
import { UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { SHOW } from "./specs.ts";

export const ShowFlags = z.object({
  at: z.coerce.number().int().min(0).optional(),
  format: z.enum(["text", "dot"]).default("text"),
});

/** `capsim show FILE [--at STEP] [--format text|dot]`. */
export function execute(args: ParsedArgs): number {
  const opts = validateFlags(SHOW, ShowFlags, args.flags);
  const file = args.operands[0] as string;
  const report = runScenario(loadScenarioFile(file));
  const at = opts.at ?? report.steps.length;
  const state = report.states[at];
  if (state === undefined) throw new UsageError(SHOW.name, `--at ${at} is past the last step (${report.steps.length})`);
  // After a step that deleted the thread's CNode, show where it was.
  const root =
    rootCNodeOf(state, report.machine.initThread) ??
    rootCNodeOf(report.machine.state, report.machine.initThread) ??
    (0 as PhysAddr);
  if (opts.format === "dot") console.log(showDot(state));
  else console.log(`After step ${at} of ${file}:\n${showText(state, root, report.names)}`);
  return 0;
}

/** One line describing a table row, for people. */
export function entryText(r: EntryRow): string {
  const e = r.entry;
  const slots = r.count > 1 ? `slots ${r.index}-${r.index + r.count - 1}` : `slot ${r.index}`;
  if (e.kind === "Table") return `${slots} -> page table @${hex(e.paddr)}`;
  if (e.kind === "Page")
    return `${slots} -> ${e.size} @${hex(e.paddr)} ${e.rights.replace(/^VM/, "")}${e.attributes.executeNever ? " XN" : ""}${e.attributes.cacheable ? "" : " uncached"}${e.global ? " global" : ""}`;
  return `${slots} invalid`;
}

/** The CSpace (named slots) and every page directory's valid entries, as an indented tree. */
export function showText(s: KernelState, cnode: PhysAddr, names: ReadonlyMap<string, number>): string {
  const byslot = new Map<number, string>();
  for (const [n, i] of names) if (!byslot.has(i)) byslot.set(i, n);
  const lines = ["CSpace (initial thread's CNode):"];
  for (const [slot, cte] of s.ctes.range(cnode, slotAddress(cnode, 2 ** 20))) {
    const index = (slot - cnode) / 16;
    lines.push(`  [${index}] ${byslot.get(index) ?? ""}: ${capText(cte.cap)}`);
  }
  lines.push("VSpaces:");
  for (const o of s.objects.values()) {
    if (o.type !== "PageDirectory") continue;
    const user = listDirectory(s, o.paddr).filter((r) => r.index * 2 ** 20 < s.config.userTop);
    const label =
      o.paddr === s.globalPD
        ? " (the kernel's global page directory: kernel window only)"
        : user.length === 0
          ? " (no user mappings)"
          : "";
    lines.push(`  PageDirectory @${hex(o.paddr)}${label}`);
    for (const r of user) {
      lines.push(`    ${hex(r.index * 2 ** 20)}: ${entryText(r)}`);
      if (r.entry.kind === "Table" && getObjectOfType(s, r.entry.paddr, "PageTable")) {
        for (const t of listTable(s, r.entry.paddr))
          lines.push(`      ${hex(r.index * 2 ** 20 + t.index * 4096)}: ${entryText(t)}`);
      }
    }
  }
  return lines.join("\n");
}

/** The same picture as Graphviz. */
export function showDot(s: KernelState): string {
  const out = ["digraph capsim {", "  rankdir=LR; node [shape=box, fontname=monospace];"];
  for (const o of s.objects.values()) {
    if (o.type !== "PageDirectory") continue;
    out.push(`  "pd${o.paddr}" [label="PageDirectory\\n${hex(o.paddr)}"];`);
    for (const r of listDirectory(s, o.paddr)) {
      if (r.index * 2 ** 20 >= s.config.userTop) continue;
      const e = r.entry;
      if (e.kind === "Table") {
        out.push(`  "pd${o.paddr}" -> "pt${e.paddr}" [label="${hex(r.index * 2 ** 20)}"];`);
        out.push(`  "pt${e.paddr}" [label="PageTable\\n${hex(e.paddr)}"];`);
        if (!getObjectOfType(s, e.paddr, "PageTable")) continue;
        for (const t of listTable(s, e.paddr)) {
          if (t.entry.kind === "Page")
            out.push(
              `  "pt${e.paddr}" -> "f${t.entry.paddr}" [label="${hex(r.index * 2 ** 20 + t.index * 4096)}"];`,
              `  "f${t.entry.paddr}" [label="${t.entry.size}\\n${hex(t.entry.paddr)}"];`,
            );
        }
      } else if (e.kind === "Page") {
        out.push(
          `  "pd${o.paddr}" -> "f${e.paddr}" [label="${hex(r.index * 2 ** 20)}"];`,
          `  "f${e.paddr}" [label="${e.size}\\n${hex(e.paddr)}"];`,
        );
      }
    }
  }
  out.push("}");
  return out.join("\n");
}

/**
 * What a step changed, in words: the caps in the initial CNode that appeared, changed or went,
 * and the paging-structure slots whose entries changed. Structural sharing makes this cheap:
 * only the parts of the stores that differ are visited.
 */
export function describeChanges(
  before: KernelState,
  after: KernelState,
  cnode: PhysAddr,
  names: ReadonlyMap<string, number>,
): string[] {
  if (before === after) return [];
  const byslot = new Map<number, string>();
  for (const [n, i] of names) if (!byslot.has(i)) byslot.set(i, n);
  const lines: string[] = [];
  for (const slot of before.ctes.changedKeys(after.ctes)) {
    if (slot < cnode || slot >= cnode + 16 * 2 ** 20) continue;
    const i = (slot - cnode) / 16;
    const was = before.ctes.get(slot)?.cap;
    const now = after.ctes.get(slot)?.cap;
    lines.push(
      `slot ${i}${byslot.has(i) ? ` (${byslot.get(i)})` : ""}: ${was ? capText(was) : "empty"} -> ${now ? capText(now) : "empty"}`,
    );
  }
  for (const addr of before.objects.changedKeys(after.objects)) {
    const a = before.objects.get(addr);
    const b = after.objects.get(addr);
    if (a?.type !== b?.type) {
      lines.push(b ? `new ${b.type} at ${hex(addr)}` : `${a!.type} at ${hex(addr)} destroyed`);
      continue;
    }
    if (
      (a?.type === "PageDirectory" || a?.type === "PageTable") &&
      (b?.type === "PageDirectory" || b?.type === "PageTable")
    ) {
      const changed = a.entries.changedKeys(b.entries);
      if (changed.length === 0) continue;
      const first = changed[0] as number;
      const last = changed[changed.length - 1] as number;
      const decode = (w: number | undefined) => {
        const row = (a.type === "PageDirectory" ? listDirectory : listTable)(
          {
            ...after,
            objects: after.objects.set(addr, {
              ...b,
              entries: b.entries.deleteRange(0, 4096).set(first, w ?? 0),
            }),
          },
          addr,
        )[0];
        return row ? entryText({ ...row, count: 1 }).replace(/^slot \d+ -> /, "") : "invalid";
      };
      lines.push(
        `${a.type} ${hex(addr)} ${changed.length > 1 ? `slots ${first}-${last}` : `slot ${first}`}: ${decode(a.entries.get(first))} -> ${decode(b.entries.get(first))}`,
      );
    }
  }
  if (before.tlb !== after.tlb) lines.push(`TLB: ${before.tlb.size} -> ${after.tlb.size} lines`);
  return lines;
}
