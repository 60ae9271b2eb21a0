"""Counts read the same in every output."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from subnetfrag.wording import plural


def test_singular_plural_and_separators() -> None:
    assert plural(1, "pod") == "1 pod"
    assert plural(0, "pod") == "0 pods"
    assert plural(2_000, "prefix", "prefixes") == "2,000 prefixes"
    assert plural(1, "prefix", "prefixes") == "1 prefix"


@given(st.integers(-(10**12), 10**12))
def test_the_number_is_always_shown_whole(n: int) -> None:
    text = plural(n, "ENI")
    assert text.replace(",", "").split(" ")[0] == str(n)
    assert text.endswith(" ENI" if n == 1 else " ENIs")
