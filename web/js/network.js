// The network column: input features (toggles, each with its own small map), the hidden
// layers (units, activation, dropout) and, in each layer, one small heatmap per neuron,
// the output units' maps, and the links between them all (links.js).

import { drawFeature, drawOutput, drawUnit } from "./heatmap.js";
import { drawLinks } from "./links.js";
import { ACTIVATIONS, FEATURES, MAX_LAYERS, MAX_UNITS } from "./state.js";

const FEATURE_LABELS = {
  x1: "x₁",
  x2: "x₂",
  x1_squared: "x₁²",
  x2_squared: "x₂²",
  x1_x2: "x₁x₂",
  sin_x1: "sin(x₁)",
  sin_x2: "sin(x₂)",
};

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

// The feature toggles; `enabled` is false when the data is not two columns (x1, x2): then
// none is ticked, as none goes into the spec.
export function renderFeatures(container, state, domain, enabled, onChange) {
  container.replaceChildren();
  for (const name of FEATURES) {
    const checked = enabled && state.features.includes(name);
    const box = el("input", { type: "checkbox", checked });
    box.disabled = !enabled;
    box.dataset.feature = name;
    box.addEventListener("change", () => {
      // Kept in FEATURES order, so a spec and a link read the same for the same choice.
      state.features = FEATURES.filter(
        (f) => container.querySelector(`[data-feature="${f}"]`).checked,
      );
      onChange();
    });
    const map = el("canvas", { width: 32, height: 32 });
    map.setAttribute("aria-hidden", "true");
    drawFeature(map, name, domain);
    // The name before its map, as in the TensorFlow Playground: the links leave the map's
    // right edge, so none passes over a name.
    const label = el("span", { className: "name", textContent: FEATURE_LABELS[name] });
    container.append(el("label", { className: "feature" }, box, label, map));
  }
}

// The hidden layers' controls. The whole list is rebuilt on every change; the control
// that had the focus gets it back, so keyboard users stay where they were.
export function renderLayers(container, state, onChange) {
  const focused = document.activeElement?.dataset?.focus;
  const rerender = () => {
    renderLayers(container, state, onChange);
    onChange();
  };
  container.replaceChildren();
  state.layers.forEach((layer, i) => container.append(layerCard(layer, i, rerender, onChange)));
  if (focused) container.querySelector(`[data-focus="${focused}"]`)?.focus();
}

function layerCard(layer, i, changed, onChange) {
  const n = i + 1;
  const step = (delta) => {
    layer.units = Math.min(Math.max(layer.units + delta, 1), MAX_UNITS);
    changed();
  };
  const add = el("button", { type: "button", textContent: "+", onclick: () => step(1) });
  const remove = el("button", { type: "button", textContent: "−", onclick: () => step(-1) });
  add.setAttribute("aria-label", `Add a neuron to layer ${n}`);
  remove.setAttribute("aria-label", `Remove a neuron from layer ${n}`);
  add.dataset.focus = `add-${i}`;
  remove.dataset.focus = `remove-${i}`;
  add.disabled = layer.units >= MAX_UNITS;
  remove.disabled = layer.units <= 1;

  const units = el("input", { type: "number", min: 1, max: MAX_UNITS, step: 1 });
  units.value = layer.units;
  units.dataset.focus = `units-${i}`;
  units.addEventListener("change", () => {
    layer.units = Math.min(Math.max(parseInt(units.value, 10) || 1, 1), MAX_UNITS);
    changed();
  });

  const activation = el("select");
  activation.append(...ACTIVATIONS.map((a) => el("option", { value: a, textContent: a })));
  activation.value = layer.activation;
  activation.dataset.focus = `activation-${i}`;
  activation.addEventListener("change", () => {
    layer.activation = activation.value;
    onChange();
  });

  const dropout = el("input", { type: "number", min: 0, max: 0.9, step: 0.05 });
  dropout.value = layer.dropout;
  dropout.dataset.focus = `dropout-${i}`;
  dropout.addEventListener("change", () => {
    layer.dropout = Math.min(Math.max(Number(dropout.value) || 0, 0), 0.9);
    dropout.value = layer.dropout;
    onChange();
  });

  const size = layer.units > 16 ? 24 : 36;
  const neurons = el("div", { className: "neurons" });
  neurons.style.gridTemplateColumns = `repeat(${Math.ceil(layer.units / 8)}, ${size}px)`;
  for (let u = 1; u <= layer.units; u++) {
    const map = el("canvas", { width: size, height: size, className: "neuron" });
    map.setAttribute("role", "img");
    map.setAttribute("aria-label", `layer ${n}, neuron ${u}: no activations yet`);
    neurons.append(map);
  }

  const card = el(
    "div",
    { className: "layer" },
    el("div", { className: "units-bar" }, add, remove),
    el("label", {}, "Neurons ", units),
    el("label", {}, "Activation ", activation),
    el("label", {}, "Dropout ", dropout),
    neurons,
  );
  card.setAttribute("role", "group");
  card.setAttribute("aria-label", `Hidden layer ${n}`);
  return card;
}

// Each neuron's activation over the plane, from a surface reply's `neurons` (one entry per
// hidden dense layer, in order). A layer whose unit count no longer matches (it was edited
// after the run) is left blank; `null` clears every map.
export function drawNeurons(container, neurons) {
  container.querySelectorAll(".layer").forEach((card, i) => {
    const canvases = card.querySelectorAll("canvas.neuron");
    const units = neurons?.[i]?.units;
    const fits = units?.length === canvases.length;
    canvases.forEach((canvas, u) => {
      const label = `layer ${i + 1}, neuron ${u + 1}`;
      if (fits) {
        drawUnit(canvas, units[u]);
        canvas.setAttribute("aria-label", `${label}: activation over the input plane`);
      } else {
        canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
        canvas.setAttribute("aria-label", `${label}: no activations yet`);
      }
    });
    card.dataset.drawn = fits ? units.length : 0;
  });
}

export function layerBar(container, state, onChange) {
  const count = document.getElementById("layer-count");
  const add = document.getElementById("add-layer");
  const remove = document.getElementById("remove-layer");
  const update = () => {
    const n = state.layers.length;
    count.textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
    add.disabled = n >= MAX_LAYERS;
    remove.disabled = n === 0;
  };
  const changed = () => {
    update();
    renderLayers(container, state, onChange);
    onChange();
  };
  add.onclick = () => {
    state.layers.push({ units: state.layers.at(-1)?.units ?? 4, activation: "tanh", dropout: 0 });
    changed();
  };
  remove.onclick = () => {
    state.layers.pop();
    changed();
  };
  update();
  return update;
}

// One tile per output unit: a class's probability, or one regression output.
export function renderOutputs(container, labels) {
  const tiles = labels.map((text, k) => {
    const map = el("canvas", { width: 44, height: 44, className: "output-unit" });
    map.setAttribute("role", "img");
    map.setAttribute("aria-label", `output ${text}: no run yet`);
    map.dataset.unit = k;
    return el("figure", { className: "output-tile" }, map, el("figcaption", {}, text));
  });
  container.replaceChildren(...tiles);
}

// Each output unit's map from a surface reply's `outputs`; null (or a count that no
// longer fits) clears them.
export function drawOutputs(container, surface) {
  const canvases = container.querySelectorAll("canvas.output-unit");
  const fits = surface?.outputs?.length === canvases.length;
  canvases.forEach((canvas, k) => {
    const caption = canvas.nextElementSibling?.textContent ?? k;
    if (fits) drawOutput(canvas, surface.outputs[k], surface.task, k);
    else canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    const what = surface?.task === "classification" ? "probability" : "value";
    canvas.setAttribute("aria-label", `output ${caption}: ${fits ? what : "no run yet"}`);
  });
  container.dataset.drawn = fits ? canvases.length : 0;
}

// The drawing's columns: the features that go in (in `features` order), each hidden
// layer's neurons, the outputs; with each node's name for the tooltips.
export function networkColumns(panel, features) {
  const inputs = features.map((name) => {
    const box = panel.querySelector(`#features [data-feature="${name}"]`);
    return box?.parentElement.querySelector("canvas");
  });
  const columns = [inputs.every(Boolean) ? inputs : []];
  const names = [features.map((f) => FEATURE_LABELS[f])];
  panel.querySelectorAll("#layers .layer").forEach((card, i) => {
    const units = [...card.querySelectorAll("canvas.neuron")];
    columns.push(units);
    names.push(units.map((_, u) => `layer ${i + 1} neuron ${u + 1}`));
  });
  const outputs = [...panel.querySelectorAll("canvas.output-unit")];
  columns.push(outputs);
  names.push(outputs.map((c) => `output ${c.nextElementSibling?.textContent ?? ""}`));
  return { columns, names };
}

// The links of a surface reply's `weights` (one matrix per dense layer, the output last),
// or of an explain step (`stage`: its matrices, their kind, the values on the nodes).
export function drawNetworkLinks(panel, features, surface, stage = null) {
  const { columns, names } = networkColumns(panel, features);
  if (stage) return drawLinks(panel, columns, names, stage.matrices, stage.kind, stage.badges);
  const matrices = surface?.weights?.map((w) => w.weights) ?? [];
  return drawLinks(panel, columns, names, matrices, "weight");
}

// Whether the panel, scrolled sideways, has more to the right (`data-more`: "right" or
// "none"), which the page's style shows as a fade with an arrow. Returns the update, to
// run whenever the content's width may have changed.
export function hintScroll(panel) {
  const update = () => {
    const rest = panel.scrollWidth - panel.clientWidth - panel.scrollLeft;
    panel.dataset.more = rest > 1 ? "right" : "none";
  };
  panel.addEventListener("scroll", update, { passive: true });
  update();
  return update;
}
