// The loss curves: training loss (dark) and test loss (orange) per epoch on one linear
// axis from zero. The drawn numbers are also written onto the canvas as data-* attributes
// and into its accessible label, so tests and screen readers read values, not pixels.

const TRAIN = "#333";
const TEST = "#f59322";

export function drawLoss(canvas, items) {
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const train = items.map((m) => m.loss);
  const test = items.map((m) => m.val_loss);
  describe(canvas, train, test);
  const finite = [...train, ...test].filter(Number.isFinite);
  if (items.length === 0 || finite.length === 0) return;
  const top = Math.max(...finite) || 1;
  const pad = 2;
  const x = (i) => pad + ((width - 2 * pad) * i) / Math.max(items.length - 1, 1);
  const y = (v) => height - pad - ((height - 2 * pad) * v) / top;
  for (const [series, colour] of [
    [train, TRAIN],
    [test, TEST],
  ]) {
    ctx.beginPath();
    let drawing = false;
    series.forEach((v, i) => {
      // A gap (no validation loss, a non-finite value) breaks the line.
      if (!Number.isFinite(v)) {
        drawing = false;
        return;
      }
      if (drawing) ctx.lineTo(x(i), y(v));
      else ctx.moveTo(x(i), y(v));
      drawing = true;
    });
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
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
