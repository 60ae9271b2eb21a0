"""``subnetfrag plan``: the capacity plan of a cluster (what its nodes hold at
steady state under the VPC CNI, the smallest subnets that fit it, and the
secondary CIDR to associate), with its steps and warnings; ``--format json``
prints :meth:`~subnetfrag.capacity.CapacityPlan.to_dict`."""

from __future__ import annotations

import argparse

from ..capacity import CapacityPlan, plan_capacity
from ..render.terminal import Style
from ..wording import plural
from .cni_options import cni_settings
from .instance_type import known_instance_type
from .output import Output

__all__ = ["render_plan", "run_plan"]


def render_plan(plan: CapacityPlan, style: Style) -> str:
    """The text form: a summary (per node, the cluster, each subnet, the
    secondary CIDR), the numbered steps, then the warnings. O(steps)."""
    n = plan.per_node
    mode = "prefix mode" if plan.prefix_delegation else "secondary-IP mode"
    lines = [
        f"{plan.nodes:,} x {plan.instance_type}, {plural(plan.pods_per_node, 'pod', 'pods')} "
        f"per node, {mode}, "
        f"max pods {plan.max_pods}",
        f"  per node: {plural(n.enis, 'ENI', 'ENIs')}, "
        + (
            plural(n.prefixes, "prefix", "prefixes")
            if plan.prefix_delegation
            else plural(n.secondary_ips, "/32", "/32s")
        )
        + f", {n.addresses:,} addresses held ({plural(n.pod_addresses, 'pod', 'pods')}, "
        f"{n.unused_addresses:,} unused, {n.eni_primary_addresses} ENI primary)",
        f"  cluster: {plural(plan.prefixes, 'prefix', 'prefixes')}, {plan.addresses:,} "
        f"addresses held, {plural(plan.pods_without_address, 'pod', 'pods')} without an "
        "address",
    ]
    for need in plan.subnets:
        size = (
            f"/{need.prefixlen}"
            if need.prefixlen is not None
            else f"{need.subnets_of_16:,} x /16 (more than a /16)"
        )
        lines.append(
            f"  {need.role} subnet: {style.paint(size, 'bold')} "
            f"({plural(need.required_prefixes, 'prefix', 'prefixes')} and "
            f"{plural(need.required_singles, '/32', '/32s')}"
            + (f" with {float(plan.headroom) * 100:g}% headroom" if plan.headroom else "")
            + ")"
        )
    if plan.secondary_cidr_prefixlen is not None:
        lines.append(f"  secondary CIDR to associate: a /{plan.secondary_cidr_prefixlen} block")
    else:
        lines.append("  secondary CIDR: none holds it (more than a /16)")
    lines.append("steps:")
    lines += [f"  {i}. {step}" for i, step in enumerate(plan.steps, start=1)]
    for w in plan.warnings:
        lines.append(f"{style.paint('warning', 'bold')} [{w.code}]: {w.message}")
    return "\n".join(lines) + "\n"


def run_plan(args: argparse.Namespace, output: Output) -> int:
    """Run ``plan``; returns the exit status (0)."""
    with known_instance_type():
        plan = plan_capacity(
            nodes=args.nodes,
            pods_per_node=args.pods_per_node,
            instance_type=args.instance_type,
            headroom=args.headroom,
            **cni_settings(args),
        )
    output.write_result(args.format, plan.to_dict, lambda: render_plan(plan, output.style))
    return 0
