import {
  compareCapRef,
  compareObjID,
  capObj,
  capRefKey,
  hasSlots,
  idKey,
  RIGHT_G,
  RIGHT_P,
  RIGHT_R,
  RIGHT_W,
  showID,
  vmSizeText,
  type Cap,
  type CapRef,
  type KObject,
  type Model,
  type ObjEntry,
  type ObjID,
  type SlottedObject,
} from "./model.ts";

/**
 * The capDL tool's normal form (`parse-capDL -t`, CapDL/PrintModel.hs and PrintUtils.hs):
 * objects sorted by name with arrays folded into `x[n]`, untypeds with covers after the other
 * objects, slots in decimal, runs of array members folded into ranges, defaults left out, the
 * CDT grouped by parent, then the IRQ map and the domain schedule. Long cover lists are filled
 * as the tool's pretty printer fills them (HughesPJ, 100 columns, ribbon 1.5).
 */

const LINE = 100;
const RIBBON = Math.round(LINE / 1.5);

/**
 * HughesPJ `fsep` of `items` placed after `head` at column `indent`: greedy, a word joins a line
 * while the text after the line's indentation stays within the ribbon and the line width.
 */
function fill(indent: number, head: string, items: readonly string[], tail: string): string[] {
  const lines: string[] = [];
  const contIndent = indent + head.length;
  let cur = head;
  let curIndent = indent;
  items.forEach((item, i) => {
    const word = item + (i === items.length - 1 ? tail : "");
    if (i === 0) {
      cur = head + word;
      return;
    }
    const candidate = `${cur} ${word}`;
    if (candidate.length <= Math.min(LINE - curIndent, RIBBON)) cur = candidate;
    else {
      lines.push(" ".repeat(curIndent) + cur);
      cur = word;
      curIndent = contIndent;
    }
  });
  if (items.length === 0) cur += tail;
  lines.push(" ".repeat(curIndent) + cur);
  return lines;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function rightsText(r: number, frame: boolean): string {
  return `${r & RIGHT_R ? "R" : ""}${r & RIGHT_W ? "W" : ""}${r & RIGHT_G ? (frame ? "X" : "G") : ""}${r & RIGHT_P ? "P" : ""}`;
}

const params = (xs: readonly (string | null)[]): string => {
  const kept = xs.filter((x): x is string => x !== null && x !== "");
  return kept.length === 0 ? "" : ` (${kept.join(", ")})`;
};

export function objParamsText(o: KObject): string {
  switch (o.kind) {
    case "ep":
      return "ep";
    case "notification":
    case "vcpu":
    case "rtreply":
    case "pt":
    case "pd":
    case "pml4":
    case "pdpt":
    case "pud":
    case "pgd":
    case "smc":
      return o.kind;
    case "streamid":
      return "streamid";
    case "tcb": {
      const e = o.extra;
      const extra = e
        ? [
            `addr: ${e.addr}`,
            e.ip === null ? null : `ip: ${e.ip}`,
            e.sp === null ? null : `sp: ${e.sp}`,
            e.prio === null ? null : `prio: ${e.prio}`,
            e.maxPrio === null ? null : `max_prio: ${e.maxPrio}`,
            e.affinity === null ? null : `affinity: ${e.affinity}`,
            e.resume === null ? null : `resume: ${e.resume ? "True" : "False"}`,
            e.fpuDisabled === null ? null : `fpu_disabled: ${e.fpuDisabled ? "True" : "False"}`,
          ]
            .filter((x) => x !== null)
            .join(", ")
        : null;
      return `tcb${params([
        extra,
        o.faultEp === null ? null : `fault_ep: ${o.faultEp}`,
        `dom: ${o.dom}`,
        o.init.length ? `init: [${o.init.join(", ")}]` : null,
      ])}`;
    }
    case "cnode":
      return o.bits === 0 ? "irq" : `cnode (${o.bits} bits)`;
    case "ut":
      return `ut${params([o.bits === null ? null : `${o.bits} bits`, o.paddr === null ? null : `paddr: ${hex(o.paddr)}`])}`;
    case "asid_pool":
      return `asid_pool${params([o.asidHigh === null ? null : `asid_high: ${hex(o.asidHigh)}`])}`;
    case "frame":
      return `frame${params([
        vmSizeText(o.sizeBits),
        o.paddr === null ? null : `paddr: ${hex(o.paddr)}`,
        o.fill === null ? null : `fill: [${o.fill.map((f) => `{${f.join(" ")}}`).join(", ")}]`,
      ])}`;
    case "sc":
      return `sc${params([
        [
          o.period === null ? null : `period: ${o.period}`,
          o.budget === null ? null : `budget: ${o.budget}`,
          o.data === null ? null : `data: ${o.data}`,
        ]
          .filter((x) => x !== null)
          .join(", "),
        o.bits === null ? null : `${o.bits} bits`,
      ])}`;
    case "arm_irq":
      return `arm_irq (trigger: ${o.trigger}, target: ${o.target})`;
    case "arm_sgi_signal":
      return `arm_sgi_signal (irq: ${o.irq}, target: ${o.target})`;
    case "arm_io_device":
      return `io_device (iospace: ${o.iospace})`;
    case "contextbank":
      return "contextbank";
  }
}

function capParamsText(c: Cap): string {
  const asid = (a: readonly [number, number] | null): string | null =>
    a ? `asid: (${hex(a[0])}, ${hex(a[1])})` : null;
  switch (c.kind) {
    case "ep":
    case "notification":
      return params([c.badge ? `badge: ${c.badge}` : null, rightsText(c.rights, false)]);
    case "smc":
      return params([c.badge ? `badge: ${c.badge}` : null]);
    case "reply":
      return " (reply)";
    case "master_reply":
      return " (master_reply)";
    case "cnode":
      return params([c.guard ? `guard: ${c.guard}` : null, c.guardSize ? `guard_size: ${c.guardSize}` : null]);
    case "frame":
      return params([
        rightsText(c.rights, true),
        asid(c.asid),
        c.cached ? null : "uncached",
        c.mapping ? `mapping: (${showID(c.mapping.obj)}, ${c.mapping.slot})` : null,
      ]);
    // The tool's printer shows the ASID only on PT and PD caps (maybeCapParams), not on pgd, pud, pml4, pdpt.
    case "pt":
    case "pd":
      return params([asid(c.asid)]);
    case "sched_control":
      return ` (core: ${c.core})`;
    default:
      return "";
  }
}

function capName(c: Cap): string {
  const o = capObj(c);
  return o === null ? c.kind : o.name;
}

/** `[0..3, 5, 9..7]`: runs going up or down by one (PrintUtils.prettyRanges). */
export function rangesText(indices: readonly (number | null)[]): string {
  if (indices.length === 1 && indices[0] === null) return "";
  const xs = indices.map((x) => x ?? 0);
  const parts: string[] = [];
  let i = 0;
  while (i < xs.length) {
    let up = 1;
    while (i + up < xs.length && xs[i + up] === (xs[i + up - 1] as number) + 1) up++;
    let len = up;
    if (up === 1) {
      let down = 1;
      while (i + down < xs.length && xs[i + down] === (xs[i + down - 1] as number) - 1) down++;
      len = down;
    }
    parts.push(len === 1 ? `${xs[i]}` : `${xs[i]}..${xs[i + len - 1]}`);
    i += len;
  }
  return `[${parts.join(", ")}]`;
}

/** PrintUtils.sameParams: only these kinds compare their parameters. */
function sameParams(a: Cap, b: Cap): boolean {
  const compared = ["ep", "notification", "smc", "cnode", "frame", "pt", "pd"];
  if (a.kind !== b.kind || !compared.includes(a.kind)) return true;
  const strip = (c: Cap): string => JSON.stringify({ ...c, obj: null });
  return strip(a) === strip(b);
}

/**
 * Whether the cap in slot `s2` continues a run from `s1` (PrintUtils.sameArray): both name members of
 * one array, with the same parameters, in consecutive slots. The printer and the dot drawing fold by it.
 */
export function continuesArrayRun([s1, c1]: readonly [number, Cap], [s2, c2]: readonly [number, Cap]): boolean {
  const o1 = capObj(c1);
  const o2 = capObj(c2);
  return (
    o1 !== null &&
    o2 !== null &&
    o1.index !== null &&
    o2.index !== null &&
    o1.name === o2.name &&
    sameParams(c1, c2) &&
    s2 === s1 + 1
  );
}

/** Consecutive slots whose caps name members of one array with the same parameters print as one line. */
function slotLines(slots: readonly (readonly [number, Cap])[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < slots.length) {
    const [slot, cap] = slots[i] as readonly [number, Cap];
    const obj = capObj(cap);
    let n = 1;
    while (
      i + n < slots.length &&
      continuesArrayRun(slots[i + n - 1] as readonly [number, Cap], slots[i + n] as readonly [number, Cap])
    )
      n++;
    const group = slots.slice(i, i + n).map(([, c]) => capObj(c)?.index ?? null);
    out.push(`${slot}: ${capName(cap)}${obj === null ? "" : rangesText(group)}${capParamsText(cap)}`);
    i += n;
  }
  return out;
}

/** Map.toList grouped by name: runs of entries whose names are equal. */
function runsByName<T>(xs: readonly T[], nameOf: (x: T) => string): T[][] {
  const runs: T[][] = [];
  for (const x of xs) {
    const last = runs[runs.length - 1];
    if (last && nameOf(last[0] as T) === nameOf(x)) last.push(x);
    else runs.push([x]);
  }
  return runs;
}

const declName = (id: ObjID, len: number): string => (id.index === null ? id.name : `${id.name}[${len}]`);

function coverItems(children: readonly ObjID[]): string[] {
  return runsByName(children, (c) => c.name).map(
    (run) => `${(run[0] as ObjID).name}${rangesText(run.map((c) => c.index))}`,
  );
}

/** The normal form of a model, as `parse-capDL -t` prints it. */
export function printCapdl(m: Model): string {
  const entries = [...m.objects.values()].sort((a, b) => compareObjID(a.id, b.id));
  const out: string[] = [`arch ${m.arch}`, "", "objects {", ""];
  const byName = runsByName(entries, (e) => e.id.name);
  for (const run of byName) {
    const e = run[0] as ObjEntry;
    if (e.obj.kind === "ut") continue;
    out.push(`  ${declName(e.id, run.length)} = ${objParamsText(e.obj)}`);
  }
  out.push("");
  const coverOf = (id: ObjID): readonly ObjID[] => m.covers.get(idKey(id))?.children ?? [];
  for (const run of byName) {
    const e = run[0] as ObjEntry;
    if (e.obj.kind !== "ut") continue;
    const head = `${declName(e.id, run.length)} = ${objParamsText(e.obj)}`;
    if (e.id.index === null) {
      const cover = coverOf(e.id);
      out.push(...(cover.length === 0 ? [`  ${head}`] : fill(2, `${head} {`, withCommas(coverItems(cover)), "}")));
    } else {
      out.push(`  ${head}`);
      for (const member of run) {
        const cover = coverOf(member.id);
        if (cover.length === 0) continue;
        out.push(
          ...fill(2, `${showID(member.id)} = ${objParamsText(member.obj)} {`, withCommas(coverItems(cover)), "}"),
        );
      }
    }
  }
  out.push("", "} caps {", "");
  // Objects of one array with equal slots print once, as x[a..b] { … }.
  const done = new Set<string>();
  const sortedSlots = (o: SlottedObject): (readonly [number, Cap])[] =>
    [...o.slots.entries()].sort((a, b) => a[0] - b[0]).map(([s, v]) => [s, v.cap] as const);
  for (const e of entries) {
    const obj = e.obj;
    if (done.has(idKey(e.id)) || !hasSlots(obj) || obj.slots.size === 0) continue;
    const slotsText = slotLines(sortedSlots(obj));
    const same = entries.filter((x) => {
      if (done.has(idKey(x.id)) || x.id.name !== e.id.name) return false;
      if (!hasSlots(x.obj)) return true;
      return JSON.stringify(sortedSlots(x.obj)) === JSON.stringify(sortedSlots(obj));
    });
    same.forEach((x) => done.add(idKey(x.id)));
    const head = `${e.id.name}${e.id.index === null ? "" : rangesText(same.map((x) => x.id.index))}`;
    if (slotsText.length === 1) out.push(`  ${head} {${slotsText[0]}}`, "");
    else out.push(`  ${head} {`, ...slotsText.map((l) => `    ${l}`), "  }", "");
  }
  out.push("} cdt {", "");
  const edges = [...m.cdt.values()].sort((a, b) => compareCapRef(a.child, b.child));
  const refText = (r: CapRef): string => `(${showID(r.obj)}, ${r.slot})`;
  const parents: CapRef[] = [];
  for (const e of edges) if (!parents.some((p) => capRefKey(p) === capRefKey(e.parent))) parents.push(e.parent);
  for (const p of parents) {
    const children = edges.filter((e) => capRefKey(e.parent) === capRefKey(p)).map((e) => refText(e.child));
    if (children.length === 1) out.push(`  ${refText(p)} {${children[0]}}`, "");
    else out.push(`  ${refText(p)} {`, ...children.map((c) => `    ${c}`), "  }", "");
  }
  out.push("} irq maps {", "");
  const irqs = [...m.irqNode.entries()].sort((a, b) => a[0] - b[0]);
  let i = 0;
  const irqLines: string[] = [];
  while (i < irqs.length) {
    const [n, id] = irqs[i] as [number, ObjID];
    let k = 1;
    while (i + k < irqs.length) {
      const [n2, id2] = irqs[i + k] as [number, ObjID];
      const [n1] = irqs[i + k - 1] as [number, ObjID];
      if (id2.name !== id.name || n2 !== n1 + 1) break;
      k++;
    }
    irqLines.push(`  ${n}: ${id.name}${rangesText(irqs.slice(i, i + k).map(([, x]) => x.index))}`);
    i += k;
  }
  if (irqLines.length) out.push(...irqLines, "");
  out.push("}", "");
  if (m.domains) {
    const d = m.domains;
    out.push(
      "domains {",
      ...fill(2, "schedule: [", withCommas(d.schedule.map(([a, b]) => `(${a}, ${b})`)), "]"),
      `  domain_set_start: ${d.start === null ? "no_start" : d.start}`,
      `  index_shift: ${d.shift}`,
      "}",
      "",
    );
  }
  return out.join("\n");
}

function withCommas(xs: readonly string[]): string[] {
  return xs.map((x, i) => (i < xs.length - 1 ? `${x},` : x));
}
