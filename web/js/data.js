// The data the page trains on: a generated dataset (made once per generator setting and
// remembered) or a stored one (an uploaded CSV, a reopened run's), and its points.

import * as api from "./api.js";
import { generatorOf, isPlane } from "./spec.js";

// The Playground's plane; generated data lies within it.
const PLANE = { x: [-6, 6], y: [-6, 6] };

const generated = new Map(); // "kind/samples/noise/seed" -> Promise<dataset>
const stored = new Map(); // id -> Promise<dataset>
const pointCache = new Map(); // "id/split" -> Promise<points | null>

const keyOf = (g) => `${g.kind}/${g.samples}/${g.noise}/${g.seed}`;

// Promises are cached, not results, so two quick calls make one dataset; a failure is
// forgotten so the next call tries again.
function cached(map, key, make) {
  if (!map.has(key)) {
    const promise = make();
    map.set(key, promise);
    promise.catch(() => map.delete(key));
  }
  return map.get(key);
}

export function resolve(state) {
  if (state.dataset) return cached(stored, state.dataset, () => api.dataset(state.dataset));
  const { kind, samples, noise, seed } = state;
  return cached(generated, keyOf(state), () => api.generate(kind, samples, noise, seed));
}

// A stored dataset known by id; a generated one is also remembered under its generator
// setting, so training again with the same controls reuses it.
export function remember(dataset) {
  stored.set(dataset.id, Promise.resolve(dataset));
  const generator = generatorOf(dataset);
  if (generator) generated.set(keyOf(generator), Promise.resolve(dataset));
  return generator;
}

// The dataset's first points and which of them the job's validation split holds out.
// Null where they cannot be had (images and other than two columns, not asked for; an
// older server): the page then draws no points.
export function points(dataset, train) {
  if (!isPlane(dataset)) return Promise.resolve(null);
  const split = Math.round(100 - train) / 100;
  return cached(pointCache, `${dataset.id}/${split}`, () =>
    api.points(dataset.id, split, 0).catch((err) => {
      if (err.status === 404 || err.status === 422) return null;
      throw err;
    }),
  );
}

// The plane the heatmap covers: the Playground's for generated data, else the points'
// bounds with a margin.
export function domainOf(dataset, data) {
  if (!dataset || generatorOf(dataset) || !data?.x?.length) return PLANE;
  const bounds = [0, 1].map((axis) => {
    const values = data.x.map((p) => p[axis]);
    const low = Math.min(...values);
    const high = Math.max(...values);
    const margin = (high - low) * 0.08 || 1;
    return [low - margin, high + margin];
  });
  return { x: bounds[0], y: bounds[1] };
}

// The largest |target|, for the regression colour scale.
export function scaleOf(data) {
  if (!data?.y?.length) return 1;
  return Math.max(...data.y.map((v) => Math.abs(Number(v)) || 0)) || 1;
}

// The column names of a CSV's header row (quoted names allowed), read from the file itself.
export async function csvColumns(file) {
  const head = await file.slice(0, 65536).text();
  const line = head.replace(/^\uFEFF/, "").split(/\r?\n/)[0] ?? "";
  const names = [];
  const field = /\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(?:,|$)/g;
  let m;
  while ((m = field.exec(line)) !== null && m.index < line.length) {
    names.push((m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]).trim());
  }
  return names.filter(Boolean);
}
