// The training curves: training loss (dark) and test loss (orange) per epoch on a linear
// axis from zero (left), and, for a classifier, its training and test accuracy dashed on
// a 0-1 axis (right); ticks on both axes and on the epochs, a legend on top (two rows where one does not fit). The drawn
// numbers are also written onto the canvas as data-* attributes and into its accessible
// label, so tests and screen readers read values, not pixels.

const TRAIN = "#333";
const TEST = "#f59322";
const AXIS = "#999";
const FONT = "10px system-ui, sans-serif";
const SERIES = [
  { key: "loss", label: "training loss", colour: TRAIN, dash: [] },
  { key: "val_loss", label: "test loss", colour: TEST, dash: [] },
  { key: "accuracy", label: "training accuracy", colour: TRAIN, dash: [3, 2], right: true },
  { key: "val_accuracy", label: "test accuracy", colour: TEST, dash: [3, 2], right: true },
];

// About `count` round steps (1, 2 or 5 times a power of ten) from 0 to `top`.
export function ticks(top, count = 4) {
  if (!(top > 0)) return [0];
  const raw = top / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let v = 0; v <= top + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function drawLoss(canvas, items) {
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const values = Object.fromEntries(SERIES.map((s) => [s.key, items.map((m) => m[s.key])]));
  describe(canvas, values.loss, values.val_loss);
  const shown = SERIES.filter((s) => values[s.key].some(Number.isFinite));
  canvas.dataset.legend = shown.map((s) => s.label).join(",");
  const losses = [...values.loss, ...values.val_loss].filter(Number.isFinite);
  if (items.length === 0 || losses.length === 0) return;
  const right = shown.some((s) => s.right);
  const rows = legendRows(ctx, shown, width);
  canvas.dataset.legendRight = Math.max(...rows.flat().map((item) => item.right));
  const box = {
    left: 36,
    right: width - (right ? 28 : 8),
    top: 6 + 12 * rows.length,
    bottom: height - 20,
  };
  const yTicks = ticks(Math.max(...losses));
  const top = yTicks.at(-1) || 1;
  const first = items[0].epoch ?? 1;
  const last = items.at(-1).epoch ?? items.length;
  const x = (epoch) =>
    box.left + ((box.right - box.left) * (epoch - first)) / Math.max(last - first, 1);
  const y = (v, scale) => box.bottom - ((box.bottom - box.top) * v) / scale;
  axes(ctx, box, { x, y, top, yTicks, right, first, last });
  for (const s of shown) {
    ctx.beginPath();
    let drawing = false;
    values[s.key].forEach((v, i) => {
      // A gap (no test loss, a non-finite value) breaks the line.
      if (!Number.isFinite(v)) {
        drawing = false;
        return;
      }
      const px = x(items[i].epoch ?? i + 1);
      const py = y(Math.min(v, s.right ? 1 : top), s.right ? 1 : top);
      if (drawing) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      drawing = true;
    });
    ctx.strokeStyle = s.colour;
    ctx.setLineDash(s.dash);
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
  ctx.setLineDash([]);
  legend(ctx, rows);
}

function axes(ctx, box, { x, y, top, yTicks, right, first, last }) {
  ctx.font = FONT;
  ctx.fillStyle = "#666";
  ctx.strokeStyle = AXIS;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(box.left, box.top);
  ctx.lineTo(box.left, box.bottom);
  ctx.lineTo(box.right, box.bottom);
  if (right) ctx.lineTo(box.right, box.top);
  ctx.stroke();
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  for (const v of yTicks) {
    tick(ctx, box.left, y(v, top), -3, 0);
    ctx.fillText(label(v), box.left - 5, y(v, top));
  }
  if (right) {
    ctx.textAlign = "left";
    for (const v of [0, 0.5, 1]) {
      tick(ctx, box.right, y(v, 1), 3, 0);
      ctx.fillText(label(v), box.right + 5, y(v, 1));
    }
  }
  ctx.textBaseline = "top";
  ctx.textAlign = "center";
  const span = last - first;
  const epochTicks = span > 0 ? ticks(span, 5).map((v) => first + v) : [first];
  for (const e of epochTicks.filter((e) => e <= last && Number.isInteger(e))) {
    tick(ctx, x(e), box.bottom, 0, 3);
    ctx.fillText(String(e), x(e), box.bottom + 4);
  }
  ctx.textAlign = "left";
  ctx.fillText("epoch", 0, box.bottom + 4);
}

function tick(ctx, px, py, dx, dy) {
  ctx.beginPath();
  ctx.moveTo(px, py);
  ctx.lineTo(px + dx, py + dy);
  ctx.stroke();
}

const label = (v) => (v === 0 ? "0" : Math.abs(v) < 0.01 ? v.toExponential(0) : String(v));

// The legend's items placed in rows from the left edge: one row when all fit the canvas,
// else the losses on one and the accuracies on the next (and any row still too wide
// wrapped), so no label is cut off at the right.
function legendRows(ctx, shown, width) {
  ctx.font = FONT;
  const items = shown.map((s) => {
    const text = s.label.replace("training", "train");
    return { s, text, width: 17 + ctx.measureText(text).width };
  });
  const GAP = 10;
  const place = (group) => {
    const rows = [[]];
    let at = 4;
    for (const item of group) {
      if (rows.at(-1).length && at + item.width > width - 4) {
        rows.push([]);
        at = 4;
      }
      rows.at(-1).push({ ...item, left: at, right: at + item.width });
      at += item.width + GAP;
    }
    return rows;
  };
  const one = place(items);
  if (one.length === 1) return one;
  return [items.filter((i) => !i.s.right), items.filter((i) => i.s.right)]
    .filter((group) => group.length)
    .flatMap(place);
}

function legend(ctx, rows) {
  ctx.font = FONT;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  rows.forEach((row, r) => {
    const y = 7 + 12 * r;
    for (const { s, text, left } of row) {
      ctx.beginPath();
      ctx.setLineDash(s.dash);
      ctx.strokeStyle = s.colour;
      ctx.lineWidth = 1.5;
      ctx.moveTo(left, y);
      ctx.lineTo(left + 14, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#444";
      ctx.fillText(text, left + 17, y);
    }
  });
}

function describe(canvas, train, test) {
  const first = (s) => s.find(Number.isFinite);
  const last = (s) => s.findLast(Number.isFinite);
  const d = canvas.dataset;
  d.epochs = train.length;
  d.firstLoss = first(train) ?? "";
  d.lastLoss = last(train) ?? "";
  d.firstTestLoss = first(test) ?? "";
  d.lastTestLoss = last(test) ?? "";
  canvas.setAttribute(
    "aria-label",
    train.length
      ? `loss per epoch over ${train.length} epochs: training ${fmt(d.firstLoss)} to ` +
          `${fmt(d.lastLoss)}, test ${fmt(d.firstTestLoss)} to ${fmt(d.lastTestLoss)}`
      : "loss per epoch: no epochs yet",
  );
}

export function fmt(v) {
  if (v === "" || v === null || v === undefined) return "–";
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  return n !== 0 && Math.abs(n) < 0.001 ? n.toExponential(1) : n.toFixed(3);
}
