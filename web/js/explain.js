// One sample's forward and backward pass, on the network drawing: click a data point on
// the plane, and `POST /v1/jobs/{id}/explain` runs it through the run's latest weights
// with the point's own label as the target. Next and Prev step through it layer by layer:
// forward, the values on the nodes (the input as the network sees it, then each layer's
// activations, then the outputs and the loss); backward, from the outputs to the first
// layer, each layer's gradient on its nodes and on its links (∂loss/∂weight).

import * as api from "./api.js";
import { format } from "./links.js";

const $ = (id) => document.getElementById(id);

// The data point nearest to a click on the plane (among the points drawn), or null.
export function nearestPoint(canvas, event, points, domain, showTest) {
  if (!points) return null;
  const r = canvas.getBoundingClientRect();
  const x1 = domain.x[0] + ((event.clientX - r.left) / r.width) * (domain.x[1] - domain.x[0]);
  const x2 = domain.y[1] - ((event.clientY - r.top) / r.height) * (domain.y[1] - domain.y[0]);
  let best = null;
  let bestDistance = Infinity;
  points.x.forEach(([a, b], i) => {
    if (points.validation?.[i] && !showTest) return;
    const d = (a - x1) ** 2 + (b - x2) ** 2;
    if (d < bestDistance) [best, bestDistance] = [i, d];
  });
  return best;
}

// The steps of one explain reply: { caption, kind, matrices, badges } each, in the shape
// links.js draws (matrices[k]: the links from column k to k + 1; badges[k]: column k's
// node values). Column 0 is the input, then one column per dense layer.
export function stages(reply) {
  const dense = reply.layers.filter((l) => l.type === "dense");
  const weights = dense.map((l) => l.weights);
  const last = dense.length; // the output column
  const out = [
    {
      caption: "Forward: the input as the network sees it (its features, standardized as in training).",
      kind: "weight",
      matrices: weights,
      badges: [reply.input],
    },
  ];
  dense.forEach((layer, k) => {
    const output = k === last - 1;
    const badges = [reply.input, ...dense.slice(0, k + 1).map((l) => l.activation_values)];
    const caption = output
      ? `Forward, output: z = a·W + b, then ${layer.activation}: [${layer.activation_values.map(format).join(", ")}]; ` +
        `prediction ${reply.prediction}, ${reply.loss_name.replace(/_/g, " ")} loss ${format(reply.loss)}.`
      : `Forward, layer ${k + 1}: each neuron sums its inputs times the link weights, adds its bias ` +
        `(z = x·W + b) and applies ${layer.activation}: a = ${layer.activation}(z).`;
    out.push({ caption, kind: "weight", matrices: weights, badges });
  });
  for (let k = last - 1; k >= 0; k--) {
    const reached = dense.map((l, j) => (j >= k ? l.weight_gradient : null));
    const badges = [null, ...dense.map((l, j) => (j >= k ? l.output_gradient : null))];
    const of = dense[k].output_gradient_of === "pre_activation" ? "z" : "a";
    const caption =
      k === last - 1
        ? `Backward, output: the loss's gradient ∂loss/∂${of} at the outputs, and on each link ` +
          "into them (∂loss/∂w = the value on the link's start × the gradient at its end)."
        : `Backward, layer ${k + 1}: the gradient flows back through the links' weights and ` +
          `${dense[k].activation}'s slope; on the links, ∂loss/∂w for this sample.`;
    out.push({ caption, kind: "gradient", matrices: reached, badges });
  }
  return out;
}

export class ExplainView {
  // redraw(): draw the network and the plane again (the stage, or none, changed)
  constructor(redraw) {
    this.redraw = redraw;
    this.clear();
    $("explain-prev").addEventListener("click", () => this.go(-1));
    $("explain-next").addEventListener("click", () => this.go(1));
    $("explain-close").addEventListener("click", () => {
      this.clear();
      this.redraw();
    });
  }

  clear() {
    this.reply = null;
    this.point = null;
    this.steps = [];
    this.at = 0;
    this.show();
  }

  // The current step for the drawing, or null.
  stage() {
    return this.steps[this.at] ?? null;
  }

  // Explain data point `index` (x, its label y) through job `jobId`'s latest weights.
  async pick(jobId, index, x, y) {
    const reply = await api.explain(jobId, x, y);
    Object.assign(this, { reply, point: index, steps: stages(reply), at: 0 });
    $("explain").dataset.point = JSON.stringify([x, y]);
    this.show();
    this.redraw();
  }

  go(delta) {
    this.at = Math.min(Math.max(this.at + delta, 0), this.steps.length - 1);
    this.show();
    this.redraw();
  }

  show() {
    const box = $("explain");
    box.hidden = !this.reply;
    if (!this.reply) return;
    const stage = this.steps[this.at];
    box.dataset.step = this.at;
    box.dataset.kind = stage.kind;
    $("explain-caption").textContent = stage.caption;
    $("explain-step").value = `${this.at + 1} / ${this.steps.length}`;
    $("explain-prev").disabled = this.at === 0;
    $("explain-next").disabled = this.at === this.steps.length - 1;
  }
}
