"""Loss curves of a job: in the terminal (plotext) or to a PNG (matplotlib, optional)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from syn0.cli.common import BadInput
from syn0.client import Metric

CURVES = ("loss", "val_loss")
# Piped output has no terminal size to fit; this fits a log or a wide-ish window.
PIPED_SIZE = (100, 24)


def _curves(rows: Sequence[Metric]) -> dict[str, tuple[list[int], list[float]]]:
    curves = {}
    for name in CURVES:
        points = [(row.epoch, getattr(row, name)) for row in rows]
        points = [(epoch, value) for epoch, value in points if value is not None]
        if points:
            curves[name] = ([epoch for epoch, _ in points], [value for _, value in points])
    return curves


def terminal(job_id: str, rows: Sequence[Metric]) -> None:
    import plotext  # only for --plot

    figure = plotext.figure
    figure.clear()
    for name, (epochs, values) in _curves(rows).items():
        signal = figure.signal(epochs, values)
        signal.lines()
        signal.label(name)
        figure.draw(signal)
    figure.title(f"job {job_id}")
    figure.label("epoch", axis="x")
    tty = sys.stdout.isatty()
    if not tty:
        figure.plot_size(*PIPED_SIZE)
    figure.show(colorless=not tty)


def png(job_id: str, rows: Sequence[Metric], file: Path) -> None:
    try:
        from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state
    except ImportError:
        raise BadInput("--plot FILE.png needs matplotlib: pip install 'syn0[plot]'") from None
    figure = Figure(figsize=(7, 4), layout="tight")
    axes = figure.subplots()
    for name, (epochs, values) in _curves(rows).items():
        axes.plot(epochs, values, label=name)
    axes.set(title=f"job {job_id}", xlabel="epoch", ylabel="loss")
    axes.legend()
    figure.savefig(file, dpi=120)
