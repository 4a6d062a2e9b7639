// The page state: one plain object, its defaults, its round trip through the URL hash
// (so a link restores the page); spec.js turns it into the job body it stands for.

// The API's vocabularies as its OpenAPI document publishes them: one `export const` each,
// kept as plain literals that tests/web/test_vocabulary.py reads and compares with it.
// The generators the page plots (DatasetKind less its x-images, which make images) and
// the task each makes (its x-tasks).
export const KINDS = {
  circle: "classification",
  xor: "classification",
  gauss: "classification",
  spiral: "classification",
  moons: "classification",
  plane: "regression",
  regress_gauss: "regression",
};
export const FEATURES = ["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"];
// Every Activation but softmax, which only an output layer uses.
export const ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu"];
export const OPTIMIZERS = ["sgd", "adam", "rmsprop"];
// Each optimizer's settings the page offers besides its learning rate (epsilon is left at
// the API's), at the API's defaults: a switch to an optimizer starts from these.
export const OPTIMIZER_SETTINGS = {
  sgd: { momentum: 0, nesterov: false },
  adam: { beta1: 0.9, beta2: 0.999 },
  rmsprop: { rho: 0.9, momentum: 0 },
};
// The learning-rate schedules and their settings: the API's defaults, and the page's own
// where the API has none (a step schedule's `every`).
export const SCHEDULES = {
  constant: {},
  step: { every: 100, factor: 0.5 },
  plateau: { patience: 5, factor: 0.5, min_lr: 0 },
};
// "none" and RegularizationSpec's penalties.
export const REGULARIZATIONS = ["none", "l1", "l2"];
// "auto" (the dataset's own) and each Task.
export const PROBLEMS = ["auto", "classification", "regression"];
// TrainingSpec's defaults (patience: EarlyStoppingSpec's), for a stored job that lacks one.
export const TRAINING_DEFAULTS = {
  optimizer: "sgd",
  learning_rate: 0.01,
  batch_size: 32,
  epochs: 10,
  validation_split: 0,
  normalize_inputs: false,
  patience: 10,
};
// The plane's raw inputs: a network fed just these needs no `features`.
export const RAW = ["x1", "x2"];
export const MAX_LAYERS = 6;
export const MAX_UNITS = 64;

// Every optimizer's and schedule's settings, under the API's names (which the state uses:
// `patience` is the plateau schedule's; early stopping's is `stop`), at their defaults.
export const SETTINGS = Object.assign(
  {},
  ...[OPTIMIZER_SETTINGS, SCHEDULES].flatMap(Object.values),
);
// `table`'s settings (an optimizer's, a schedule's) with their values in `source`.
export function pick(table, source) {
  return Object.fromEntries(Object.keys(table ?? {}).map((name) => [name, source[name]]));
}

function defaults() {
  return {
    kind: "spiral",
    noise: 10, // percent, as the Playground's slider
    samples: 500,
    seed: 0,
    train: 50, // percent of the samples used for training; the rest is the test split
    dataset: null, // a stored dataset's id (an upload, a reopened run) instead of the generator
    normalize: false,
    problem: "auto",
    // The spiral trains to a test loss of 0.035 with these in about a second of fitting
    // (0.02 to 0.07 over data seeds 0-9; raw x1, x2 and 2x8 units at 500 epochs: 0.24).
    features: ["x1", "x2", "sin_x1", "sin_x2"],
    layers: [
      { units: 8, activation: "tanh", dropout: 0 },
      { units: 6, activation: "tanh", dropout: 0 },
    ],
    optimizer: "adam",
    lr: 0.03,
    schedule: "constant",
    ...SETTINGS,
    batch: 16,
    epochs: 200,
    reg: "l2",
    regRate: 0.001,
    stop: 0, // early-stopping patience in epochs; 0 is off
    augment: 0, // the standard deviation of the noise added to training inputs; 0 is off
    job: null,
    showTest: false,
    discretize: false,
  };
}

// --- the URL hash -------------------------------------------------------------------------

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function toHash(state) {
  const p = new URLSearchParams();
  if (state.dataset) p.set("dataset", state.dataset);
  else {
    p.set("data", state.kind);
    p.set("noise", state.noise);
    p.set("samples", state.samples);
    p.set("seed", state.seed);
  }
  p.set("train", state.train);
  if (state.normalize) p.set("normalize", "1");
  if (state.problem !== "auto") p.set("problem", state.problem);
  p.set("features", state.features.join(","));
  p.set("layers", state.layers.map((l) => `${l.units}:${l.activation}:${l.dropout}`).join(","));
  p.set("optimizer", state.optimizer);
  p.set("lr", state.lr);
  // An optimizer's or a schedule's settings only with it, under the API's names.
  const settings = { ...pick(OPTIMIZER_SETTINGS[state.optimizer], state) };
  if (state.schedule !== "constant") {
    p.set("schedule", state.schedule);
    Object.assign(settings, pick(SCHEDULES[state.schedule], state));
  }
  for (const [name, value] of Object.entries(settings)) p.set(name, value);
  p.set("batch", state.batch ?? "");
  p.set("epochs", state.epochs);
  if (state.reg !== "none") {
    p.set("reg", state.reg);
    p.set("rate", state.regRate);
  }
  if (state.stop) p.set("stop", state.stop);
  if (state.augment) p.set("augment", state.augment);
  if (state.showTest) p.set("test", "1");
  if (state.discretize) p.set("discretize", "1");
  if (state.job) p.set("job", state.job);
  return p.toString();
}

// Anything missing or malformed keeps its default: a hand-edited link never breaks the page.
// Numbers are kept as typed (even invalid ones) so the API, not the page, judges them.
export function fromHash(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const s = defaults();
  const num = (key, fallback) => {
    const v = p.get(key);
    return v === null || v.trim() === "" || !Number.isFinite(Number(v)) ? fallback : Number(v);
  };
  const choice = (key, options, fallback) => (options.includes(p.get(key)) ? p.get(key) : fallback);
  const id = (key) => (ID.test(p.get(key) ?? "") ? p.get(key) : null);

  s.kind = choice("data", Object.keys(KINDS), s.kind);
  s.noise = num("noise", s.noise);
  s.samples = num("samples", s.samples);
  s.seed = num("seed", s.seed);
  s.train = num("train", s.train);
  s.dataset = id("dataset");
  s.normalize = p.get("normalize") === "1";
  s.problem = choice("problem", PROBLEMS, s.problem);
  const features = (p.get("features") ?? "").split(",").filter((f) => FEATURES.includes(f));
  if (p.has("features")) s.features = features;
  const layers = parseLayers(p.get("layers"));
  if (layers) s.layers = layers;
  s.optimizer = choice("optimizer", OPTIMIZERS, s.optimizer);
  s.lr = num("lr", s.lr);
  s.schedule = choice("schedule", Object.keys(SCHEDULES), s.schedule);
  for (const [name, value] of Object.entries(SETTINGS)) {
    const flag = typeof value === "boolean";
    s[name] = flag ? (p.get(name) ?? String(value)) === "true" : num(name, value);
  }
  s.batch = p.get("batch") === "" ? null : num("batch", s.batch);
  s.epochs = num("epochs", s.epochs);
  s.reg = choice("reg", REGULARIZATIONS, s.reg);
  s.regRate = num("rate", s.regRate);
  s.stop = num("stop", s.stop);
  s.augment = num("augment", s.augment);
  s.showTest = p.get("test") === "1";
  s.discretize = p.get("discretize") === "1";
  s.job = id("job");
  return s;
}

function parseLayers(text) {
  if (text === null) return null;
  if (text === "") return [];
  const layers = text.split(",").map((part) => {
    const [units, activation, dropout] = part.split(":");
    return {
      units: Math.min(Math.max(parseInt(units, 10) || 1, 1), MAX_UNITS),
      activation: ACTIVATIONS.includes(activation) ? activation : "tanh",
      dropout: Math.min(Math.max(Number(dropout) || 0, 0), 0.9),
    };
  });
  return layers.slice(0, MAX_LAYERS);
}
