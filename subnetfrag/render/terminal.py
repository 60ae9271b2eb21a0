"""Terminal output: colour on a terminal, none when piped or with ``NO_COLOR``.

The rule (https://no-color.org): ``NO_COLOR`` set to a non-empty value turns
colour off; otherwise colour is on when the stream is a terminal. ``--color
always`` / ``never`` override both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any

__all__ = ["COLOR_MODES", "Style", "can_encode", "colour_wanted", "printable"]

#: The values of ``--color``.
COLOR_MODES: tuple[str, ...] = ("auto", "always", "never")

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "grey": "90",
    "bold-red": "1;31",
}

#: The colour of each AWS severity band.
_SEVERITY = {
    "HEALTHY": "green",
    "LOW": "cyan",
    "MEDIUM": "yellow",
    "HIGH": "red",
    "CRITICAL": "bold-red",
    "EXHAUSTED": "bold-red",
}


def _escapes() -> dict[int, str]:
    table: dict[int, str] = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
    table.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"})
    # Characters that reorder or break lines on a terminal: bidirectional
    # controls (the "Trojan Source" ones) and the Unicode line separators.
    for c in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029):
        table[c] = f"\\u{c:04x}"
    return table


_ESCAPES = _escapes()


def printable(value: object) -> str:
    """``value`` as text that is safe to write to a terminal: the one
    function every text output (reports, ``check`` lines, warnings and
    errors) passes strings from the input through, as the SVG and Prometheus
    outputs escape theirs. C0 and C1 control characters, DEL, bidirectional
    controls and line separators become visible escapes (``\\x1b``, ``\\n``,
    ``\\u202e``), so that a tag or description cannot colour, move the cursor,
    retitle the window or add lines; None is the empty string (a tag whose
    ``Value`` is null). Never raises. O(len)."""
    if value is None:
        return ""
    return str(value).translate(_ESCAPES)


def colour_wanted(
    stream: IO[Any], mode: str = "auto", environ: Mapping[str, str] | None = None
) -> bool:
    """Whether to write ANSI colours to ``stream``: ``mode`` ``"always"`` or
    ``"never"`` decides; ``"auto"`` is no when ``NO_COLOR`` is set and not
    empty, else yes when the stream is a terminal. Raises :class:`ValueError`
    for another mode. O(1)."""
    if mode not in COLOR_MODES:
        raise ValueError(f"colour mode must be one of {', '.join(COLOR_MODES)}, not {mode!r}")
    if mode != "auto":
        return mode == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False


def can_encode(stream: IO[Any], text: str) -> bool:
    """Whether ``stream``'s encoding can write ``text`` (block-map glyphs on a
    legacy code page, say). A stream without an encoding takes anything. O(len)."""
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class Style:
    """ANSI styling that is a no-op when colour is off.

    ``Style(True).paint("x", "red")`` wraps ``x`` in escape codes;
    ``Style(False)`` returns it unchanged.
    """

    __slots__ = ("enabled",)

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def paint(self, text: str, style: str | None) -> str:
        """``text`` in ``style`` (a name such as ``"red"`` or ``"bold"``; None
        leaves it plain). Raises KeyError for an unknown style name. O(len)."""
        if not self.enabled or style is None:
            return text
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m"

    def severity(self, band: str | None) -> str:
        """An AWS severity band in its colour (``"n/a"`` for None). O(1)."""
        if band is None:
            return "n/a"
        return self.paint(band, _SEVERITY.get(band))
