"""The /28 block map as a standalone SVG picture (``analyze --svg FILE``).

One square cell per aligned /28 block, in address order, 16 to a row (a row
is a /24) up to a /18, 64 to a row (a /22) above, so a /16 stays 64 rows high.
Each cell is filled by the block's state, as the text block map draws it
(free, fragmented, full, AWS-reserved, prefix-allocated, and free blocks inside
a prefix or an explicit reservation); a block that holds allocations inside a
reservation is outlined in the reservation's colour. Each cell carries a
``<title>`` (the tooltip browsers show): the block, its state, how many of its
addresses are used, and who holds them, grouped by ENI. A colour key heads the
picture; each subnet's panel has its title, its headline numbers (free /28
prefixes, the AWS fragmentation score and band, free and stranded addresses),
its own legend with the count of each state in that subnet, row labels (each
row's first address) and column labels (the offset of each column's block from
the row's first address). The picture is as wide as its widest part.

Plain text building: no dependency, no script, no external reference. The
cells are ``<rect class="block STATE">`` elements, so other tools can find them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax import saxutils

from ..addresses import format_ip, parse_ip
from ..blockmap import BlockInfo
from ..metrics import FragmentationReport
from ..owner import Owner
from ..subnet import PREFIX_LEN, Subnet
from .terminal import printable

__all__ = ["COLOURS", "LEGEND", "SvgPanel", "block_holders", "display_state", "render_svg"]

#: Fill colour of each display state (colour-blind-safe Okabe-Ito palette).
COLOURS: dict[str, str] = {
    "free": "#009e73",
    "fragmented": "#e69f00",
    "full": "#d55e00",
    "aws_reserved": "#999999",
    "prefix_allocated": "#0072b2",
    "prefix_reserved": "#56b4e9",
    "explicit_reserved": "#cc79a7",
}
#: Legend wording of each display state, in legend order.
LEGEND: dict[str, str] = {
    "free": "free",
    "fragmented": "fragmented",
    "full": "full",
    "aws_reserved": "AWS-reserved",
    "prefix_allocated": "prefix-allocated",
    "prefix_reserved": "free, in a prefix reservation",
    "explicit_reserved": "free, in an explicit reservation",
}

#: Legend wording of the outlines drawn around blocks that hold allocations
#: inside a reservation.
_OUTLINE_LEGEND: dict[str, str] = {
    "prefix_reserved": "outline: used, in a prefix reservation",
    "explicit_reserved": "outline: used, in an explicit reservation",
}

_CELL = 12  # cell side, px
_GAP = 2
_PITCH = _CELL + _GAP
_LABEL_W = 96  # row labels
_MARGIN = 12
_CHAR_W = 6.7  # width of one character of 11px monospace text, generously
_LINE = 16  # text line height, px
_STYLE = (
    "text{font-family:ui-monospace,Menlo,Consolas,'DejaVu Sans Mono',monospace;"
    "font-size:11px;fill:#222}"
    ".title{font-weight:bold}.row,.offset{fill:#555}.offset{font-size:9px}"
)
_OFFSET_EVERY = {16: 4, 64: 8}  # columns between two column labels
_WIDE_ROW = 64
_NARROW_ROW = 16
_NARROW_LIMIT = 1024  # blocks: up to a /18, 16 blocks a row


@dataclass(frozen=True, slots=True)
class SvgPanel:
    """One subnet to draw: a ``title`` line, its :func:`~subnetfrag.blockmap.block_map`,
    per block position (0 for the subnet's first /28) the tooltip lines
    naming its holders (see :func:`block_holders`), and optionally its
    report, whose headline numbers the panel shows under the title."""

    title: str
    blocks: Sequence[BlockInfo]
    holders: Mapping[int, Sequence[str]] = field(default_factory=dict)
    report: FragmentationReport | None = None  #: gives the headline numbers when set


def _xml_text(text: object) -> str:
    """``text`` as XML character data: control characters first made visible
    by :func:`~subnetfrag.render.terminal.printable` (XML 1.0 forbids most of
    them, so a tag holding an escape character would make the document
    unreadable), then ``&``, ``<`` and ``>`` escaped. O(len)."""
    return saxutils.escape(printable(text))


def _xml_attr(text: object) -> str:
    """``text`` as a quoted XML attribute value, made printable first as in
    :func:`_xml_text`. O(len)."""
    return saxutils.quoteattr(printable(text))


def display_state(info: BlockInfo) -> str:
    """The state a cell is drawn in: the block's state, except that a free block
    inside a reservation is ``prefix_reserved`` or ``explicit_reserved``. O(1)."""
    if info.state == "free":
        if info.in_prefix_reservation:
            return "prefix_reserved"
        if info.in_explicit_reservation:
            return "explicit_reserved"
    return info.state


def _holder_name(owner: Owner | None) -> str:
    if owner is None:
        return "unknown holder"
    name = owner.eni_id or "unnamed ENI"
    details = [owner.owner_class]
    if owner.instance_id:
        details.append(owner.instance_id)
    if owner.owner_class == "other" and owner.description:
        details.append(owner.description[:48])
    return f"{name} ({', '.join(details)})"


def block_holders(subnet: Subnet) -> dict[int, list[str]]:
    """Per block position (blocks holding an allocation only), one line per holder:
    ``"eni-0abc (eks-pod, i-0123): 10.0.0.17, 10.0.0.18 (primary)"``, or for a
    prefix ``"eni-0abc (eks-pod, i-0123): prefix 10.0.0.32/28"``.
    O(allocations), about 3 µs each."""
    first = subnet.first
    grouped: dict[int, dict[str, list[str]]] = {}
    for net in subnet.allocations():
        owner = subnet.owner_of(net)
        offset = int(net.value) - first
        block = offset >> 4
        if net.prefixlen == PREFIX_LEN:
            text = f"prefix {net}"
        else:
            text = format_ip(first + offset)
            if owner is not None and owner.primary:
                text += " (primary)"
        grouped.setdefault(block, {}).setdefault(_holder_name(owner), []).append(text)
    return {
        block: [f"{name}: {', '.join(items)}" for name, items in by_holder.items()]
        for block, by_holder in grouped.items()
    }


def _tooltip(info: BlockInfo, holders: Sequence[str]) -> str:
    """The tooltip of one cell as XML character data: one line per holder,
    each made printable (the line breaks between them are the tooltip's own)."""
    state = LEGEND[display_state(info)]
    head = f"{info.cidr}: {state}, {info.used} of 16 used"
    if info.in_prefix_reservation and info.state != "free":
        head += ", in a prefix reservation"
    if info.in_explicit_reservation and info.state != "free":
        head += ", in an explicit reservation"
    return "\n".join(_xml_text(line) for line in (head, *holders))


def _text_width(text: str) -> int:
    return int(len(text) * _CHAR_W) + 1


def _headline(r: FragmentationReport) -> list[str]:
    """The panel's headline numbers, as two lines."""
    score = (
        "no AWS fragmentation score (no candidate /28)"
        if r.aws_fragmentation_score is None
        else f"AWS fragmentation score {r.aws_fragmentation_score} {r.aws_severity}"
    )
    prefixes = "free /28 prefix" if r.free_prefixes == 1 else "free /28 prefixes"
    return [
        f"{r.free_prefixes:,} {prefixes} · {score}",
        f"{r.addresses.free:,} free addresses, {r.stranded_ips:,} stranded in no free /28",
    ]


def _swatches(
    items: Sequence[tuple[str, str]], left: int, top: int, width: int, cls: str
) -> tuple[list[str], int]:
    """``(label, paint)`` swatches in lines no wider than ``width``; returns
    the elements and the height used."""
    out = [f'<g class="{cls}">']
    x, y = left, top
    for text, paint in items:
        item_w = _CELL + 6 + _text_width(text) + 14
        if x > left and x + item_w > left + width:
            x, y = left, y + _LINE
        out.append(f'<rect x="{x}" y="{y}" width="{_CELL}" height="{_CELL}" {paint}/>')
        out.append(f'<text x="{x + _CELL + 6}" y="{y + _CELL - 2}">{_xml_text(text)}</text>')
        x += item_w
    out.append("</g>")
    return out, y - top + _LINE


def _legend_items(blocks: Sequence[BlockInfo]) -> list[tuple[str, str]]:
    """One swatch per state present in ``blocks``, with its count, then the
    outlines drawn (each count is this panel's alone)."""
    counts = dict.fromkeys(LEGEND, 0)
    outlined = dict.fromkeys(_OUTLINE_LEGEND, 0)
    for info in blocks:
        counts[display_state(info)] += 1
        kind = _outline(info)
        if kind is not None:
            outlined[kind] += 1
    items = [
        (f"{label} {counts[s]:,}", f'fill="{COLOURS[s]}"')
        for s, label in LEGEND.items()
        if counts[s]
    ]
    items += [
        (f"{label} {outlined[s]:,}", f'fill="#ffffff" stroke="{COLOURS[s]}" stroke-width="2"')
        for s, label in _OUTLINE_LEGEND.items()
        if outlined[s]
    ]
    return items


def _panel(panel: SvgPanel, top: int, columns: int, width: int) -> tuple[list[str], int]:
    """The elements of one panel starting at ``top``; returns them and the
    panel's height."""
    out = ['<g class="subnet">']
    y = top + 12
    out.append(f'<text class="title" x="{_MARGIN}" y="{y}">{_xml_text(panel.title)}</text>')
    if panel.report is not None:
        for line in _headline(panel.report):
            y += _LINE
            out.append(f'<text class="headline" x="{_MARGIN}" y="{y}">{_xml_text(line)}</text>')
    legend, height = _swatches(
        _legend_items(panel.blocks), _MARGIN, y + 6, width - 2 * _MARGIN, "legend"
    )
    out += legend
    y += 6 + height
    grid_left = _MARGIN + _LABEL_W
    every = _OFFSET_EVERY[columns]
    for col in range(0, min(columns, len(panel.blocks)), every):  # none past a small subnet's end
        x = grid_left + col * _PITCH
        out.append(f'<text class="offset" x="{x}" y="{y + 8}">+{col * 16}</text>')
    grid_top = y + 12
    blocks = panel.blocks
    base = parse_ip(blocks[0].cidr.partition("/")[0]) if blocks else 0
    rows = (len(blocks) + columns - 1) // columns
    for row in range(rows):
        row_y = grid_top + row * _PITCH
        label = format_ip(base + row * columns * 16)
        out.append(f'<text class="row" x="{_MARGIN}" y="{row_y + _CELL - 2}">{label}</text>')
    for position, info in enumerate(blocks):  # block_map() lists them in address order
        row, col = divmod(position, columns)
        x = grid_left + col * _PITCH
        cell_y = grid_top + row * _PITCH
        state = display_state(info)
        kind = _outline(info)
        outline = "" if kind is None else f' stroke="{COLOURS[kind]}" stroke-width="2"'
        tip = _tooltip(info, panel.holders.get(position, ()))
        out.append(
            f'<rect class="block {state}" x="{x}" y="{cell_y}" width="{_CELL}" height="{_CELL}" '
            f'fill="{COLOURS[state]}"{outline}><title>{tip}</title></rect>'
        )
    out.append("</g>")
    return out, grid_top - top + rows * _PITCH + _MARGIN


def _outline(info: BlockInfo) -> str | None:
    """The reservation a non-free block is outlined for, if any."""
    if info.state == "free":
        return None
    if info.in_prefix_reservation:
        return "prefix_reserved"
    if info.in_explicit_reservation:
        return "explicit_reserved"
    return None


def _width(panels: Sequence[SvgPanel], columns: int) -> int:
    """The picture's width: the grid's, or the widest title or headline."""
    grid = _MARGIN * 2 + _LABEL_W + columns * _PITCH - _GAP
    texts = [p.title for p in panels]
    texts += [line for p in panels if p.report is not None for line in _headline(p.report)]
    return max(grid, *(2 * _MARGIN + _text_width(t) for t in texts))


def render_svg(panels: Sequence[SvgPanel], *, title: str = "subnetfrag block map") -> str:
    """A standalone SVG document drawing each panel's block map, one under the
    other, under a colour key. Raises :class:`ValueError` when there is no
    panel. O(blocks + holders)."""
    if not panels:
        raise ValueError("no subnet to draw")
    most = max(len(p.blocks) for p in panels)
    columns = _NARROW_ROW if most <= _NARROW_LIMIT else _WIDE_ROW
    width = _width(panels, columns)
    body: list[str] = [f"<title>{_xml_text(title)}</title>", f"<style>{_STYLE}</style>"]
    key = [(label, f'fill="{COLOURS[s]}"') for s, label in LEGEND.items()]
    elements, height = _swatches(key, _MARGIN, _MARGIN, width - 2 * _MARGIN, "key")
    body += elements
    top = _MARGIN + height + 6
    for panel in panels:
        elements, height = _panel(panel, top, columns, width)
        body += elements
        top += height
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
        f'height="{top}" viewBox="0 0 {width} {top}" role="img" '
        f"aria-label={_xml_attr(title)}>"
    )
    background = f'<rect width="{width}" height="{top}" fill="#ffffff"/>'
    return (
        "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', head, background, *body, "</svg>"])
        + "\n"
    )
