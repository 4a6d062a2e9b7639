// The confusion matrix of a finished run: the report the worker made on the run's test
// (validation) split, as `GET /v1/jobs/{id}` gives it in `evaluation`. Rows are the true
// class, columns the predicted one; each cell is shaded by its share of its row.

export function showConfusion(box, report) {
  box.replaceChildren();
  const shown = report?.task === "classification";
  box.hidden = !shown;
  if (!shown) {
    delete box.dataset.total;
    return;
  }
  const matrix = report.confusion_matrix;
  const table = document.createElement("table");
  const caption = table.createCaption();
  caption.textContent = `Test data: accuracy ${(100 * report.accuracy).toFixed(1)}%`;
  const head = table.createTHead().insertRow();
  head.append(cell("th", "true \\ predicted", "col"));
  for (const label of report.classes) head.append(cell("th", String(label), "col"));
  const body = table.createTBody();
  matrix.forEach((counts, i) => {
    const row = body.insertRow();
    row.append(cell("th", String(report.classes[i]), "row"));
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    counts.forEach((count, j) => {
      const td = cell("td", String(count));
      const share = count / total;
      td.style.background = `rgba(${i === j ? "8, 119, 189" : "245, 147, 34"}, ${share * 0.6})`;
      row.append(td);
    });
  });
  box.dataset.total = String(report.n_samples);
  box.dataset.accuracy = String(report.accuracy);
  box.append(table);
}

function cell(tag, text, scope) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (scope) node.scope = scope;
  return node;
}
