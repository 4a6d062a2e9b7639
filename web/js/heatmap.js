// Heatmaps on <canvas>: the network's output over the input plane, the data points on top,
// and the small per-feature and per-neuron maps. The colours are the Playground's: orange
// for negative (class 0), white-grey for zero, blue for positive (class 1).

const NEGATIVE = [245, 147, 34];
const ZERO = [232, 234, 235];
const POSITIVE = [8, 119, 189];
// Classes beyond two; the first two are the negative and positive colours above.
const PALETTE = [
  NEGATIVE,
  POSITIVE,
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

// v in [-1, 1] (clamped) to an RGB triple.
export function diverging(v) {
  const t = Math.max(-1, Math.min(1, v));
  return t < 0 ? mix(ZERO, NEGATIVE, -t) : mix(ZERO, POSITIVE, t);
}

export const classColour = (index) => PALETTE[index % PALETTE.length];
export const css = (rgb) => `rgb(${rgb.join(",")})`;

// Paint `rows` (rows[i] is y[i], bottom to top; columns left to right) onto `canvas`,
// stretched and smoothed, with `colour(value, i, j)` giving each cell's RGB. For the small
// maps: the browser's smoothing blends the cells' colours.
export function paint(canvas, rows, colour) {
  const h = rows.length;
  const w = rows[0].length;
  const cells = new OffscreenCanvas(w, h);
  const image = new ImageData(w, h);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const [r, g, b] = colour(rows[i][j], i, j);
      const k = 4 * ((h - 1 - i) * w + j); // the canvas's first row is the top: y flips
      image.data.set([r, g, b, 160], k);
    }
  }
  cells.getContext("2d").putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(cells, 0, 0, canvas.width, canvas.height);
}

// The boundary: every canvas pixel takes the bilinear interpolation of the four grid
// values around it, then its colour, so a boundary between grid points is drawn where
// the interpolated value crosses it (crisp when discretized, not a staircase of cells).
// `colour(value, i, j)` gets the nearest cell's indices too (a multiclass label).
export function paintSmooth(canvas, rows, colour) {
  const h = rows.length;
  const w = rows[0].length;
  const { width, height } = canvas;
  const image = new ImageData(width, height);
  for (let py = 0; py < height; py++) {
    const gy = ((height - 1 - py) / Math.max(height - 1, 1)) * (h - 1); // y flips
    const i0 = Math.min(Math.floor(gy), h - 2);
    const ty = gy - i0;
    const [low, high] = [rows[i0], rows[i0 + 1]];
    for (let px = 0; px < width; px++) {
      const gx = (px / Math.max(width - 1, 1)) * (w - 1);
      const j0 = Math.min(Math.floor(gx), w - 2);
      const tx = gx - j0;
      const bottom = low[j0] + (low[j0 + 1] - low[j0]) * tx;
      const top = high[j0] + (high[j0 + 1] - high[j0]) * tx;
      const [r, g, b] = colour(bottom + (top - bottom) * ty, Math.round(gy), Math.round(gx));
      image.data.set([r, g, b, 160], 4 * (py * width + px));
    }
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
}

// One output unit's map: a class's probability in its class's colour, or a regression
// output on its own diverging scale.
export function drawOutput(canvas, rows, task, index) {
  if (task !== "classification") return drawUnit(canvas, rows);
  const colour = classColour(index);
  paint(canvas, rows, (p) => mix(ZERO, colour, Math.max(0, Math.min(1, p))));
}

// The colour of a surface cell: the probability (or the output) on the diverging scale;
// multiclass cells take their predicted class's colour, fading towards white as the
// winning probability falls to chance.
export function surfaceColour(surface, scale, discretize) {
  const k = surface.classes?.length ?? 0;
  if (surface.task === "regression") {
    return (v) => diverging(discretize ? Math.sign(v) : v / scale);
  }
  if (k <= 2) {
    return (p) => diverging(discretize ? Math.sign(p - 0.5) : 2 * p - 1);
  }
  return (p, i, j) => {
    const confidence = discretize ? 1 : Math.max(0, (p - 1 / k) / (1 - 1 / k));
    return mix(ZERO, classColour(surface.labels[i][j]), confidence);
  };
}

// A point's colour: its class's, or its target on the diverging scale.
export function pointColour(y, task, classes, scale) {
  if (task !== "classification") return diverging(y / scale);
  const index = classes.indexOf(y);
  return classColour(index >= 0 ? index : Number(y) || 0);
}

// Data points over the surface: training points with a white ring, test points (shown
// only when asked) with a black one, as in the Playground.
export function drawPoints(canvas, data, domain, colourOf, showTest, chosen = null) {
  const ctx = canvas.getContext("2d");
  const sx = canvas.width / (domain.x[1] - domain.x[0]);
  const sy = canvas.height / (domain.y[1] - domain.y[0]);
  ctx.lineWidth = 1;
  data.x.forEach(([x1, x2], i) => {
    const test = data.validation?.[i] ?? false;
    if (test && !showTest) return;
    ctx.beginPath();
    ctx.arc((x1 - domain.x[0]) * sx, canvas.height - (x2 - domain.y[0]) * sy, 3, 0, 2 * Math.PI);
    ctx.fillStyle = css(colourOf(data.y[i]));
    ctx.strokeStyle = test ? "black" : "white";
    ctx.fill();
    ctx.stroke();
  });
  if (chosen !== null) {
    // the point being explained: a ring around it
    const [x1, x2] = data.x[chosen];
    ctx.beginPath();
    ctx.arc((x1 - domain.x[0]) * sx, canvas.height - (x2 - domain.y[0]) * sy, 7, 0, 2 * Math.PI);
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#111";
    ctx.stroke();
  }
}

// The input features, computed here: they are pure functions of (x1, x2), and drawing
// them needs no server.
const FEATURE_FUNCTIONS = {
  x1: (x) => x,
  x2: (_, y) => y,
  x1_squared: (x) => x * x,
  x2_squared: (_, y) => y * y,
  x1_x2: (x, y) => x * y,
  sin_x1: (x) => Math.sin(x),
  sin_x2: (_, y) => Math.sin(y),
};

export function drawFeature(canvas, name, domain, grid = 24) {
  const f = FEATURE_FUNCTIONS[name];
  const rows = [];
  for (let i = 0; i < grid; i++) {
    const y = domain.y[0] + ((domain.y[1] - domain.y[0]) * i) / (grid - 1);
    rows.push(
      Array.from({ length: grid }, (_, j) => {
        return f(domain.x[0] + ((domain.x[1] - domain.x[0]) * j) / (grid - 1), y);
      }),
    );
  }
  drawUnit(canvas, rows);
}

// One unit's (or feature's) activation map, scaled by its own largest magnitude.
export function drawUnit(canvas, rows) {
  let top = 0;
  for (const row of rows) for (const v of row) top = Math.max(top, Math.abs(v));
  paint(canvas, rows, (v) => diverging(top ? v / top : 0));
}
