"""Every table of the store. Importing this module registers them all on one
``MetaData``: Alembic's environment and the schema test compare the whole schema."""

import syn0.datasets.orm
import syn0.events.orm
import syn0.jobs.orm
import syn0.models.orm
import syn0.predictions.orm
import syn0.registry.orm
import syn0.sweeps.orm
import syn0.tenants.orm
import syn0.webhooks.orm
import syn0.workers.orm  # noqa: F401  (each import registers its domain's tables)
from syn0.kit.orm import Base

metadata = Base.metadata
