// The playground's drawing: the plane (the boundary, the points, the explain view's pick),
// the network column (features, neuron maps, output tiles, the links, or a run's real
// layers when the controls cannot stand for its network), the dataset's line and legend,
// and the curves.

import * as data from "./data.js";
import {
  classColour,
  css,
  diverging,
  drawPoints,
  paintSmooth,
  pointColour,
  surfaceColour,
} from "./heatmap.js";
import { fitsPlayground, onPlane, planeNote } from "./graph.js";
import { drawRun } from "./graphview.js";
import { ExplainView, nearestPoint } from "./explain.js";
import { followLayout } from "./links.js";
import {
  drawNetworkLinks,
  drawNeurons,
  drawOutputs,
  hintScroll,
  renderFeatures,
  renderOutputs,
} from "./network.js";
import { $, chain, save, state, view } from "./page.js";
import { drawLoss, fmt } from "./plot.js";
import { isPlane, jobBody } from "./spec.js";
import { showProblem } from "./status.js";

export const explain = new ExplainView(drawPlane);
const networkPanel = () => document.querySelector(".panel.network");
let hint = () => {};

// The surface is drawn only over the dataset it was trained on: after the data changes,
// the plane shows the new points alone.
export function drawPlane() {
  const canvas = $("boundary");
  const surface = view.surface?.datasetId === view.dataset?.id ? view.surface : null;
  const scale = data.scaleOf(view.points);
  if (surface) paintSmooth(canvas, surface.values, surfaceColour(surface, scale, state.discretize));
  else canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  if (view.points) {
    const classes = view.dataset.classes ?? [];
    const colour = (y) => pointColour(y, view.dataset.task, classes, scale);
    drawPoints(canvas, view.points, view.domain, colour, state.showTest, explain.point);
  }
  canvas.dataset.epoch = surface?.epoch ?? 0;
  canvas.dataset.source = surface?.source ?? "";
  canvas.dataset.points = view.points?.x.length ?? 0;
  canvas.dataset.grid = surface?.grid ?? 0;
  drawNeurons($("layers"), surface?.neurons ?? null);
  drawOutputs($("outputs"), surface);
  drawLinks(surface);
  $("x-min").textContent = fmt(view.domain.x[0]).replace(/\.?0+$/, "");
  $("x-max").textContent = fmt(view.domain.x[1]).replace(/\.?0+$/, "");
}

// The links of the drawn surface's weights, or the explain view's step; the network
// panel's width may have changed with them, and so whether it has more to the right.
function drawLinks(surface = view.surface?.datasetId === view.dataset?.id ? view.surface : null) {
  const features = view.dataset && isPlane(view.dataset) ? state.features : [];
  drawNetworkLinks(networkPanel(), features, surface, explain.stage());
  hint();
}

export function showDataset() {
  const ds = view.dataset;
  const what =
    ds.task === "classification"
      ? `${ds.classes.length} classes`
      : `${ds.n_outputs} output${ds.n_outputs > 1 ? "s" : ""}`;
  $("dataset-info").textContent =
    `${ds.name}: ${ds.task}, ${ds.n_samples} samples of [${ds.input_shape}], ${what}` +
    (isPlane(ds) ? "" : "; the plane views need two input columns");
  renderFeatures($("features"), state, view.domain, isPlane(ds), changed);
  $("plane-view").hidden = !isPlane(ds);
  showOutputLayer();
  const legend = $("legend");
  legend.replaceChildren();
  const swatch = (rgb, text) => {
    const item = document.createElement("span");
    const dot = document.createElement("i");
    dot.style.background = css(rgb);
    item.append(dot, text);
    legend.append(item);
  };
  if (ds.task === "classification") ds.classes.forEach((c, i) => swatch(classColour(i), c));
  else [-1, 1].forEach((v) => swatch(diverging(v), v < 0 ? "low" : "high"));
}

function showOutputLayer() {
  if (!view.dataset) return;
  const { network, training } = jobBody(state, view.dataset);
  const out = network.layers.at(-1);
  $("output-layer").textContent =
    `Output: ${out.units} ${out.activation} unit${out.units > 1 ? "s" : ""}, ` +
    `${training.loss.replace("_", "-")} loss`;
  const classes = view.dataset.classes ?? [];
  const labels = Array.from({ length: out.units }, (_, k) =>
    out.activation === "softmax" ? String(classes[k] ?? k) : `y${out.units > 1 ? k + 1 : ""}`,
  );
  renderOutputs($("outputs"), labels);
}

// The followed run, while the page shows its dataset, when the controls cannot stand for
// its network (images, convolutions, merges, more layers than they hold): the network
// column draws its real layers instead, and Train trains it again as it is.
export function drawnRun() {
  const job = view.job;
  return job && job.dataset_id === view.dataset?.id && !fitsPlayground(job.network) ? job : null;
}

// A run with no plane has the note in place of its boundary, while its data is shown.
export function showNetwork() {
  const job = drawnRun();
  $("feature-column").hidden = $("layer-column").hidden = Boolean(job);
  $("output-column").hidden = Boolean(job);
  $("graph").hidden = !job;
  if (view.job && !onPlane(view.job.network)) {
    $("surface-note").textContent = job ? planeNote(job.network) : "";
  }
  if (job) drawRun($("graph"), job, () => drawnRun()?.id === job.id);
  hint();
}

export function showMetrics(items) {
  chain.rows = items;
  const shifted = items.map((m) => ({ ...m, epoch: m.epoch + chain.base }));
  drawLoss($("loss"), [...chain.history, ...shifted]);
  const last = items.at(-1);
  $("train-loss").value = fmt(last?.loss);
  $("test-loss").value = fmt(last?.val_loss);
}

// A network or training control changed; the neuron maps are redrawn, since editing a
// layer rebuilds its cards.
export function changed() {
  save();
  showOutputLayer();
  drawPlane();
}

// A click on the plane explains the nearest point; the links follow the network panel's
// layout, and its scroll hint the panel's scrolling.
export function bindDrawing() {
  $("boundary").addEventListener("click", async (event) => {
    const index = nearestPoint($("boundary"), event, view.points, view.domain, state.showTest);
    if (!view.job || !view.surface || index === null) return;
    try {
      await explain.pick(view.job.id, index, view.points.x[index], view.points.y[index]);
    } catch (err) {
      showProblem(err, "The point cannot be explained");
    }
  });
  hint = hintScroll(networkPanel());
  followLayout(networkPanel(), () => drawLinks());
}
