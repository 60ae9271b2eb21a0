"""``subnetfrag headroom``: how many more nodes (and pods) fit in the subnets
as they are now, as p10 / p50 / p90 and the minimum over random placements,
per subnet and for the set (:func:`subnetfrag.sim.headroom.headroom`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ..aws import AwsState
from ..render.json_report import subnet_where
from ..render.terminal import printable
from ..render.text_report import subnet_heading
from ..sim.headroom import HeadroomFigures, HeadroomResult, headroom
from ..sim.scenario import SUBNET_SELECTIONS
from .cni_options import add_cni_options, cni_settings
from .instance_type import known_instance_type
from .output import Output
from .sources import load_state

__all__ = [
    "add_headroom_parser",
    "render_headroom",
    "run_headroom",
]

_EPILOG = """\
examples:
  subnetfrag headroom --example --instance-type m5.large --prefix-delegation --pods-per-node 30
  subnetfrag headroom --subnets subnets.json --enis enis.json --instance-type c5.xlarge \\
      --prefix-delegation --warm-ip-target 8 --runs 500 --format json
  subnetfrag headroom --aws --cluster prod --instance-type m5.large --prefix-delegation

Each run adds nodes one at a time (the primary ENI's address placed at random, as
EC2 does; then the prefixes or addresses ipamd takes for the pods) until the first
InsufficientCidrBlocks or InsufficientFreeAddressesInSubnet; the node that failed
does not count.
"""


def add_headroom_parser(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
) -> argparse.ArgumentParser:
    """Add the ``headroom`` command to ``commands``; return its parser. O(1)."""
    from .parser import _integer, _non_negative, _positive, _source_options, add_command

    hr = add_command(
        commands,
        "headroom",
        help="how many more nodes fit in the subnets as they are now (p10/p50/p90)",
        description=(
            "How many more nodes of an instance type (and their pods) fit in each subnet "
            "as it is now, fragmented: nodes are added one at a time as EC2 and the VPC "
            "CNI's ipamd would place their addresses, until the first "
            "InsufficientCidrBlocks or InsufficientFreeAddressesInSubnet; repeated with "
            "different random placements."
        ),
        epilog=_EPILOG,
    )
    _source_options(hr)
    hr.add_argument("--instance-type", metavar="T", required=True, help="e.g. m5.large")
    add_cni_options(hr.add_argument_group("VPC CNI settings (as for 'subnetfrag plan')"))
    hr.add_argument(
        "--pods-per-node",
        metavar="N",
        type=_non_negative,
        help="pods on each new node (default: as many as the node admits, max pods - 2)",
    )
    hr.add_argument("--runs", metavar="N", type=_positive, default=200, help="runs (default: 200)")
    hr.add_argument(
        "--seed", metavar="N", type=_integer, default=0, help="random seed (default: 0)"
    )
    hr.add_argument(
        "--subnet-selection",
        choices=SUBNET_SELECTIONS,
        default="most-available",
        help="how a node's ENIs pick among several subnets (default: most-available, "
        "the CNI's and Karpenter's rule)",
    )
    hr.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    return hr


def _line(label: str, fig: HeadroomFigures, pods_per_node: int, instance_type: str) -> str:
    n, p = fig.nodes, fig.pods
    ended = fig.ended_by[fig.limited_by]
    return (
        f"{label}\n"
        f"  nodes  p10 {n['p10']:,}  p50 {n['p50']:,}  p90 {n['p90']:,}  min {n['min']:,}"
        f"  (more {instance_type} nodes with {pods_per_node} pods each)\n"
        f"  pods   p10 {p['p10']:,}  p50 {p['p50']:,}  p90 {p['p90']:,}  min {p['min']:,}\n"
        f"  limited by {fig.limited_by} ({ended} of {fig.runs} runs)\n"
    )


_INCOMPLETE = "  (at most: the input is incomplete, see the warning)"


def render_headroom(
    result: HeadroomResult,
    headings: Sequence[str] | None = None,
    *,
    incomplete: bool = False,
) -> str:
    """The text form: one block per subnet, headed by ``headings`` (one per
    subnet, in order; default: its id and CIDR), then the set's when there
    are several, marked as an upper bound when ``incomplete`` (some subnet's
    input misses addresses EC2 counts as taken). O(subnets)."""
    labels = headings or [f"{printable(sid)}  {cidr}" for sid, cidr, _ in result.subnets]
    chunks = [
        _line(label, fig, result.pods_per_node, result.instance_type)
        for label, (_, _, fig) in zip(labels, result.subnets, strict=True)
    ]
    if len(result.subnets) > 1:
        chunks.append(
            _line(
                f"all {len(result.subnets)} subnets ({result.subnet_selection})"
                + (_INCOMPLETE if incomplete else ""),
                result.total,
                result.pods_per_node,
                result.instance_type,
            )
        )
    return "\n".join(chunks)


def run_headroom(args: argparse.Namespace, output: Output) -> int:
    """Run ``headroom``; returns the exit status (0)."""
    state = load_state(args)
    for warning in state.all_warnings():  # each subnet's too: incomplete input
        output.warn(warning)
    with known_instance_type():
        result = headroom(
            [s.subnet for s in state],
            instance_type=args.instance_type,
            settings=cni_settings(args),
            pods_per_node=args.pods_per_node,
            runs=args.runs,
            seed=args.seed,
            subnet_selection=args.subnet_selection,
        )
    output.write_result(
        args.format,
        lambda: _document(result, state),
        lambda: render_headroom(
            result,
            [
                subnet_heading(aws, output.style) + (_INCOMPLETE if aws.input_incomplete else "")
                for aws in state
            ],
            incomplete=any(aws.input_incomplete for aws in state),
        ),
    )
    return 0


def _document(result: HeadroomResult, state: AwsState) -> dict[str, Any]:
    """The JSON form: the result's ``to_dict()``, each subnet named as in
    every JSON output (:func:`~subnetfrag.render.json_report.subnet_where`)
    and marked ``input_complete``, as is the whole. O(subnets)."""
    doc = result.to_dict()
    doc["subnets"] = [
        {
            "subnet_id": e.pop("subnet_id"),
            "cidr": e.pop("cidr"),
            **subnet_where(aws),
            **e,
            "input_complete": not aws.input_incomplete,
        }
        for e, aws in zip(doc["subnets"], state, strict=True)
    ]
    doc["input_complete"] = not any(aws.input_incomplete for aws in state)
    return doc
