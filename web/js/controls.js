// The form controls of the data panel and the training bar: state -> controls (show) and
// controls -> state (bind). Hidden layers and features live in network.js.

const $ = (id) => document.getElementById(id);

// Typed numbers are passed on as typed, even out of range: the API checks them and its
// 422 says what is wrong. An empty field is null (for the batch size: the whole set).
const typed = (input) => (input.value.trim() === "" ? null : Number(input.value));

const TRAINING_FIELDS = [
  ["optimizer", "optimizer", (el) => el.value],
  ["lr", "lr", typed],
  ["momentum", "momentum", typed],
  ["nesterov", "nesterov", (el) => el.checked],
  ["beta1", "beta1", typed],
  ["beta2", "beta2", typed],
  ["rho", "rho", typed],
  ["schedule", "schedule", (el) => el.value],
  ["every", "every", typed],
  ["factor", "factor", typed],
  ["plateau-patience", "patience", typed],
  ["min-lr", "min_lr", typed],
  ["batch", "batch", typed],
  ["epochs", "epochs", typed],
  ["reg", "reg", (el) => el.value],
  ["reg-rate", "regRate", (el) => Number(el.value)],
  ["stop", "stop", (el) => typed(el) ?? 0],
  ["augment", "augment", (el) => typed(el) ?? 0],
  ["problem", "problem", (el) => el.value],
  ["normalize", "normalize", (el) => el.checked],
];

export function showControls(state) {
  for (const radio of document.querySelectorAll('input[name="kind"]')) {
    radio.checked = !state.dataset && radio.value === state.kind;
  }
  $("train-ratio").value = state.train;
  $("noise").value = state.noise;
  $("samples").value = state.samples;
  $("seed").value = state.seed;
  showSliders(state);
  for (const [id, key, read] of TRAINING_FIELDS) {
    if (read === typed) $(id).value = state[key] ?? "";
  }
  $("optimizer").value = state.optimizer;
  $("nesterov").checked = state.nesterov;
  $("schedule").value = state.schedule;
  $("reg").value = state.reg;
  const rate = $("reg-rate");
  // A link may carry a rate the list lacks: offer it rather than show another.
  if (![...rate.options].some((o) => Number(o.value) === state.regRate)) {
    rate.append(new Option(String(state.regRate)));
  }
  rate.value = [...rate.options].find((o) => Number(o.value) === state.regRate).value;
  $("stop").value = state.stop;
  $("augment").value = state.augment;
  showSettings(state);
  $("problem").value = state.problem;
  $("normalize").checked = state.normalize;
  $("show-test").checked = state.showTest;
  $("discretize").checked = state.discretize;
}

// Only the chosen optimizer's and schedule's settings are shown (data-for names them).
function showSettings(state) {
  for (const label of document.querySelectorAll(".training [data-for]")) {
    const names = label.dataset.for.split(" ");
    label.hidden = !names.includes(state.optimizer) && !names.includes(state.schedule);
  }
  $("reg-rate").disabled = state.reg === "none";
}

function showSliders(state) {
  $("train-out").value = `${state.train}%`;
  $("noise-out").value = state.noise;
  $("samples-out").value = state.samples;
}

// on.data: the dataset or its split changed; on.training: a training control changed;
// on.view: only the drawing changed.
export function bindControls(state, on) {
  for (const radio of document.querySelectorAll('input[name="kind"]')) {
    radio.addEventListener("change", () => {
      state.kind = radio.value;
      state.dataset = null;
      on.data();
    });
  }
  const sliders = [
    ["train-ratio", "train"],
    ["noise", "noise"],
    ["samples", "samples"],
  ];
  for (const [id, key] of sliders) {
    // The number follows the slider as it moves; the data is fetched when it settles.
    $(id).addEventListener("input", () => {
      state[key] = Number($(id).value);
      showSliders(state);
    });
    $(id).addEventListener("change", () => {
      if (key !== "train") state.dataset = null;
      on.data();
    });
  }
  $("seed").addEventListener("change", () => {
    state.seed = Math.max(0, parseInt($("seed").value, 10) || 0);
    state.dataset = null;
    on.data();
  });
  $("regenerate").addEventListener("click", () => {
    state.seed += 1;
    state.dataset = null;
    $("seed").value = state.seed;
    on.data();
  });
  for (const [id, key, read] of TRAINING_FIELDS) {
    $(id).addEventListener("change", () => {
      state[key] = read($(id));
      showSettings(state);
      on.training();
    });
  }
  for (const [id, key] of [
    ["show-test", "showTest"],
    ["discretize", "discretize"],
  ]) {
    $(id).addEventListener("change", () => {
      state[key] = $(id).checked;
      on.view();
    });
  }
}
