"""syn0's neural-network core: spec -> Network -> fit -> predict -> to_bytes/from_bytes.

NumPy and pydantic only; no I/O. Usable from a notebook with no server running::

    from core import NetworkSpec, TrainingSpec, Network, fit, datasets
    X, y = datasets.spiral(500, noise=0.1)
    net = Network(NetworkSpec(input_shape=[2], layers=[...]))
    history = fit(net, X, y, TrainingSpec(loss="cross_entropy", epochs=200))
    net.predict_labels(X)
"""

from syn0.core import architectures, datasets
from syn0.core.checks import Summary, check_against_dataset, check_spec, infer_shapes, summary
from syn0.core.errors import DataError, SpecError, TrainingDiverged
from syn0.core.history import History
from syn0.core.network import Network
from syn0.core.serialization import Checkpoint
from syn0.core.spec import NetworkSpec, TrainingSpec
from syn0.core.training import fit

__all__ = [
    "Checkpoint",
    "DataError",
    "History",
    "Network",
    "NetworkSpec",
    "SpecError",
    "Summary",
    "TrainingDiverged",
    "TrainingSpec",
    "architectures",
    "check_against_dataset",
    "check_spec",
    "datasets",
    "fit",
    "infer_shapes",
    "summary",
]
