"""syn0: neural-network training as a service.

The domains (``syn0.datasets``, ``syn0.jobs``, ``syn0.models``, ``syn0.tenants``,
``syn0.workers``, ``syn0.surface``) live in this folder over a small shared kit
(``syn0.kit``); the layers the project was specified with are mapped in as
``syn0.api``, ``syn0.worker``, ``syn0.core``, ``syn0.cli`` and ``syn0.client``
(``docs/architecture.md``)."""
