"""The one way a stored model is read: by predict, by its surface, by explain, by the
weights download and by its export. Its row is found for the tenant (a 404 otherwise), its
weights are checked against their sha256, and weights that fail the check or cannot be
read as a network are one error, ``corrupt-data``, whoever asked.

Loaded networks are kept per process, least recently used evicted first. Models never
change once written, so entries need no invalidation; a model deleted through this
process is dropped at once (``forget``). Each entry keeps its tenant, and a hit for
another tenant's request is a miss like any unknown id.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker

from syn0.core import DataError, Network
from syn0.kit.blobs import CorruptBlob
from syn0.kit.errors import CorruptData
from syn0.kit.features import names_of
from syn0.kit.lookups import found
from syn0.models import repository as models
from syn0.models.orm import Model


def read_weights(session: Session, tenant_id: str, model_id: str) -> tuple[Model, bytes]:
    """The tenant's model row and its weights file, checked against its sha256."""
    model = found(models.get_model(session, tenant_id, model_id), "model", model_id)
    try:
        return model, models.load_weights(session, tenant_id, model_id)
    except CorruptBlob as exc:
        raise _corrupt(model_id, str(exc)) from exc


def network_of(model_id: str, weights: bytes) -> Network:
    """The network of a model's weights (``corrupt-data`` if they cannot be read)."""
    try:
        return Network.from_bytes(weights)
    except DataError as exc:
        raise _corrupt(model_id, exc.message) from exc


def _corrupt(model_id: str, why: str) -> CorruptData:
    return CorruptData(
        f"the stored weights of model {model_id} cannot be loaded: {why}; the operators "
        "must restore them"
    )


class Loaded:
    """A loaded network, its tenant, its final epoch, and the lock that serializes its
    forward passes: a ``Network`` reuses its work buffers between calls, so two passes
    at once would mix answers."""

    def __init__(
        self,
        net: Network,
        tenant_id: str,
        epoch: int | None,
        names: list[str] | None = None,
        target: str | None = None,
    ) -> None:
        self.net, self.tenant_id, self.epoch = net, tenant_id, epoch
        # Its signature's feature names (None: images) and target column.
        self.names, self.target = names, target
        self.lock = threading.Lock()


class ModelLoader:
    """Loaded networks by model id, at most ``size`` of them per process."""

    def __init__(self, sessions: Callable[[], sessionmaker[Session]], size: int) -> None:
        self.sessions, self.size = sessions, size
        self._served: OrderedDict[str, Loaded] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._served)

    def cached(self, tenant_id: str, model_id: str) -> Loaded | None:
        with self._lock:
            loaded = self._served.get(model_id)
            if loaded is None or loaded.tenant_id != tenant_id:
                return None
            self._served.move_to_end(model_id)
            return loaded

    def load(self, tenant_id: str, model_id: str) -> Loaded:
        """The loaded model, read from the store on a miss (call it off the event loop)."""
        loaded = self.cached(tenant_id, model_id)
        if loaded is not None:
            return loaded
        with self.sessions()() as session:
            model, weights = read_weights(session, tenant_id, model_id)
        names = names_of(model.feature_names, model.network["input_shape"])
        net = network_of(model_id, weights)
        loaded = Loaded(net, tenant_id, model.metrics.get("epoch"), names, model.target_name)
        with self._lock:
            self._served[model_id] = loaded
            while len(self._served) > self.size:
                self._served.popitem(last=False)
        return loaded

    def forget(self, model_id: str) -> None:
        """Drop a deleted model, so that this process no longer serves it."""
        with self._lock:
            self._served.pop(model_id, None)

    async def get(self, tenant_id: str, model_id: str) -> Loaded:
        """``load`` for the event loop: a hit costs no thread hop, a miss reads the store
        in a worker thread."""
        loaded = self.cached(tenant_id, model_id)
        if loaded is not None:
            return loaded
        return await anyio.to_thread.run_sync(self.load, tenant_id, model_id)
