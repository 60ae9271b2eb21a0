"""``subnetfrag analyze``: the report of every subnet, as text, JSON or
Prometheus metrics, with the block map as text (``--map``) or SVG (``--svg``)."""

from __future__ import annotations

import argparse

from ..aws import AwsState, AwsSubnet
from ..render.json_report import render_json
from ..render.prometheus import EXPOSITION_FORMATS, render_prometheus
from ..render.svg import SvgPanel, block_holders, render_svg
from ..render.text_report import render_subnet
from .output import CommandError, Output
from .sources import load_state

__all__ = ["run_analyze", "svg_title", "write_svg"]


def svg_title(aws: AwsSubnet) -> str:
    """The heading of a subnet's panel in the SVG. O(1)."""
    info = aws.info
    name = f' "{info.name}"' if info.name else ""
    return f"{info.subnet_id}  {info.cidr}{name}"


def write_svg(state: AwsState, path: str) -> None:
    """Write the block map of every subnet of ``state`` to ``path`` as one SVG.
    Raises :class:`CommandError` when the file cannot be written."""
    panels = [
        SvgPanel(svg_title(s), s.subnet.block_map(), block_holders(s.subnet), s.subnet.report())
        for s in state
    ]
    text = render_svg(
        panels, title="subnetfrag block map: " + ", ".join(s.subnet_id for s in state)
    )
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None


def run_analyze(args: argparse.Namespace, output: Output) -> int:
    """Run ``analyze``; returns the exit status (0)."""
    state = load_state(args)
    for warning in state.warnings:
        output.warn(warning)
    if args.svg is not None:  # first: a file that cannot be written fails the run early
        write_svg(state, args.svg)
    if args.format == "json":
        output.write(render_json(state))
    elif args.format in EXPOSITION_FORMATS:
        output.write(render_prometheus(state, args.format))
    else:
        chunks = [
            render_subnet(
                s,
                output.style,
                block_map=args.map,
                ascii=output.ascii,
                discovery=state.discovery.get(s.subnet_id, ()),
            )
            for s in state
        ]
        output.write("\n".join(chunks))
    return 0
