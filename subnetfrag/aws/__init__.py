"""Read real AWS state into subnetfrag's model: offline from saved AWS CLI /
boto3 JSON (:func:`load_files`), live through boto3 (:func:`load_live`,
``pip install subnetfrag[aws]``), or the bundled example (:func:`load_example`);
and replay a CloudTrail trace read from files on the subnets read
(:func:`replay_files`).

The result, :class:`AwsState`, holds per subnet a
:class:`~subnetfrag.subnet.Subnet` whose allocations carry their
:class:`~subnetfrag.owner.Owner`, what describe-subnets said, and warnings
(address conflicts, and the cross-check of EC2's AvailableIpAddressCount
against the model). See ``docs/aws.md``.
"""

from .cloudtrail import Trace, TraceEvent, parse_records, read_trace
from .errors import AwsApiError, AwsError, AwsInputError, AwsUnavailable
from .example import EXAMPLE_SUBNET_ID, example_paths, load_example
from .ingest import CALLS, Page, Source, build_state, load_files, read_pages
from .live import fetch_instance_limits, load_live
from .owners import eks_node_ids, eni_class, owners_for_eni
from .replay_files import replay_files
from .state import (
    INCOMPLETE_MIN_FRACTION,
    INCOMPLETE_MIN_MISSING,
    WARNING_KINDS,
    AwsState,
    AwsSubnet,
    AwsWarning,
    SubnetInfo,
)

__all__ = [
    "CALLS",
    "EXAMPLE_SUBNET_ID",
    "INCOMPLETE_MIN_FRACTION",
    "INCOMPLETE_MIN_MISSING",
    "WARNING_KINDS",
    "AwsApiError",
    "AwsError",
    "AwsInputError",
    "AwsState",
    "AwsSubnet",
    "AwsUnavailable",
    "AwsWarning",
    "Page",
    "Source",
    "SubnetInfo",
    "Trace",
    "TraceEvent",
    "build_state",
    "eks_node_ids",
    "eni_class",
    "example_paths",
    "fetch_instance_limits",
    "load_example",
    "load_files",
    "load_live",
    "owners_for_eni",
    "parse_records",
    "read_pages",
    "read_trace",
    "replay_files",
]
