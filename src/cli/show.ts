import { z } from "zod";
import { hex, type PhysAddr } from "../model/addresses.ts";
import { rootCNodeOf, slotAddress, slotIndex } from "../kernel/cspace.ts";
import { childrenOf, hasChildren } from "../kernel/cdt.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import { entrySummary } from "../model/teaching.ts";
import { changedObjects, entriesOf, getObjectOfType, tableKey } from "../kernel/store.ts";
import { PMap } from "../model/pmap.ts";
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
import {
  asidTableView,
  capText,
  cnodeView,
  descriptorAt,
  diffStates,
  orphanedTables,
  staleCaps,
  cdtRoots,
  namesByIndex,
  placeOfSlot,
  placeText,
  slotText,
  walkCNode,
  type BitField,
  type StateDiff,
} from "../views/index.ts";
import { loadScenarioFile } from "../scenario/file.ts";
import { runScenario } from "../scenario/run.ts";
import { UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { SHOW } from "./specs.ts";

export const ShowFlags = z.object({
  at: z.coerce.number().int().min(0).optional(),
  format: z.enum(["text", "dot"]).default("text"),
  bits: z.boolean().optional(),
});

/** `capsim show FILE [--at STEP] [--format text|dot] [--bits]`. */
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
  if (opts.format === "dot")
    console.log(
      showDot(state, {
        boot: report.machine.state,
        ...(at > 0 ? { before: report.states[at - 1] as KernelState, step: at } : {}),
        cnode: root,
        names: report.names,
      }),
    );
  else
    console.log(`After step ${at} of ${file}:\n${showText(state, root, report.names, { bits: opts.bits === true })}`);
  return 0;
}

/** One line describing a table row, for people. */
export function entryText(r: EntryRow): string {
  const slots = r.count > 1 ? `slots ${r.index}-${r.index + r.count - 1}` : `slot ${r.index}`;
  return r.entry.kind === "Invalid" ? `${slots} invalid` : `${slots} -> ${entrySummary(r.entry)}`;
}

/** One row of an AArch64 VSpace walk: its level, slot, the virtual base it covers and what it holds. */
const rowText64 = (r: VSpaceRow): string => `L${r.level} slot ${r.index} ${hex(r.vbase)}: ${entrySummary(r.entry)}`;

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

/** One line per field of a descriptor: its bits, value, meaning and the seL4 attribute behind it. */
export function fieldLines(fields: readonly BitField[], indent: string): string[] {
  return [...fields]
    .sort((a, b) => b.lo - a.lo)
    .map(
      (f) =>
        `${indent}${`[${f.hi === f.lo ? f.hi : `${f.hi}:${f.lo}`}]`.padEnd(8)}${f.name} = ${hex(f.value)}: ${f.meaning}${f.from !== undefined ? ` (from ${f.from})` : ""}`,
    );
}

/*
 * The listings below push their lines onto the caller's ShowLines rather than returning lists to
 * be spread or flattened: at 10^5 mappings a listing is 10^5 lines, and every intermediate list
 * was copied again into the next (docs/performance.md, "capsim show of a machine with 10^5
 * mappings").
 */

/** How many lines ShowLines joins into one string at a time. */
const SHOW_BATCH = 256;

/**
 * The lines of show's text, joined a batch at a time. A line built from a template is a tree of
 * string pieces until something flattens it; holding 300,000 such lines to the end made them all
 * survive into the old generation (about 1 KB a mapping), where a joined batch is its characters.
 */
class ShowLines {
  private readonly chunks: string[] = [];
  private batch: string[] = [];

  push(...lines: readonly string[]): void {
    for (const line of lines) this.batch.push(line);
    if (this.batch.length >= SHOW_BATCH) this.flush();
  }

  text(): string {
    this.flush();
    return this.chunks.join("\n");
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.chunks.push(this.batch.join("\n"));
    this.batch = [];
  }
}

/**
 * The slots show's CSpace listing covers: every used slot of the CNodes it expanded. Kept as
 * address ranges, not a record per slot: at 10^5 mappings the listing's 10^5 records (cnodeView's
 * SlotViews) lived for the whole call and were a good part of its garbage collection.
 */
class ListedSlots {
  private readonly ranges: number[] = [];
  /** the names the scenario gave to slots of the root CNode, by slot address */
  readonly names = new Map<SlotAddr, string>();
  /** listed slots with something derived from them, in listing order: the candidate tree roots */
  readonly parents: SlotAddr[] = [];

  constructor(private readonly s: KernelState) {}

  cover(lo: number, hi: number): void {
    this.ranges.push(lo, hi);
  }

  has(slot: number): boolean {
    for (let i = 0; i < this.ranges.length; i += 2)
      if (slot >= (this.ranges[i] as number) && slot < (this.ranges[i + 1] as number))
        return this.s.ctes.has(slot as SlotAddr);
    return false;
  }
}

/**
 * The CNode at `cnode` under its header, one used slot a line, each CNode a cap names expanded
 * under it once (walkCNode, the walk cnodeView's view comes from), written as the slots are read.
 */
function cnodeLines(
  s: KernelState,
  cnode: PhysAddr,
  byIndex: ReadonlyMap<number, string>,
  lines: ShowLines,
  listed: ListedSlots,
): void {
  /** the indent of each depth's slot lines */
  const indents = ["  "];
  walkCNode(s, cnode, byIndex, {
    enter: (c, depth) => {
      const header = `${2 ** c.radixBits} slots, ${c.usedCount()} in use`;
      if (depth === 0) lines.push(`CSpace (initial thread's CNode: ${header}):`);
      else {
        const outer = indents[depth - 1] ?? "";
        lines.push(`${outer}    CNode @${hex(c.paddr)}: ${header}`);
        indents[depth] = `${outer}      `;
      }
      if (c.isCNode) listed.cover(c.paddr, slotAddress(s, c.paddr, 2 ** c.radixBits));
    },
    slot: ({ index, slot, cte, name, stale }, depth) => {
      const indent = indents[depth] ?? "";
      if (name !== undefined) listed.names.set(slot, name);
      if (hasChildren(s, slot)) listed.parents.push(slot);
      lines.push(`${indent}[${index}]${name !== undefined ? ` ${name}` : ""}: ${capText(cte.cap)}`);
      if (stale !== undefined) lines.push(`${indent}    STALE: ${stale}`);
    },
    leave: () => {},
  });
}

/**
 * The derivation tree under `slot`, one cap a line, each derived cap indented under the cap it
 * came from: cdtView's tree, written as it is walked (one untyped or frame can have 10^5
 * children). A listed slot's name is the listing's.
 */
function cdtLines(s: KernelState, slot: SlotAddr, listed: ListedSlots, indent: string, lines: ShowLines): void {
  const name = listed.names.get(slot);
  lines.push(
    `${indent}${placeText(placeOfSlot(s, slot), slot)}${name !== undefined ? ` ${name}` : ""}: ${slotText(s, slot)}`,
  );
  const inner = `${indent}  `;
  for (const c of childrenOf(s, slot)) cdtLines(s, c, listed, inner, lines);
}

export interface ShowTextOptions {
  /** print each entry's descriptor word and its bit fields */
  readonly bits?: boolean;
}

/**
 * The CSpace (only the CNode's real slots, stale caps marked), the ASID table, every page
 * directory's user entries (with their bits on request), and the tables no directory reaches.
 */
export function showText(
  s: KernelState,
  cnode: PhysAddr,
  names: ReadonlyMap<string, number>,
  opts: ShowTextOptions = {},
): string {
  const lines = new ShowLines();
  const listed = new ListedSlots(s);
  cnodeLines(s, cnode, namesByIndex(names), lines, listed);
  const roots = cdtRoots(s, listed.parents, listed);
  if (roots.length > 0) {
    lines.push("Derivation tree (revoking a cap deletes every cap under it):");
    for (const root of roots) cdtLines(s, root, listed, "  ", lines);
  }
  const elsewhere = staleCaps(s, listed);
  if (elsewhere.length > 0) {
    lines.push("Stale caps outside this CSpace:");
    for (const c of elsewhere) lines.push(`  slot @${hex(c.slot)}: ${c.text}`, `    STALE: ${c.why}`);
  }
  const asidOf = new Map<PhysAddr, number>();
  lines.push("ASID table (pool -> ASID -> page directory):");
  for (const pool of asidTableView(s)) {
    lines.push(`  pool ${pool.index} @${hex(pool.pool)} (ASIDs from ${pool.firstASID}):`);
    for (const a of pool.asids) {
      asidOf.set(a.root, a.asid);
      lines.push(
        `    ASID ${a.asid} -> PageDirectory @${hex(a.root)}${a.hwASID !== undefined ? ` (hardware ASID ${a.hwASID})` : ""}`,
      );
    }
  }
  lines.push("VSpaces:");
  if (s.config.arch === "aarch64") {
    for (const line of showVSpaces64(s)) lines.push(line);
    return lines.text();
  }
  const bits = (table: PhysAddr, index: number, indent: string) => {
    if (!opts.bits) return;
    const d = descriptorAt(s, table, index);
    lines.push(`${indent}word ${d.word}:`, ...fieldLines(d.fields, `${indent}  `));
  };
  for (const o of s.objects.values()) {
    if (o.type !== "PageDirectory") continue;
    const user = listDirectory(s, o.paddr).filter((r) => r.index * 2 ** 20 < s.config.userTop);
    const asid = asidOf.get(o.paddr);
    const label =
      o.paddr === s.globalPD
        ? " (the kernel's global page directory: kernel window only)"
        : `${asid !== undefined ? ` ASID ${asid}` : " (no ASID)"}${user.length === 0 ? " (no user mappings)" : ""}`;
    lines.push(`  PageDirectory @${hex(o.paddr)}${label}`);
    for (const r of user) {
      lines.push(`    ${hex(r.index * 2 ** 20)}: ${entryText(r)}`);
      bits(o.paddr, r.index, "        ");
      if (r.entry.kind === "Table" && getObjectOfType(s, r.entry.paddr, "PageTable")) {
        for (const t of listTable(s, r.entry.paddr)) {
          lines.push(`      ${hex(r.index * 2 ** 20 + t.index * 4096)}: ${entryText(t)}`);
          bits(r.entry.paddr, t.index, "          ");
        }
      }
    }
  }
  const orphans = orphanedTables(s);
  if (orphans.length > 0) {
    lines.push("Orphaned tables (no page directory points at them):");
    for (const t of orphans) {
      lines.push(`  ${t.type} @${hex(t.paddr)}: ${t.why}`);
      for (const c of t.caps) lines.push(`    cap at @${hex(c.slot)}: ${c.text}`);
    }
  }
  return lines.text();
}

/** What `showDot` draws besides the state: the boot state (collapsed), the state before the step (highlighted changes). */
export interface DotContext {
  /** the state straight after boot: its frames are drawn as one collapsed boot-image node per table */
  readonly boot: KernelState;
  /** the state before the step shown, whose changes are highlighted */
  readonly before?: KernelState;
  readonly step?: number;
  /** the root CNode whose caps are drawn beside what they name */
  readonly cnode: PhysAddr;
  readonly names: ReadonlyMap<string, number>;
}

const CHANGED = 'color="red", penwidth=2';

/**
 * The VSpaces as Graphviz: page directories (with their ASIDs and the ASID pools naming them),
 * page tables and frames; the caps of the root CNode beside the objects they name, with their
 * rights and stale marks; the boot image's frames collapsed into one node per table; what the
 * step changed in red.
 */
export function showDot(s: KernelState, ctx: DotContext): string {
  if (s.config.arch === "aarch64") {
    const out64 = ["digraph capsim {", "  rankdir=LR; node [shape=box, fontname=monospace];"];
    showDot64(s, out64);
    out64.push("}");
    return out64.join("\n");
  }
  const diff: StateDiff | undefined = ctx.before !== undefined ? diffStates(ctx.before, s) : undefined;
  const changedEntry = new Set((diff?.entries ?? []).map((e) => `${e.table}:${e.index}`));
  const changedSlot = new Set((diff?.slots ?? []).map((c) => c.slot as number));
  const created = new Set((diff?.objects ?? []).filter((o) => o.change === "created").map((o) => o.paddr as number));
  const fromBoot = (paddr: PhysAddr) => ctx.boot.objects.get(paddr) !== undefined;
  const out = [
    "digraph capsim {",
    "  rankdir=LR; node [shape=box, fontname=monospace]; edge [fontname=monospace];",
    ...(diff !== undefined ? [`  label="red: what step ${ctx.step ?? ""} changed"; labelloc=t;`] : []),
  ];
  const drawn = new Set<string>();
  const node = (id: string, label: string, paddr: PhysAddr, extra = "") => {
    if (drawn.has(id)) return;
    drawn.add(id);
    const attrs = [`label="${label}"`, ...(created.has(paddr) ? [CHANGED] : []), ...(extra ? [extra] : [])];
    out.push(`  "${id}" [${attrs.join(", ")}];`);
  };
  const edge = (from: string, to: string, label: string, changed: boolean, extra = "") =>
    out.push(
      `  "${from}" -> "${to}" [${[`label="${label}"`, ...(changed ? [CHANGED] : []), ...(extra ? [extra] : [])].join(", ")}];`,
    );
  const rights = (r: string) => r.replace(/^VM/, "");
  for (const pool of asidTableView(s)) {
    const id = `pool${pool.pool}`;
    node(id, `ASIDPool ${pool.index}\\n${hex(pool.pool)}`, pool.pool, "shape=cylinder");
    for (const a of pool.asids) {
      node(`pd${a.root}`, `PageDirectory\\n${hex(a.root)}\\nASID ${a.asid}`, a.root);
      edge(
        id,
        `pd${a.root}`,
        `ASID ${a.asid}`,
        (diff?.asids ?? []).some((c) => c.asid === a.asid),
      );
    }
  }
  for (const o of s.objects.values()) {
    if (o.type !== "PageDirectory" || o.paddr === s.globalPD) continue;
    const pdId = `pd${o.paddr}`;
    node(pdId, `PageDirectory\\n${hex(o.paddr)}\\nno ASID`, o.paddr);
    for (const r of listDirectory(s, o.paddr)) {
      if (r.index * 2 ** 20 >= s.config.userTop) continue;
      const e = r.entry;
      const va = hex(r.index * 2 ** 20);
      const changed = changedEntry.has(`${o.paddr}:${r.index}`);
      if (e.kind === "Table") {
        const ptId = `pt${e.paddr}`;
        const rows = getObjectOfType(s, e.paddr, "PageTable") ? listTable(s, e.paddr) : [];
        const boot = rows.filter(
          (t) => t.entry.kind === "Page" && fromBoot(t.entry.paddr) && !changedEntry.has(`${e.paddr}:${t.index}`),
        );
        node(
          ptId,
          `PageTable\\n${hex(e.paddr)}${boot.length > 0 ? `\\n+ ${boot.reduce((n, t) => n + t.count, 0)} boot-image pages` : ""}`,
          e.paddr,
          boot.length > 0 ? 'style="rounded,dashed"' : "",
        );
        edge(pdId, ptId, va, changed);
        for (const t of rows) {
          if (t.entry.kind !== "Page" || boot.includes(t)) continue;
          const fId = `f${t.entry.paddr}`;
          node(fId, `${t.entry.size}\\n${hex(t.entry.paddr)}`, t.entry.paddr);
          edge(
            ptId,
            fId,
            `${hex(r.index * 2 ** 20 + t.index * 4096)} ${rights(t.entry.rights)}`,
            changedEntry.has(`${e.paddr}:${t.index}`),
          );
        }
      } else if (e.kind === "Page") {
        const fId = `f${e.paddr}`;
        node(fId, `${e.size}\\n${hex(e.paddr)}`, e.paddr);
        edge(pdId, fId, `${va} ${rights(e.rights)}`, changed);
      }
    }
  }
  // The caps of the root CNode that name paging objects, each beside what it names.
  for (const slot of cnodeView(s, ctx.cnode, ctx.names).used) {
    const c = slot.cap;
    const ids: Partial<Record<string, string>> = { Frame: "f", PageTable: "pt", PageDirectory: "pd", ASIDPool: "pool" };
    const prefix = ids[c.type];
    if (prefix === undefined || !("paddr" in c)) continue;
    if (fromBoot(c.paddr) && !changedSlot.has(slot.slot) && slot.stale === undefined) continue;
    const target = `${prefix}${c.paddr}`;
    if (!drawn.has(target)) node(target, `${c.type}\\n${hex(c.paddr)}`, c.paddr);
    const detail =
      c.type === "Frame"
        ? rights(c.vmRights)
        : c.type === "PageDirectory"
          ? c.mappedASID !== null
            ? `ASID ${c.mappedASID}`
            : "no ASID"
          : c.type === "PageTable"
            ? c.mapping !== null
              ? `ASID ${c.mapping.asid} at ${hex(c.mapping.vaddr)}`
              : "unmapped"
            : "";
    const frameAt =
      c.type === "Frame" && c.mapping !== null ? ` ASID ${c.mapping.asid} at ${hex(c.mapping.vaddr)}` : "";
    const capId = `cap${slot.slot}`;
    const attrs = [
      "shape=note",
      ...(changedSlot.has(slot.slot) ? [CHANGED] : []),
      ...(slot.stale !== undefined ? ['fontcolor="red"', 'style="dashed"'] : []),
    ];
    out.push(
      `  "${capId}" [label="cap [${slot.index}]${slot.name !== undefined ? ` ${slot.name}` : ""}\\n${c.type} ${detail}${frameAt}${slot.stale !== undefined ? "\\nSTALE" : ""}", ${attrs.join(", ")}];`,
      `  "${capId}" -> "${target}" [style=dashed, arrowhead=empty];`,
      `  { rank=same; "${capId}"; "${target}"; }`,
    );
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
    if (slot < cnode || slot >= slotAddress(after, cnode, 2 ** 20)) continue;
    const i = slotIndex(after, cnode, slot);
    const was = before.ctes.get(slot)?.cap;
    const now = after.ctes.get(slot)?.cap;
    lines.push(
      `slot ${i}${byslot.has(i) ? ` (${byslot.get(i)})` : ""}: ${was ? capText(was) : "empty"} -> ${now ? capText(now) : "empty"}`,
    );
  }
  for (const addr of changedObjects(before, after)) {
    const a = before.objects.get(addr);
    const b = after.objects.get(addr);
    if (a?.type !== b?.type) {
      lines.push(b ? `new ${b.type} at ${hex(addr)}` : `${a!.type} at ${hex(addr)} destroyed`);
      continue;
    }
    if ((a?.type === "VSpace" || a?.type === "PageTable64") && (b?.type === "VSpace" || b?.type === "PageTable64")) {
      const was = entriesOf(before, a);
      const now = entriesOf(after, b);
      const changed = was.changedKeys(now);
      if (changed.length === 0) continue;
      const first = changed[0] as number;
      const last = changed[changed.length - 1] as number;
      const level = a.type === "VSpace" ? 0 : (aarch64TableLevel(after, addr) ?? aarch64TableLevel(before, addr) ?? 3);
      const decode = (w: PTEWord | undefined) => (w === undefined ? "invalid" : entrySummary(decodePTE64(w, level)));
      lines.push(
        `${a.type === "VSpace" ? "VSpace" : `level-${level} PageTable`} ${hex(addr)} ${changed.length > 1 ? `slots ${first}-${last}` : `slot ${first}`}: ${decode(was.get(first))} -> ${decode(now.get(first))}`,
      );
      continue;
    }
    if (
      (a?.type === "PageDirectory" || a?.type === "PageTable") &&
      (b?.type === "PageDirectory" || b?.type === "PageTable")
    ) {
      const was = entriesOf(before, a);
      const now = entriesOf(after, b);
      const changed = was.changedKeys(now);
      if (changed.length === 0) continue;
      const first = changed[0] as number;
      const last = changed[changed.length - 1] as number;
      const decode = (w: number | undefined) => {
        const one = {
          ...after,
          tableEntries: after.tableEntries.set(tableKey(b.paddr), PMap.empty<number, number>().set(first, w ?? 0)),
        };
        const row = (b.type === "PageDirectory" ? listDirectory(one, b.paddr) : listTable(one, b.paddr))[0];
        return row ? entryText({ ...row, count: 1 }).replace(/^slot \d+ -> /, "") : "invalid";
      };
      lines.push(
        `${a.type} ${hex(addr)} ${changed.length > 1 ? `slots ${first}-${last}` : `slot ${first}`}: ${decode(was.get(first))} -> ${decode(now.get(first))}`,
      );
    }
  }
  if (before.tlb !== after.tlb) lines.push(`TLB: ${before.tlb.size} -> ${after.tlb.size} lines`);
  return lines;
}
