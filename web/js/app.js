// The playground: wires the controls to the page state (page.js), trains on the real API,
// follows the job and draws it. The parts: the drawing (drawing.js), a run's life
// (lifecycle.js), the data panel (datapanel.js); this module opens a link and starts them.

import * as api from "./api.js";
import { bindControls, showControls } from "./controls.js";
import * as data from "./data.js";
import { bindUpload, refreshData } from "./datapanel.js";
import { bindDrawing, changed, drawPlane, showMetrics } from "./drawing.js";
import { fitsPlayground } from "./graph.js";
import { askForKey } from "./key.js";
import { bindRun, follow, run } from "./lifecycle.js";
import { layerBar, renderLayers } from "./network.js";
import { $, refreshRuns, save, state, view } from "./page.js";
import { bindTeaching } from "./teach.js";
import { fromJob } from "./spec.js";
import { fromHash } from "./state.js";
import { showMessage, showProblem, showStatus } from "./status.js";

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

// --- start --------------------------------------------------------------------------------

bindUpload();
bindDrawing();
bindRun();
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
$("refresh-runs").addEventListener("click", refreshRuns);
$("key-button").addEventListener("click", () => askForKey(null));
bindTeaching();
window.addEventListener("hashchange", load);
load();
