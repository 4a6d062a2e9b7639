// The "Learn" panel: a plain-language entry on the idea behind each control, and what moves
// on screen when the control does. Focusing a control opens its entry (the control, or an
// element around it, names it in data-teach); an (i) button (data-about) opens it too and,
// where the panel is out of sight (a phone's stacked panels), brings it into view.

export const TOPICS = {
  neuron: {
    title: "The neuron",
    text: [
      "A neuron takes the numbers coming into it, multiplies each by a weight, adds them up " +
        "with a bias, and passes the sum through its activation function. Training is " +
        "nothing but nudging those weights and biases.",
      "One neuron on its own can only draw a straight line across the plane; many together " +
        "draw curves.",
    ],
    screen:
      "Each small square in a hidden layer is one neuron: it shows that neuron's output over " +
      "the whole input plane. More neurons give the network more squares to combine.",
  },
  activation: {
    title: "Activation functions",
    text: [
      "The activation bends a neuron's sum. Linear leaves it as it is, so a stack of linear " +
        "layers is still one straight line. Sigmoid squashes it between 0 and 1, tanh between " +
        "-1 and 1: smooth S-shapes. ReLU keeps positive sums and turns negative ones into 0: " +
        "a bent line, cheap and quick to train (leaky ReLU and ELU let a little through below 0).",
      "Without a bend somewhere, no network can learn a circle or a spiral.",
    ],
    screen:
      "The neuron squares change texture: smooth gradients with tanh and sigmoid, sharp " +
      "straight-edged regions with ReLU; with linear, every square is a plain ramp.",
  },
  cost: {
    title: "The cost function",
    text: [
      "The cost (or loss) is one number saying how wrong the network is. For classes the " +
        "page uses cross-entropy: it punishes a confident wrong answer far more than an " +
        "unsure one. For numbers (regression) it uses mean squared error: the average of " +
        "each error squared.",
      "Training tries to make this number small; it is what the loss curves plot.",
    ],
    screen:
      "The problem type picks the cost and the output layer (softmax with cross-entropy, or " +
      "linear with mean squared error), and the numbers above the loss chart follow it.",
  },
  "hidden-layers": {
    title: "Hidden layers",
    text: [
      "Layers between the inputs and the output. Each builds on the one before: the first " +
        "draws lines, the next combines lines into corners and bands, the next into curls.",
      "More layers can draw more complicated shapes, but train more slowly and can get stuck.",
    ],
    screen:
      "A column of neuron squares appears or goes with + and −; the later columns show " +
      "more complicated shapes than the first.",
  },
  features: {
    title: "Features of the data",
    text: [
      "What the network is fed. x₁ and x₂ are a point's coordinates; the others are made from " +
        "them (x₁², x₁x₂, sin x₁…). A well-chosen feature does some of the network's work: " +
        "x₁² and x₂² together make a circle easy, sin x₁ and sin x₂ help with a spiral.",
      "Standardizing shifts and scales each input to mean 0 and spread 1, which helps " +
        "training on data whose columns have very different sizes.",
    ],
    screen:
      "Each feature's square shows its value over the plane; ticking one feeds it to the " +
      "first hidden layer, and the first layer's squares start from its shape.",
  },
  passes: {
    title: "Forward and backward pass",
    text: [
      "Forward: a point goes in, every layer computes its neurons' outputs in turn, and the " +
        "output layer gives a prediction; the cost compares it with the right answer.",
      "Backward (backpropagation): going from the output back to the inputs, the network " +
        "works out how much each weight is to blame for the cost, its gradient. The " +
        "optimizer then moves each weight a little against its gradient. Train repeats this " +
        "on the server until the last epoch.",
    ],
    screen:
      "Train sends the job; the epoch counter rises as the passes run, and the loss curves " +
      "and the squares update from the job's checkpoints.",
  },
  "learning-rate": {
    title: "Learning rate",
    text: [
      "How big a step each weight takes against its gradient. Too small and training " +
        "crawls; too large and the steps overshoot, the loss jumps about or blows up " +
        "(the run then fails as diverged).",
    ],
    screen:
      "A larger rate makes the loss curve drop faster but more jaggedly; far too large and " +
      "the run stops with a divergence message.",
  },
  optimizer: {
    title: "The optimizer",
    text: [
      "The rule that turns gradients into weight changes. SGD steps straight down the " +
        "gradient. RMSprop divides each step by a running average of that weight's recent " +
        "gradient sizes (ρ says how long it remembers), so every weight moves at a sensible " +
        "pace. Adam adds momentum to that (β₁ remembers the direction, β₂ the size).",
    ],
    screen:
      "With Adam or RMSprop the loss usually falls quickly at a small learning rate; plain " +
      "SGD often needs a larger rate or more epochs for the same curve.",
  },
  momentum: {
    title: "Momentum",
    text: [
      "Each step keeps part of the previous one, like a ball rolling downhill: it speeds " +
        "along steady slopes and rolls through small bumps. 0 is no momentum, 0.9 is a lot. " +
        "Nesterov looks one step ahead before deciding where to go.",
    ],
    screen: "With momentum the loss curve falls faster, and may swing a little at first.",
  },
  schedule: {
    title: "Learning-rate schedule",
    text: [
      "The learning rate need not stay fixed. Step multiplies it by the factor every so many " +
        "epochs. On plateau does so when the loss has not improved for the patience's epochs, " +
        "never below the lowest rate. Big steps early find the right region, small steps " +
        "late settle into it.",
    ],
    screen:
      "Where the rate drops, the loss curve flattens and smooths out; the boundary stops " +
      "shifting and sharpens.",
  },
  epoch: {
    title: "Epoch",
    text: [
      "One epoch is one pass over every training point. More epochs give the network more " +
        "time to learn, and more time to learn the training points by heart (overfitting).",
    ],
    screen:
      "The loss curves run over this many epochs; the counter in the header counts them.",
  },
  "batch-size": {
    title: "Batch size",
    text: [
      "How many points are looked at before each weight update. Small batches give many " +
        "quick, noisy steps per epoch; large batches fewer, steadier ones. Empty means the " +
        "whole training set in one batch.",
    ],
    screen:
      "Smaller batches make each epoch do more steps: the curve falls in fewer epochs but " +
      "wiggles; larger batches give a smoother curve that needs more epochs.",
  },
  regularization: {
    title: "Regularization: L1 and L2",
    text: [
      "A penalty on large weights, added to the cost, so the network prefers simple " +
        "explanations over bending around every training point. L2 (the squares of the " +
        "weights) keeps all weights small; L1 (their sizes) pushes many to exactly zero. " +
        "The rate says how strong the penalty is.",
    ],
    screen:
      "The boundary gets smoother and less wrapped around single points; too high a rate " +
      "flattens it and both losses stay high.",
  },
  dropout: {
    title: "Dropout",
    text: [
      "During training, each neuron of the layer is switched off at random with this " +
        "probability, a fresh choice every batch, so no neuron can rely on any one other. " +
        "Predictions use all of them.",
    ],
    screen:
      "The training loss stays higher and noisier than without dropout; the test loss often " +
      "ends lower, and the boundary smoother.",
  },
  "early-stopping": {
    title: "Early stopping",
    text: [
      "Stop training when the test loss has not improved for this many epochs, and keep the " +
        "weights of its best epoch: once the network starts memorising the training points, " +
        "more epochs only make it worse on new ones. 0 turns it off.",
    ],
    screen:
      "The run may end before its last epoch: the status says where it stopped, and the " +
      "curves end there.",
  },
  augmentation: {
    title: "Augmentation: input noise",
    text: [
      "Each training batch gets random noise added to its inputs (this is its standard " +
        "deviation), so the network sees a slightly different set every epoch and cannot " +
        "learn exact points by heart. The test points are never changed.",
    ],
    screen:
      "The training loss stays a little higher; the boundary keeps a margin away from the " +
      "points and gets smoother.",
  },
  data: {
    title: "Training and test data",
    text: [
      "The network learns from the training points only. The test points are held back to " +
        "check it on data it has never seen: a low training loss with a high test loss means " +
        "it learned the training points, not the pattern. More samples make that harder.",
    ],
    screen:
      "The slider moves points between the two sets; Show test data draws the test points " +
      "too (with a dark outline), and the test loss curve is measured on them.",
  },
  noise: {
    title: "Noise in the data",
    text: [
      "How far points stray from the clean shape. Noisy data has points on the wrong side " +
        "that no sensible boundary can get right, and a network that bends to reach them " +
        "is overfitting.",
    ],
    screen:
      "The points spread out and mix; the lowest test loss reachable goes up.",
  },
  output: {
    title: "The output",
    text: [
      "The big square is the network's answer for every point of the plane: the colour says " +
        "which class (or how high a value), its strength how sure it is. The loss curves show " +
        "the cost on the training points (dark) and test points (orange) per epoch.",
    ],
    screen:
      "Discretize output shows only the winning class, without the shades of certainty, " +
      "so the boundary is a sharp line.",
  },
};

const $ = (id) => document.getElementById(id);

// Controls the network column builds (network.js) name their kind in data-focus.
const BUILT = { units: "neuron", add: "neuron", remove: "neuron", activation: "activation" };

function topicOf(element) {
  if (element.dataset?.about) return element.dataset.about;
  const named = element.closest?.("[data-teach]")?.dataset.teach;
  if (named) return named;
  if (element.dataset?.feature) return "features";
  const kind = element.dataset?.focus?.split("-")[0];
  if (kind === "dropout") return "dropout";
  if (kind in BUILT) return BUILT[kind];
  if (element.id === "add-layer" || element.id === "remove-layer") return "hidden-layers";
  return null;
}

export function showTopic(id) {
  const topic = TOPICS[id];
  if (!topic) return;
  const entry = $("teach-entry");
  const title = document.createElement("h3");
  title.textContent = topic.title;
  const screen = document.createElement("p");
  screen.className = "screen";
  const label = document.createElement("strong");
  label.textContent = "On screen: ";
  screen.append(label, topic.screen);
  const paragraphs = topic.text.map((text) => {
    const p = document.createElement("p");
    p.textContent = text;
    return p;
  });
  entry.replaceChildren(title, ...paragraphs, screen);
  entry.dataset.topic = id;
  $("teach-topic").value = id;
}

export function bindTeaching() {
  const select = $("teach-topic");
  select.append(...Object.entries(TOPICS).map(([id, t]) => new Option(t.title, id)));
  select.addEventListener("change", () => showTopic(select.value));
  let from = null; // the (i) button the panel was brought into view from
  const back = $("teach-back");
  back.addEventListener("click", () => {
    back.hidden = true;
    from?.focus();
  });
  document.addEventListener("focusin", (event) => {
    if ($("teach").contains(event.target)) return;
    const id = topicOf(event.target);
    if (id) showTopic(id);
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest?.("[data-about]");
    if (!button) return;
    showTopic(button.dataset.about);
    const panel = $("teach").getBoundingClientRect();
    const visible = panel.top >= 0 && panel.top < innerHeight - 80;
    back.hidden = visible;
    if (!visible) {
      from = button;
      $("teach").scrollIntoView({ block: "start" });
    }
  });
  showTopic("neuron");
}
