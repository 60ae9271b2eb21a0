"""The SVG block map: valid XML, one cell per /28 in its state's colour, per
subnet a legend with that subnet's counts and the headline numbers, row and
column labels, a tooltip naming each block's holders, no empty margin."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from subnetfrag import Subnet
from subnetfrag.blockmap import BlockInfo
from subnetfrag.owner import Owner
from subnetfrag.render.svg import COLOURS, LEGEND, SvgPanel, block_holders, render_svg

NS = "{http://www.w3.org/2000/svg}"


def cells(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{NS}svg"
    return [e for e in root.iter(f"{NS}rect") if "block" in e.get("class", "").split()]


def tooltip(cell: ET.Element) -> str:
    return cell.findtext(f"{NS}title") or ""


def sample() -> Subnet:
    """A /26 (4 blocks): block 1 in a prefix reservation, holding a node's
    primary address and two pod addresses; block 2 a pod prefix; block 3 (with
    the broadcast address) one address of an ENI with markup in its names."""
    s = Subnet("10.0.0.0/26", subnet_id="subnet-1")
    s.reserve("10.0.0.16/28", "prefix")
    node = Owner(eni_id="eni-a", instance_id="i-1", owner_class="node-primary", primary=True)
    pod = Owner(eni_id="eni-b", instance_id="i-1", owner_class="eks-pod")
    s.allocate_ip("10.0.0.17", owner=node)
    s.allocate_ip("10.0.0.18", owner=pod)
    s.allocate_ip("10.0.0.19", owner=pod)
    s.allocate_prefix("10.0.0.32/28", owner=pod)
    other = Owner(eni_id="eni-<&>", owner_class="other", description='say "hi" & <bye>')
    s.allocate_ip("10.0.0.50", owner=other)
    return s


def test_one_cell_per_block_with_state_colour_and_tooltip() -> None:
    s = sample()
    blocks = s.block_map()
    svg = render_svg([SvgPanel("subnet-1 10.0.0.0/26", blocks, block_holders(s))])
    found = cells(svg)
    assert len(found) == 4
    states = [c.get("class", "").split()[1] for c in found]
    assert states == ["aws_reserved", "fragmented", "prefix_allocated", "aws_reserved"]
    assert [c.get("fill") for c in found] == [COLOURS[x] for x in states]
    # The fragmented block lies in the prefix reservation: outlined.
    assert found[1].get("stroke") == COLOURS["prefix_reserved"]
    tips = [tooltip(c) for c in found]
    assert tips[1].split("\n") == [
        "10.0.0.16/28: fragmented, 3 of 16 used, in a prefix reservation",
        "eni-a (node-primary, i-1): 10.0.0.17 (primary)",
        "eni-b (eks-pod, i-1): 10.0.0.18, 10.0.0.19",
    ]
    assert tips[2].split("\n") == [
        "10.0.0.32/28: prefix-allocated, 16 of 16 used",
        "eni-b (eks-pod, i-1): prefix 10.0.0.32/28",
    ]
    # Markup in owners is escaped, and read back intact.
    assert 'eni-<&> (other, say "hi" & <bye>): 10.0.0.50' in tips[3]


def test_free_blocks_in_reservations_and_the_legend() -> None:
    s = Subnet("10.0.0.0/26")
    s.reserve("10.0.0.16/28", "prefix")
    s.reserve("10.0.0.32/28", "explicit")
    svg = render_svg([SvgPanel("t", s.block_map())])
    states = [c.get("class", "").split()[1] for c in cells(svg)]
    assert states == ["aws_reserved", "prefix_reserved", "explicit_reserved", "aws_reserved"]
    root = ET.fromstring(svg)
    key = next(g for g in root.iter(f"{NS}g") if g.get("class") == "key")
    assert [t.text for t in key.iter(f"{NS}text")] == list(LEGEND.values())
    legend = next(g for g in root.iter(f"{NS}g") if g.get("class") == "legend")
    texts = [t.text for t in legend.iter(f"{NS}text")]
    assert texts == [
        "AWS-reserved 2",
        "free, in a prefix reservation 1",
        "free, in an explicit reservation 1",
    ]


def legends(svg: str) -> list[dict[str, int]]:
    """Per panel, its legend as label -> count."""
    root = ET.fromstring(svg)
    out = []
    for g in root.iter(f"{NS}g"):
        if g.get("class") == "legend":
            pairs = [(t.text or "").rsplit(" ", 1) for t in g.iter(f"{NS}text")]
            out.append({label: int(n.replace(",", "")) for label, n in pairs})
    return out


def test_each_panel_counts_its_own_blocks_and_shows_its_headline() -> None:
    a = Subnet("10.0.0.0/26")
    a.allocate_ip("10.0.0.20")
    b = Subnet("10.0.1.0/24")
    b.allocate_prefix("10.0.1.32/28")
    panels = [SvgPanel(str(s.cidr), s.block_map(), report=s.report()) for s in (a, b)]
    svg = render_svg(panels)
    assert legends(svg) == [
        {"free": 1, "fragmented": 1, "AWS-reserved": 2},
        {"free": 13, "AWS-reserved": 2, "prefix-allocated": 1},
    ]
    for legend, s in zip(legends(svg), (a, b), strict=True):
        assert sum(legend.values()) == len(s.block_map())
    root = ET.fromstring(svg)
    heads = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "headline"]
    ra, rb = a.report(), b.report()
    assert heads == [
        f"{ra.free_prefixes} free /28 prefix · AWS fragmentation score "
        f"{ra.aws_fragmentation_score} {ra.aws_severity}",
        f"{ra.addresses.free} free addresses, {ra.stranded_ips} stranded in no free /28",
        f"{rb.free_prefixes} free /28 prefixes · AWS fragmentation score "
        f"{rb.aws_fragmentation_score} {rb.aws_severity}",
        f"{rb.addresses.free} free addresses, {rb.stranded_ips} stranded in no free /28",
    ]


def test_columns_carry_address_offsets_and_the_picture_has_no_empty_margin() -> None:
    s = Subnet("10.0.0.0/24")
    root = ET.fromstring(render_svg([SvgPanel("t", s.block_map())]))
    offsets = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "offset"]
    assert offsets == ["+0", "+64", "+128", "+192"]
    grid = cells(ET.tostring(root, encoding="unicode"))
    right = max(float(c.get("x", "0")) + float(c.get("width", "0")) for c in grid)
    assert float(root.get("width", "0")) == right + 12  # the margin, nothing more
    wide = ET.fromstring(render_svg([SvgPanel("w", Subnet("10.0.0.0/17").block_map())]))
    offsets = [t.text for t in wide.iter(f"{NS}text") if t.get("class") == "offset"]
    assert offsets == [f"+{16 * c}" for c in range(0, 64, 8)]
    long_title = "x" * 200  # a title wider than the grid widens the picture
    root = ET.fromstring(render_svg([SvgPanel(long_title, s.block_map())]))
    assert float(root.get("width", "0")) > right + 12


def test_no_offset_is_drawn_past_a_small_subnets_last_block() -> None:
    panels = [SvgPanel(c, Subnet(c).block_map()) for c in ("10.0.0.0/24", "10.0.1.0/26")]
    root = ET.fromstring(render_svg(panels))
    per_panel = [
        [t.text for t in g.iter(f"{NS}text") if t.get("class") == "offset"]
        for g in root.iter(f"{NS}g")
        if g.get("class") == "subnet"
    ]
    assert per_panel == [["+0", "+64", "+128", "+192"], ["+0"]]  # a /26 is 4 blocks: +0 to +48


def test_several_panels_and_wide_rows_for_large_subnets() -> None:
    small = Subnet("10.0.0.0/24")
    large = Subnet("10.1.0.0/17")  # 2,048 blocks: 64 to a row
    svg = render_svg([SvgPanel("a", small.block_map()), SvgPanel("b", large.block_map())])
    found = cells(svg)
    assert len(found) == 16 + 2048
    xs = sorted({float(c.get("x", "0")) for c in found})
    assert len(xs) == 64
    root = ET.fromstring(svg)
    assert int(root.get("height", "0")) > int(max(float(c.get("y", "0")) for c in found))
    assert [g.get("class") for g in root.iter(f"{NS}g")].count("subnet") == 2


def test_rows_are_labelled_with_their_first_address() -> None:
    s = Subnet("10.0.0.0/23")
    root = ET.fromstring(render_svg([SvgPanel("t", s.block_map())]))
    rows = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "row"]
    assert rows == ["10.0.0.0", "10.0.1.0"]


def test_no_panel_is_an_error() -> None:
    with pytest.raises(ValueError, match="no subnet"):
        render_svg([])


def test_unknown_holder_is_named() -> None:
    s = Subnet("10.0.0.0/28")
    s.allocate_ip("10.0.0.7")
    assert block_holders(s) == {0: ["unknown holder: 10.0.0.7"]}
    info = BlockInfo(0, "10.0.0.0/28", "aws_reserved", 6, False, False)
    svg = render_svg([SvgPanel("t", [info], block_holders(s))])
    assert tooltip(cells(svg)[0]).endswith("unknown holder: 10.0.0.7")


def test_control_characters_in_names_leave_the_document_well_formed() -> None:
    s = Subnet("10.0.0.0/28", subnet_id="subnet-1")
    evil = Owner(eni_id="eni-1", owner_class="other", description="a\x1b[31mb\x00c\x7fd\u202e")
    s.allocate_ip("10.0.0.5", owner=evil)
    panel = SvgPanel(
        title="subnet-\x1b]0;x\x07 \x0bname", blocks=s.block_map(), holders=block_holders(s)
    )
    svg = render_svg([panel], title="map \x1b")
    assert "\x1b" not in svg and "\x00" not in svg and "\x07" not in svg
    root = ET.fromstring(svg.encode("utf-8"))  # raises on a character XML forbids
    texts = " ".join(t for e in root.iter() for t in (e.text,) if t)
    assert "\\x1b" in texts
