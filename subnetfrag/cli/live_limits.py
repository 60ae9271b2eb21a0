"""``max-pods --aws``: one instance type's network limits, live from
``ec2:DescribeInstanceTypes`` (boto3, read-only), read by
:func:`~subnetfrag.maxpods.from_describe_instance_types`."""

from __future__ import annotations

from typing import Any

from ..aws import AwsApiError, AwsUnavailable
from ..instances import InstanceLimits
from ..maxpods import from_describe_instance_types

__all__ = ["ACTION", "fetch_instance_limits"]

#: The IAM action ``max-pods --aws`` needs.
ACTION = "ec2:DescribeInstanceTypes"
_DENIED = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
_UNKNOWN = frozenset({"InvalidInstanceType", "InvalidParameterValue"})


def fetch_instance_limits(
    instance_type: str,
    *,
    region: str | None = None,
    profile: str | None = None,
    session: Any = None,
) -> InstanceLimits:
    """The limits of ``instance_type`` as EC2 reports them in ``region``.

    ``session`` (anything with ``.client("ec2", ...)``) replaces the boto3
    session made from ``profile`` and ``region``. Raises
    :class:`~subnetfrag.aws.AwsUnavailable` without boto3,
    :class:`~subnetfrag.aws.AwsApiError` for a failed call (an unknown type, a
    denied call naming the action to grant, no region or credentials), and
    :class:`~subnetfrag.maxpods.InvalidDescribeResponse` for a response that
    lacks what max pods needs. One API call.
    """
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise AwsUnavailable(
            "max-pods --aws needs boto3: pip install 'subnetfrag[aws]' "
            "(or leave --aws out to use the bundled table)"
        ) from None
    try:
        if session is None:
            session = boto3.Session(profile_name=profile, region_name=region)
        kwargs = {"region_name": region} if region else {}
        client = session.client("ec2", **kwargs)
        response = client.describe_instance_types(InstanceTypes=[instance_type])
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code, message = err.get("Code", "?"), err.get("Message", "")
        if code in _DENIED:
            raise AwsApiError(f"{ACTION} was denied ({code}): grant it to this identity") from None
        if code in _UNKNOWN:
            raise AwsApiError(
                f"EC2 does not know instance type {instance_type!r} ({code}: {message})"
            ) from None
        raise AwsApiError(f"{ACTION} failed: {code}: {message}") from None
    except BotoCoreError as exc:
        hint = ""
        name = type(exc).__name__
        if name == "NoRegionError":
            hint = " (pass --region or set AWS_REGION)"
        elif name in ("NoCredentialsError", "PartialCredentialsError"):
            hint = " (configure credentials, or pass --profile)"
        raise AwsApiError(f"{ACTION} failed: {exc}{hint}") from None
    limits = [x for x in from_describe_instance_types(response) if x.instance_type == instance_type]
    if not limits:
        raise AwsApiError(f"{ACTION} returned no limits for {instance_type!r}")
    return limits[0]
