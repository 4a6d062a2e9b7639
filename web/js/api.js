// The syn0 API as the page uses it. Every failure is an ApiError carrying the problem+json
// reply (status, detail, and for input errors the failing fields).

import { askForKey, currentKey } from "./key.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.type = problem.type ?? "";
    this.title = problem.title ?? `HTTP ${status}`;
    this.detail = this.message;
    this.errors = problem.errors ?? [];
  }
}

// A request with the page's API key; a 401 asks for a key once and tries again with it.
async function request(method, path, body, asked = false) {
  const init = { method, headers: { accept: "application/json" } };
  const key = currentKey();
  if (key) init.headers.authorization = `Bearer ${key}`;
  if (body instanceof FormData) {
    init.body = body; // the browser sets the multipart boundary
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, { title: "Network error", detail: `the API cannot be reached (${err})` });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (response.status === 401 && !asked && (await askForKey(data?.detail))) {
    return request(method, path, body, true);
  }
  if (!response.ok) throw new ApiError(response.status, data ?? {});
  return data;
}

const id = encodeURIComponent;

export function generate(kind, samples, noise, seed) {
  return request("POST", "/v1/datasets/generate", {
    kind,
    n_samples: samples,
    noise: noise / 100,
    seed,
  });
}

// `task`: null lets the server infer it from the target column.
export function upload(file, target, task = null) {
  const form = new FormData();
  form.append("file", file);
  form.append("target", target);
  if (task) form.append("task", task);
  return request("POST", "/v1/datasets", form);
}

export const dataset = (datasetId) => request("GET", `/v1/datasets/${id(datasetId)}`);

// The first points of a dataset, each marked as in the validation (test) split or not,
// split exactly as the worker splits it for `validation_split` and `seed`.
export function points(datasetId, validationSplit, seed) {
  const q = new URLSearchParams({ limit: 2000, validation_split: validationSplit, seed });
  return request("GET", `/v1/datasets/${id(datasetId)}/points?${q}`);
}

export const submit = (body) => request("POST", "/v1/jobs", body);
// Every check a submit runs, without submitting; the reply's `summary` has each layer's
// output shape and parameter count.
export const validate = (body) => request("POST", "/v1/jobs/validate", body);
export const job = (jobId) => request("GET", `/v1/jobs/${id(jobId)}`);
// Rows of epochs after `after`; a reply with `next_after` has more.
export const metrics = (jobId, after) =>
  request("GET", `/v1/jobs/${id(jobId)}/metrics?after=${after}`);
// The job's server-sent events, read with fetch() so that the key goes in a header (an
// EventSource cannot send one): yields {id, event, data} for `status`, `epoch` and `end`
// until the server closes the stream. A reply that is not a stream throws its ApiError.
export async function* events(jobId, signal) {
  const headers = { accept: "text/event-stream" };
  const key = currentKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`/v1/jobs/${id(jobId)}/events`, { headers, signal });
  if (!response.ok || !response.body) {
    const problem = await response.json().catch(() => ({}));
    throw new ApiError(response.status, problem);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = { id: null, event: "message", data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (;;) {
        const cut = buffer.search(/\r\n|\r|\n/);
        // A line ends at \r, \n or \r\n: a lone \r at the end may be half of a \r\n.
        if (cut < 0 || (buffer[cut] === "\r" && cut === buffer.length - 1)) break;
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(buffer.startsWith("\r\n", cut) ? cut + 2 : cut + 1);
        if (line === "") {
          if (event.data.length) yield { ...event, data: JSON.parse(event.data.join("\n")) };
          event = { id: null, event: "message", data: [] };
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const name = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (name === "data") event.data.push(text);
          else if (name === "id") event.id = text;
          else if (name === "event") event.event = text;
        }
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

export const cancel = (jobId) => request("POST", `/v1/jobs/${id(jobId)}/cancel`);
// A new job that continues a cancelled or failed one from its latest checkpoint, to
// `epochs` in all.
export const resume = (jobId, epochs) =>
  request("POST", `/v1/jobs/${id(jobId)}/resume`, { epochs });
// One sample's forward and backward pass through the job's latest weights.
export const explain = (jobId, input, target) =>
  request("POST", `/v1/jobs/${id(jobId)}/explain`, { input, target });
export const jobs = (limit) => request("GET", `/v1/jobs?limit=${limit}`);

// The network's output on a `grid` over `domain`, each hidden unit's activation and each
// output on a coarser `neuronGrid`, and its weights: the job's latest checkpoint while it
// runs, its model once it succeeded.
export function surface(jobId, domain, grid, neuronGrid) {
  const q = new URLSearchParams({
    grid,
    neuron_grid: neuronGrid,
    x_min: domain.x[0],
    x_max: domain.x[1],
    y_min: domain.y[0],
    y_max: domain.y[1],
    neurons: true,
  });
  return request("GET", `/v1/jobs/${id(jobId)}/surface?${q}`);
}
