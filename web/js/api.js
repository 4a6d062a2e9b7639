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
export const cancel = (jobId) => request("POST", `/v1/jobs/${id(jobId)}/cancel`);
export const jobs = (limit) => request("GET", `/v1/jobs?limit=${limit}`);

// The network's output (and each hidden unit's activation) on a grid over `domain`:
// the job's latest checkpoint while it runs, its model once it succeeded.
export function surface(jobId, domain, grid) {
  const q = new URLSearchParams({
    grid,
    x_min: domain.x[0],
    x_max: domain.x[1],
    y_min: domain.y[0],
    y_max: domain.y[1],
    neurons: true,
  });
  return request("GET", `/v1/jobs/${id(jobId)}/surface?${q}`);
}
