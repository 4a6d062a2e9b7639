// The list of recent runs. Each run's link is `#job=<id>`: following it reopens the run
// through the same path as any shared link.

import * as api from "./api.js";
import { fmt } from "./plot.js";

function cell(...children) {
  const td = document.createElement("td");
  td.append(...children);
  return td;
}

// "2 → 8 tanh → 8 tanh → 2 softmax", with the features when there are any.
function describeNetwork(network) {
  const inputs = network.features ? network.features.length : network.input_shape.join("×");
  const parts = network.layers.map((l) => {
    if (l.type === "dense") return `${l.units} ${l.activation ?? "linear"}`;
    if (l.type === "dropout") return `dropout ${l.rate}`;
    return l.type;
  });
  return [inputs, ...parts].join(" → ");
}

// Replies may come back out of order: only the latest request's is drawn, so an older
// list (the run still queued) never overwrites a newer one.
let latest = 0;

export async function renderRuns(tbody, currentJob) {
  const request = ++latest;
  const page = await api.jobs(20);
  if (request !== latest) return;
  tbody.replaceChildren();
  if (page.items.length === 0) {
    const empty = cell("No runs yet: press Train.");
    empty.colSpan = 6;
    tbody.append(document.createElement("tr"));
    tbody.lastChild.append(empty);
    return;
  }
  for (const job of page.items) {
    const row = document.createElement("tr");
    row.dataset.job = job.id;
    if (job.id === currentJob) row.setAttribute("aria-current", "true");
    const link = Object.assign(document.createElement("a"), {
      href: `#job=${job.id}`,
      textContent: job.id.slice(0, 8),
      title: `Open run ${job.id}`,
    });
    const status = cell(job.status);
    status.dataset.status = job.status;
    const m = job.latest_metrics ?? {};
    row.append(
      cell(link),
      status,
      cell(describeNetwork(job.network)),
      cell(`${job.progress.epoch} / ${job.progress.epochs}`),
      cell(fmt(m.val_loss ?? m.loss)),
      cell(new Date(job.created_at).toLocaleString()),
    );
    tbody.append(row);
  }
}

// The followed run's row as the page has just seen it (its stream or poll), before the
// list is fetched again.
export function markRun(tbody, job) {
  const row = tbody.querySelector(`tr[data-job="${CSS.escape(job.id)}"]`);
  if (!row) return;
  const status = row.querySelector("td[data-status]");
  status.textContent = status.dataset.status = job.status;
  row.cells[3].textContent = `${job.progress.epoch} / ${job.progress.epochs}`;
}
