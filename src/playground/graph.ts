import type { GraphEdge, GraphNode, ObjectGraph } from "../views/index.ts";

/*
 * The object graph drawn as SVG, with no layout library: one column per kind of object (the
 * CSpace, other objects, the VSpace roots, each level of tables, the frames), each column's
 * nodes ordered by where the edges into them come from, so most edges run left to right without
 * crossing. What the step changed is drawn red; a stale cap's edge is dashed.
 */

const SVG = "http://www.w3.org/2000/svg";
const W = 190;
const H = 24;
const GAP_X = 80;
const GAP_Y = 14;
const PAD = 6;
/** room above the first row for the lanes and labels of edges into it */
const TOP = 36;

function svg(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
}

interface Placed {
  readonly node: GraphNode;
  readonly x: number;
  readonly y: number;
}

/** Where each node goes: used columns packed left to right, each column sorted by its sources' heights. */
export function layout(g: ObjectGraph): Map<string, Placed> {
  const columns = [...new Set(g.nodes.map((n) => n.column))].sort((a, b) => a - b);
  const into = new Map<string, string[]>();
  for (const e of g.edges) into.set(e.to, [...(into.get(e.to) ?? []), e.from]);
  const placed = new Map<string, Placed>();
  columns.forEach((column, i) => {
    const here = g.nodes.filter((n) => n.column === column);
    const key = (n: GraphNode): number => {
      const ys = (into.get(n.id) ?? []).map((f) => placed.get(f)?.y).filter((y): y is number => y !== undefined);
      return ys.length > 0 ? ys.reduce((a, b) => a + b, 0) / ys.length : Infinity;
    };
    const keyed = here.map((n, order) => ({ n, k: key(n), order }));
    keyed.sort((a, b) => a.k - b.k || a.order - b.order);
    keyed.forEach(({ n }, row) => placed.set(n.id, { node: n, x: PAD + i * (W + GAP_X), y: TOP + row * (H + GAP_Y) }));
  });
  return placed;
}

function edgePath(a: Placed, b: Placed): string {
  const y1 = a.y + H / 2;
  const y2 = b.y + H / 2;
  const x1 = a.x + W;
  if (b.x === x1 + GAP_X) {
    const mid = (x1 + b.x) / 2;
    return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${b.x},${y2}`;
  }
  if (b.x > x1) {
    // an edge that skips columns runs in the gap above its target's row, clear of the nodes between
    const lane = b.y - GAP_Y / 2;
    const g = GAP_X / 2;
    return `M${x1},${y1} C${x1 + g},${y1} ${x1 + g},${lane} ${x1 + GAP_X},${lane} L${b.x - GAP_X},${lane} C${b.x - g},${lane} ${b.x - g},${y2} ${b.x},${y2}`;
  }
  const x = a.x + W;
  // a CNode's cap to itself (seL4_CapInitThreadCNode): a small loop
  if (a === b) return `M${x},${y1 - 6} C${x + 28},${y1 - 22} ${x + 28},${y1 + 22} ${x},${y1 + 6}`;
  // within a column (a CNode's cap to another CNode): a loop out to the right
  return `M${x},${y1} C${x + GAP_X / 2},${y1} ${x + GAP_X / 2},${y2} ${x},${y2}`;
}

function edgeElement(e: GraphEdge, a: Placed, b: Placed): SVGElement {
  const cls = `edge ${e.kind}${e.changed ? " changed" : ""}${e.stale ? " stale" : ""}`;
  return svg(
    "path",
    { d: edgePath(a, b), class: cls, "data-from": e.from, "data-to": e.to, "marker-end": "url(#arrow)" },
    svg("title", {}, `${a.node.label} -> ${b.node.label}: ${e.label}${e.stale ? " (stale)" : ""}`),
  );
}

/** The graph as one SVG element; each node's test id is `node-` and its id. */
export function graphSvg(g: ObjectGraph): SVGElement {
  const placed = layout(g);
  let width = 0;
  let height = 0;
  for (const p of placed.values()) {
    width = Math.max(width, p.x + W + GAP_X);
    height = Math.max(height, p.y + H + PAD);
  }
  const edges: SVGElement[] = [];
  const labels: SVGElement[] = [];
  const labelled = new Map<string, number>();
  for (const e of g.edges) {
    const a = placed.get(e.from);
    const b = placed.get(e.to);
    if (a === undefined || b === undefined) continue;
    edges.push(edgeElement(e, a, b));
    // the step's own edges say what they are; the rest keep their label in a tooltip
    if (e.changed) {
      const k = labelled.get(e.to) ?? 0;
      labelled.set(e.to, k + 1);
      labels.push(
        svg(
          "text",
          { x: b.x - 6, y: b.y + H / 2 - 4 - 12 * k, "text-anchor": "end", class: "edge-label changed" },
          e.label,
        ),
      );
    }
  }
  const nodes = [...placed.values()].map((p) =>
    svg(
      "g",
      {
        class: `node ${p.node.type}${p.node.changed ? " changed" : ""}${p.node.count !== undefined ? " group" : ""}`,
        "data-testid": `node-${p.node.id}`,
        transform: `translate(${p.x},${p.y})`,
      },
      svg("rect", { width: W, height: H, rx: 4 }),
      svg("text", { x: 6, y: H / 2 + 4 }, p.node.label),
      svg("title", {}, p.node.label),
    ),
  );
  return svg(
    "svg",
    { width, height, viewBox: `0 0 ${width} ${height}`, "data-testid": "graph-svg" },
    svg(
      "defs",
      {},
      svg(
        "marker",
        { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" },
        svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }),
      ),
    ),
    ...edges,
    ...nodes,
    ...labels,
  );
}
