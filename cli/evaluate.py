"""``syn0 evaluate``: a model's report on a stored dataset or a CSV."""

from __future__ import annotations

from typing import Any, BinaryIO

import click
from rich.table import Table

from syn0.cli.common import BadInput, State, console, dump, echo_json, json_option, pass_state
from syn0.cli.render import fields, listing, number


@click.command()
@click.argument("model_id", metavar="MODEL")
@click.argument("file", type=click.File("rb"), required=False, metavar="[FILE.csv|-]")
@click.option("--dataset", "dataset_id", metavar="ID", help="A stored dataset.")
@click.option(
    "--target", metavar="COLUMN", help="FILE's target column (default: the model's own name)."
)
@json_option
@pass_state
def evaluate(
    state: State,
    model_id: str,
    file: BinaryIO | None,
    dataset_id: str | None,
    target: str | None,
    as_json: bool,
) -> None:
    """Evaluate MODEL on every sample of a stored dataset (--dataset ID) or of a CSV
    (FILE, or - for stdin: a header naming the features, in any order, and the target
    column): accuracy, log loss, the confusion matrix, per-class precision, recall and F1
    (and ROC AUC for two classes); or MSE, RMSE, MAE and R² for a regression."""
    if (dataset_id is None) == (file is None):
        raise BadInput("give a CSV FILE (or - for stdin), or --dataset ID, one of the two")
    if file is None:
        evaluation = state.client.models.evaluate(model_id, dataset_id)
    else:
        evaluation = state.client.models.evaluate(model_id, csv=file.read(), target=target)
    if as_json:
        echo_json(dump(evaluation))
        return
    out = console()
    for table in report_tables(evaluation.report):
        out.print(table)
        out.print()


def report_tables(report: dict[str, Any]) -> list[Table]:
    """The summary; for a classifier also the confusion matrix and the per-class table."""
    if report["task"] == "regression":
        names = ("n_samples", "mse", "rmse", "mae", "r2")
        return [fields((name, _shown(report[name])) for name in names)]
    summary = fields(
        (name, _shown(report[name])) for name in ("n_samples", "accuracy", "log_loss", "roc_auc")
    )
    labels = [str(label) for label in report["classes"]]
    confusion = listing(
        ["true \\ predicted", *labels],
        ([label, *row] for label, row in zip(labels, report["confusion_matrix"], strict=True)),
    )
    rows = [
        [row["label"], number(row["precision"]), number(row["recall"]), number(row["f1"]),
         row["support"]]
        for row in report["per_class"]
    ]  # fmt: skip
    for name in ("macro_avg", "weighted_avg"):
        avg = report[name]
        rows.append(
            [name.replace("_", " "), number(avg["precision"]), number(avg["recall"]),
             number(avg["f1"]), avg["support"]]
        )  # fmt: skip
    per_class = listing(["class", "precision", "recall", "f1", "support"], rows)
    return [summary, confusion, per_class]


def _shown(value: Any) -> Any:
    return value if isinstance(value, int) or value is None else number(value)
