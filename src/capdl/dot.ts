import { capObj, compareObjID, hasSlots, idKey, showID, type Model } from "./model.ts";
import { objParamsText } from "./print.ts";

/**
 * A capDL model as Graphviz dot in the layout of the capDL tool's `-d` (CapDL/PrintDot.hs): one
 * record node per object whose fields are its slots (port `a<slot>` above, `t<slot>` with the
 * cap's parameters below), an edge from each slot to the object its cap names, each untyped
 * with a cover drawn as a cluster around what it covers, the architecture as the graph label.
 * Unlike the tool, array members are drawn one node each.
 */

const q = (s: string): string => `"${s.replace(/"/g, '\\"')}"`;
const esc = (s: string): string => s.replace(/[{}<>|"]/g, (c) => `\\${c}`);

export function toDot(m: Model, name = "capdl"): string {
  const entries = [...m.objects.values()].sort((a, b) => compareObjID(a.id, b.id));
  const lines = [
    `digraph ${q(name)} {`,
    "nodesep = 0.5; ranksep = 3;",
    "node [shape = record]; edge [minlen = 2];",
    "",
  ];
  for (const e of entries) {
    const id = idKey(e.id);
    const slots = hasSlots(e.obj) ? [...e.obj.slots.entries()].sort((a, b) => a[0] - b[0]) : [];
    const fields = slots.map(([slot, s]) => {
      const target = capObj(s.cap);
      const what = target ? showID(target) : s.cap.kind;
      return `|{<a${slot}> ${slot} | <t${slot}> ${esc(what)}}`;
    });
    lines.push(`  ${q(id)} [label = "{<Object> ${esc(id)} \\n ${esc(objParamsText(e.obj))}}${fields.join("")}"];`);
    for (const [slot, s] of slots) {
      const target = capObj(s.cap);
      if (target) lines.push(`    ${q(id)}:"t${slot}":s -> ${q(idKey(target))}:Object;`);
    }
  }
  for (const c of [...m.covers.values()].sort((a, b) => compareObjID(a.ut, b.ut)))
    if (c.children.length > 0)
      lines.push(
        `  subgraph ${q(`cluster_${idKey(c.ut)}`)} {{rank = source; ${q(idKey(c.ut))} [style = filled];}; ${c.children.map((x) => `${q(idKey(x))};`).join(" ")}};`,
      );
  lines.push("", `fontsize = 30; labelloc = top; label = "arch ${m.arch}";`, "}");
  return `${lines.join("\n")}\n`;
}
