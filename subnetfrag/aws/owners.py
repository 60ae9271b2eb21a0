"""Who holds an ENI's addresses: the owner class of each allocation.

The rules, first match wins (``docs/aws.md`` explains each):

1. AWS-service ENIs, by ``InterfaceType``, then ``Description`` prefix, then
   ``RequesterId``:

   ============  ==========================================  ===================================
   class         InterfaceType                               Description / RequesterId
   ============  ==========================================  ===================================
   lambda        ``lambda``                                  ``AWS Lambda VPC ENI...``
   nat-gateway   ``nat_gateway`` (``natGateway`` in SDKs)    ``Interface for NAT Gateway ...``
   vpc-endpoint  ``vpc_endpoint``,                           ``VPC Endpoint Interface ...``
                 ``gateway_load_balancer_endpoint``
   elb           ``load_balancer``,                          ``ELB app/...``, ``ELB net/...``,
                 ``network_load_balancer``,                  ``ELB NAME`` (classic);
                 ``gateway_load_balancer``                   requester ``amazon-elb``
   rds           --                                          ``RDSNetworkInterface``;
                                                             requester ``amazon-rds``
   ============  ==========================================  ===================================

2. An instance's primary network interface (attached at device index 0): its
   primary address is ``node-primary``; its other addresses and prefixes are
   ``eks-pod`` when the instance is an EKS node (see :func:`eks_node_ids`), else
   ``other``.
3. ENIs made for pods: ``InterfaceType`` ``branch`` or ``trunk`` (security groups
   for pods), a ``Description`` starting ``aws-K8S-`` (VPC CNI) or ``aws-k8s-``
   (VPC resource controller), or the VPC CNI's tags
   ``node.k8s.amazonaws.com/instance_id`` / ``cluster.k8s.amazonaws.com/name``:
   every address and prefix is ``eks-pod``, the ENI's primary address included
   (flagged ``primary``).
4. Anything else is ``other`` (EKS control-plane ENIs ``Amazon EKS NAME``, ECS
   and Fargate tasks, EFS, ElastiCache, instances' extra ENIs, ...); the
   description is kept, so reports can still say who it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..owner import Owner

__all__ = [
    "OWNER_TEXT_KEYS",
    "attached_instance",
    "eks_node_ids",
    "eni_class",
    "is_node_evidence",
    "owner_texts",
    "owners_for_eni",
    "owners_from",
]

_TYPE_CLASS: dict[str, str] = {
    "lambda": "lambda",
    "nat_gateway": "nat-gateway",
    "natGateway": "nat-gateway",
    "vpc_endpoint": "vpc-endpoint",
    "gateway_load_balancer_endpoint": "vpc-endpoint",
    "load_balancer": "elb",
    "network_load_balancer": "elb",
    "gateway_load_balancer": "elb",
    "branch": "eks-pod",
    "trunk": "eks-pod",
}
_DESCRIPTION_CLASS: tuple[tuple[str, str], ...] = (
    ("AWS Lambda VPC ENI", "lambda"),
    ("Interface for NAT Gateway", "nat-gateway"),
    ("VPC Endpoint Interface", "vpc-endpoint"),
    ("ELB ", "elb"),
    ("RDSNetworkInterface", "rds"),
)
_REQUESTER_CLASS: dict[str, str] = {"amazon-elb": "elb", "amazon-rds": "rds"}
_SERVICE_CLASSES = frozenset({"lambda", "nat-gateway", "vpc-endpoint", "elb", "rds"})
#: Tags the VPC CNI puts on the ENIs it creates.
CNI_TAGS = ("node.k8s.amazonaws.com/instance_id", "cluster.k8s.amazonaws.com/name")
#: Description prefixes of pod ENIs: VPC CNI (``aws-K8S-i-...``) and the VPC
#: resource controller (``aws-k8s-branch-eni``, ``aws-k8s-trunk-eni``).
POD_ENI_PREFIX = "aws-k8s-"
NODE = "node"  #: eni_class() of an instance's primary network interface


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _attachment(eni: Mapping[str, Any]) -> tuple[str | None, int | None]:
    att = eni.get("Attachment")
    if not isinstance(att, Mapping):
        return None, None
    instance = att.get("InstanceId")
    index = att.get("DeviceIndex")
    return (
        instance if isinstance(instance, str) and instance else None,
        index if isinstance(index, int) and not isinstance(index, bool) else None,
    )


def _tag_keys(eni: Mapping[str, Any]) -> set[str]:
    tags = eni.get("TagSet")
    if not isinstance(tags, list):
        return set()
    return {t["Key"] for t in tags if isinstance(t, Mapping) and isinstance(t.get("Key"), str)}


def eni_class(eni: Mapping[str, Any]) -> str:
    """The class of a describe-network-interfaces record as a whole: one of
    :data:`~subnetfrag.owner.OWNER_CLASSES` except ``node-primary``, or
    :data:`NODE` for an instance's primary network interface (whose addresses
    split between ``node-primary`` and ``eks-pod``/``other``). Never raises
    (missing or mistyped fields count as absent). O(tags)."""
    itype = _str(eni.get("InterfaceType"))
    desc = _str(eni.get("Description"))
    cls = _TYPE_CLASS.get(itype)
    if cls in _SERVICE_CLASSES:
        return cls
    for prefix, by_desc in _DESCRIPTION_CLASS:
        if desc.startswith(prefix):
            return by_desc
    by_requester = _REQUESTER_CLASS.get(_str(eni.get("RequesterId")))
    if by_requester is not None:
        return by_requester
    instance, index = _attachment(eni)
    if instance is not None and index == 0 and cls is None:
        return NODE
    if cls is not None:  # branch, trunk
        return cls
    if desc.lower().startswith(POD_ENI_PREFIX) or _tag_keys(eni) & set(CNI_TAGS):
        return "eks-pod"
    return "other"


def is_node_evidence(cls: str, eni: Mapping[str, Any]) -> bool:
    """Whether an ENI of class ``cls`` (:func:`eni_class`) shows its instance
    to be an EKS node: it is a pod ENI, or an instance's primary interface
    holding IPv4 prefixes (which in a cluster only the VPC CNI assigns). O(1)."""
    return cls == "eks-pod" or (cls == NODE and bool(eni.get("Ipv4Prefixes")))


def eks_node_ids(enis: Iterable[Mapping[str, Any]]) -> set[str]:
    """Instance ids that the ENI records show to be EKS nodes (see
    :func:`is_node_evidence`). O(ENIs)."""
    nodes: set[str] = set()
    for eni in enis:
        instance, _ = _attachment(eni)
        if instance is not None and is_node_evidence(eni_class(eni), eni):
            nodes.add(instance)
    return nodes


#: The Owner fields taken as they are from a record, in :func:`owner_texts` order.
OWNER_TEXT_KEYS = ("NetworkInterfaceId", "InterfaceType", "Description", "RequesterId", "Status")


def owner_texts(eni: Mapping[str, Any]) -> tuple[str | None, ...]:
    """The record's :data:`OWNER_TEXT_KEYS` values (None when absent, empty or
    not a string). Never raises. O(1)."""
    out: list[str | None] = []
    for key in OWNER_TEXT_KEYS:
        value = eni.get(key)
        out.append(value if isinstance(value, str) and value else None)
    return tuple(out)


def attached_instance(eni: Mapping[str, Any]) -> str | None:
    """``Attachment.InstanceId``, or None. Never raises. O(1)."""
    return _attachment(eni)[0]


def owners_from(
    cls: str, instance: str | None, texts: tuple[str | None, ...], eks_nodes: set[str]
) -> tuple[Owner, Owner]:
    """:func:`owners_for_eni` from what a record was reduced to: its class,
    its instance and its :func:`owner_texts`. Never raises. O(1)."""
    if cls == NODE:
        primary_cls = "node-primary"
        other_cls = "eks-pod" if instance in eks_nodes else "other"
    else:
        primary_cls = other_cls = cls
    eni_id, interface_type, description, requester_id, status = texts
    common: dict[str, Any] = {
        "eni_id": eni_id,
        "instance_id": instance,
        "interface_type": interface_type,
        "description": description,
        "requester_id": requester_id,
        "status": status,
    }
    return (
        Owner(owner_class=primary_cls, primary=True, **common),
        Owner(owner_class=other_cls, primary=False, **common),
    )


def owners_for_eni(eni: Mapping[str, Any], eks_nodes: set[str]) -> tuple[Owner, Owner]:
    """The owners of one ENI's allocations: ``(of its primary address, of every
    other address and prefix)``. ``eks_nodes`` comes from :func:`eks_node_ids`
    over the same records. Never raises. O(tags)."""
    return owners_from(eni_class(eni), attached_instance(eni), owner_texts(eni), eks_nodes)
