// Following one job: its status every POLL_MS, its metrics when a new epoch is done, and
// its surface at most every SURFACE_MS while it runs (each reply is a whole grid), once
// more when it ends.

import * as api from "./api.js";

const POLL_MS = 400;
const SURFACE_MS = 1000;
// JobStatus's x-finished in the OpenAPI document (tests/web/test_vocabulary.py checks it).
export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Run {
  // hooks: job(job), metrics(items), surface(reply), surfaceError(err), end(job), error(err)
  constructor(hooks) {
    this.hooks = hooks;
    this.token = null;
  }

  stop() {
    this.token = null;
  }

  // `domain()` is asked at each surface request: the plane can change while a job runs.
  // A null `domain`: the job's network has no plane to draw; no surface is asked for.
  async follow(jobId, domain) {
    const token = Symbol(jobId);
    this.token = token;
    const live = () => this.token === token;
    let metricsEpoch = -1;
    const rows = []; // every epoch's metrics so far, fetched incrementally
    let surfaceEpoch = -1;
    let surfaceAt = 0;
    let surfaceWanted = domain !== null;
    while (live()) {
      let job;
      try {
        job = await api.job(jobId);
        if (!live()) return;
        this.hooks.job(job);
        const done = TERMINAL.has(job.status);
        if (done || job.progress.epoch !== metricsEpoch) {
          metricsEpoch = job.progress.epoch;
          let after = rows.length ? rows[rows.length - 1].epoch : 0;
          while (after !== null) {
            const reply = await api.metrics(jobId, after);
            if (!live()) return;
            rows.push(...reply.items);
            after = reply.next_after;
          }
          this.hooks.metrics(rows);
        }
        const due = Date.now() - surfaceAt >= SURFACE_MS && job.progress.epoch > surfaceEpoch;
        if (surfaceWanted && (done || (job.status === "running" && due))) {
          surfaceAt = Date.now();
          surfaceWanted = await this.surface(jobId, domain(), live, (epoch) => {
            surfaceEpoch = epoch;
          });
        }
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

  // False when asking again is pointless: the job's network is not on a plane (422) or
  // the server has no surface endpoint (404). A 409 only means no checkpoint yet.
  async surface(jobId, domain, live, seen) {
    try {
      const reply = await api.surface(jobId, domain, 40);
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
