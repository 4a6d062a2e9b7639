"""The ``syn0`` command line (``cli.main``): syn0's HTTP API from a terminal, and the
commands that run syn0 itself (serve, worker, db upgrade)."""
