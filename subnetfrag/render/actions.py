"""What an operator does to free the addresses of each kind of owner, with the
command that does it where one exists (``subnetfrag advise``).

An address moves only when its owner does, and each AWS service moves its
own way (references, checked 2026-12):

- EKS nodes (the node's primary address, and the VPC CNI's secondary
  addresses, prefixes and pod ENIs on it): cordon and drain the node with
  kubectl, then terminate the instance (its node group, Auto Scaling group or
  Karpenter replaces it, elsewhere); the CNI's pod ENIs are deleted with the
  instance and their addresses come back with it.
- Lambda: the function's VPC subnets, ``aws lambda update-function-configuration
  --vpc-config`` (the ENI is shared by every function with the same subnet and
  security groups, and goes once none of them uses it). The function name is
  the session part of the ENI's ``RequesterId``.
- Application Load Balancers: ``aws elbv2 set-subnets`` (one subnet per
  availability zone); Classic Load Balancers: ``aws elb
  attach-load-balancer-to-subnets`` then ``detach-load-balancer-from-subnets``.
  Network Load Balancers: two ``set-subnets`` calls, as a change of subnet
  within a zone must be two independent actions, the removal first (up to 3
  minutes, cutting the zone's connections), and not while the load balancer
  has active VPC endpoint associations (Elastic Load Balancing user guide,
  "Update the Availability Zones for your Network Load Balancer"; removal is
  supported since 2025: AWS Networking blog, "Exploring new subnet management
  capabilities of Network Load Balancer"). A Gateway Load Balancer is left in
  place (set-subnets must keep the subnets enabled before: SetSubnets, API
  reference): it cannot move, only be recreated. Load balancers named ``k8s-...`` belong to
  the AWS Load Balancer Controller: change the subnets in the Ingress or
  Service annotations, or the controller puts them back.
- Interface VPC endpoints: ``aws ec2 modify-vpc-endpoint --remove-subnet-ids``
  (and ``--add-subnet-ids`` another subnet of the same zone).
- The EKS control plane (ENIs described ``Amazon EKS CLUSTER``): ``aws eks
  update-cluster-config --resources-vpc-config subnetIds=...``, with subnets
  in the availability zones the cluster was created with (Amazon EKS user
  guide, "VPC and subnet requirements").
- RDS: only through the DB subnet group, ``aws rds modify-db-subnet-group``,
  once the instance no longer runs in the subnet (AWS knowledge center, "How
  can I delete a subnet that is in an Amazon RDS DB subnet group?": Multi-AZ,
  then a failover): a maintenance window, not a command.
- NAT gateways cannot move: a new one in another subnet, the route tables
  pointed at it, then this one deleted.
- Leaked ENIs (status ``available``): ``aws ec2 delete-network-interface``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..advice import LeakedEni, OwnerGroup
from ..owner import Owner

__all__ = [
    "OwnerAction",
    "action_for_group",
    "action_for_owner",
    "delete_eni_command",
    "leaked_action",
]

_OTHER_SUBNETS = "<subnets to use instead>"


@dataclass(frozen=True, slots=True)
class OwnerAction:
    """What to do about one owner: ``kind`` names it (``node``, ``lambda``,
    ``elb``, ``vpc-endpoint``, ``eks-control-plane``, ``rds``,
    ``nat-gateway``, ``pod-eni``, ``leaked-eni``, ``other``, ``unknown``);
    ``target`` the resource to act on (instance id, function, load balancer,
    endpoint, cluster, ENI; None when unknown); ``summary`` one line saying
    what to do; ``movable`` false when the address cannot be moved by a change
    of configuration; ``commands`` shell lines (``<...>`` marks what the
    operator fills in); ``note`` a caveat."""

    kind: str
    target: str | None
    summary: str
    movable: bool = True
    commands: tuple[str, ...] = ()
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. O(commands)."""
        return {
            "kind": self.kind,
            "target": self.target,
            "summary": self.summary,
            "movable": self.movable,
            "commands": list(self.commands),
            "note": self.note,
        }


def _scope(region: str | None, profile: str | None) -> list[str]:
    """The ``--region``/``--profile`` words of an AWS CLI line (none unset). O(1)."""
    return [*(("--region", region) if region else ()), *(("--profile", profile) if profile else ())]


def _cli(*words: str, region: str | None, profile: str | None) -> str:
    """A shell-quoted AWS CLI line; ``<...>`` placeholders stay unquoted."""
    parts = [*words, *_scope(region, profile)]
    return " ".join(w if w.startswith("<") and w.endswith(">") else shlex.quote(w) for w in parts)


def delete_eni_command(
    eni_id: str, *, region: str | None = None, profile: str | None = None
) -> str:
    """``aws ec2 delete-network-interface --network-interface-id ENI``. O(1)."""
    return _cli(
        "aws",
        "ec2",
        "delete-network-interface",
        "--network-interface-id",
        eni_id,
        region=region,
        profile=profile,
    )


def _node(instance: str, zone: str | None, region: str | None, profile: str | None) -> OwnerAction:
    provider = f"aws:///{zone or '<availability zone>'}/{instance}"
    query = "{.items[?(@.spec.providerID==" + f'"{provider}"' + ")].metadata.name}"
    return OwnerAction(
        kind="node",
        target=instance,
        summary=f"cordon, drain and terminate node {instance}",
        commands=(
            f"NODE=$(kubectl get nodes -o jsonpath={shlex.quote(query)})",
            'kubectl cordon "$NODE"',
            'kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data',
            _cli(
                "aws",
                "ec2",
                "terminate-instances",
                "--instance-ids",
                instance,
                region=region,
                profile=profile,
            ),
        ),
        note="its node group, Auto Scaling group or Karpenter starts a replacement; the VPC "
        "CNI's pod ENIs and prefixes on it go with the instance",
    )


def _lambda(owner: Owner, region: str | None, profile: str | None) -> OwnerAction:
    requester = owner.requester_id or ""
    function = requester.rpartition(":")[2] if ":" in requester else None
    return OwnerAction(
        kind="lambda",
        target=function,
        summary=f"move Lambda function {function or '<function>'} to other subnets",
        commands=(
            _cli(
                "aws",
                "lambda",
                "update-function-configuration",
                "--function-name",
                function or "<function>",
                "--vpc-config",
                f"SubnetIds={_OTHER_SUBNETS},SecurityGroupIds=<its security groups>",
                region=region,
                profile=profile,
            ),
        ),
        note="the ENI serves every function with this subnet and these security groups: it "
        "goes once none of them uses the subnet",
    )


_ELB = re.compile(r"^ELB (?:(app|net|gwy)/([^/]+)/[^/]+|(\S+))")


def _elb(owner: Owner, region: str | None, profile: str | None) -> OwnerAction:
    m = _ELB.match(owner.description or "")
    kind, name = (m.group(1) or "classic", m.group(2) or m.group(3)) if m else (None, None)
    controller = (
        " (made by the AWS Load Balancer Controller: change the subnets annotation of its "
        "Ingress or Service, or the controller restores them)"
        if name and name.startswith("k8s-")
        else ""
    )
    if kind == "app":
        return OwnerAction(
            kind="elb",
            target=name,
            summary=f"move Application Load Balancer {name} to another subnet of this zone",
            commands=(_set_subnets(name, _OTHER_SUBNETS, region, profile),),
            note="one subnet per availability zone, at least two zones" + controller,
        )
    if kind == "net":
        others = "<its subnets in the other zones>"
        return OwnerAction(
            kind="elb",
            target=name,
            summary=f"move Network Load Balancer {name} to another subnet of this zone, "
            "in two steps: remove this zone's subnet, then add the new one",
            commands=(
                _set_subnets(name, others, region, profile),
                _set_subnets(name, f"{others} <another subnet in this zone>", region, profile),
            ),
            note="the second call once the removal has finished (up to 3 minutes); the zone's "
            "connections are cut meanwhile; not while it has active VPC endpoint associations; "
            "a fixed address (Elastic IP, private IPv4) goes in --subnet-mappings instead"
            + controller,
        )
    if kind == "classic":
        return OwnerAction(
            kind="elb",
            target=name,
            summary=f"move Classic Load Balancer {name} to another subnet of this zone",
            commands=(
                _cli(
                    "aws",
                    "elb",
                    "attach-load-balancer-to-subnets",
                    "--load-balancer-name",
                    name or "<name>",
                    "--subnets",
                    _OTHER_SUBNETS,
                    region=region,
                    profile=profile,
                ),
                _cli(
                    "aws",
                    "elb",
                    "detach-load-balancer-from-subnets",
                    "--load-balancer-name",
                    name or "<name>",
                    "--subnets",
                    "<this subnet>",
                    region=region,
                    profile=profile,
                ),
            ),
        )
    what = {"gwy": "Gateway"}.get(kind or "", "")
    lb = f"{what} Load Balancer {name}" if what else "this load balancer"
    return OwnerAction(
        kind="elb",
        target=name,
        summary=f"{lb} cannot move to another subnet of its zone: leave it, or recreate it",
        movable=False,
        note=(controller.strip(" ()") or None),
    )


def _set_subnets(name: str | None, subnets: str, region: str | None, profile: str | None) -> str:
    """``aws elbv2 set-subnets`` on the load balancer called ``name`` (its
    ARN looked up in the same line); ``subnets`` is a placeholder."""
    lookup = _cli(
        "aws",
        "elbv2",
        "describe-load-balancers",
        "--names",
        name or "",
        "--query",
        "LoadBalancers[0].LoadBalancerArn",
        "--output",
        "text",
        region=region,
        profile=profile,
    )
    # Not _cli: the ARN's "$(...)" and the subnets placeholder stay unquoted.
    scope = "".join(f" {shlex.quote(w)}" for w in _scope(region, profile))
    return f'aws elbv2 set-subnets --load-balancer-arn "$({lookup})" --subnets {subnets}{scope}'


_ENDPOINT = re.compile(r"\b(vpce-[0-9a-f]+)\b")


def _endpoint(owner: Owner, subnet_id: str, region: str | None, profile: str | None) -> OwnerAction:
    m = _ENDPOINT.search(owner.description or "")
    endpoint = m.group(1) if m else None
    return OwnerAction(
        kind="vpc-endpoint",
        target=endpoint,
        summary=f"move VPC endpoint {endpoint or '<endpoint>'} to another subnet of this zone",
        commands=(
            _cli(
                "aws",
                "ec2",
                "modify-vpc-endpoint",
                "--vpc-endpoint-id",
                endpoint or "<endpoint>",
                "--remove-subnet-ids",
                subnet_id,
                "--add-subnet-ids",
                "<another subnet in this zone>",
                region=region,
                profile=profile,
            ),
        ),
    )


def _control_plane(cluster: str, region: str | None, profile: str | None) -> OwnerAction:
    return OwnerAction(
        kind="eks-control-plane",
        target=cluster,
        summary=f"move the EKS control plane of cluster {cluster} to other subnets",
        commands=(
            _cli(
                "aws",
                "eks",
                "update-cluster-config",
                "--name",
                cluster,
                "--resources-vpc-config",
                f"subnetIds={_OTHER_SUBNETS}",
                region=region,
                profile=profile,
            ),
        ),
        note="the new subnets must be in the availability zones the cluster was created with",
    )


def action_for_owner(
    owner: Owner | None,
    *,
    subnet_id: str,
    zone: str | None = None,
    region: str | None = None,
    profile: str | None = None,
) -> OwnerAction:
    """The action that frees the addresses ``owner`` holds in ``subnet_id``
    (``zone`` is the subnet's availability zone, for the node's provider id).
    Raises nothing. O(1)."""
    if owner is None:
        return OwnerAction("unknown", None, "no recorded owner: find it in the EC2 console")
    if owner.status == "available" and owner.eni_id:
        return OwnerAction(
            kind="leaked-eni",
            target=owner.eni_id,
            summary=f"delete leaked ENI {owner.eni_id} (attached to nothing)",
            commands=(delete_eni_command(owner.eni_id, region=region, profile=profile),),
        )
    cls = owner.owner_class
    if owner.instance_id and cls in ("node-primary", "eks-pod"):
        return _node(owner.instance_id, zone, region, profile)
    if cls == "eks-pod":
        return OwnerAction(
            kind="pod-eni",
            target=owner.eni_id,
            summary=f"pod ENI {owner.eni_id or ''}: it goes when its pod or node goes".strip(),
            note="branch ENIs (security groups for pods) are freed when the pod is deleted",
        )
    if cls == "lambda":
        return _lambda(owner, region, profile)
    if cls == "elb":
        return _elb(owner, region, profile)
    if cls == "vpc-endpoint":
        return _endpoint(owner, subnet_id, region, profile)
    if cls == "rds":
        return OwnerAction(
            kind="rds",
            target=owner.eni_id,
            summary="RDS instance: move it off this subnet, then drop the subnet from its DB "
            "subnet group (aws rds modify-db-subnet-group)",
            movable=False,
            note="Multi-AZ and a failover move it; plan a maintenance window",
        )
    if cls == "nat-gateway":
        return OwnerAction(
            kind="nat-gateway",
            target=owner.eni_id,
            summary="NAT gateway: cannot move; replace it with one in another subnet and "
            "update the route tables",
            movable=False,
        )
    desc = owner.description or ""
    if desc.startswith("Amazon EKS ") and len(desc.split()) == 3:
        return _control_plane(desc.split()[2], region, profile)
    target = owner.instance_id or owner.eni_id
    commands: Sequence[str] = ()
    if owner.eni_id:
        commands = (
            _cli(
                "aws",
                "ec2",
                "describe-network-interfaces",
                "--network-interface-ids",
                owner.eni_id,
                region=region,
                profile=profile,
            ),
        )
    return OwnerAction(
        kind="other",
        target=target,
        summary=f"find who uses {target or 'this ENI'}"
        + (f" ({desc[:60]})" if desc else "")
        + " and move it",
        commands=tuple(commands),
    )


def action_for_group(
    group: OwnerGroup,
    *,
    subnet_id: str,
    zone: str | None = None,
    region: str | None = None,
    profile: str | None = None,
) -> OwnerAction:
    """The action for one group of a defrag plan: its moves share an owner
    (an instance, or an ENI). O(moves)."""
    owners = [m.owner for m in group.moves if m.owner is not None]
    owner = owners[0] if owners else None
    if (
        group.kind == "instance"
        and owner is not None
        and owner.instance_id
        and any(o.owner_class in ("node-primary", "eks-pod") for o in owners)
    ):
        return _node(owner.instance_id, zone, region, profile)
    return action_for_owner(owner, subnet_id=subnet_id, zone=zone, region=region, profile=profile)


def leaked_action(
    leak: LeakedEni, *, region: str | None = None, profile: str | None = None
) -> OwnerAction:
    """The delete command for a leaked ENI. O(1)."""
    eni = leak.eni_id or "<eni>"
    managed = leak.owner.requester_id
    return OwnerAction(
        kind="leaked-eni",
        target=leak.eni_id,
        summary=f"delete leaked ENI {eni}",
        commands=(delete_eni_command(eni, region=region, profile=profile),),
        note=(
            f"requested by {managed}: EC2 may refuse to delete a managed ENI; it goes when "
            "that service releases it"
            if managed
            else None
        ),
    )
