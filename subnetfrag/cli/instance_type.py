"""One answer, for every command that takes an instance type (``plan``,
``max-pods``, ``headroom``, ``serve --headroom-instance-type``), when the
bundled table does not list it: the same one-line message with the closest
names, and what that command offers instead, rather than each command wording
it (or the library's message, written for Python callers) its own way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..instances import UnknownInstanceType
from .output import CommandError

__all__ = ["known_instance_type", "unknown_instance_type"]


def unknown_instance_type(exc: UnknownInstanceType, remedy: str | None = None) -> CommandError:
    """The command's error for ``exc``: ``unknown instance type 'X': did you
    mean A, B? (not in the bundled table; REMEDY)``, or without close names
    ``unknown instance type 'X': not in the bundled table; REMEDY``. ``remedy``
    (None: none) is what the command offers for such a type. O(suggestions)."""
    where = "not in the bundled table" + (f"; {remedy}" if remedy else "")
    if exc.suggestions:
        return CommandError(
            f"unknown instance type {exc.instance_type!r}: did you mean "
            f"{', '.join(exc.suggestions)}? ({where})"
        )
    return CommandError(f"unknown instance type {exc.instance_type!r}: {where}")


@contextmanager
def known_instance_type(remedy: str | None = None) -> Iterator[None]:
    """Run the block; an :class:`~subnetfrag.instances.UnknownInstanceType`
    raised in it becomes :func:`unknown_instance_type`'s
    :class:`~subnetfrag.cli.output.CommandError` (exit status 3). O(1)."""
    try:
        yield
    except UnknownInstanceType as exc:
        raise unknown_instance_type(exc, remedy) from None
