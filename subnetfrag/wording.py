"""Small wording helpers shared by every layer that writes English for people
(capacity plans, advice, command output), so that counts read the same
everywhere. No imports: any layer may use it."""

from __future__ import annotations

__all__ = ["plural"]


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` with thousands separators and ``word`` in the singular for 1,
    else ``many`` (default ``word + "s"``): ``plural(1, "pod")`` is
    ``"1 pod"``, ``plural(2_000, "prefix", "prefixes")`` is ``"2,000 prefixes"``.
    Never raises for an int. O(digits)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
