// The service dependency graph as an SVG picture, laid out by dagre (a layered, Sugiyama-style
// layout): callers on the left, what they call to the right, external hosts as dashed boxes.
// Edges leave a box on its right and enter one on its left, cross the ranks between in
// dagre's channels (between two boxes, never through one) and curve only between ranks. The picture keeps its natural
// size — 12 px text at any graph size — and the pane scrolls.
import { graphlib, layout } from "@dagrejs/dagre";

const NS = "http://www.w3.org/2000/svg";
const W = 180, H = 44;

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

/** The route of an edge: out of the source's right side, through each rank it crosses in a
 * horizontal run between the boxes of that rank (dagre's dummy points sit there), into the
 * target's left side; between ranks, where there are no boxes, an S-curve with horizontal ends. */
function route(from, to, points, columns) {
  const ys = (n) => n.y + n.height / 2;
  if (to.x <= from.x) return points; // a back edge (a cycle): dagre's own route
  const stops = [{ x: from.x + from.width, y: ys(from) }];
  for (const p of points.slice(1, -1)) {
    if (p.x <= from.x + from.width || p.x >= to.x) continue;
    // A point in a rank's column becomes a run across the column; one between ranks stays.
    if (columns.has(Math.round(p.x))) stops.push({ x: p.x - W / 2, y: p.y }, { x: p.x + W / 2, y: p.y });
    else stops.push({ x: p.x, y: p.y });
  }
  stops.push({ x: to.x, y: ys(to) });
  return stops;
}

function pathOf(stops) {
  let d = `M${stops[0].x},${stops[0].y}`;
  for (let i = 1; i < stops.length; i++) {
    const p = stops[i - 1], q = stops[i];
    if (p.y === q.y) {
      d += ` L${q.x},${q.y}`;
    } else {
      const mx = (p.x + q.x) / 2;
      d += ` C${mx},${p.y} ${mx},${q.y} ${q.x},${q.y}`;
    }
  }
  return d;
}

/** The layout alone (positions of nodes, routes of edges), for drawing and for the tests. */
export function layoutGraph(graph) {
  const g = new graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 70, edgesep: 14, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: W, height: H });
  graph.edges.forEach((e, i) => {
    if (g.hasNode(e.from) && g.hasNode(e.to)) g.setEdge(e.from, e.to, {}, `e${i}`);
  });
  layout(g);
  const nodes = graph.nodes.map((n) => {
    const p = g.node(n.id);
    return { ...n, x: p.x - W / 2, y: p.y - H / 2, width: W, height: H };
  });
  const at = new Map(nodes.map((n) => [n.id, n]));
  const columns = new Set(nodes.map((n) => Math.round(n.x + W / 2)));
  const edges = g.edges().map((e) => ({ from: e.v, to: e.w, points: route(at.get(e.v), at.get(e.w), g.edge(e).points, columns) }));
  const { width, height } = g.graph();
  return { nodes, edges, width: Math.ceil(width), height: Math.ceil(height) };
}

export function drawGraph(container, graph) {
  container.replaceChildren();
  if (!graph.nodes.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = "No services yet.";
    container.appendChild(p);
    return;
  }
  const lay = layoutGraph(graph);
  const svg = el("svg", { width: lay.width, height: lay.height, viewBox: `0 0 ${lay.width} ${lay.height}`, role: "img", "aria-label": "service dependency graph" }, container);
  const defs = el("defs", {}, svg);
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#5f6b7a" }, marker);
  for (const e of lay.edges) {
    const path = el("path", { class: "edge", d: pathOf(e.points), "data-from": e.from, "data-to": e.to }, svg);
    const title = el("title", {}, path);
    title.textContent = `${e.from} → ${e.to}`;
  }
  for (const n of lay.nodes) {
    const g = el("g", { class: n.external ? "node external" : n.worker ? "node worker" : "node", transform: `translate(${n.x},${n.y})`, "data-id": n.id }, svg);
    el("rect", { width: n.width, height: n.height, rx: 6 }, g);
    const name = n.name.length > 24 ? `${n.name.slice(0, 23)}…` : n.name;
    const t1 = el("text", { x: 8, y: 18 }, g);
    t1.textContent = name;
    const t2 = el("text", { x: 8, y: 34, class: "sub" }, g);
    t2.textContent = n.external ? "external" : n.worker ? `${n.namespace} · worker` : `${n.namespace} · ${n.protocol}`;
    const title = el("title", {}, g);
    title.textContent = n.id;
  }
}
