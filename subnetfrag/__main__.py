"""``python -m subnetfrag``: the command line (see :mod:`subnetfrag.cli`)."""

from .cli import main

raise SystemExit(main())
