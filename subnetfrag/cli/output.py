"""What every command writes with: the streams, colour, glyphs, and the error
a command raises for a failure of its own (a file it cannot write)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from ..aws import AwsWarning
from ..render.terminal import Style, can_encode, colour_wanted, printable

__all__ = ["CommandError", "Output", "OutputError"]

_MAP_GLYPHS = "□▣■"
_PIECE = 4096


class CommandError(Exception):
    """A command's own failure (``subnetfrag: error: MESSAGE``, exit 3)."""


class OutputError(CommandError):
    """Standard output cannot be written (a full disk, an I/O error; a closed
    pipe is :class:`BrokenPipeError`, which stays itself): exit 3, not a bug."""

    @classmethod
    def of(cls, exc: OSError) -> OutputError:
        """The error for ``exc``, raised while writing standard output. O(1)."""
        return cls(f"cannot write standard output: {exc.strerror or exc}")


@dataclass(slots=True)
class Output:
    """The streams a command writes to, with the colour and glyph choices
    made for stdout."""

    out: TextIO
    err: TextIO
    style: Style
    ascii: bool

    @classmethod
    def for_streams(
        cls, colour: str = "auto", out: TextIO | None = None, err: TextIO | None = None
    ) -> Output:
        """Output to ``out``/``err`` (default: the current sys.stdout and
        sys.stderr), coloured per ``colour`` (``auto``, ``always``, ``never``);
        ASCII block-map symbols when stdout cannot encode the Unicode ones."""
        stdout = sys.stdout if out is None else out
        stderr = sys.stderr if err is None else err
        return cls(
            stdout,
            stderr,
            Style(colour_wanted(stdout, colour)),
            not can_encode(stdout, _MAP_GLYPHS),
        )

    def write(self, text: str) -> None:
        """Write ``text`` to stdout as is, in pieces: when the reader goes away
        (``| head``), a later piece fails with :class:`BrokenPipeError` rather
        than one large write ending short and unnoticed. Raises
        :class:`OutputError` when stdout cannot be written otherwise."""
        try:
            for start in range(0, len(text), _PIECE):
                self.out.write(text[start : start + _PIECE])
        except BrokenPipeError:
            raise
        except OSError as exc:  # ENOSPC on a full disk, EIO...
            raise OutputError.of(exc) from None

    def flush(self) -> None:
        """Flush stdout, with the errors of :meth:`write`: BrokenPipeError
        stays itself, any other OSError becomes :class:`OutputError`. O(what
        is buffered)."""
        try:
            self.out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError.of(exc) from None

    def write_json(self, document: object) -> None:
        """Write ``document`` as JSON indented by 2, ending with a newline: the
        ``--format json`` output of every command. Raises TypeError for a
        value JSON cannot hold. O(size of the document)."""
        self.write(json.dumps(document, indent=2) + "\n")

    def write_result(
        self,
        fmt: str,
        document: Callable[[], object],
        text: Callable[[], str],
        csv: Callable[[], str] | None = None,
    ) -> None:
        """Write a command's result in its ``--format``: ``json``, what
        ``document()`` returns (usually the result's ``to_dict``) through
        :meth:`write_json`; ``csv``, what ``csv()`` returns; anything else,
        what ``text()`` returns. Only the chosen form is rendered. Raises
        ValueError for ``csv`` without a ``csv`` renderer. O(size of the
        output)."""
        if fmt == "json":
            self.write_json(document())
        elif fmt == "csv":
            if csv is None:
                raise ValueError("this command has no csv output")
            self.write(csv())
        else:
            self.write(text())

    def warn(self, warning: AwsWarning | str) -> None:
        """One ``subnetfrag: warning: ...`` line on stderr, control characters
        escaped (:func:`~subnetfrag.render.terminal.printable`)."""
        message = printable(str(warning).replace("\n", " "))
        self.err.write(f"subnetfrag: warning: {message}\n")
