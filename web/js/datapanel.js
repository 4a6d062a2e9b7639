// The data panel: the data the controls stand for, made (or fetched) and drawn with its
// points, and your own data, a CSV file uploaded with its target column.

import * as api from "./api.js";
import { showControls } from "./controls.js";
import * as data from "./data.js";
import { drawPlane, showDataset, showNetwork } from "./drawing.js";
import { $, save, state, view } from "./page.js";
import { showMessage, showProblem } from "./status.js";

let dataRequest = 0;
export async function refreshData() {
  const request = ++dataRequest;
  save();
  try {
    const dataset = await data.resolve(state);
    const points = await data.points(dataset, state.train);
    if (request !== dataRequest) return; // a newer setting has been asked for
    Object.assign(view, { dataset, points, domain: data.domainOf(dataset, points) });
    showDataset();
    showNetwork();
    drawPlane();
  } catch (err) {
    if (request === dataRequest) showProblem(err, "The data could not be made");
  }
}

export function bindUpload() {
  $("csv-file").addEventListener("change", async () => {
    const file = $("csv-file").files[0];
    const target = $("csv-target");
    target.replaceChildren();
    if (!file) return;
    const columns = await data.csvColumns(file);
    target.append(...columns.map((c) => new Option(c, c)));
    // A column named like a target is the likely choice, else the last one.
    const guess = columns.find((c) => /^(y|target|label|class)$/i.test(c)) ?? columns.at(-1);
    target.value = guess ?? "";
    target.disabled = $("csv-upload").disabled = columns.length < 2;
  });

  $("csv-upload").addEventListener("click", async () => {
    showMessage(null);
    $("csv-upload").disabled = true;
    try {
      // "Problem type" says the task when the target column alone cannot (many whole numbers).
      const task = state.problem === "auto" ? null : state.problem;
      const dataset = await api.upload($("csv-file").files[0], $("csv-target").value, task);
      data.remember(dataset);
      Object.assign(state, { dataset: dataset.id, normalize: true, job: null });
      showControls(state);
      await refreshData();
      showMessage("info", `Uploaded ${dataset.name}`, "Press Train to fit it.");
    } catch (err) {
      showProblem(err, "The file was not accepted");
    } finally {
      $("csv-upload").disabled = false;
    }
  });
}
