"""Errors raised while reading AWS state.

All derive from :class:`~subnetfrag.errors.SubnetFragError`. Bad input is also a
:class:`ValueError`; a missing boto3 is also an :class:`ImportError`.
"""

from __future__ import annotations

from ..errors import SubnetFragError

__all__ = ["AwsApiError", "AwsError", "AwsInputError", "AwsUnavailable"]


class AwsError(SubnetFragError):
    """Base class of the errors of :mod:`subnetfrag.aws`."""


class AwsInputError(AwsError, ValueError):
    """AWS JSON that cannot be read as the state of a subnet: malformed JSON, a
    shape that is not one of the three calls, an IPv6-only subnet, an address or
    prefix outside its subnet, ... The message names the file and the record."""


class AwsApiError(AwsError):
    """A live AWS call that failed (access denied, no credentials or region, an
    unknown cluster or subnet, the endpoint unreachable). The message names the
    API action and, for a missing permission, what to grant."""


class AwsUnavailable(AwsError, ImportError):
    """boto3 is not installed: ``pip install subnetfrag[aws]``."""
