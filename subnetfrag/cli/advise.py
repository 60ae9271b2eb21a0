"""``subnetfrag advise``: per subnet, the repair plan (the fewest moves that
recover ``--want`` free /28s, grouped by owner: nodes to drain) and where a
prefix CIDR reservation for ``--prefixes`` /28s should go, computed on the
subnet as the plan leaves it, ending with the AWS CLI command and the
Terraform block that create the reservation."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..advice import (
    DefragPlan,
    ReservationSuggestion,
    apply_defrag,
    movable_unless_primary,
    plan_defrag,
    suggest_reservation,
)
from ..aws import AwsSubnet
from ..render.advice_text import (
    aws_cli_command,
    render_plan,
    render_reservation,
    terraform_block,
)
from ..render.terminal import printable
from ..render.text_report import subnet_heading
from ..subnet import Subnet
from .output import Output
from .sources import load_state

__all__ = ["DEFAULT_WANT", "advise_subnet", "run_advise"]

#: Free /28 blocks the plan recovers when ``--want`` is not given.
DEFAULT_WANT = 8


def advise_subnet(
    aws: AwsSubnet,
    *,
    want: int,
    prefixes: int,
    keep_primaries: bool = False,
    relocate: bool = False,
    within: str | None = None,
) -> tuple[DefragPlan, ReservationSuggestion]:
    """The plan for ``aws``'s subnet and the reservation suggestion on a copy
    of it with the plan carried out. Leaves ``aws`` unchanged. Cost: as
    :func:`~subnetfrag.advice.plan_defrag` plus a copy of the subnet."""
    subnet = aws.subnet
    plan = plan_defrag(
        subnet,
        want,
        movable=movable_unless_primary if keep_primaries else None,
        relocate=relocate,
        within=within,
    )
    after = Subnet.from_dict(subnet.to_dict())
    apply_defrag(after, plan)
    return plan, suggest_reservation(after, prefixes)


def _document(
    aws: AwsSubnet, plan: DefragPlan, suggestion: ReservationSuggestion, args: argparse.Namespace
) -> dict[str, Any]:
    region = args.region if args.aws else None
    profile = args.profile if args.aws else None
    return {
        "subnet_id": aws.subnet_id,
        "cidr": aws.info.cidr,
        "plan": plan.to_dict(),
        "reservation": suggestion.to_dict(),
        "aws_cli": [
            aws_cli_command(aws.subnet_id, c, region=region, profile=profile)
            for c in suggestion.cidrs
        ],
        "terraform": [terraform_block(aws.subnet_id, c) for c in suggestion.cidrs],
    }


def run_advise(args: argparse.Namespace, output: Output) -> int:
    """Run ``advise``; returns the exit status (0)."""
    state = load_state(args)
    for warning in state.warnings:
        output.warn(warning)
    want = args.want or DEFAULT_WANT
    prefixes = args.prefixes or want
    docs = []
    chunks = []
    for aws in state:
        plan, suggestion = advise_subnet(
            aws,
            want=want,
            prefixes=prefixes,
            keep_primaries=args.keep_primaries,
            relocate=args.relocate,
            within=args.within,
        )
        if args.format == "json":
            docs.append(_document(aws, plan, suggestion, args))
            continue
        lines = [subnet_heading(aws, output.style, state.discovery.get(aws.subnet_id, ()))]
        lines += render_plan(plan, output.style)
        lines.append("")
        lines += render_reservation(
            aws.subnet_id,
            suggestion,
            output.style,
            after_plan=bool(plan.moves),
            region=args.region if args.aws else None,
            profile=args.profile if args.aws else None,
        )
        for w in aws.warnings:
            lines.append(f"  {output.style.paint('warning:', 'yellow')} {printable(w.message)}")
        chunks.append("\n".join(lines) + "\n")
    if args.format == "json":
        output.write(json.dumps(docs, indent=2) + "\n")
    else:
        output.write("\n".join(chunks))
    return 0
