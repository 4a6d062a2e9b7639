"""A model's lineage: the syn0 that trained it, and for a replay whether its weights came
out the same as the model it replays (the dataset's sha256 and the spec are on the
row; the seed is the spec's ``training.seed``)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

from sqlalchemy import select
from sqlalchemy.orm import Session

from syn0.models.orm import Model


@cache
def syn0_version() -> str:
    """The installed syn0's version, as ``pip`` reports it."""
    return version("syn0")


def compare_replay(session: Session, model: Model) -> Model:
    """Mark a replay's ``model`` identical (or not) to the model it replays, by the
    sha256 of the weights files; unknown (None) when that model is gone."""
    if model.replay_of is not None:
        query = select(Model.sha256).where(
            Model.id == model.replay_of, Model.tenant_id == model.tenant_id
        )
        replayed = session.scalar(query)
        model.replay_identical = None if replayed is None else replayed == model.sha256
    return model
