"""Read an input whole, but never more than a limit: an endless or enormous
input (``--enis /dev/zero``, a gzip bomb, a wrong file) is refused with one
line instead of filling memory until the kernel kills the process. And parse
it so that hostile text (nesting thousands deep, a number of thousands of
digits) is an input error too, never a crash (:func:`parse_errors_as`).

A bottom-layer helper (it imports nothing of subnetfrag), used wherever an
input file or stdin is read whole: AWS JSON (:mod:`subnetfrag.aws.ingest`),
CloudTrail traces and their decompressed content (:mod:`subnetfrag.aws.cloudtrail`)
and scenario TOML (:mod:`subnetfrag.sim.scenario`). Each reader keeps its limit
as a module constant and raises its own input-error type.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import AnyStr, Protocol, TypeVar

__all__ = ["CHUNK_BYTES", "SupportsRead", "format_size", "parse_errors_as", "read_limited"]

#: What a stream of unknown size is read by: large enough that the call
#: overhead is nothing, small enough that the last chunk overshoots little.
CHUNK_BYTES = 1 << 20


_T_co = TypeVar("_T_co", covariant=True)


class SupportsRead(Protocol[_T_co]):
    """Anything with ``read(n)``: a binary or text file, a pipe, a GzipFile."""

    def read(self, size: int = ..., /) -> _T_co:
        """Up to ``size`` bytes (or characters); empty at the end."""
        ...


def format_size(n: int) -> str:
    """``n`` bytes for a message: ``"2 GiB"``, ``"16 MiB"``, ``"100 bytes"``. O(1)."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


def _remaining_size(stream: object) -> int | None:
    """The bytes left in a plain regular file (``open(path, "rb")``, or stdin
    redirected from one), else None: a pipe, a device or a wrapper (a
    GzipFile's ``fileno`` is the compressed file's) has no size to trust."""
    if not isinstance(stream, io.BufferedReader | io.FileIO):
        return None
    try:
        st = os.fstat(stream.fileno())
        if not stat.S_ISREG(st.st_mode):
            return None
        return max(st.st_size - stream.tell(), 0)
    except (OSError, ValueError):
        return None


def read_limited(
    stream: SupportsRead[AnyStr],
    limit: int,
    name: str,
    what: str,
    error: type[Exception],
) -> AnyStr:
    """Everything ``stream`` holds, or ``error(message)`` as soon as more than
    ``limit`` bytes (characters, for a text stream) arrive; the message is one
    line naming ``name`` (the file) and ``what`` (the kind of input). At most
    ``limit + 1`` are read. A regular file larger than ``limit`` is refused
    before anything is read; one within it is read in one call of its size
    (no copy); another stream is read by :data:`CHUNK_BYTES` and joined.

    Raises ``error`` as above; what ``stream.read`` raises (OSError, a
    decompressor's error) propagates. O(size read).
    """
    size = _remaining_size(stream)

    def too_large() -> Exception:
        return error(f"{name}: {what} larger than {format_size(limit)}, the most subnetfrag reads")

    if size is not None and size > limit:
        raise too_large()
    want = size + 1 if size is not None else CHUNK_BYTES
    chunks: list[AnyStr] = []
    total = 0
    while True:
        chunk = stream.read(min(want, limit + 1 - total))  # total <= limit: at least 1
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise too_large()
        want = CHUNK_BYTES
    if len(chunks) == 1:
        return chunks[0]
    if not chunks:
        return stream.read(0)  # an empty bytes or str, as the stream gives
    return chunks[0][:0].join(chunks)


@contextmanager
def parse_errors_as(
    error: type[Exception],
    name: str,
    language: str,
    *,
    nesting: str,
    expected: str = "",
    passthrough: tuple[type[BaseException], ...] = (),
) -> Iterator[None]:
    """Turn every way a parser fails on hostile text, other than its own
    syntax errors, into ``error`` with a one-line message naming ``name``:
    nesting deeper than the interpreter's recursion limit (``nesting`` says
    how deep the real input nests), an integer beyond Python's digit limit
    (4,300 digits; ``expected`` is appended, e.g. ``" (expected X output)"``),
    or a document too large for memory. ``error`` itself and ``passthrough``
    (the parser's own syntax error, already a ``ValueError``) propagate as
    they are. Used around ``json`` in :mod:`subnetfrag.aws.ingest` and
    ``tomllib`` in :mod:`subnetfrag.sim.scenario`. O(1) besides the parse."""
    try:
        yield
    except RecursionError:
        raise error(f"{name}: {language} nested too deeply to read ({nesting})") from None
    except (error, *passthrough):
        raise
    except ValueError:  # int() refusing a number of thousands of digits
        raise error(
            f"{name}: unreadable {language}: a number with more than "
            f"{sys.get_int_max_str_digits():,} digits{expected}"
        ) from None
    except MemoryError:
        raise error(f"{name}: too large to parse in the memory available") from None
