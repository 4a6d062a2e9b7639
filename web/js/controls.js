// The form controls of the data panel and the training bar: state -> controls (show) and
// controls -> state (bind). Hidden layers and features live in network.js.

const $ = (id) => document.getElementById(id);

// Typed numbers are passed on as typed, even out of range: the API checks them and its
// 422 says what is wrong. An empty field is null (for the batch size: the whole set).
const typed = (input) => (input.value.trim() === "" ? null : Number(input.value));

const TRAINING_FIELDS = [
  ["optimizer", "optimizer", (el) => el.value],
  ["lr", "lr", typed],
  ["batch", "batch", typed],
  ["epochs", "epochs", typed],
  ["reg", "reg", (el) => el.value],
  ["reg-rate", "regRate", (el) => Number(el.value)],
  ["stop", "stop", (el) => typed(el) ?? 0],
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
  $("optimizer").value = state.optimizer;
  $("lr").value = state.lr ?? "";
  $("batch").value = state.batch ?? "";
  $("epochs").value = state.epochs ?? "";
  $("reg").value = state.reg;
  const rate = $("reg-rate");
  // A link may carry a rate the list lacks: offer it rather than show another.
  if (![...rate.options].some((o) => Number(o.value) === state.regRate)) {
    rate.append(new Option(String(state.regRate)));
  }
  rate.value = [...rate.options].find((o) => Number(o.value) === state.regRate).value;
  rate.disabled = state.reg === "none";
  $("stop").value = state.stop;
  $("problem").value = state.problem;
  $("normalize").checked = state.normalize;
  $("show-test").checked = state.showTest;
  $("discretize").checked = state.discretize;
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
      $("reg-rate").disabled = state.reg === "none";
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
