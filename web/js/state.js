// The page state: one plain object, its defaults, its round trip through the URL hash
// (so a link restores the page), and the job body it stands for.

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
const RAW = ["x1", "x2"];
export const MAX_LAYERS = 6;
export const MAX_UNITS = 64;

// Every optimizer's and schedule's settings, under the API's names (which the state uses:
// `patience` is the plateau schedule's; early stopping's is `stop`), at their defaults.
const SETTINGS = Object.assign({}, ...[OPTIMIZER_SETTINGS, SCHEDULES].flatMap(Object.values));
// `table`'s settings (an optimizer's, a schedule's) with their values in `source`.
const pick = (table, source) =>
  Object.fromEntries(Object.keys(table ?? {}).map((name) => [name, source[name]]));

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

// --- the job ------------------------------------------------------------------------------

export function isPlane(dataset) {
  return dataset.input_shape.length === 1 && dataset.input_shape[0] === 2;
}

// `POST /v1/jobs`'s body. The output layer follows the task: softmax over the classes with
// cross-entropy, or linear outputs with mean squared error. A `run` whose network the
// controls cannot stand for (graph.js) is trained again as it is, with its own loss and
// the training controls.
export function jobBody(state, dataset, run = null) {
  const task = state.problem === "auto" ? dataset.task : state.problem;
  const classification = task === "classification";
  const layers = [];
  for (const layer of state.layers) {
    layers.push({ type: "dense", units: layer.units, activation: layer.activation });
    if (layer.dropout > 0) layers.push({ type: "dropout", rate: layer.dropout });
  }
  // Classification forced on regression data still gets two units, so the API's reply is
  // about the task ("needs a classification dataset"), not about the unit count.
  const units = classification ? (dataset.classes?.length ?? 2) : dataset.n_outputs;
  layers.push({ type: "dense", units, activation: classification ? "softmax" : "linear" });
  const network = { input_shape: dataset.input_shape, layers };
  // Raw x1, x2 need no transform; leaving `features` out keeps such a spec the plain one.
  if (isPlane(dataset) && state.features.join() !== RAW.join()) network.features = state.features;
  const split = Math.round(100 - state.train) / 100;
  const training = {
    loss: classification ? "cross_entropy" : "mse",
    optimizer: {
      type: state.optimizer,
      learning_rate: state.lr,
      ...pick(OPTIMIZER_SETTINGS[state.optimizer], state),
    },
    epochs: state.epochs,
    batch_size: state.batch,
    validation_split: split,
    normalize_inputs: state.normalize,
    regularization: {
      l1: state.reg === "l1" ? state.regRate : 0,
      l2: state.reg === "l2" ? state.regRate : 0,
    },
  };
  // A constant rate and no augmentation are the API's defaults: left out, as features are.
  if (state.schedule !== "constant") {
    training.lr_schedule = { type: state.schedule, ...pick(SCHEDULES[state.schedule], state) };
  }
  if (state.augment) training.augmentation = { gaussian_noise: state.augment };
  if (state.stop) {
    training.early_stopping = { monitor: split > 0 ? "val_loss" : "loss", patience: state.stop };
  }
  if (run) {
    const own = { ...training, loss: run.training.loss };
    return { dataset_id: dataset.id, network: run.network, training: own };
  }
  return { dataset_id: dataset.id, network, training };
}

// The inverse of jobBody: the controls a stored job was trained with.
export function fromJob(job) {
  const { network, training } = job;
  const layers = [];
  const dense = network.layers.filter((l) => l.type === "dense");
  for (const layer of network.layers.slice(0, network.layers.lastIndexOf(dense.at(-1)))) {
    if (layer.type === "dense") {
      layers.push({ units: layer.units, activation: layer.activation ?? "linear", dropout: 0 });
    } else if (layer.type === "dropout" && layers.length) {
      layers.at(-1).dropout = layer.rate;
    }
  }
  const reg = training.regularization ?? {};
  const D = TRAINING_DEFAULTS;
  const optimizer = training.optimizer ?? { type: D.optimizer, learning_rate: D.learning_rate };
  // Settings the job's optimizer and schedule lack (another one's) keep the defaults.
  const schedule = training.lr_schedule ?? { type: "constant" };
  const settings = { ...SETTINGS };
  for (const [table, given] of [
    [OPTIMIZER_SETTINGS[optimizer.type], optimizer],
    [SCHEDULES[schedule.type], schedule],
  ]) {
    for (const name of Object.keys(table ?? {})) settings[name] = given[name] ?? settings[name];
  }
  return {
    ...settings,
    schedule: schedule.type in SCHEDULES ? schedule.type : "constant",
    augment: training.augmentation?.gaussian_noise ?? 0,
    features: network.features ?? [...RAW],
    layers,
    optimizer: optimizer.type,
    lr: optimizer.learning_rate,
    batch: training.batch_size === undefined ? D.batch_size : training.batch_size,
    epochs: training.epochs ?? D.epochs,
    train: Math.round(100 - 100 * (training.validation_split ?? D.validation_split)),
    normalize: Boolean(training.normalize_inputs ?? D.normalize_inputs),
    reg: reg.l1 ? "l1" : reg.l2 ? "l2" : "none",
    regRate: reg.l1 || reg.l2 || 0.001,
    stop: training.early_stopping ? training.early_stopping.patience ?? D.patience : 0,
    problem: "auto",
    job: job.id,
  };
}

// A generated dataset carries the settings it was generated with: reading them back
// restores the generator controls of a reopened run.
export function generatorOf(dataset) {
  const g = dataset.generator;
  if (!g || !(g.kind in KINDS)) return null;
  return {
    kind: g.kind,
    samples: g.n_samples,
    noise: Math.round(g.noise * 100),
    seed: g.seed,
  };
}
