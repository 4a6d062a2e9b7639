import pytest
from sqlalchemy.orm import sessionmaker

from store.db import make_engine
from tests.services import migrate


@pytest.fixture
def factory(tmp_path):
    """A migrated SQLite store in a temporary folder and its session factory."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    engine = make_engine(url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
