"""``python -m syn0.cli``: the ``syn0`` command."""

from syn0.cli.main import main

main()
