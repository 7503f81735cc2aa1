import { z } from "zod";
import { hex, type PhysAddr } from "../model/addresses.ts";
import { rootCNodeOf, slotAddress } from "../kernel/cspace.ts";
import type { Cap } from "../model/caps.ts";
import type { KernelState } from "../model/state.ts";
import { getObjectOfType } from "../kernel/store.ts";
import {
  aarch64TableLevel,
  decodePTE64,
  listDirectory,
  listTable,
  walkVSpace,
  type EntryRow,
  type PTE64,
  type VSpaceRow,
} from "../arch/index.ts";
import type { PTEWord } from "../model/objects.ts";
import { loadScenarioFile } from "../scenario/load.ts";
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

/** One line describing a cap, for people. */
export function capText(c: Cap): string {
  switch (c.type) {
    case "Frame":
      return `Frame ${c.size} @${hex(c.paddr)} ${c.vmRights.replace(/^VM/, "")}${c.mapping ? ` mapped ASID ${c.mapping.asid} at ${hex(c.mapping.vaddr)}` : " unmapped"}`;
    case "PageTable":
      return `PageTable @${hex(c.paddr)}${c.mapping ? ` mapped ASID ${c.mapping.asid} at ${hex(c.mapping.vaddr)}` : " unmapped"}`;
    case "PageDirectory":
    case "VSpace":
      return `${c.type} @${hex(c.paddr)}${c.mappedASID !== null ? ` ASID ${c.mappedASID}` : " no ASID"}`;
    case "Untyped":
      return `Untyped @${hex(c.paddr)} 2^${c.sizeBits}${c.isDevice ? " device" : ""} free from +${hex(c.freeIndex)}`;
    case "ASIDPool":
      return `ASIDPool @${hex(c.paddr)} ASIDs from ${c.asidBase}`;
    case "CNode":
      return `CNode @${hex(c.paddr)} radix ${c.radixBits} guard ${c.guard}/${c.guardSize}`;
    case "Null":
    case "ASIDControl":
    case "IRQControl":
    case "Domain":
      return c.type;
    default:
      return `${c.type} @${hex(c.paddr)}`;
  }
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

/** An AArch64 entry, for people: what it holds (the size is the level's). */
export function entryText64(e: PTE64): string {
  if (e.kind === "Table") return `page table @${hex(e.paddr)}`;
  if (e.kind === "Page")
    return `${e.size} @${hex(e.paddr)} ${e.rights.replace(/^VM/, "")}${e.attributes.executeNever ? " XN" : ""}${e.attributes.cacheable ? "" : " uncached"}${e.global ? " global" : ""}`;
  return "invalid";
}

/** One row of an AArch64 VSpace walk: its level, slot, the virtual base it covers and what it holds. */
const rowText64 = (r: VSpaceRow): string => `L${r.level} slot ${r.index} ${hex(r.vbase)}: ${entryText64(r.entry)}`;

/** What a VSpace root heading says: the kernel's own root, or a root with nothing mapped. */
function rootLabel(s: KernelState, root: PhysAddr, userEntries: number, global: string): string {
  if (root === s.globalPD) return ` (${global})`;
  return userEntries === 0 ? " (no user mappings)" : "";
}

/** Every AArch64 VSpace's valid entries, level by level (the kernel's TTBR1 tables are not VSpaces). */
function showVSpaces64(s: KernelState): string[] {
  const lines: string[] = [];
  for (const o of s.objects.values()) {
    if (o.type !== "VSpace") continue;
    const rows = walkVSpace(s, o.paddr);
    const label = rootLabel(s, o.paddr, rows.length, "armKSGlobalUserVSpace: always empty, the kernel is behind TTBR1");
    lines.push(`  VSpace @${hex(o.paddr)}${label}`);
    for (const r of rows) lines.push(`    ${"  ".repeat(r.level)}${rowText64(r)}`);
  }
  return lines;
}

/** The slots of the CNode at `cnode` (2^radix of them; 2^20 when it is gone), from the state's caps. */
function cnodeSlots(s: KernelState, cnode: PhysAddr) {
  const radix = getObjectOfType(s, cnode, "CNode")?.radixBits ?? 20;
  return s.ctes.range(cnode, slotAddress(cnode, 2 ** radix));
}

/** The CSpace (named slots) and every VSpace root's valid entries, as an indented tree. */
export function showText(s: KernelState, cnode: PhysAddr, names: ReadonlyMap<string, number>): string {
  const byslot = new Map<number, string>();
  for (const [n, i] of names) if (!byslot.has(i)) byslot.set(i, n);
  const lines = ["CSpace (initial thread's CNode):"];
  for (const [slot, cte] of cnodeSlots(s, cnode)) {
    const index = (slot - cnode) / 16;
    lines.push(`  [${index}] ${byslot.get(index) ?? ""}: ${capText(cte.cap)}`);
  }
  lines.push("VSpaces:");
  if (s.config.arch === "aarch64") return [...lines, ...showVSpaces64(s)].join("\n");
  for (const o of s.objects.values()) {
    if (o.type !== "PageDirectory") continue;
    const user = listDirectory(s, o.paddr).filter((r) => r.index * 2 ** 20 < s.config.userTop);
    const label = rootLabel(s, o.paddr, user.length, "the kernel's global page directory: kernel window only");
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

/** AArch64's VSpaces as Graphviz: each table a node, each valid entry an edge labelled with the address it covers. */
function showDot64(s: KernelState, out: string[]): void {
  const node = (e: PTE64 & { kind: "Table" | "Page" }) => (e.kind === "Table" ? `pt${e.paddr}` : `f${e.paddr}`);
  for (const o of s.objects.values()) {
    if (o.type !== "VSpace" || o.paddr === s.globalPD) continue;
    out.push(`  "vs${o.paddr}" [label="VSpace\\n${hex(o.paddr)}"];`);
    for (const r of walkVSpace(s, o.paddr)) {
      if (r.entry.kind === "Invalid") continue;
      const from = r.level === 0 ? `vs${r.table}` : `pt${r.table}`;
      const what = r.entry.kind === "Table" ? `PageTable (level ${r.level + 1})` : r.entry.size;
      out.push(
        `  "${from}" -> "${node(r.entry)}" [label="${hex(r.vbase)}"];`,
        `  "${node(r.entry)}" [label="${what}\\n${hex(r.entry.paddr)}"];`,
      );
    }
  }
}

/** The same picture as Graphviz. */
export function showDot(s: KernelState): string {
  const out = ["digraph capsim {", "  rankdir=LR; node [shape=box, fontname=monospace];"];
  if (s.config.arch === "aarch64") {
    showDot64(s, out);
    out.push("}");
    return out.join("\n");
  }
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
    if (slot < cnode || slot >= slotAddress(cnode, 2 ** 20)) continue;
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
    if ((a?.type === "VSpace" || a?.type === "PageTable64") && (b?.type === "VSpace" || b?.type === "PageTable64")) {
      const changed = a.entries.changedKeys(b.entries);
      if (changed.length === 0) continue;
      const first = changed[0] as number;
      const last = changed[changed.length - 1] as number;
      const level = a.type === "VSpace" ? 0 : (aarch64TableLevel(after, addr) ?? aarch64TableLevel(before, addr) ?? 3);
      const decode = (w: PTEWord | undefined) => (w === undefined ? "invalid" : entryText64(decodePTE64(w, level)));
      lines.push(
        `${a.type === "VSpace" ? "VSpace" : `level-${level} PageTable`} ${hex(addr)} ${changed.length > 1 ? `slots ${first}-${last}` : `slot ${first}`}: ${decode(a.entries.get(first))} -> ${decode(b.entries.get(first))}`,
      );
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
