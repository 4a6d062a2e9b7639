// The job the page state stands for (`POST /v1/jobs`'s body) and back: the controls a
// stored job was trained with, and a generated dataset's generator settings.

import {
  KINDS,
  OPTIMIZER_SETTINGS,
  pick,
  RAW,
  SCHEDULES,
  SETTINGS,
  TRAINING_DEFAULTS,
} from "./state.js";

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
