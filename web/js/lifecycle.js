// A run's life on the page: Train submits the controls' job and follows it (its status,
// curves, boundary and confusion matrix as they come), Cancel stops it, and Step, Pause /
// Play and Reset (playback.js) chain, pause, resume and forget runs.

import * as api from "./api.js";
import { showConfusion } from "./confusion.js";
import * as data from "./data.js";
import { drawnRun, drawPlane, explain, showMetrics, showNetwork } from "./drawing.js";
import { onPlane } from "./graph.js";
import { $, chain, refreshRuns, save, state, view } from "./page.js";
import { bindPlayback, showPlayback } from "./playback.js";
import { Run } from "./run.js";
import { markRun } from "./runs.js";
import { jobBody } from "./spec.js";
import { showEnd, showJob, showMessage, showProblem, showStatus } from "./status.js";

export const run = new Run({
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
export function follow(job, step = null) {
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

export function bindRun() {
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
  $("train").addEventListener("click", train);
  $("cancel").addEventListener("click", cancel);
}
