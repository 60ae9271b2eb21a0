"""``subnetfrag advise``: per subnet, the leaked ENIs to delete, then, unless
the subnet already has ``--want`` free /28 prefixes (then it says so and
prescribes nothing), the repair plan (the fewest moves that recover the
missing ones, grouped by owner, each with the action and the command that
frees its addresses) and where a prefix CIDR reservation for ``--prefixes``
/28s should go, computed on the subnet as the plan leaves it, ending with the
AWS CLI command and the Terraform block that create the reservation.

Addresses whose owner cannot move by a change of configuration (NAT
gateways, Gateway Load Balancers, RDS instances: see
:mod:`subnetfrag.render.actions`) are left in place by the plan."""

from __future__ import annotations

import argparse
from typing import Any

from ..advice import (
    DefragPlan,
    ReservationSuggestion,
    apply_defrag,
    leaked_enis,
    plan_defrag,
    suggest_reservation,
)
from ..aws import AwsSubnet
from ..owner import Owner
from ..render.actions import action_for_group, action_for_owner, leaked_action
from ..render.advice_text import (
    aws_cli_command,
    render_leaked,
    render_plan,
    render_reservation,
    terraform_block,
)
from ..render.json_report import subnet_where
from ..render.terminal import printable
from ..render.text_report import subnet_heading
from ..subnet import Subnet
from .output import Output
from .sources import load_state

__all__ = ["DEFAULT_WANT", "advise_subnet", "can_move", "run_advise"]

#: The free /28 prefixes a subnet should have when ``--want`` is not given.
DEFAULT_WANT = 8


def can_move(owner: Owner | None, *, keep_primaries: bool = False) -> bool:
    """Whether the plan may move an address of ``owner``: its owner can move
    by a change of configuration (not a NAT gateway, a Gateway Load Balancer
    or an RDS instance), and with ``keep_primaries`` it is no ENI's
    primary address. O(1)."""
    if keep_primaries and owner is not None and owner.primary:
        return False
    return action_for_owner(owner, subnet_id="").movable


def advise_subnet(
    aws: AwsSubnet,
    *,
    want: int,
    prefixes: int,
    keep_primaries: bool = False,
    relocate: bool = False,
    within: str | None = None,
) -> tuple[DefragPlan, ReservationSuggestion]:
    """The plan that recovers ``want`` more free /28s in ``aws``'s subnet
    (moving only what :func:`can_move` allows) and the reservation suggestion
    on a copy of it with the plan carried out. Leaves ``aws`` unchanged. Cost:
    as :func:`~subnetfrag.advice.plan_defrag` plus a copy of the subnet."""
    subnet = aws.subnet
    plan = plan_defrag(
        subnet,
        want,
        movable=lambda _address, owner: can_move(owner, keep_primaries=keep_primaries),
        relocate=relocate,
        within=within,
    )
    after = Subnet.from_dict(subnet.to_dict())
    apply_defrag(after, plan)
    return plan, suggest_reservation(after, prefixes)


def _where(args: argparse.Namespace) -> dict[str, str | None]:
    return {
        "region": args.region if args.aws else None,
        "profile": args.profile if args.aws else None,
    }


def _document(
    aws: AwsSubnet,
    want: int,
    plan: DefragPlan | None,
    suggestion: ReservationSuggestion | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    where = _where(args)
    info = aws.info
    leaks = leaked_enis(aws.subnet)
    cidrs = suggestion.cidrs if suggestion is not None else ()
    return {
        "subnet_id": aws.subnet_id,
        "cidr": info.cidr,
        **subnet_where(aws),
        "want": want,
        "free_prefixes": aws.subnet.free_prefix_count(),
        # Missing ENIs only hide used addresses: a goal met on incomplete input
        # is unknown (null), one missed is missed.
        "meets_goal": (None if aws.input_incomplete else True) if plan is None else False,
        "input_complete": not aws.input_incomplete,
        "leaked_enis": [
            {**leak.to_dict(), "action": leaked_action(leak, **where).to_dict()} for leak in leaks
        ],
        "plan": None if plan is None else plan.to_dict(),
        "actions": []
        if plan is None
        else [
            action_for_group(
                g, subnet_id=aws.subnet_id, zone=info.availability_zone, **where
            ).to_dict()
            for g in plan.groups
        ],
        "reservation": None if suggestion is None else suggestion.to_dict(),
        "aws_cli": [aws_cli_command(aws.subnet_id, c, **where) for c in cidrs],
        "terraform": [terraform_block(aws.subnet_id, c) for c in cidrs],
    }


def _advise(
    aws: AwsSubnet, want: int, args: argparse.Namespace
) -> tuple[DefragPlan | None, ReservationSuggestion | None]:
    """The plan and suggestion, or ``(None, None)`` when the subnet already
    meets the goal (then only an explicit ``--prefixes`` gets a suggestion)."""
    missing = want - aws.subnet.free_prefix_count()
    prefixes = args.prefixes or want
    if missing <= 0:
        if args.prefixes is None:
            return None, None
        return None, suggest_reservation(aws.subnet, prefixes)
    return advise_subnet(
        aws,
        want=missing,
        prefixes=prefixes,
        keep_primaries=args.keep_primaries,
        relocate=args.relocate,
        within=args.within,
    )


def run_advise(args: argparse.Namespace, output: Output) -> int:
    """Run ``advise``; returns the exit status (0)."""
    state = load_state(args)
    for warning in state.warnings:
        output.warn(warning)
    want = args.want or DEFAULT_WANT
    where = _where(args)
    style = output.style
    docs = []
    chunks = []
    for aws in state:
        plan, suggestion = _advise(aws, want, args)
        if args.format == "json":
            docs.append(_document(aws, want, plan, suggestion, args))
            continue
        lines = [subnet_heading(aws, style, state.discovery.get(aws.subnet_id, ()))]
        leaks = render_leaked(leaked_enis(aws.subnet), style, **where)
        if leaks:
            lines += leaks
            lines.append("")
        free = aws.subnet.free_prefix_count()
        if plan is None and aws.input_incomplete:
            lines.append(
                f"  {style.paint('goal unknown', 'bold-red')}: {free:,} free /28 prefixes in "
                f"the addresses read, at least the {want:,} wanted, but the input is "
                "incomplete (see the warning): the true count may be lower"
            )
        elif plan is None:
            lines.append(
                f"  meets the goal: {free:,} free /28 prefixes, at least the {want:,} wanted; "
                "nothing to move"
            )
        else:
            lines += render_plan(
                plan, style, subnet_id=aws.subnet_id, zone=aws.info.availability_zone, **where
            )
        if suggestion is not None:
            lines.append("")
            lines += render_reservation(
                aws.subnet_id,
                suggestion,
                style,
                after_plan=plan is not None and bool(plan.moves),
                **where,
            )
        for w in aws.warnings:
            lines.append(f"  {style.paint('warning:', 'yellow')} {printable(w.message)}")
        chunks.append("\n".join(lines) + "\n")
    if args.format == "json":
        output.write_json(docs)
    else:
        output.write("\n".join(chunks))
    return 0
