// What every part of the playground shares: the page's one state (opening a link assigns
// into it; it lives in the URL hash, so a link reopens the page as is), what the page
// shows of the data and the followed run, the chain of Steps, and the two updates each
// part asks for: the link saved, the runs listed.

import { domainOf } from "./data.js";
import { renderRuns } from "./runs.js";
import { fromHash, toHash } from "./state.js";
import { showProblem } from "./status.js";

export const $ = (id) => document.getElementById(id);

export const state = fromHash(location.hash);
export const view = {
  dataset: null,
  points: null,
  domain: domainOf(null),
  surface: null,
  job: null,
};
// Steps (playback.js) chain 1-epoch jobs: the epochs and metric rows of the steps before
// the followed one, so the readout and the curves count across them.
export const chain = { base: 0, history: [], rows: [] };

export function save() {
  history.replaceState(null, "", `#${toHash(state)}`);
  $("permalink").href = location.href;
}

export function refreshRuns() {
  renderRuns($("runs"), state.job).catch((err) => showProblem(err, "The runs cannot be listed"));
}
