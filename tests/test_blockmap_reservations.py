"""The text block map names the CIDR reservations on the rows they overlap."""

from __future__ import annotations

import re

from subnetfrag import Subnet
from subnetfrag.aws import load_example
from subnetfrag.blockmap import render_block_map
from subnetfrag.render.terminal import Style
from subnetfrag.render.text_report import render_subnet


def rows_by_address(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\d+\.\d+\.\d+\.\d+)\s+(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_rows_overlapping_a_reservation_name_it() -> None:
    s = Subnet("10.0.0.0/22")
    s.reserve("10.0.1.0/26", "prefix")
    s.reserve("10.0.2.32/27", "explicit")
    s.allocate_ip("10.0.1.5")  # used space inside the prefix reservation
    text = render_block_map(s, reservations=s.reservations(), fold=False)
    lines = text.splitlines()
    assert lines[2] == "CIDR reservations: prefix 10.0.1.0/26, explicit 10.0.2.32/27"
    rows = rows_by_address(text)
    assert rows["10.0.1.0"].endswith("  ◂ prefix reservation 10.0.1.0/26")
    assert rows["10.0.2.0"].endswith("  ◂ explicit reservation 10.0.2.32/27")
    assert "reservation" not in rows["10.0.0.0"] + rows["10.0.3.0"]
    # without reservations the map is as before
    plain = render_block_map(s, fold=False)
    assert "reservation" not in plain
    assert len(plain.splitlines()) == len(lines) - 1


def test_ascii_summary_and_folding_keep_the_notes() -> None:
    s = Subnet("10.0.0.0/16")
    s.reserve("10.0.80.0/24", "prefix")
    text = render_block_map(s, reservations=s.reservations(), ascii=True)
    rows = rows_by_address(text)
    # summary mode: a row is a /20; the reservation lies in 10.0.80.0/20
    assert rows["10.0.80.0"].endswith("  < prefix reservation 10.0.80.0/24")
    # the rows around it are alike, but the noted row is not folded into them
    assert "... 3 more identical rows, up to 10.0.79.255" in text
    assert rows["10.0.96.0"] == " ".join(["."] * 16)


def test_analyze_map_shows_the_example_reservation() -> None:
    aws = next(iter(load_example()))
    text = render_subnet(aws, Style(False), block_map=True)
    (res,) = aws.subnet.reservations()
    noted = [line for line in text.splitlines() if f"prefix reservation {res.cidr}" in line]
    assert len(noted) == 1 and noted[0].lstrip().startswith(str(res.cidr.network))
    assert f"CIDR reservations: prefix {res.cidr}" in text
