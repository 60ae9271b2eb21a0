"""The VPC CNI's settings as command-line options, defined once for every
command that models ipamd (``plan``, ``headroom``, ``serve --headroom-...``),
so that each flag has one name, one default and one help text everywhere.

The defaults are those of the CNI's manifest (``WARM_PREFIX_TARGET=1``,
``WARM_ENI_TARGET=1``); the others are unset, as in the manifest.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..maxpods import BOOTSTRAPS

__all__ = ["add_cni_options", "cni_settings"]


def _count(low: int) -> Any:
    """The integer parser with lower bound ``low`` (imported late: the parser
    module imports this one)."""
    from .parser import _non_negative, _positive

    return _positive if low else _non_negative


def add_cni_options(
    group: argparse.ArgumentParser | argparse._ArgumentGroup, *, planning: bool = False
) -> None:
    """Add ``--prefix-delegation``, the warm targets, ``--max-eni``,
    ``--max-pods`` and ``--security-groups-for-pods`` to ``group``; with
    ``planning`` also ``--bootstrap`` and ``--custom-networking`` (what
    ``plan`` models beyond one subnet). :func:`cni_settings` reads them
    back. O(1)."""
    group.add_argument(
        "--prefix-delegation",
        action="store_true",
        help="prefix mode (ENABLE_PREFIX_DELEGATION=true); default secondary-IP mode",
    )
    for flag, default, what in (
        ("--warm-prefix-target", 1, "WARM_PREFIX_TARGET (default 1, as the CNI manifest sets)"),
        ("--warm-ip-target", None, "WARM_IP_TARGET (default unset)"),
        ("--minimum-ip-target", None, "MINIMUM_IP_TARGET (default unset)"),
        ("--warm-eni-target", 1, "WARM_ENI_TARGET (default 1)"),
    ):
        group.add_argument(flag, metavar="N", type=_count(0), default=default, help=what)
    group.add_argument("--max-eni", metavar="N", type=_count(1), help="MAX_ENI (default unset)")
    group.add_argument(
        "--max-pods",
        metavar="N",
        type=_count(1),
        help="the kubelet's max pods (default: "
        + ("--bootstrap's value, else " if planning else "")
        + "EKS's recommended value, the AL2 calculator's)",
    )
    group.add_argument(
        "--security-groups-for-pods",
        action="store_true",
        help="ENABLE_POD_ENI=true: a trunk ENI takes one ENI slot",
    )
    if planning:
        group.add_argument(
            "--bootstrap",
            choices=BOOTSTRAPS,
            default=None,
            help="take max pods from this bootstrapper's default (default: EKS's "
            "recommended value, the AL2 calculator's)",
        )
        group.add_argument(
            "--custom-networking",
            action="store_true",
            help="custom networking: pods in their own subnet, the primary ENI carries none",
        )


def cni_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings :func:`add_cni_options` added, by the names
    :func:`~subnetfrag.capacity.plan_capacity`,
    :class:`~subnetfrag.ipamd.CniSettings` and
    :func:`~subnetfrag.sim.headroom.headroom` take (``bootstrap`` and
    ``custom_networking`` only where they were added). O(1)."""
    settings: dict[str, Any] = {
        "prefix_delegation": args.prefix_delegation,
        "warm_prefix_target": args.warm_prefix_target,
        "warm_ip_target": args.warm_ip_target,
        "minimum_ip_target": args.minimum_ip_target,
        "warm_eni_target": args.warm_eni_target,
        "max_eni": args.max_eni,
        "max_pods": args.max_pods,
        "security_groups_for_pods": args.security_groups_for_pods,
    }
    for name in ("custom_networking", "bootstrap"):
        if hasattr(args, name):
            settings[name] = getattr(args, name)
    return settings
