"""syn0's HTTP API: routers, request/response schemas, services and the error format.

Routes are thin: they call a service (``*_service``, ``predict``), which raises the
domain exceptions of ``api.errors``; the route commits, then enqueues.
"""
