import { hex } from "../model/addresses.ts";
import type {
  ASIDPoolView,
  BitField,
  CDTNode,
  CNodeView,
  CPtrResolution,
  DescriptorView,
  StateDiff,
  TLBLineView,
  WalkWithSplit,
} from "../views/index.ts";
import { el } from "./dom.ts";
import { cptrLines, placeText } from "../views/index.ts";

/*
 * The panels drawn from the teaching views (src/views/): what a step changed, a descriptor's
 * bit fields, the walk of an address, the CSpace with its derivation tree. Each takes the
 * views' plain data and returns elements; none reads or changes a state.
 */

const bits = (f: BitField) => (f.hi === f.lo ? `${f.hi}` : `${f.hi}..${f.lo}`);

/** What a step changed: caps, objects, table entries, ASIDs and the TLB. */
export function changesPanel(diff: StateDiff | undefined): HTMLElement[] {
  if (diff === undefined) return [el("p", {}, "Boot: every object and cap below is where seL4's boot put it.")];
  const items: HTMLElement[] = [];
  for (const c of diff.slots) {
    const where = c.place
      ? c.place.kind === "TCB"
        ? `TCB ${hex(c.place.container)} ${c.place.name ?? c.place.index}`
        : `slot ${c.place.index} of CNode ${hex(c.place.container)}`
      : `slot ${hex(c.slot)}`;
    items.push(el("li", { "data-kind": "slot" }, `${where}: ${c.before ?? "empty"} -> ${c.after ?? "empty"}`));
  }
  for (const o of diff.objects)
    items.push(el("li", { "data-kind": "object" }, `${o.type} @${hex(o.paddr)} ${o.change}`));
  for (const e of diff.entries)
    items.push(
      el(
        "li",
        { "data-kind": "entry" },
        `${e.structure} @${hex(e.table)} slot ${e.index}: ${e.before} (${e.beforeWord}) -> ${e.after} (${e.afterWord})`,
      ),
    );
  for (const a of diff.asids)
    items.push(
      el(
        "li",
        { "data-kind": "asid" },
        `ASID ${a.asid}: ${a.before !== undefined ? hex(a.before) : "free"} -> ${a.after !== undefined ? hex(a.after) : "free"}`,
      ),
    );
  if (diff.tlbLines.before !== diff.tlbLines.after)
    items.push(el("li", { "data-kind": "tlb" }, `TLB: ${diff.tlbLines.before} -> ${diff.tlbLines.after} lines`));
  if (items.length === 0)
    return [el("p", {}, "Nothing: the state after this step is the state before it (a failed call, or a query).")];
  return [el("ul", { class: "mono" }, ...items)];
}

/** A descriptor word drawn as its bit fields, high bits first, each with its meaning and the seL4 attribute behind it. */
export function descriptorPanel(d: DescriptorView): HTMLElement[] {
  const fields = [...d.fields].sort((a, b) => b.hi - a.hi);
  return [
    el("p", { class: "mono", "data-testid": "word" }, `${d.structure}: word ${d.word}: ${d.summary}`),
    el(
      "table",
      { "data-testid": "fields" },
      el("tr", {}, ...fields.map((f) => el("td", { title: `bits ${bits(f)}` }, f.name))),
      el("tr", {}, ...fields.map((f) => el("td", {}, bits(f)))),
      el("tr", {}, ...fields.map((f) => el("td", {}, hex(f.value)))),
    ),
    el(
      "ul",
      { class: "mono" },
      ...fields.map((f) =>
        el("li", {}, `${f.name} [${bits(f)}] = ${hex(f.value)}: ${f.meaning}${f.from ? ` (from ${f.from})` : ""}`),
      ),
    ),
  ];
}

/** The address split of the walk's form, a field per cell. */
function splitTable(w: WalkWithSplit): HTMLElement {
  const fields = [...w.split.fields].sort((a, b) => b.hi - a.hi);
  return el(
    "table",
    { "data-testid": "split" },
    el("tr", {}, ...fields.map((f, i) => el("td", { class: `f${i}` }, `${f.name} [${bits(f)}]`))),
    el("tr", {}, ...fields.map((f, i) => el("td", { class: `f${i}` }, hex(f.value)))),
  );
}

/**
 * The walk of an address, the first `shown` of its entries (the page reveals them one at a
 * time), then how it ended once every entry is shown.
 */
export function walkPanel(w: WalkWithSplit, shown: number): HTMLElement[] {
  const entries = w.entries
    .slice(0, shown)
    .map((e, i) =>
      el(
        "li",
        { "data-testid": `walk-${i}` },
        `${e.structure} @${hex(e.table)} [${e.index}] (entry at ${hex(e.slot)}): ${e.descriptor.word} = ${e.descriptor.summary}`,
      ),
    );
  const done = shown >= w.entries.length;
  const end = w.end;
  const ending = !done
    ? []
    : [
        el(
          "p",
          { "data-testid": "walk-end", class: end.kind === "translation" ? "ok" : "bad" },
          end.kind === "translation"
            ? `${hex(w.vaddr)} -> ${hex(end.paddr)}: ${end.size} @${hex(end.frame)}, ${end.rights}${end.executeNever ? ", XN" : ""}${end.cacheable ? ", cacheable" : ", uncached"}`
            : `fault at the ${end.structure} (level ${end.level}): ${end.reason}`,
        ),
      ];
  return [
    el("p", { class: "mono" }, `${hex(w.vaddr)} read as a ${w.split.form} address:`),
    splitTable(w),
    el("ol", { class: "mono" }, ...entries),
    ...ending,
  ];
}

/** The CSpace as a tree: the root CNode's used slots (nested CNodes inside), stale caps marked. */
export function cspacePanel(v: CNodeView, selected: number | undefined): HTMLElement {
  const list = el("ul", { class: "mono cspace" });
  for (const s of v.used) {
    const attrs: Record<string, string> = {
      "data-slot": String(s.slot),
      "data-testid": `slot-${s.index}`,
      class: `${s.stale ? "stale" : ""}${s.slot === selected ? " selected" : ""}`,
    };
    const label = `[${s.index}]${s.name ? ` ${s.name}` : ""}: ${s.text}${s.original ? "" : " (derived)"}${s.stale ? ` - STALE: ${s.stale}` : ""}`;
    const li = el("li", attrs, label);
    if (s.cnode) li.append(cspacePanel(s.cnode, selected));
    list.append(li);
  }
  return el("div", {}, el("p", {}, `CNode @${hex(v.paddr)}: ${v.slotCount} slots, ${v.used.length} used`), list);
}

function cdtList(n: CDTNode): HTMLElement {
  const li = el("li", {}, `${placeText(n.place, n.slot)} ${n.text}`);
  if (n.children.length > 0) li.append(el("ul", {}, ...n.children.map(cdtList)));
  return li;
}

const countOf = (n: CDTNode): number => n.children.reduce((k, c) => k + 1 + countOf(c), 0);

/** A cap's derivation subtree, read as the previews of revoking and deleting it. */
export function cdtPanel(n: CDTNode): HTMLElement[] {
  const below = countOf(n);
  return [
    el("p", {}, `Derivation tree under ${n.text}:`),
    el("ul", { class: "mono", "data-testid": "cdt" }, cdtList(n)),
    el(
      "p",
      { "data-testid": "revoke-preview" },
      `Revoke would delete the ${below} ${below === 1 ? "cap" : "caps"} derived from it and keep this one; delete would remove this cap alone.`,
    ),
  ];
}

/** The ASID table (pool -> ASID -> page directory, with the hardware ASID each has now) and the TLB's lines, stale ones marked. */
export function asidPanel(
  pools: readonly ASIDPoolView[],
  tlb: readonly TLBLineView[],
  rootName = "page directory",
): HTMLElement[] {
  const poolItems = pools.map((p) =>
    el(
      "li",
      {},
      `pool ${p.index} @${hex(p.pool)} (ASIDs from ${p.firstASID})`,
      el(
        "ul",
        {},
        ...p.asids.map((a) =>
          el(
            "li",
            { "data-testid": `asid-${a.asid}` },
            `ASID ${a.asid} -> ${rootName} @${hex(a.root)}${a.hwASID !== undefined ? `, hardware ASID ${a.hwASID}` : ""}`,
          ),
        ),
      ),
    ),
  );
  const lines = tlb.map((l) =>
    el(
      "li",
      { class: l.stale ? "bad" : "" },
      `${hex(l.vbase)} -> ${hex(l.pbase)} ${l.size} ${l.rights}${l.global ? " global" : l.asid !== undefined ? ` ASID ${l.asid}` : ""}${l.stale ? " - STALE: the tables say otherwise now" : ""}`,
    ),
  );
  return [
    el("ul", { class: "mono", "data-testid": "asid-table" }, ...poolItems),
    el("p", {}, `TLB: ${tlb.length} ${tlb.length === 1 ? "line" : "lines"}`),
    el("ul", { class: "mono", "data-testid": "tlb" }, ...lines),
  ];
}

/**
 * A CPtr's lookup: its bits as a strip, each CNode's guard and radix bits in turn (what was left
 * unread at the end stays grey), then the lookup's lines, level by level, ending in the slot or
 * the lookup failure with seL4's words.
 */
export function cptrPanel(r: CPtrResolution): HTMLElement[] {
  const cells: HTMLElement[] = [];
  r.levels.forEach((l, i) => {
    if (l.guardSize > 0)
      cells.push(
        el(
          "td",
          { class: `guard${l.guardOk ? "" : " bad"}` },
          `L${i + 1} guard [${l.guardAt.hi}:${l.guardAt.lo}]`,
          el("br"),
          l.guardRead === undefined ? "too few bits" : hex(l.guardRead),
        ),
      );
    if (l.index !== undefined)
      cells.push(
        el("td", { class: "radix" }, `L${i + 1} radix [${l.radixAt.hi}:${l.radixAt.lo}]`, el("br"), `slot ${l.index}`),
      );
  });
  const [head, ...rest] = cptrLines(r);
  const end = rest.pop() ?? "";
  return [
    el("p", { class: "mono" }, head ?? ""),
    el("table", { class: "cptr-bits", "data-testid": "cptr-bits" }, el("tr", {}, ...cells)),
    el(
      "ol",
      { class: "mono", "data-testid": "cptr-levels" },
      ...rest.map((line) => el("li", {}, line.replace(/^ {2}\d+\. /, ""))),
    ),
    el("p", { class: `mono ${r.end.kind === "slot" ? "ok" : "bad"}`, "data-testid": "cptr-end" }, end.trim()),
  ];
}
