"""``python -m cli``: the ``syn0`` command."""

from cli.main import main

main()
