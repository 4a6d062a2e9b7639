"""Exceptions raised by the core library."""

from __future__ import annotations


class SpecError(ValueError):
    """A network or training spec that cannot be built or trained.

    ``loc`` is the path of the offending field inside the spec, for example
    ``("network", "layers", 3)``, so a service can name it in its error reply.
    """

    def __init__(self, message: str, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc


class DataError(ValueError):
    """Training or prediction data that does not fit the network (shape, NaN, labels)."""

    def __init__(self, message: str, field: str = "X") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TrainingDiverged(ArithmeticError):
    """The loss or the weights stopped being finite.

    Carries the 1-based ``epoch`` in which it happened and the last finite
    training loss seen (``None`` when the very first batch diverged).
    """

    def __init__(self, epoch: int, last_finite_loss: float | None, what: str = "loss") -> None:
        hint = "lower the learning rate, normalize the inputs or add gradient-friendly activations"
        last = "none" if last_finite_loss is None else f"{last_finite_loss:.6g}"
        super().__init__(
            f"Training diverged in epoch {epoch}: the {what} became non-finite "
            f"(last finite loss: {last}); {hint}."
        )
        self.epoch = epoch
        self.last_finite_loss = last_finite_loss
        self.what = what


class Misfit(ValueError):
    """A layer that cannot take the shapes it receives; ``field`` names the spec field to
    change, if one. ``core.checks`` turns it into a ``SpecError`` naming the layer."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
