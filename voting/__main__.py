"""``python -m voting`` is the ``voting`` command."""

from voting.cli import main

__all__: list[str] = []

raise SystemExit(main())
