// Step, Pause / Play and Reset, over the API as it is (every run is a real job):
// - Step trains exactly one more epoch: a 1-epoch job that starts from the model of the
//   run it follows (`training.initial_weights`, a warm start) when that run has a model
//   and the same data and architecture, else from the seeded initial weights. Each step
//   is its own job, whose optimizer starts afresh (Adam's moments, a schedule), so steps
//   are not bitwise one longer run; the page counts the epochs across the steps.
// - Pause cancels the running job: the API keeps its model of the latest checkpoint
//   (every SYN0_CHECKPOINT_EVERY_EPOCHS epochs). Play resumes it from that checkpoint as a
//   new job to its epochs in all (`POST /v1/jobs/{id}/resume`); the epochs after the
//   checkpoint are trained again.
// - Reset forgets the run: the drawing and curves clear, and the next Train or Step
//   starts from the initial weights. A syn0 run is seeded (`training.seed`, which also
//   picks the test split), so those are the seed's weights, not a new random draw.

import * as api from "./api.js";
import { TERMINAL } from "./run.js";

const $ = (id) => document.getElementById(id);
const RESUMABLE = new Set(["cancelled", "failed"]);

// What decides whether a model's weights fit a network: its inputs and each layer.
const architecture = (network) =>
  JSON.stringify([
    network.input_shape,
    network.features ?? null,
    network.layers.map((l) => [l.type, l.units ?? null, l.activation ?? null, l.use_bias ?? true]),
  ]);

// page: job() (the followed job or null), body() (a Promise of the job body the controls
// stand for), follow(job, chain) (follow a new job; chain: {base, from} for a step),
// forget(), problem(err, context)
export function bindPlayback(page) {
  $("step").addEventListener("click", async () => {
    $("step").disabled = true;
    try {
      const body = await page.body();
      const prev = page.job();
      const from =
        prev?.model_id &&
        TERMINAL.has(prev.status) &&
        prev.dataset_id === body.dataset_id &&
        architecture(prev.network) === architecture(body.network)
          ? prev
          : null;
      body.training.epochs = 1;
      if (from) body.training.initial_weights = { model_id: from.model_id };
      page.follow(await api.submit(body), { from });
    } catch (err) {
      page.problem(err, "The step was not submitted");
      $("step").disabled = false;
    }
  });
  $("pause").addEventListener("click", async () => {
    const job = page.job();
    $("pause").disabled = true;
    try {
      if (job && RESUMABLE.has(job.status)) {
        page.follow(await api.resume(job.id, job.progress.epochs), { resumed: job });
      } else if (job) {
        await api.cancel(job.id);
      }
    } catch (err) {
      page.problem(err, job && RESUMABLE.has(job.status) ? "The run cannot go on" : "The run cannot be paused");
      $("pause").disabled = false;
    }
  });
  $("reset").addEventListener("click", async () => {
    const job = page.job();
    if (job && !TERMINAL.has(job.status)) await api.cancel(job.id).catch(() => {});
    page.forget();
  });
}

// The buttons as the followed job allows: Step once it is over, Pause while it runs,
// Play once it stopped with work to go on from.
export function showPlayback(job) {
  const running = job && !TERMINAL.has(job.status);
  const resumable = job && RESUMABLE.has(job.status);
  $("step").disabled = Boolean(running);
  const pause = $("pause");
  pause.textContent = resumable ? "Play" : "Pause";
  pause.dataset.action = resumable ? "play" : "pause";
  pause.disabled = !(resumable || (running && !job.cancel_requested));
}
