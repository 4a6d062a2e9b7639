// Following one job: its event stream while it runs (status changes and each finished
// epoch's metrics as they happen), or, when the stream cannot be had, its status every
// POLL_MS and its metrics when a new epoch is done; its surface at most every SURFACE_MS
// while it runs (each reply is a whole grid), once more when it ends.

import * as api from "./api.js";

const POLL_MS = 400;
const SURFACE_MS = 1000;
// The boundary's grid (painted smooth, heatmap.js) and the small neuron maps' coarser one.
const GRID = 100;
const NEURON_GRID = 32;
// JobStatus's x-finished in the OpenAPI document (tests/web/test_vocabulary.py checks it).
export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The job as of a finished epoch: its ETA as the API computes it, the epoch's seconds
// times the epochs left.
function atEpoch(job, epoch, seconds) {
  const left = Math.max(job.progress.epochs - epoch, 0);
  const eta = job.status === "running" && seconds != null ? seconds * left : null;
  const progress = { ...job.progress, epoch, eta_seconds: eta };
  return { ...job, progress };
}

// The job as a status event tells it (`summary`: the event's data); a running attempt
// starts after `from_epoch`, its checkpoint's.
function withStatus(job, summary) {
  const epoch = summary.status === "running" ? (summary.from_epoch ?? 0) : summary.epoch;
  const progress = { ...job.progress, epoch, eta_seconds: null };
  const { status, model_id, error } = summary;
  return { ...job, status, model_id, error, progress };
}

export class Run {
  // hooks: job(job), metrics(items), surface(reply), surfaceError(err), end(job), error(err),
  // and ended(job): the moment the job is first seen finished, before its last surface is
  // fetched and `end` runs (the runs list catches up then, not on its next refresh)
  constructor(hooks) {
    this.hooks = hooks;
    this.token = null;
    this.abort = null;
    this.ended = null;
  }

  seen(job) {
    this.hooks.job(job);
    if (TERMINAL.has(job.status) && this.ended !== job.id) {
      this.ended = job.id;
      this.hooks.ended?.(job);
    }
  }

  stop() {
    this.token = null;
    this.abort?.abort();
    this.abort = null;
  }

  // `domain()` is asked at each surface request: the plane can change while a job runs.
  // A null `domain`: the job's network has no plane to draw; no surface is asked for.
  async follow(jobId, domain) {
    this.stop();
    const token = Symbol(jobId);
    this.token = token;
    const live = () => this.token === token;
    // every epoch's metrics so far, and what the surface shows
    const view = { rows: [], surfaceEpoch: -1, surfaceAt: 0, surfaceWanted: domain !== null };
    try {
      const job = await api.job(jobId);
      if (!live()) return;
      if (!TERMINAL.has(job.status) && (await this.streamed(jobId, job, domain, live, view))) {
        return;
      }
    } catch (err) {
      if (live()) this.hooks.error(err);
      return;
    }
    await this.polled(jobId, domain, live, view);
  }

  // The running job's event stream: true once the run is over for this view (its end
  // shown, or stopped), false when the stream failed (a proxy that drops it, the API's
  // cap on streams) and polling takes over.
  async streamed(jobId, job, domain, live, view) {
    const abort = new AbortController();
    this.abort = abort;
    let current = job;
    let fetchedAt = Date.now();
    this.seen(current);
    try {
      for await (const event of api.events(jobId, abort.signal)) {
        if (!live()) return true;
        if (event.event === "end") {
          this.seen(event.data);
          this.hooks.metrics(view.rows);
          await this.surfaceIfDue(jobId, event.data, domain, live, view);
          if (live()) this.hooks.end(event.data);
          return true;
        }
        if (event.event === "epoch") {
          const row = event.data;
          // An attempt resumed from a checkpoint trains the epochs after it again.
          while (view.rows.length && view.rows[view.rows.length - 1].epoch >= row.epoch) {
            view.rows.pop();
          }
          view.rows.push(row);
          this.hooks.metrics(view.rows);
          current = atEpoch(current, row.epoch, row.seconds);
        } else if (event.event === "status") {
          current = withStatus(current, event.data.data);
        }
        // The stream may run behind the job: only what it cannot tell comes from the
        // job itself (a cancel requested, a notice), at most every SURFACE_MS.
        if (Date.now() - fetchedAt >= SURFACE_MS) {
          const now = await api.job(jobId);
          fetchedAt = Date.now();
          if (!live()) return true;
          current = { ...current, cancel_requested: now.cancel_requested, notice: now.notice };
        }
        this.seen(current);
        // the final surface comes with `end`, right after the final status
        if (!TERMINAL.has(current.status)) {
          await this.surfaceIfDue(jobId, current, domain, live, view);
        }
      }
    } catch {
      // stopped (the fetch aborted), or the stream failed: polling takes over and
      // reports whatever keeps failing
    } finally {
      if (this.abort === abort) this.abort = null;
    }
    return !live();
  }

  async polled(jobId, domain, live, view) {
    let metricsEpoch = -1;
    while (live()) {
      let job;
      try {
        job = await api.job(jobId);
        if (!live()) return;
        this.seen(job);
        const done = TERMINAL.has(job.status);
        if (done || job.progress.epoch !== metricsEpoch) {
          metricsEpoch = job.progress.epoch;
          let after = view.rows.length ? view.rows[view.rows.length - 1].epoch : 0;
          while (after !== null) {
            const reply = await api.metrics(jobId, after);
            if (!live()) return;
            view.rows.push(...reply.items);
            after = reply.next_after;
          }
          this.hooks.metrics(view.rows);
        }
        await this.surfaceIfDue(jobId, job, domain, live, view);
        if (done) {
          if (live()) this.hooks.end(job);
          return;
        }
      } catch (err) {
        if (live()) this.hooks.error(err);
        return;
      }
      await sleep(POLL_MS);
    }
  }

  // A new surface while the job runs (at most every SURFACE_MS, once a newer epoch is
  // done), and once more when it has ended.
  async surfaceIfDue(jobId, job, domain, live, view) {
    const done = TERMINAL.has(job.status);
    // no epoch done, no checkpoint: the API would answer 409
    const due =
      Date.now() - view.surfaceAt >= SURFACE_MS &&
      job.progress.epoch > Math.max(view.surfaceEpoch, 0);
    if (view.surfaceWanted && (done || (job.status === "running" && due))) {
      view.surfaceAt = Date.now();
      view.surfaceWanted = await this.surface(jobId, domain(), live, (epoch) => {
        view.surfaceEpoch = epoch;
      });
    }
  }

  // False when asking again is pointless: the job's network is not on a plane (422) or
  // the server has no surface endpoint (404). A 409 only means no checkpoint yet.
  async surface(jobId, domain, live, seen) {
    try {
      const reply = await api.surface(jobId, domain, GRID, NEURON_GRID);
      if (live()) {
        seen(reply.epoch ?? 0);
        this.hooks.surface(reply);
      }
      return true;
    } catch (err) {
      if (err.status === 409) return true;
      if (err.status === 404 || err.status === 422) {
        if (live()) this.hooks.surfaceError(err);
        return false;
      }
      throw err;
    }
  }
}
