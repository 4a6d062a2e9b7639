// The run's layers drawn as they are: one box per layer (its type, key settings, output
// shape and parameter count) in columns by depth, wrapped to the panel's width, and a
// link from each of its inputs.
// Boxes are list items in the spec's order, so the list reads as the network does.

import * as api from "./api.js";
import { isGraph, layerNodes, shapeText } from "./graph.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 120; // a box's size and the gaps between them, in CSS pixels (style.css's .node)
const H = 90;
const GAP_X = 28;
const GAP_Y = 14;
const LIFT = 24; // room above the boxes for links that skip columns
const BAND_GAP = 24; // between bands of columns, where links to the next band run

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const count = (n) => n.toLocaleString("en");

const checks = new Map(); // job id -> Promise<{ summary } | { problem }>: one per run

// The job's layers with the shapes and counts `POST /v1/jobs/validate` gives for its own
// spec, drawn if `current()` still holds once the reply is in.
export async function drawRun(container, job, current) {
  if (!checks.has(job.id)) {
    const { dataset_id, network, training } = job;
    const reply = api.validate({ dataset_id, network, training });
    const known = reply.then(
      ({ summary }) => ({ summary }),
      (err) => ({ problem: err.detail }),
    );
    checks.set(job.id, known);
  }
  const { summary = null, problem } = await checks.get(job.id);
  if (current()) renderGraph(container, job.network, summary, problem);
}

// `summary`: `POST /v1/jobs/validate`'s, or null when the API could not check the spec
// (then `problem` says why, and shapes and counts are left out).
export function renderGraph(container, network, summary, problem = "") {
  const nodes = layerNodes(network, summary);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const links = nodes.flatMap((n) =>
    n.inputs.filter((id) => byId.has(id)).map((id) => [byId.get(id), n]),
  );
  const room = container.clientWidth; // 0 before it is laid out: then one band
  const at = place(nodes, links, room ? Math.max(1, Math.floor(room / (W + GAP_X))) : Infinity);

  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", at.width);
  svg.setAttribute("height", at.height);
  svg.setAttribute("aria-hidden", "true");
  for (const [from, to] of links) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", at.link(from, to));
    path.dataset.from = from.id;
    path.dataset.to = to.id;
    svg.append(path);
  }

  const graph = isGraph(network);
  const list = el("ol", { className: "nodes" });
  for (const node of nodes) {
    const box = nodeBox(node, graph);
    box.style.left = `${at.x(node)}px`;
    box.style.top = `${at.y(node)}px`;
    list.append(box);
  }
  const board = el("div", { className: "board" }, svg, list);
  board.style.width = `${at.width}px`;
  board.style.height = `${at.height}px`;

  const layers = network.layers.length;
  const what = `${layers} layer${layers === 1 ? "" : "s"}`;
  const total = summary
    ? `${what}, ${count(summary.total_params)} parameters`
    : `${what}; shapes and parameter counts unknown: ${problem}`;
  const title = el("h3", {}, "The run's layers");
  container.replaceChildren(title, el("p", { className: "info" }, total), board);
  container.dataset.layers = layers;
}

// Where boxes and links go: columns by depth, wrapped into bands of `perRow` columns (the
// container's width; all in one band before it is laid out). Half a gap is kept on either
// side, where links that change band run.
function place(nodes, links, perRow) {
  const band = (n) => Math.floor(n.depth / perRow);
  const column = (n) => n.depth % perRow;
  const skips = links.some(([a, b]) => band(a) === band(b) && column(b) - column(a) > 1);
  const lift = skips ? LIFT : 0;
  const rows = [];
  for (const n of nodes) rows[band(n)] = Math.max(rows[band(n)] ?? 0, n.row + 1);
  const tops = [];
  let bottom = -BAND_GAP;
  for (const n of rows) {
    tops.push(bottom + BAND_GAP);
    bottom += BAND_GAP + lift + n * (H + GAP_Y) - GAP_Y;
  }
  const x = (n) => GAP_X / 2 + column(n) * (W + GAP_X);
  const y = (n) => tops[band(n)] + lift + n.row * (H + GAP_Y);
  const columns = Math.min(perRow, 1 + Math.max(...nodes.map((n) => n.depth)));
  let crossing = 0;
  const link = (a, b) => {
    const [sx, sy, tx, ty] = [x(a) + W, y(a) + H / 2, x(b), y(b) + H / 2];
    if (band(a) === band(b)) return linkPath(sx, sy, tx, ty, tops[band(b)] + lift / 3);
    // Down the gap after the source, across the gap above the target's band (staggered,
    // so two such links stay apart), down the gap before the target.
    const across = tops[band(b)] - BAND_GAP / 2 + ((crossing++ % 3) - 1) * 6;
    return `M${sx},${sy} H${sx + GAP_X / 2} V${across} H${tx - GAP_X / 2} V${ty} H${tx}`;
  };
  return { x, y, link, width: columns * (W + GAP_X), height: bottom };
}

// Neighbouring columns: an S-curve. A link that skips columns rises in the gap after its
// source, runs at `peak` above the boxes and comes down in the gap before its target.
function linkPath(sx, sy, tx, ty, peak) {
  if (tx - sx <= GAP_X) {
    const mx = (sx + tx) / 2;
    return `M${sx},${sy} C${mx},${sy} ${mx},${ty} ${tx},${ty}`;
  }
  const a = sx + GAP_X;
  const b = tx - GAP_X;
  const rise = `C${sx + GAP_X / 2},${sy} ${sx + GAP_X / 2},${peak} ${a},${peak}`;
  const fall = `C${tx - GAP_X / 2},${peak} ${tx - GAP_X / 2},${ty} ${tx},${ty}`;
  return `M${sx},${sy} ${rise} L${b},${peak} ${fall}`;
}

function nodeBox(node, graph) {
  const box = el(
    "li",
    { className: "node" },
    el(
      "span",
      { className: "head" },
      el("strong", { className: "type" }, node.type),
      node.name ? el("span", { className: "name" }, ` ${node.name}`) : "",
    ),
    el("span", { className: "settings" }, node.settings.join(" · ")),
    el("span", { className: "shape" }, shapeText(node.shape)),
    el("span", { className: "params" }, node.params === null ? "" : `${count(node.params)} params`),
  );
  if (graph && node.inputs.length) {
    box.append(el("span", { className: "visually-hidden" }, `; reads ${node.inputs.join(", ")}`));
  }
  box.dataset.type = node.type;
  box.dataset.index = node.index ?? "input";
  box.dataset.id = node.id;
  box.dataset.shape = node.shape?.join() ?? "";
  return box;
}
