// A run's network as it is, for the runs the controls cannot stand for (images,
// convolutions, merges, more layers than the controls hold): which runs those are, why
// their boundary view is missing, and the layers as nodes placed in columns by depth.

import { ACTIVATIONS, MAX_LAYERS, MAX_UNITS } from "./state.js";

const isPlaneInput = (network) => network.input_shape.join() === "2";
// A layer's own inputs, when it names any (null and [] mean the layer before it).
const inputsOf = (layer) => (layer?.inputs?.length ? layer.inputs : null);
export const isGraph = (network) => network.layers.some((l) => inputsOf(l) !== null);
// The controls set neither bias nor initializer: a run with other ones is not theirs.
const plain = (layer) => layer.use_bias !== false && (layer.init ?? "auto") === "auto";

// Whether the surface endpoint can evaluate the network: two inputs through a plain stack
// of dense layers (dropout is inert at inference).
export function onPlane(network) {
  return (
    isPlaneInput(network) &&
    !isGraph(network) &&
    network.layers.every((l) => l.type === "dense" || l.type === "dropout")
  );
}

// Whether the page's controls can stand for the network, as `fromJob` reads it back and
// `jobBody` writes it again: hidden dense layers within the controls' limits, each
// followed by at most one dropout, and the output layer the task gives.
export function fitsPlayground(network) {
  if (!onPlane(network)) return false;
  const layers = network.layers;
  const out = layers.at(-1);
  if (out.type !== "dense" || !["softmax", "linear"].includes(out.activation)) return false;
  let hidden = 0;
  for (const [i, layer] of layers.slice(0, -1).entries()) {
    if (layer.type === "dropout") {
      if (i === 0 || layers[i - 1].type !== "dense") return false;
      continue;
    }
    hidden += 1;
    const allowed = layer.units <= MAX_UNITS && ACTIVATIONS.includes(layer.activation ?? "linear");
    if (!plain(layer) || !allowed) return false;
  }
  return plain(out) && hidden <= MAX_LAYERS;
}

export const shapeText = (shape) => (shape?.length ? shape.join("×") : "–");

// Why the plane shows no boundary for this run; null when it can.
export function planeNote(network) {
  if (onPlane(network)) return null;
  const shape = network.input_shape;
  if (shape.length === 3) {
    return `This run's inputs are ${shapeText(shape)} images; the boundary view needs 2 inputs.`;
  }
  if (!isPlaneInput(network)) {
    return `This run has ${shape[0]} input${shape[0] === 1 ? "" : "s"}; the boundary view needs 2.`;
  }
  const other = network.layers.find((l) => !["dense", "dropout"].includes(l.type));
  const why = isGraph(network) ? "layers form a graph" : `network has a ${other.type} layer`;
  return `This run's ${why}; the boundary view needs a plain stack of dense layers.`;
}

// Each layer type's key settings, as short phrases.
const SETTINGS = {
  dense: (l) => [`${l.units} unit${l.units === 1 ? "" : "s"}`, l.activation ?? "linear"],
  conv2d: (l) => [
    `${l.filters}×${l.kernel_size}×${l.kernel_size}`,
    `stride ${l.stride ?? 1}`,
    l.padding ?? "valid",
    l.activation ?? "linear",
  ],
  maxpool2d: (l) => [`pool ${l.pool_size ?? 2}`, `stride ${l.stride ?? l.pool_size ?? 2}`],
  dropout: (l) => [`rate ${l.rate}`],
  flatten: () => [],
};
const NOT_SETTINGS = new Set(["type", "name", "inputs", "use_bias", "init"]);

// A type the page does not know (a newer server's) shows its scalar fields as they are.
function settingsOf(layer) {
  const known = SETTINGS[layer.type];
  if (known) return known(layer);
  return Object.entries(layer)
    .filter(([key, v]) => !NOT_SETTINGS.has(key) && v !== null && typeof v !== "object")
    .map(([key, v]) => `${key} ${v}`);
}

// The input and one node per layer: { id, index, type, name, settings, shape, params,
// inputs (ids), depth, row }. A layer reads the ids in its `inputs` (the summary row's,
// else the spec's), else the layer before it; "input" is the network's input. The
// summary (`POST /v1/jobs/validate`'s) gives shapes and parameter counts; without it
// they are null.
export function layerNodes(network, summary) {
  const rows = summary?.layers ?? [];
  const input = {
    id: "input",
    index: null,
    type: "input",
    name: null,
    settings: network.features ? [network.features.join(", ")] : [],
    shape: network.features ? [network.features.length] : network.input_shape,
    params: null,
    inputs: [],
    depth: 0,
  };
  const nodes = [input];
  const byId = new Map([["input", input]]);
  network.layers.forEach((layer, index) => {
    const row = rows[index] ?? {};
    const name = row.name ?? layer.name ?? null;
    const inputs = inputsOf(row) ?? inputsOf(layer) ?? [nodes.at(-1).id];
    const node = {
      id: name ?? `#${index}`,
      index,
      type: layer.type,
      name,
      settings: settingsOf(layer),
      shape: row.output_shape ?? null,
      params: row.params ?? null,
      inputs,
      depth: 1 + Math.max(...inputs.map((id) => byId.get(id)?.depth ?? 0)),
    };
    nodes.push(node);
    byId.set(node.id, node);
  });
  const filled = new Map(); // depth -> nodes placed in that column so far
  for (const node of nodes) {
    node.row = filled.get(node.depth) ?? 0;
    filled.set(node.depth, node.row + 1);
  }
  return nodes;
}
