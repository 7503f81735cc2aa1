import { capObj, compareObjID, hasSlots, idKey, type Cap, type Model, type ObjEntry, type ObjID } from "./model.ts";
import { continuesArrayRun, objParamsText, rangesText } from "./print.ts";

/**
 * A capDL model as Graphviz dot in the layout of the capDL tool's `-d` (CapDL/PrintDot.hs): one
 * record node per object whose fields are its slots (port `a<slot>` above, `t<slot>` with what the
 * cap names below), an edge from each slot to the object its cap names, each untyped with a cover
 * drawn as a cluster around what it covers, the architecture as the graph label.
 *
 * Arrays fold as the tool folds them. Members of one array (`x[N]`) whose slots are equal share one
 * node, named after the first of them and labelled `x[0..N-1]` (the tool's initNames groups by name
 * and equal slots, so members whose slots differ get nodes of their own). Consecutive slots whose
 * caps name members of one array with the same parameters are one field `a - b` with the targets'
 * indices below, and one edge per distinct node those caps reach, all from the run's first slot.
 */

const q = (s: string): string => `"${s.replace(/"/g, '\\"')}"`;
const esc = (s: string): string => s.replace(/[{}<>|"]/g, (c) => `\\${c}`);

type SlotCap = readonly [number, Cap];

/** Objects of one name with equal slots are drawn as one node; groups in the order of their first member. */
function nodeGroups(entries: readonly ObjEntry[]): ObjEntry[][] {
  const groups = new Map<string, ObjEntry[]>();
  for (const e of entries) {
    // Slotless objects (frames, untypeds) of one name always share a node, as in the tool's `same`.
    const slots = hasSlots(e.obj) ? JSON.stringify(sortedSlots(e)) : "";
    const key = JSON.stringify([e.id.name, slots]);
    const g = groups.get(key);
    if (g) g.push(e);
    else groups.set(key, [e]);
  }
  return [...groups.values()];
}

const sortedSlots = (e: ObjEntry): SlotCap[] =>
  hasSlots(e.obj) ? [...e.obj.slots.entries()].sort((a, b) => a[0] - b[0]).map(([s, v]) => [s, v.cap]) : [];

/** Slots split into runs (PrintUtils.sameArray); a cap that names no object is a run of its own. */
function slotRuns(slots: readonly SlotCap[]): SlotCap[][] {
  const runs: SlotCap[][] = [];
  for (const sc of slots) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run && last && continuesArrayRun(last, sc)) run.push(sc);
    else runs.push([sc]);
  }
  return runs;
}

export function toDot(m: Model, name = "capdl"): string {
  const entries = [...m.objects.values()].sort((a, b) => compareObjID(a.id, b.id));
  const groups = nodeGroups(entries);
  const nodeName = new Map<string, string>();
  for (const g of groups) for (const e of g) nodeName.set(idKey(e.id), idKey((g[0] as ObjEntry).id));
  const nodeOf = (id: ObjID): string => nodeName.get(idKey(id)) ?? idKey(id);

  const lines = [
    `digraph ${q(name)} {`,
    "nodesep = 0.5; ranksep = 3;",
    "node [shape = record]; edge [minlen = 2];",
    "",
  ];
  for (const g of groups) {
    const head = g[0] as ObjEntry;
    const node = nodeOf(head.id);
    const runs = slotRuns(sortedSlots(head));
    const fields = runs.map((run) => {
      const [first, cap] = run[0] as SlotCap;
      const target = capObj(cap);
      const top = run.length === 1 ? `${first}` : `${first} - ${first + run.length - 1}`;
      const what = target ? `${target.name}${rangesText(run.map(([, c]) => capObj(c)?.index ?? null))}` : cap.kind;
      return `|{<a${first}> ${top} | <t${first}> ${esc(what)}}`;
    });
    const label = `${head.id.name}${rangesText(g.map((e) => e.id.index))}`;
    lines.push(
      `  ${q(node)} [label = "{<Object> ${esc(label)} \\n ${esc(objParamsText(head.obj))}}${fields.join("")}"];`,
    );
    for (const run of runs) {
      const first = (run[0] as SlotCap)[0];
      const targets = new Set(run.flatMap(([, c]) => (capObj(c) ? [nodeOf(capObj(c) as ObjID)] : [])));
      for (const t of targets) lines.push(`    ${q(node)}:"t${first}":s -> ${q(t)}:Object;`);
    }
  }
  for (const c of clusters(m, nodeOf))
    lines.push(
      `  subgraph ${q(`cluster_${c.ut}`)} {{rank = source; ${q(c.ut)} [style = filled];}; ${c.children.map((x) => `${q(x)};`).join(" ")}};`,
    );
  lines.push("", `fontsize = 30; labelloc = top; label = "arch ${m.arch}";`, "}");
  return `${lines.join("\n")}\n`;
}

/**
 * One cluster per untyped node around the nodes its covers hold, a run of children on one node named
 * once. The tool draws only the cover of an untyped array's first member; this joins all members'.
 */
function clusters(m: Model, nodeOf: (id: ObjID) => string): { ut: string; children: string[] }[] {
  const byNode = new Map<string, string[]>();
  for (const c of [...m.covers.values()].sort((a, b) => compareObjID(a.ut, b.ut))) {
    if (c.children.length === 0) continue;
    const ut = nodeOf(c.ut);
    const children = byNode.get(ut) ?? [];
    for (const x of c.children) if (children[children.length - 1] !== nodeOf(x)) children.push(nodeOf(x));
    byNode.set(ut, children);
  }
  return [...byNode.entries()].map(([ut, children]) => ({ ut, children }));
}
