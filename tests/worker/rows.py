"""Rows the worker tests start from, written through the store's own functions."""

from sqlalchemy.orm import Session

from syn0.core import datasets
from syn0.datasets import repository as dataset_rows
from syn0.datasets.orm import Dataset
from tests import tenancy


def spiral_dataset(session: Session, name: str = "d") -> Dataset:
    """200 points of two spiral arms (seed 0), the default tenant's."""
    X, y = datasets.spiral(200, noise=0.1, seed=0)
    return dataset_rows.add_dataset(
        session,
        tenant_id=tenancy.tenant_id(session),
        name=name,
        task="classification",
        X=X,
        y=y,
        classes=[0, 1],
        n_outputs=2,
    )
