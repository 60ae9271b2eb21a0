"""``subnetfrag max-pods``: the max-pods value a bootstrapper (``--bootstrap
al2|al2023|karpenter``) gives an instance type, with the rule that applied and
the arithmetic (limits from the bundled table, or live with ``--aws``)."""

from __future__ import annotations

import argparse
import json

from ..aws import fetch_instance_limits
from ..instances import InstanceLimits
from ..maxpods import MaxPods, max_pods
from ..render.terminal import Style
from .instance_type import known_instance_type
from .output import Output

__all__ = ["render_max_pods", "run_max_pods"]


#: How the text output names each bootstrapper's rule.
RULES = {
    "al2": "AL2 max-pods-calculator.sh, EKS's recommended value",
    "al2023": "AL2023 nodeadm default",
    "karpenter": "Karpenter default",
}


def render_max_pods(
    result: MaxPods, style: Style, *, prefix_delegation: bool, expression: bool = False
) -> str:
    """The text form: the value and the rule that applied (``expression``: a
    nodeadm ``maxPodsExpression`` gave it, not the default), the arithmetic,
    the limits used, then one ``note:`` line per thing the rule ignores (with
    the value to set instead). O(1)."""
    mode = "prefix mode" if prefix_delegation else "secondary-IP mode"
    rule = "AL2023 nodeadm maxPodsExpression" if expression else RULES[result.bootstrap]
    vcpus = "vCPUs unknown" if result.vcpus is None else f"{result.vcpus} vCPUs"
    enis = f"{result.enis} ENI" + ("" if result.enis == 1 else "s")
    notes = "".join(f"  note: {note}\n" for note in result.notes)
    return (
        f"{result.instance_type}: max pods {style.paint(str(result.max_pods), 'bold')} "
        f"({mode}; {rule})\n"
        f"  {result.explanation}\n"
        f"  limits: {enis} for pods, {result.ipv4_per_eni} IPv4 addresses per ENI, "
        f"{vcpus} (source: {result.source})\n" + notes
    )


def run_max_pods(args: argparse.Namespace, output: Output) -> int:
    """Run ``max-pods``; returns the exit status (0)."""
    name: str = args.instance_type
    limits: InstanceLimits | str = name
    if args.aws:
        limits = fetch_instance_limits(name, region=args.region, profile=args.profile)
    with known_instance_type("--aws asks EC2"):
        result = max_pods(
            limits,
            prefix_delegation=args.prefix_delegation,
            custom_networking=args.custom_networking,
            max_eni=args.max_eni,
            cap=not args.no_cap,
            bootstrap=args.bootstrap,
            reserved_enis=args.reserved_enis,
            max_pods_expression=args.max_pods_expression,
        )
    if args.format == "json":
        output.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        output.write(
            render_max_pods(
                result,
                output.style,
                prefix_delegation=args.prefix_delegation,
                expression=args.max_pods_expression is not None,
            )
        )
    return 0
