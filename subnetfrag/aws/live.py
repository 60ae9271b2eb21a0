"""Read the state of subnets live from AWS through boto3 (read-only calls).

boto3 is an optional dependency (``pip install subnetfrag[aws]``), imported only
when a client must be made. The calls, each paginated (a paginator where
botocore has one, NextToken otherwise):

- ``ec2:DescribeSubnets``, ``ec2:DescribeNetworkInterfaces`` (with
  ``IncludeManagedResources``, so AWS-managed ENIs that are hidden by default
  still count), ``ec2:GetSubnetCidrReservations`` (one call per subnet);
- for ``cluster=``: ``eks:DescribeCluster``, ``eks:ListNodegroups``,
  ``eks:DescribeNodegroup``, ``eks:ListFargateProfiles``,
  ``eks:DescribeFargateProfile``, and ``ec2:DescribeSubnets`` by tag in the
  cluster's VPC.

The minimal IAM policy is in ``docs/aws.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..instances import InstanceLimits
from ..maxpods import from_describe_instance_types
from .errors import AwsApiError, AwsInputError, AwsUnavailable
from .ingest import Page, build_state
from .state import AwsState, AwsWarning

__all__ = ["fetch_instance_limits", "load_live"]

_DENIED = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
_CHUNK = 200  # filter values per DescribeNetworkInterfaces / ids per DescribeSubnets call
_ACTIONS = {
    "describe_subnets": "ec2:DescribeSubnets",
    "describe_network_interfaces": "ec2:DescribeNetworkInterfaces",
    "get_subnet_cidr_reservations": "ec2:GetSubnetCidrReservations",
    "describe_cluster": "eks:DescribeCluster",
    "list_nodegroups": "eks:ListNodegroups",
    "describe_nodegroup": "eks:DescribeNodegroup",
    "list_fargate_profiles": "eks:ListFargateProfiles",
    "describe_fargate_profile": "eks:DescribeFargateProfile",
    "describe_instance_types": "ec2:DescribeInstanceTypes",
}
_UNKNOWN_TYPE = frozenset({"InvalidInstanceType", "InvalidParameterValue"})


def _boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise AwsUnavailable(
            "reading AWS live needs boto3: pip install 'subnetfrag[aws]' "
            "(or save the AWS CLI output and read the files: see docs/aws.md)"
        ) from None
    return boto3


def _botocore_errors() -> tuple[type[BaseException], type[BaseException]]:
    """(ClientError, BotoCoreError), or never-raised stand-ins without botocore."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - injected clients without botocore

        class _Never(Exception):
            pass

        return _Never, _Never
    return ClientError, BotoCoreError


class _ApiDenied(AwsApiError):
    """A denied call (kept apart so optional discovery steps can skip it)."""


def _wrap(op: str, exc: BaseException) -> AwsApiError:
    action = _ACTIONS.get(op, op)
    client_error, _ = _botocore_errors()
    if isinstance(exc, client_error):
        err = getattr(exc, "response", {}).get("Error", {})
        code, msg = err.get("Code", "?"), err.get("Message", "")
        if code in _DENIED:
            return _ApiDenied(
                f"{action} was denied ({code}): grant it to this identity "
                "(the minimal read-only IAM policy is in docs/aws.md)"
            )
        return AwsApiError(f"{action} failed: {code}: {msg}")
    name = type(exc).__name__
    hint = ""
    if name == "NoRegionError":
        hint = " (pass region=, --region, or set AWS_REGION)"
    elif name in ("NoCredentialsError", "PartialCredentialsError"):
        hint = " (configure credentials, or pass profile= / --profile)"
    return AwsApiError(f"{action} failed: {exc}{hint}")


def _call(client: Any, op: str, **kwargs: Any) -> Any:
    """One unpaginated call, errors wrapped."""
    errors = _botocore_errors()
    try:
        return getattr(client, op)(**kwargs)
    except errors as exc:
        raise _wrap(op, exc) from None


def _pages(client: Any, op: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every page of a call: botocore's paginator when it has one, else a
    NextToken loop. Errors wrapped."""
    errors = _botocore_errors()
    try:
        if client.can_paginate(op):
            return list(client.get_paginator(op).paginate(**kwargs))
        pages = []
        token: str | None = None
        while True:
            page = getattr(client, op)(**kwargs, **({"NextToken": token} if token else {}))
            pages.append(page)
            token = page.get("NextToken")
            if not token:
                return pages
    except errors as exc:
        raise _wrap(op, exc) from None


def _chunks(items: list[str], size: int = _CHUNK) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _discover_cluster(
    eks: Any, ec2: Any, cluster: str, warnings: list[AwsWarning]
) -> tuple[str, dict[str, list[str]]]:
    """The cluster's VPC and ``{subnet_id: [why, ...]}``."""
    found: dict[str, list[str]] = {}

    def add(ids: Iterable[Any] | None, why: str) -> None:
        for sid in ids or []:
            if isinstance(sid, str):
                found.setdefault(sid, []).append(why)

    desc = _call(eks, "describe_cluster", name=cluster).get("cluster") or {}
    config = desc.get("resourcesVpcConfig") or {}
    add(config.get("subnetIds"), "control-plane")
    vpc_id = config.get("vpcId")
    if not vpc_id and found:  # not in every response: ask the control-plane subnets
        page = _call(ec2, "describe_subnets", SubnetIds=list(found)[:1])
        vpc_id = next((s.get("VpcId") for s in page.get("Subnets", [])), None)
    if not vpc_id:
        raise AwsApiError(f"eks:DescribeCluster returned no VPC for cluster {cluster}")

    def optional(step: Callable[[], None], what: str) -> None:
        try:
            step()
        except _ApiDenied as exc:
            warnings.append(
                AwsWarning("discovery", f"cluster {cluster}: {what} skipped: {exc}", None)
            )

    def nodegroups() -> None:
        for page in _pages(eks, "list_nodegroups", clusterName=cluster):
            for name in page.get("nodegroups", []):
                ng = _call(eks, "describe_nodegroup", clusterName=cluster, nodegroupName=name)
                add(ng.get("nodegroup", {}).get("subnets"), f"nodegroup:{name}")

    def fargate() -> None:
        for page in _pages(eks, "list_fargate_profiles", clusterName=cluster):
            for name in page.get("fargateProfileNames", []):
                fp = _call(
                    eks, "describe_fargate_profile", clusterName=cluster, fargateProfileName=name
                )
                add(fp.get("fargateProfile", {}).get("subnets"), f"fargate:{name}")

    optional(nodegroups, "managed node groups")
    optional(fargate, "Fargate profiles")
    tag_filters = (
        (f"kubernetes.io/cluster/{cluster}", ["owned", "shared"]),
        ("karpenter.sh/discovery", [cluster]),
        ("kubernetes.io/role/cni", ["1"]),
    )
    for key, values in tag_filters:
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": f"tag:{key}", "Values": values}]
        for page in _pages(ec2, "describe_subnets", Filters=filters):
            add((s.get("SubnetId") for s in page.get("Subnets", [])), f"tag:{key}")
    return vpc_id, found


def load_live(
    subnet_ids: Iterable[str] | None = None,
    vpc_id: str | None = None,
    cluster: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    *,
    session: Any = None,
    clients: Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> AwsState:
    """Read subnets from AWS with read-only calls and build their state.

    Give exactly one of ``subnet_ids`` (those subnets, in that order; an
    IPv6-only one is an error), ``vpc_id`` (every subnet of the VPC) or
    ``cluster`` (an EKS cluster's subnets: control plane, managed node groups,
    Fargate profiles, and the subnets of its VPC tagged
    ``kubernetes.io/cluster/NAME`` (owned or shared), ``karpenter.sh/discovery=NAME``
    or ``kubernetes.io/role/cni=1``; ``state.discovery`` says which found each).
    IPv6-only subnets found through a VPC or cluster are skipped with a warning.
    ``region`` and ``profile`` choose the boto3 session; ``session`` (anything
    with ``.client(name, ...)``) or ``clients`` (``{"ec2": ..., "eks": ...}``)
    replace it, e.g. for stubbed clients or another endpoint (boto3 also reads
    ``AWS_ENDPOINT_URL``). ``seed`` seeds each Subnet's RNG.

    Raises :class:`AwsInputError` (a ValueError) unless exactly one selector is
    given, :class:`AwsUnavailable` (an ImportError) when boto3 is needed but
    missing, :class:`AwsApiError` for a failed call (a denied one names the IAM
    action to grant), no region or credentials, or no subnet found, and
    :class:`AwsInputError` for a response the model refuses.
    Cost: 1 DescribeSubnets + 1 DescribeNetworkInterfaces per 200 subnets (and
    per 1,000 ENIs) + 1 GetSubnetCidrReservations per subnet; with ``cluster``
    about 6 + node groups + Fargate profiles more. Then as :func:`build_state`.
    """
    selectors = [subnet_ids is not None, vpc_id is not None, cluster is not None]
    if sum(selectors) != 1:
        raise AwsInputError("give exactly one of subnet_ids, vpc_id or cluster")
    wanted = None if subnet_ids is None else list(dict.fromkeys(subnet_ids))
    if wanted is not None and not wanted:
        raise AwsInputError("subnet_ids is empty")

    made: dict[str, Any] = dict(clients or {})
    holder: dict[str, Any] = {}

    def client(name: str) -> Any:
        if name in made:
            return made[name]
        if session is not None:
            sess = session
        else:
            if "session" not in holder:
                boto3 = _boto3()
                errors = _botocore_errors()
                try:
                    holder["session"] = boto3.Session(profile_name=profile, region_name=region)
                except errors as exc:
                    raise AwsApiError(f"cannot open the AWS session: {exc}") from None
            sess = holder["session"]
        kwargs: dict[str, Any] = {}
        if region is not None:
            kwargs["region_name"] = region
        errors = _botocore_errors()
        try:
            made[name] = sess.client(name, **kwargs)
        except errors as exc:
            raise _wrap(f"{name} client", exc) from None
        return made[name]

    ec2 = client("ec2")
    warnings: list[AwsWarning] = []
    discovery: dict[str, list[str]] = {}
    if wanted is not None:
        subnet_pages = [
            page
            for chunk in _chunks(wanted)
            for page in _pages(ec2, "describe_subnets", SubnetIds=chunk)
        ]
        what = ", ".join(wanted)
    elif vpc_id is not None:
        subnet_pages = _pages(
            ec2, "describe_subnets", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]
        )
        what = vpc_id
    else:
        assert cluster is not None
        _, discovery = _discover_cluster(client("eks"), ec2, cluster, warnings)
        ids = list(discovery)
        subnet_pages = [
            page
            for chunk in _chunks(ids)
            for page in _pages(ec2, "describe_subnets", SubnetIds=chunk)
        ]
        what = f"cluster {cluster}"
    listed = [
        s["SubnetId"]
        for page in subnet_pages
        for s in page.get("Subnets", [])
        if isinstance(s, Mapping) and isinstance(s.get("SubnetId"), str)
    ]
    if not listed:
        raise AwsApiError(f"no subnet found for {what}")

    eni_pages = [
        page
        for chunk in _chunks(listed)
        for page in _pages(
            ec2,
            "describe_network_interfaces",
            Filters=[{"Name": "subnet-id", "Values": chunk}],
            IncludeManagedResources=True,
        )
    ]
    reservation_pages = [
        page for sid in listed for page in _pages(ec2, "get_subnet_cidr_reservations", SubnetId=sid)
    ]

    def paged(pages: list[dict[str, Any]], action: str) -> list[Page]:
        return [Page(f"{action} page {i + 1}", p) for i, p in enumerate(pages)]

    state = build_state(
        paged(subnet_pages, "ec2:DescribeSubnets"),
        paged(eni_pages, "ec2:DescribeNetworkInterfaces"),
        paged(reservation_pages, "ec2:GetSubnetCidrReservations"),
        subnet_ids=wanted,
        seed=seed,
        source=f"live: {what}" + (f" in {region}" if region else ""),
    )
    state.warnings[:0] = warnings
    state.discovery = {sid: why for sid, why in discovery.items() if sid in state.subnets}
    return state


def fetch_instance_limits(
    instance_type: str,
    *,
    region: str | None = None,
    profile: str | None = None,
    session: Any = None,
) -> InstanceLimits:
    """The network limits of ``instance_type`` as EC2 reports them in ``region``
    (one ``ec2:DescribeInstanceTypes`` call, read by
    :func:`~subnetfrag.maxpods.from_describe_instance_types`).

    ``session`` (anything with ``.client("ec2", ...)``) replaces the boto3
    session made from ``profile`` and ``region``. Raises
    :class:`AwsUnavailable` without boto3, :class:`AwsApiError` for a failed
    call (an unknown type, a denied call naming the action to grant, no region
    or credentials), and :class:`~subnetfrag.maxpods.InvalidDescribeResponse`
    for a response that lacks what max pods needs. One API call.
    """
    client_error, _ = errors = _botocore_errors()
    op = "describe_instance_types"
    try:
        if session is None:
            session = _boto3().Session(profile_name=profile, region_name=region)
        kwargs = {"region_name": region} if region else {}
        response = session.client("ec2", **kwargs).describe_instance_types(
            InstanceTypes=[instance_type]
        )
    except errors as exc:
        err = getattr(exc, "response", {}).get("Error", {}) if isinstance(exc, client_error) else {}
        if err.get("Code") in _UNKNOWN_TYPE:
            raise AwsApiError(
                f"EC2 does not know instance type {instance_type!r} "
                f"({err['Code']}: {err.get('Message', '')})"
            ) from None
        raise _wrap(op, exc) from None
    found = [x for x in from_describe_instance_types(response) if x.instance_type == instance_type]
    if not found:
        raise AwsApiError(f"{_ACTIONS[op]} returned no limits for {instance_type!r}")
    return found[0]
