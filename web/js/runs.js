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

export async function renderRuns(tbody, currentJob) {
  const page = await api.jobs(20);
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
