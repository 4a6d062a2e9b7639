// The playground: wires the controls to the page state, trains on the real API, follows
// the job and draws it. The state lives in the URL hash, so a link reopens the page as is.

import * as api from "./api.js";
import { bindControls, showControls } from "./controls.js";
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
import { showConfusion } from "./confusion.js";
import { drawRun } from "./graphview.js";
import { ExplainView, nearestPoint } from "./explain.js";
import { followLayout } from "./links.js";
import {
  drawNetworkLinks,
  drawNeurons,
  drawOutputs,
  layerBar,
  renderFeatures,
  renderLayers,
  renderOutputs,
} from "./network.js";
import { bindPlayback, showPlayback } from "./playback.js";
import { drawLoss, fmt } from "./plot.js";
import { Run } from "./run.js";
import { askForKey } from "./key.js";
import { markRun, renderRuns } from "./runs.js";
import { bindTeaching } from "./teach.js";
import { fromHash, fromJob, isPlane, jobBody, toHash } from "./state.js";
import { showEnd, showJob, showMessage, showProblem, showStatus } from "./status.js";

const $ = (id) => document.getElementById(id);

// One state object for the page's life; opening a link assigns into it.
const state = fromHash(location.hash);
const view = { dataset: null, points: null, domain: data.domainOf(null), surface: null, job: null };
// Steps (playback.js) chain 1-epoch jobs: the epochs and metric rows of the steps before
// the followed one, so the readout and the curves count across them.
const chain = { base: 0, history: [], rows: [] };

// --- drawing ------------------------------------------------------------------------------

// The surface is drawn only over the dataset it was trained on: after the data changes,
// the plane shows the new points alone.
function drawPlane() {
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

// The links of the drawn surface's weights, or the explain view's step.
function drawLinks(surface = view.surface?.datasetId === view.dataset?.id ? view.surface : null) {
  const features = view.dataset && isPlane(view.dataset) ? state.features : [];
  drawNetworkLinks(document.querySelector(".panel.network"), features, surface, explain.stage());
}

function showDataset() {
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
function drawnRun() {
  const job = view.job;
  return job && job.dataset_id === view.dataset?.id && !fitsPlayground(job.network) ? job : null;
}

// A run with no plane has the note in place of its boundary, while its data is shown.
function showNetwork() {
  const job = drawnRun();
  $("feature-column").hidden = $("layer-column").hidden = Boolean(job);
  $("output-column").hidden = Boolean(job);
  $("graph").hidden = !job;
  if (view.job && !onPlane(view.job.network)) {
    $("surface-note").textContent = job ? planeNote(job.network) : "";
  }
  if (job) drawRun($("graph"), job, () => drawnRun()?.id === job.id);
}

function showMetrics(items) {
  chain.rows = items;
  const shifted = items.map((m) => ({ ...m, epoch: m.epoch + chain.base }));
  drawLoss($("loss"), [...chain.history, ...shifted]);
  const last = items.at(-1);
  $("train-loss").value = fmt(last?.loss);
  $("test-loss").value = fmt(last?.val_loss);
}

// --- state changes ------------------------------------------------------------------------

function save() {
  history.replaceState(null, "", `#${toHash(state)}`);
  $("permalink").href = location.href;
}

// A network or training control changed; the neuron maps are redrawn, since editing a
// layer rebuilds its cards.
function changed() {
  save();
  showOutputLayer();
  drawPlane();
}

let dataRequest = 0;
async function refreshData() {
  const request = ++dataRequest;
  save();
  try {
    const dataset = await data.resolve(state);
    const points = await data.points(dataset, state.train);
    if (request !== dataRequest) return; // a newer setting has been asked for
    Object.assign(view, { dataset, points, domain: data.domainOf(dataset, points) });
    showDataset();
    showNetwork();
    drawPlane();
  } catch (err) {
    if (request === dataRequest) showProblem(err, "The data could not be made");
  }
}

const run = new Run({
  job: (job) => {
    view.job = job;
    const { epoch, epochs } = job.progress;
    const progress = { ...job.progress, epoch: epoch + chain.base, epochs: epochs + chain.base };
    showJob({ ...job, progress });
    showPlayback(job);
    showConfusion($("confusion"), job.evaluation);
  },
  ended: (job) => {
    markRun($("runs"), job);
    refreshRuns();
  },
  metrics: showMetrics,
  surface: (reply) => {
    view.surface = { ...reply, datasetId: view.job?.dataset_id };
    $("surface-note").textContent = "";
    drawPlane();
  },
  surfaceError: (err) => {
    $("surface-note").textContent = `No boundary view for this run: ${err.detail}`;
  },
  end: (job) => {
    showEnd(job);
    refreshRuns();
  },
  error: (err) => showProblem(err, "Lost track of the run"),
});

// `step`: a Step's job, {from: the run it continues, or null}; anything else starts the
// count afresh.
function follow(job, step = null) {
  if (step?.from) {
    chain.history.push(...chain.rows.map((m) => ({ ...m, epoch: m.epoch + chain.base })));
    chain.base += step.from.progress.epoch;
  } else Object.assign(chain, { base: 0, history: [] });
  state.job = job.id;
  save();
  view.job = job;
  view.surface = null;
  explain.clear();
  showConfusion($("confusion"), null);
  $("surface-note").textContent = "";
  showMetrics([]);
  drawPlane();
  showJob(job);
  showNetwork();
  run.follow(job.id, onPlane(job.network) ? () => view.domain : null);
}

async function train() {
  showMessage(null);
  $("train").disabled = true;
  showStatus("submitting", "Submitting…");
  try {
    const dataset = await data.resolve(state);
    const job = await api.submit(jobBody(state, dataset, drawnRun()));
    follow(job);
    refreshRuns();
  } catch (err) {
    showStatus("rejected", err.status === 422 ? "Not submitted: invalid spec" : "Not submitted");
    showProblem(err, "The job was not submitted");
    $("train").disabled = false;
  }
}

async function cancel() {
  $("cancel").disabled = true;
  try {
    await api.cancel(state.job);
  } catch (err) {
    showProblem(err, "The run could not be cancelled");
  }
}

// A link opens the page as it was. A link with only a run (`#job=…`, the runs list's)
// takes the controls from the run's own spec and its dataset.
async function load() {
  run.stop();
  const onlyRun = !new URLSearchParams(location.hash.slice(1)).has("layers");
  Object.assign(state, fromHash(location.hash));
  showMessage(null);
  view.surface = null;
  showMetrics([]);
  let job = null;
  if (state.job) {
    try {
      job = await api.job(state.job);
    } catch (err) {
      showProblem(err, `Run ${state.job} cannot be reopened`);
      state.job = null;
    }
  }
  view.job = job;
  if (job) {
    // Known under its generator setting, the run's dataset is the one the page shows (not
    // a new one generated alike), so the run's boundary is drawn over it.
    const dataset = job.dataset_id ? await api.dataset(job.dataset_id).catch(() => null) : null;
    const generator = dataset && data.remember(dataset);
    if (onlyRun) {
      // A network the controls cannot stand for is drawn as it is; they keep their own.
      const { layers, features, ...training } = fromJob(job);
      Object.assign(state, training, fitsPlayground(job.network) ? { layers, features } : {});
      if (generator) Object.assign(state, generator, { dataset: null });
      else if (dataset) state.dataset = dataset.id;
    }
  }
  showControls(state);
  renderLayers($("layers"), state, changed);
  updateLayerBar();
  await refreshData();
  if (job) follow(job);
  else showStatus("idle", "Ready");
  refreshRuns();
}

// Reset (playback.js): the run is forgotten, the page drawn as before any run.
function forget() {
  run.stop();
  Object.assign(view, { job: null, surface: null });
  Object.assign(chain, { base: 0, history: [], rows: [] });
  state.job = null;
  save();
  explain.clear();
  showMessage(null);
  showMetrics([]);
  showConfusion($("confusion"), null);
  drawPlane();
  $("epoch").value = "0";
  $("eta").value = "–";
  $("train").disabled = false;
  $("cancel").disabled = true;
  showStatus("idle", "Ready");
  showPlayback(null);
  refreshRuns();
}

function refreshRuns() {
  renderRuns($("runs"), state.job).catch((err) => showProblem(err, "The runs cannot be listed"));
}

// --- your own data ------------------------------------------------------------------------

$("csv-file").addEventListener("change", async () => {
  const file = $("csv-file").files[0];
  const target = $("csv-target");
  target.replaceChildren();
  if (!file) return;
  const columns = await data.csvColumns(file);
  target.append(...columns.map((c) => new Option(c, c)));
  // A column named like a target is the likely choice, else the last one.
  const guess = columns.find((c) => /^(y|target|label|class)$/i.test(c)) ?? columns.at(-1);
  target.value = guess ?? "";
  target.disabled = $("csv-upload").disabled = columns.length < 2;
});

$("csv-upload").addEventListener("click", async () => {
  showMessage(null);
  $("csv-upload").disabled = true;
  try {
    // "Problem type" says the task when the target column alone cannot (many whole numbers).
    const task = state.problem === "auto" ? null : state.problem;
    const dataset = await api.upload($("csv-file").files[0], $("csv-target").value, task);
    data.remember(dataset);
    Object.assign(state, { dataset: dataset.id, normalize: true, job: null });
    showControls(state);
    await refreshData();
    showMessage("info", `Uploaded ${dataset.name}`, "Press Train to fit it.");
  } catch (err) {
    showProblem(err, "The file was not accepted");
  } finally {
    $("csv-upload").disabled = false;
  }
});

// --- start --------------------------------------------------------------------------------

const explain = new ExplainView(drawPlane);
$("boundary").addEventListener("click", async (event) => {
  const index = nearestPoint($("boundary"), event, view.points, view.domain, state.showTest);
  if (!view.job || !view.surface || index === null) return;
  try {
    await explain.pick(view.job.id, index, view.points.x[index], view.points.y[index]);
  } catch (err) {
    showProblem(err, "The point cannot be explained");
  }
});
bindPlayback({
  job: () => view.job,
  body: async () => {
    const dataset = await data.resolve(state);
    return jobBody(state, dataset, drawnRun());
  },
  follow: (job, step) => {
    showMessage(null);
    follow(job, step);
    refreshRuns();
  },
  forget,
  problem: showProblem,
});
followLayout(document.querySelector(".panel.network"), () => drawLinks());
const updateLayerBar = layerBar($("layers"), state, changed);
// Arrow keys on a slider change it step by step: make the data once it settles.
let dataTimer;
bindControls(state, {
  data: () => {
    clearTimeout(dataTimer);
    dataTimer = setTimeout(refreshData, 250);
  },
  training: changed,
  view: () => {
    save();
    drawPlane();
  },
});
$("train").addEventListener("click", train);
$("cancel").addEventListener("click", cancel);
$("refresh-runs").addEventListener("click", refreshRuns);
$("key-button").addEventListener("click", () => askForKey(null));
bindTeaching();
window.addEventListener("hashchange", load);
load();
