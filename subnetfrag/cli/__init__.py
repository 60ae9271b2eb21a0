"""The ``subnetfrag`` command line: ``analyze``, ``check``, ``advise``,
``max-pods``, ``plan``, ``simulate`` and ``headroom`` (docs/cli.md). The
console script calls :func:`main`; so does ``python -m subnetfrag``.

Modules: :mod:`.parser` (arguments, usage errors, exit codes), :mod:`.app`
(``main``), :mod:`.sources` (files, live AWS or the example), one module per
command, :mod:`.output` (streams and colour); ``max-pods --aws`` reads
its limits through :func:`subnetfrag.aws.fetch_instance_limits`.
"""

from .app import main
from .parser import (
    EXIT_CHECK_FAILED,
    EXIT_ERROR,
    EXIT_INCOMPLETE,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WARNINGS,
)

__all__ = [
    "EXIT_CHECK_FAILED",
    "EXIT_ERROR",
    "EXIT_INCOMPLETE",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_WARNINGS",
    "main",
]
