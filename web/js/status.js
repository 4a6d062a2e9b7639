// The run's status line (epoch, ETA, status) and the message box: API problems with their
// failing fields, and a run's divergence, failure or cancellation in the API's words.

import { TERMINAL } from "./run.js";
import { setText } from "./text.js";

const $ = (id) => document.getElementById(id);

export function showStatus(status, text) {
  const box = $("status");
  box.dataset.status = status;
  box.textContent = text;
}

function eta(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

function statusText(job) {
  const { epoch, epochs } = job.progress;
  switch (job.status) {
    case "queued":
      return "Queued";
    case "running":
      return job.cancel_requested ? "Cancelling…" : "Training";
    case "succeeded":
      return epoch < epochs ? `Stopped early at epoch ${epoch}` : "Trained";
    case "cancelled":
      return `Cancelled at epoch ${epoch}`;
    default:
      return job.error?.type === "diverged" ? "Diverged" : "Failed";
  }
}

export function showJob(job) {
  const running = !TERMINAL.has(job.status);
  $("epoch").value = `${job.progress.epoch} / ${job.progress.epochs}`;
  $("eta").value = running ? eta(job.progress.eta_seconds) : "–";
  showStatus(job.status, statusText(job));
  $("status").dataset.job = job.id;
  $("train").disabled = running;
  $("cancel").disabled = !running || job.cancel_requested;
}

// What a finished run has to say: nothing when it trained, else why it stopped.
export function showEnd(job) {
  const error = job.error;
  if (job.status === "cancelled") {
    showMessage("info", "Cancelled", `The run was cancelled at epoch ${job.progress.epoch}.`);
  } else if (error?.type === "diverged") {
    // The API's detail names the epoch, the last finite loss and what to try.
    showMessage("error", `Training diverged at epoch ${error.epoch ?? "?"}`, error.detail);
  } else if (job.status === "failed") {
    showMessage("error", `Training failed (${error?.type ?? "unknown"})`, error?.detail ?? "");
  }
}

// An API error: its title, its detail and, for a 422, each failing field.
export function showProblem(err, context) {
  const title = err.status ? `${context}: ${err.title} (${err.status})` : context;
  showMessage("error", title, err.detail, err.errors);
}

// kind: "error" | "info"; null hides the box.
export function showMessage(kind, title = "", detail = "", errors = []) {
  const box = $("message");
  box.replaceChildren();
  box.hidden = !kind;
  if (!kind) return;
  box.dataset.kind = kind;
  const head = document.createElement("strong");
  head.textContent = title;
  const text = document.createElement("p");
  setText(text, detail);
  box.append(head, text);
  if (errors?.length) {
    const list = document.createElement("ul");
    for (const { loc, msg } of errors) {
      const item = document.createElement("li");
      const where = document.createElement("code");
      where.textContent = loc;
      // A lone field whose message is the detail above needs only its path.
      const said = document.createElement("span");
      setText(said, msg === detail ? "" : `: ${msg}`);
      item.append(where, said);
      list.append(item);
    }
    box.append(list);
  }
}
