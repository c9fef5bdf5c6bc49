// The service dependency graph as an SVG picture: callers on the left, what they call to the
// right (layers by longest path), external hosts in the last column.
const NS = "http://www.w3.org/2000/svg";

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
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
  const out = new Map(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) if (out.has(e.from) && out.has(e.to)) out.get(e.from).push(e.to);
  // Longest path from a caller, bounded so that cycles terminate.
  const layer = new Map(graph.nodes.map((n) => [n.id, 0]));
  for (let round = 0; round < graph.nodes.length; round++) {
    let changed = false;
    for (const [from, tos] of out) {
      for (const to of tos) {
        if (layer.get(to) < layer.get(from) + 1 && layer.get(from) + 1 < graph.nodes.length) {
          layer.set(to, layer.get(from) + 1);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  const maxLayer = Math.max(0, ...graph.nodes.filter((n) => !n.external).map((n) => layer.get(n.id)));
  for (const n of graph.nodes) if (n.external) layer.set(n.id, maxLayer + 1);
  const columns = [];
  for (const n of graph.nodes) (columns[layer.get(n.id)] ||= []).push(n);
  const W = 170, H = 44, GX = 48, GY = 14;
  const pos = new Map();
  columns.forEach((col, x) => col.forEach((n, y) => pos.set(n.id, { x: x * (W + GX), y: y * (H + GY) })));
  const width = columns.length * (W + GX);
  const height = Math.max(...columns.map((c) => c.length)) * (H + GY);
  const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "service dependency graph" }, container);
  const defs = el("defs", {}, svg);
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#5f6b7a" }, marker);
  for (const e of graph.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    const mid = (x1 + x2) / 2;
    el("path", { class: "edge", d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` }, svg);
  }
  for (const n of graph.nodes) {
    const p = pos.get(n.id);
    const g = el("g", { class: n.external ? "node external" : "node", transform: `translate(${p.x},${p.y})` }, svg);
    el("rect", { width: W, height: H, rx: 6 }, g);
    const t1 = el("text", { x: 8, y: 18 }, g);
    t1.textContent = n.name;
    const t2 = el("text", { x: 8, y: 34, fill: "#5f6b7a" }, g);
    t2.textContent = n.external ? "external" : `${n.namespace} · ${n.protocol}`;
  }
}
