"""Repair advice as text (``subnetfrag advise``): leaked ENIs, the defrag plan
grouped by owner with the action and commands for each owner
(:mod:`.actions`), the prefix reservation, and the AWS CLI commands and
Terraform blocks that create the reservation."""

from __future__ import annotations

import re
import shlex

from ..advice import DefragPlan, LeakedEni, Move, OwnerGroup, ReservationSuggestion
from ..wording import plural
from .actions import OwnerAction, action_for_group, leaked_action
from .terminal import Style, printable

__all__ = [
    "RESERVATION_DESCRIPTION",
    "aws_cli_command",
    "render_action",
    "render_leaked",
    "render_plan",
    "render_reservation",
    "terraform_block",
]

#: The description given to the reservations subnetfrag suggests.
RESERVATION_DESCRIPTION = "subnetfrag: keep for EKS /28 prefixes"


def aws_cli_command(
    subnet_id: str, cidr: str, *, region: str | None = None, profile: str | None = None
) -> str:
    """The ``aws ec2 create-subnet-cidr-reservation`` command that reserves
    ``cidr`` in ``subnet_id`` for prefixes, shell-quoted. O(1)."""
    words = [
        "aws", "ec2", "create-subnet-cidr-reservation",
        "--subnet-id", subnet_id,
        "--cidr", cidr,
        "--reservation-type", "prefix",
        "--description", RESERVATION_DESCRIPTION,
    ]  # fmt: skip
    if region:
        words += ["--region", region]
    if profile:
        words += ["--profile", profile]
    return " ".join(shlex.quote(w) for w in words)


def _hcl_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${")
    return f'"{escaped}"'


def terraform_block(subnet_id: str, cidr: str) -> str:
    """The equivalent Terraform ``aws_ec2_subnet_cidr_reservation`` resource
    (AWS provider), named after the CIDR. O(1)."""
    name = "eks_prefixes_" + re.sub(r"[^0-9A-Za-z]+", "_", cidr)
    return "\n".join(
        [
            f'resource "aws_ec2_subnet_cidr_reservation" "{name}" {{',
            f"  subnet_id        = {_hcl_string(subnet_id)}",
            f"  cidr_block       = {_hcl_string(cidr)}",
            '  reservation_type = "prefix"',
            f"  description      = {_hcl_string(RESERVATION_DESCRIPTION)}",
            "}",
        ]
    )


def _holder(move: Move) -> str:
    o = move.owner
    if o is None:
        return "unknown holder"
    parts = [o.owner_class]
    if o.eni_id:
        parts.append(printable(o.eni_id))
    if o.primary:
        parts.append("primary")
    return ", ".join(parts)


def render_action(action: OwnerAction, style: Style, indent: str = "      ") -> list[str]:
    """An action's commands (``$ ...``) and note, one line each. O(commands)."""
    lines = [f"{indent}$ {printable(c)}" for c in action.commands]
    if action.note:
        lines.append(f"{indent}{style.paint('note:', 'yellow')} {printable(action.note)}")
    return lines


def _group_heading(group: OwnerGroup, action: OwnerAction, style: Style) -> str:
    moves = plural(len(group.moves), "address", "addresses")
    who = printable(action.summary)
    if action.target:
        target = printable(action.target)
        who = who.replace(target, style.paint(target, "bold"), 1)
    if group.blocks:
        shared = f", {group.shared} shared with earlier owners" if group.shared else ""
        gain = f"recovers {plural(len(group.blocks), 'block')}{shared}: " + ", ".join(group.blocks)
    else:
        gain = "recovers no block on its own (completes blocks with later owners)"
    return f"    {who}: {moves}, {gain}"


def _move_line(move: Move) -> str:
    where = f"{move.address} in {move.block}"
    if move.to is not None:
        where += f" -> {move.to} in {move.to_block}"
    return f"      {where}  ({_holder(move)})"


def render_plan(
    plan: DefragPlan,
    style: Style,
    *,
    subnet_id: str = "<subnet>",
    zone: str | None = None,
    region: str | None = None,
    profile: str | None = None,
) -> list[str]:
    """The defrag plan: a summary line, the nodes to drain, and the moves
    grouped by owner (or in plan order when no owner is known), each group
    with the action that frees its addresses and its commands
    (:func:`~subnetfrag.render.actions.action_for_group`). O(moves)."""
    lines = []
    verb = "relocate" if plan.relocate else "release"
    area = f" inside {plan.within}" if plan.within else ""
    if not plan.moves:
        lines.append(f"  repair plan{area}: nothing to move")
    else:
        lines.append(
            f"  repair plan{area}: {verb} {plural(len(plan.moves), 'address', 'addresses')} "
            f"to recover {plural(len(plan.recovered), '/28 block')} "
            f"(free /28 prefixes {plan.free_prefixes_before:,} -> {plan.free_prefixes_after:,})"
        )
    if plan.reason:
        lines.append(f"    {style.paint('short:', 'yellow')} {plan.reason}")
    nodes = [g.owner for g in plan.groups if g.kind == "instance" and g.owner]
    if nodes:
        lines.append(f"  nodes to drain ({len(nodes)}): {', '.join(map(printable, nodes))}")
    if plan.groups:
        lines.append("  by owner, in order:")
        for group in plan.groups:
            action = action_for_group(
                group, subnet_id=subnet_id, zone=zone, region=region, profile=profile
            )
            lines.append(_group_heading(group, action, style))
            lines += [_move_line(m) for m in group.moves]
            lines += render_action(action, style)
    elif plan.moves:
        lines.append("  moves:")
        lines += [_move_line(m) for m in plan.moves]
    return lines


def render_reservation(
    subnet_id: str,
    suggestion: ReservationSuggestion,
    style: Style,
    *,
    after_plan: bool,
    region: str | None = None,
    profile: str | None = None,
) -> list[str]:
    """The reservation suggestion, then (when possible) the AWS CLI commands
    and the Terraform blocks that create it. ``after_plan`` says the
    suggestion was computed on the subnet as the plan leaves it. O(cidrs)."""
    when = " once the plan is carried out" if after_plan else ""
    s = suggestion
    if not s.possible:
        return [
            f"  prefix reservation for {plural(s.prefixes, 'free /28')}: "
            f"{style.paint('not possible', 'yellow')}{when}: {s.reason}"
        ]
    lines = [
        f"  prefix reservation: {', '.join(s.cidrs)} "
        f"({plural(s.addresses, 'address', 'addresses')}; "
        f"{plural(s.free_prefixes_inside, 'free /28')} inside{when}, "
        f"{s.allocated_inside:,} allocated addresses stay where they are)",
        f"    available addresses{when}: {s.available_ip_count_before:,}, then "
        f"{s.available_ip_count_after:,} with the reservation (reserved space is kept for "
        "prefixes: no automatic /32 lands in it)",
    ]
    if after_plan:
        lines.append(
            "    create the reservation before the moves: the addresses they free then "
            "stay free for prefixes"
        )
    if s.warning:
        lines.append(f"    {style.paint('warning:', 'yellow')} {s.warning}")
    lines.append("")
    lines.append("  AWS CLI:")
    lines += [
        "    " + aws_cli_command(subnet_id, cidr, region=region, profile=profile)
        for cidr in s.cidrs
    ]
    lines.append("")
    lines.append("  Terraform:")
    for i, cidr in enumerate(s.cidrs):
        if i:
            lines.append("")
        lines += ["    " + line for line in terraform_block(subnet_id, cidr).split("\n")]
    return lines


def render_leaked(
    leaks: list[LeakedEni],
    style: Style,
    *,
    region: str | None = None,
    profile: str | None = None,
) -> list[str]:
    """The leaked ENIs (status ``available``): each with its addresses, the
    blocks it spoils, those its deletion frees, and the delete command.
    Empty when there is none. O(addresses)."""
    if not leaks:
        return []
    lines = [
        f"  leaked ENIs ({len(leaks)}): attached to nothing (status available), "
        "still holding addresses"
    ]
    for leak in leaks:
        o = leak.owner
        what = [o.owner_class]
        if o.description:
            what.append(printable(o.description[:60]))
        held = [*leak.addresses, *(f"prefix {p}" for p in leak.prefixes)]
        freed = (
            f"deleting it frees {plural(len(leak.freed_blocks), '/28 block')}: "
            + ", ".join(leak.freed_blocks)
            if leak.freed_blocks
            else "deleting it frees no whole /28 block"
        )
        spoils = f"spoils {', '.join(leak.blocks)}; " if leak.blocks else ""
        lines.append(
            f"    {style.paint(printable(leak.eni_id or '?'), 'bold')} ({', '.join(what)}): "
            f"{', '.join(held)}; {spoils}{freed}"
        )
        lines += render_action(leaked_action(leak, region=region, profile=profile), style)
    return lines
