// The links between the network's nodes, drawn as in the TensorFlow Playground: one SVG
// curve from each node of a column to each node of the next, its width growing with the
// weight's magnitude and its colour the weight's sign (orange negative, blue positive),
// its value in a tooltip on hover. The same drawing carries the explain view's gradients
// (width relative to the largest, as gradients have no natural scale) and the values on
// the nodes ("badges"). Nodes are the page's own canvases, wherever the layout puts them.

import { css, diverging } from "./heatmap.js";

const SVG = "http://www.w3.org/2000/svg";

// An absolute width: a link's width shows how a weight grows as the network trains.
export const weightWidth = (w) => Math.min(0.5 + 2.5 * Math.abs(w), 8);
const relativeWidth = (g, top) => (top > 0 ? 0.5 + (5 * Math.abs(g)) / top : 0.5);
// Small values still show their sign: the colour starts at a third of the scale.
const linkColour = (v, top = 1) => {
  const t = top > 0 ? Math.min(Math.abs(v) / top, 1) : 0;
  return css(diverging(Math.sign(v) * (0.35 + 0.65 * t)));
};

// Where an element is in `panel`'s own (scrolled) coordinates.
function box(el, panel) {
  const outer = panel.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const left = r.left - outer.left + panel.scrollLeft - panel.clientLeft;
  const top = r.top - outer.top + panel.scrollTop - panel.clientTop;
  return { left, top, right: left + r.width, cy: top + r.height / 2, cx: left + r.width / 2 };
}

function overlay(panel) {
  let svg = panel.querySelector(":scope > svg.links");
  if (!svg) {
    svg = document.createElementNS(SVG, "svg");
    svg.classList.add("links");
    panel.append(svg);
  }
  let badges = panel.querySelector(":scope > .badges");
  if (!badges) {
    badges = Object.assign(document.createElement("div"), { className: "badges" });
    panel.append(badges);
  }
  return { svg, badges };
}

// columns: arrays of node elements, one array per column, in unit order; names: the same
// shape, each node's name for the tooltips. matrices[k]: the values of the links from
// column k to column k + 1 (rows: column k's nodes; null: none drawn, such as a matrix
// that no longer fits an edited network). kind: "weight" or "gradient". badges: per
// column, each node's value (or null). Returns the number of links drawn.
export function drawLinks(panel, columns, names, matrices, kind = "weight", badges = []) {
  const { svg, badges: layer } = overlay(panel);
  svg.replaceChildren();
  layer.replaceChildren();
  // measured without the last drawing, which may be larger than the panel is now
  svg.setAttribute("width", 0);
  svg.setAttribute("height", 0);
  svg.setAttribute("width", panel.scrollWidth);
  svg.setAttribute("height", panel.scrollHeight);
  svg.dataset.kind = kind;
  const top = Math.max(0, ...matrices.flatMap((m) => (m ? m.flat().map(Math.abs) : [])));
  let drawn = 0;
  matrices.forEach((matrix, k) => {
    const from = columns[k];
    const to = columns[k + 1];
    if (!matrix || !to || !fits(matrix, from.length, to.length)) return;
    const ends = [from.map((el) => box(el, panel)), to.map((el) => box(el, panel))];
    matrix.forEach((row, i) =>
      row.forEach((value, j) => {
        const name = `${names[k][i]} → ${names[k + 1][j]}`;
        svg.append(link(ends[0][i], ends[1][j], value, kind, top, name, k));
        drawn += 1;
      }),
    );
  });
  badges.forEach((values, k) => {
    if (!values || !columns[k] || values.length !== columns[k].length) return;
    columns[k].forEach((el, i) => layer.append(badge(box(el, panel), values[i], names[k][i])));
  });
  panel.dataset.links = drawn;
  return drawn;
}

const fits = (matrix, rows, cols) => matrix.length === rows && matrix.every((r) => r.length === cols);

function link(a, b, value, kind, top, name, column) {
  const path = document.createElementNS(SVG, "path");
  const mid = (a.right + b.left) / 2;
  path.setAttribute("d", `M${a.right},${a.cy} C${mid},${a.cy} ${mid},${b.cy} ${b.left},${b.cy}`);
  const width = kind === "weight" ? weightWidth(value) : relativeWidth(value, top);
  path.setAttribute("stroke-width", width.toFixed(2));
  path.setAttribute("stroke", kind === "weight" ? linkColour(value) : linkColour(value, top));
  path.dataset.value = value;
  path.dataset.column = column;
  const title = document.createElementNS(SVG, "title");
  const what = kind === "weight" ? "weight" : "∂loss/∂weight";
  title.textContent = `${name}: ${what} ${format(value)}`;
  path.append(title);
  return path;
}

function badge(at, value, name) {
  const span = Object.assign(document.createElement("span"), {
    className: "badge",
    textContent: format(value),
    title: `${name}: ${value}`,
  });
  span.dataset.value = value;
  span.style.left = `${at.cx}px`;
  span.style.top = `${at.cy}px`;
  return span;
}

export function format(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1000) ? v.toExponential(1) : v.toFixed(2);
}

// Redraw whenever the panel's layout moves its nodes (a resize, a layer edited).
export function followLayout(panel, redraw) {
  new ResizeObserver(() => redraw()).observe(panel);
}
