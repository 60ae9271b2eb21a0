"""Prometheus metrics of every subnet: one list of metric families, written in
the text exposition format (``analyze --format prometheus``, node_exporter's
textfile collector), in OpenMetrics (``--format openmetrics``, ending with
``# EOF``), and served live by ``subnetfrag serve`` (:mod:`subnetfrag.exporter`).

One code path: :func:`subnet_families` builds the families from the subnets,
and both the one-shot output (:func:`render_families`) and the exporter hand
them to ``prometheus_client``, which writes and escapes the formats (label
values with quotes, backslashes or line feeds from tags are escaped there).

Names follow Prometheus' conventions (https://prometheus.io/docs/practices/naming/):
the ``subnetfrag_`` prefix, base units, ``_ratio`` for values from 0 to 1,
``_seconds`` for times, one name per meaning. Every subnet sample carries the
labels ``subnet_id`` and ``cidr``; the info metric ``subnetfrag_subnet_info``
(value 1) adds ``vpc_id``, ``availability_zone`` and ``name`` for dashboards to
join on. A value that the report gives as null (the score with no candidate
block, the fragmentation index while a /28 fits) has no sample, and a family
without a sample is left out. Every family, and the names it replaced, are
listed in :data:`SUBNET_METRICS` and documented in docs/cli.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client.core import (
    CollectorRegistry,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

from ..aws import WARNING_KINDS, AwsSubnet
from ..metrics import SEVERITIES
from ..owner import OWNER_CLASSES
from ..sim.headroom import HeadroomResult

__all__ = [
    "EXPOSITION_FORMATS",
    "HEADROOM_METRICS",
    "HEADROOM_QUANTILES",
    "PREFIX",
    "RENAMED",
    "SUBNET_LABELS",
    "SUBNET_METRICS",
    "MetricSpec",
    "headroom_families",
    "metric_names",
    "render_families",
    "render_prometheus",
    "subnet_families",
]

#: The prefix of every metric name.
PREFIX = "subnetfrag_"
#: The labels of every per-subnet sample, in this order.
SUBNET_LABELS: tuple[str, ...] = ("subnet_id", "cidr")
#: The ``--format`` names of the two exposition formats.
EXPOSITION_FORMATS: tuple[str, ...] = ("prometheus", "openmetrics")

_BLOCK_STATES = ("prefix_allocated", "aws_reserved", "free", "full", "fragmented")
_INFO_LABELS = ("vpc_id", "availability_zone", "name")


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric family: its full ``name`` as scraped (an info family's ends
    in ``_info``, a counter's in ``_total``), ``kind`` (``gauge``, ``info``,
    ``counter``), the ``labels`` beyond :data:`SUBNET_LABELS` and the ``help``
    text; ``per_subnet`` False for a family that is not about one subnet
    (no :data:`SUBNET_LABELS`)."""

    name: str
    kind: str
    help: str
    labels: tuple[str, ...] = ()
    per_subnet: bool = True

    @property
    def all_labels(self) -> tuple[str, ...]:
        """Every label of the family's samples, in order. O(labels)."""
        return (*SUBNET_LABELS, *self.labels) if self.per_subnet else self.labels


def _gauge(name: str, text: str, *labels: str, per_subnet: bool = True) -> MetricSpec:
    return MetricSpec(PREFIX + name, "gauge", text, labels, per_subnet)


#: Every per-subnet family, in output order.
SUBNET_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        PREFIX + "subnet_info",
        "info",
        "The subnet's VPC, availability zone and Name tag (value 1), to join on subnet_id.",
        _INFO_LABELS,
    ),
    _gauge(
        "free_prefixes",
        "Free aligned /28 blocks EC2 can still hand out as prefixes "
        "(blocks overlapping an explicit reservation excluded).",
    ),
    _gauge("can_fit_prefix", "1 when at least one /28 prefix fits in the subnet, else 0."),
    _gauge("subnet_addresses", "Addresses in the subnet's CIDR."),
    _gauge("aws_reserved_addresses", "Addresses AWS reserves in the subnet (5)."),
    _gauge("allocated_addresses", "Allocated addresses: /32s plus 16 per /28 prefix."),
    _gauge("free_addresses", "Addresses neither AWS-reserved nor allocated."),
    _gauge(
        "available_addresses",
        "Free addresses outside every CIDR reservation "
        "(EC2's AvailableIpAddressCount, as subnetfrag computes it).",
    ),
    _gauge("ec2_available_addresses", "AvailableIpAddressCount as describe-subnets reported it."),
    _gauge("aligned_blocks", "Aligned /28 blocks in the subnet's CIDR, whatever their state."),
    _gauge(
        "blocks_by_state",
        "Aligned /28 blocks by state; each block is in exactly one state.",
        "state",
    ),
    _gauge(
        "reservation_blocks",
        "Aligned /28 blocks wholly inside a prefix reservation, "
        "or overlapping an explicit reservation.",
        "reservation",
    ),
    _gauge(
        "aws_fragmentation_score",
        "The AWS support tool's fragmentation score, 0-100: "
        "ceil(100 * (fragmented + full) / (free + fragmented + full)) /28 blocks.",
    ),
    _gauge(
        "aws_severity",
        "1 for the AWS support tool's severity band of the subnet, 0 for the others.",
        "severity",
    ),
    _gauge("stranded_addresses", "Free addresses that lie in no wholly free aligned /28."),
    _gauge(
        "largest_free_block_addresses",
        "Addresses in the largest free aligned CIDR (0 when nothing is free).",
    ),
    _gauge(
        "buddy_free_blocks",
        "Maximal free aligned blocks by size: the buddy decomposition of the free addresses.",
        "size",
    ),
    _gauge(
        "unusable_free_space_ratio",
        "Share of free addresses that cannot serve a /28 "
        "(Linux unusable free space index at order 4), 0-1.",
    ),
    _gauge(
        "fragmentation_index_ratio",
        "Linux fragmentation index at order 4 when no /28 fits, 0-1 (no sample while a /28 fits).",
    ),
    _gauge(
        "weighted_fragmentation_ratio",
        "Space-weighted fragmentation penalty (ZFS-style, table in docs/metrics.md), 0-1.",
    ),
    _gauge(
        "owner_addresses", "Allocated addresses by owner class (a prefix counts 16).", "owner_class"
    ),
    _gauge("owner_prefixes", "Allocated /28 prefixes by owner class.", "owner_class"),
    _gauge("owner_enis", "Network interfaces holding addresses, by owner class.", "owner_class"),
    _gauge(
        "warnings",
        "Warnings about the subnet's input, by kind "
        "(available-mismatch: EC2's count differs from the model).",
        "kind",
    ),
    _gauge(
        "input_incomplete",
        "1 when the input clearly misses part of the subnet (EC2 counts many more "
        "addresses taken than the ENIs read show): no severity band is given, "
        "free_prefixes is an upper bound; else 0.",
    ),
    _gauge(
        "missing_addresses",
        "Addresses EC2 counts as taken that no ENI or reservation read shows "
        "(no sample when describe-subnets gave no AvailableIpAddressCount).",
    ),
)

#: ``quantile`` label of the headroom gauges -> the figure of
#: :class:`~subnetfrag.sim.headroom.HeadroomFigures` (the minimum is quantile 0).
HEADROOM_QUANTILES: dict[str, str] = {"0": "min", "0.1": "p10", "0.5": "p50", "0.9": "p90"}

#: The headroom families (``serve --headroom-instance-type``), per subnet and
#: instance type.
HEADROOM_METRICS: tuple[MetricSpec, ...] = (
    _gauge(
        "headroom_nodes",
        "More nodes of the instance type that fit in the subnet as it is now, over random "
        "placements: quantile 0 is the minimum, 0.1 the p10 (one run in ten fits fewer).",
        "instance_type",
        "quantile",
    ),
    _gauge(
        "headroom_pods",
        "Pods with an address on those nodes, same quantiles.",
        "instance_type",
        "quantile",
    ),
    _gauge(
        "headroom_set_nodes",
        "More nodes of the instance type that fit in all the subnets read together, each node "
        "placed by the subnet-selection rule (what the cluster can still add); same quantiles.",
        "instance_type",
        "subnet_selection",
        "quantile",
        per_subnet=False,
    ),
    _gauge(
        "headroom_set_pods",
        "Pods with an address on the nodes of headroom_set_nodes, same quantiles.",
        "instance_type",
        "subnet_selection",
        "quantile",
        per_subnet=False,
    ),
    _gauge(
        "headroom_runs_ended",
        "Headroom runs ended by each EC2 error (InsufficientCidrBlocks, "
        "InsufficientFreeAddressesInSubnet).",
        "instance_type",
        "error",
    ),
)

#: Names that earlier versions published -> the name now (docs/cli.md has the
#: migration note; ``weighted_fragmentation_percent`` was 0-100, its successor
#: is 0-1).
RENAMED: dict[str, str] = {
    PREFIX + "subnet_blocks": PREFIX + "aligned_blocks",
    PREFIX + "blocks": PREFIX + "blocks_by_state",
    PREFIX + "unusable_free_index": PREFIX + "unusable_free_space_ratio",
    PREFIX + "fragmentation_index": PREFIX + "fragmentation_index_ratio",
    PREFIX + "weighted_fragmentation_percent": PREFIX + "weighted_fragmentation_ratio",
}


def metric_names(specs: Iterable[MetricSpec] = SUBNET_METRICS) -> set[str]:
    """The sample names of ``specs`` as a scrape shows them. O(specs)."""
    return {s.name for s in specs}


class _Builder:
    """The families of :data:`SUBNET_METRICS`, filled subnet by subnet."""

    def __init__(self) -> None:
        self.families: dict[str, Metric] = {}
        for spec in SUBNET_METRICS:
            labels = list(spec.all_labels)
            fam: Metric
            if spec.kind == "info":
                fam = InfoMetricFamily(
                    spec.name.removesuffix("_info"), spec.help, labels=SUBNET_LABELS
                )
            else:
                fam = GaugeMetricFamily(spec.name, spec.help, labels=labels)
            self.families[spec.name] = fam

    def add(self, name: str, base: Sequence[str], value: float | None, *extra: str) -> None:
        if value is not None:
            fam = self.families[PREFIX + name]
            assert isinstance(fam, GaugeMetricFamily)
            fam.add_metric([*base, *extra], value)

    def subnet(self, aws: AwsSubnet) -> None:
        r = aws.subnet.report()
        info = aws.info
        base = (r.subnet_id or info.subnet_id, r.cidr)
        about = self.families[PREFIX + "subnet_info"]
        assert isinstance(about, InfoMetricFamily)
        about.add_metric(
            list(base),
            {
                "vpc_id": info.vpc_id or "",
                "availability_zone": info.availability_zone or "",
                "name": info.name or "",
            },
        )
        add = self.add
        add("free_prefixes", base, r.free_prefixes)
        add("can_fit_prefix", base, int(r.can_fit_prefix))
        a = r.addresses
        add("subnet_addresses", base, a.total)
        add("aws_reserved_addresses", base, a.aws_reserved)
        add("allocated_addresses", base, a.allocated)
        add("free_addresses", base, a.free)
        add("available_addresses", base, a.available)
        add("ec2_available_addresses", base, aws.reported_available)
        b = r.blocks.to_dict()
        add("aligned_blocks", base, b["total"])
        for state in _BLOCK_STATES:
            add("blocks_by_state", base, b[state], state)
        add("reservation_blocks", base, b["in_prefix_reservation"], "prefix")
        add("reservation_blocks", base, b["in_explicit_reservation"], "explicit")
        add("aws_fragmentation_score", base, r.aws_fragmentation_score)
        incomplete = aws.input_incomplete
        band_given = None if incomplete else r.aws_severity
        for band in SEVERITIES:
            add("aws_severity", base, int(band == band_given), band)
        add("stranded_addresses", base, r.stranded_ips)
        largest = r.largest_free_block
        size = 0 if largest is None else 1 << (32 - int(largest.rpartition("/")[2]))
        add("largest_free_block_addresses", base, size)
        for key, count in r.histogram().items():
            add("buddy_free_blocks", base, count, key)
        add("unusable_free_space_ratio", base, r.unusable_free_index)
        add("fragmentation_index_ratio", base, r.fragmentation_index)
        add("weighted_fragmentation_ratio", base, r.weighted_fragmentation_pct / 100)
        owners = aws.owner_summary()
        for cls in OWNER_CLASSES:
            counts = owners.get(cls, {"addresses": 0, "prefixes": 0, "enis": 0})
            add("owner_addresses", base, counts["addresses"], cls)
            add("owner_prefixes", base, counts["prefixes"], cls)
            add("owner_enis", base, counts["enis"], cls)
        kinds = [w.kind for w in aws.warnings]
        for kind in WARNING_KINDS:
            add("warnings", base, kinds.count(kind), kind)
        add("input_incomplete", base, int(incomplete))
        add("missing_addresses", base, aws.missing_addresses)


def subnet_families(subnets: Iterable[AwsSubnet]) -> list[Metric]:
    """The metric families of every subnet, in :data:`SUBNET_METRICS` order,
    families without a sample left out. The result holds plain values: it
    shares nothing with the subnets (an exporter can publish it to other
    threads). Cost: one report per subnet, O(subnets x size) in C."""
    builder = _Builder()
    for aws in subnets:
        builder.subnet(aws)
    return [f for f in builder.families.values() if f.samples]


def headroom_families(results: Iterable[HeadroomResult]) -> list[Metric]:
    """The :data:`HEADROOM_METRICS` of each result (one result per instance
    type, from :func:`~subnetfrag.sim.headroom.headroom`): per subnet, and
    for the whole set (``headroom_set_*``, labelled with the subnet-selection
    rule instead of a subnet). O(results x subnets)."""
    fams = {
        spec.name: GaugeMetricFamily(spec.name, spec.help, labels=list(spec.all_labels))
        for spec in HEADROOM_METRICS
    }
    nodes, pods, set_nodes, set_pods, ended = fams.values()
    for result in results:
        kind = result.instance_type
        for subnet_id, cidr, fig in result.subnets:
            for quantile, key in HEADROOM_QUANTILES.items():
                nodes.add_metric([subnet_id, cidr, kind, quantile], fig.nodes[key])
                pods.add_metric([subnet_id, cidr, kind, quantile], fig.pods[key])
            for error, runs in sorted(fig.ended_by.items()):
                ended.add_metric([subnet_id, cidr, kind, error], runs)
        total, rule = result.total, result.subnet_selection
        for quantile, key in HEADROOM_QUANTILES.items():
            set_nodes.add_metric([kind, rule, quantile], total.nodes[key])
            set_pods.add_metric([kind, rule, quantile], total.pods[key])
    return [f for f in fams.values() if f.samples]


class _Fixed:
    """A collector that yields the families it was given."""

    def __init__(self, families: Sequence[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


def render_families(families: Sequence[Metric], fmt: str = "prometheus") -> str:
    """``families`` in an exposition format: ``"prometheus"`` (text format
    0.0.4, what the textfile collector reads; empty when there is no family)
    or ``"openmetrics"`` (OpenMetrics 1.0 text, ending with ``# EOF``).
    Raises :class:`ValueError` for another format. O(samples)."""
    if fmt not in EXPOSITION_FORMATS:
        raise ValueError(f"format must be one of {', '.join(EXPOSITION_FORMATS)}, not {fmt!r}")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    write = generate_openmetrics if fmt == "openmetrics" else generate_latest
    return write(registry).decode("utf-8")


def render_prometheus(subnets: Iterable[AwsSubnet], fmt: str = "prometheus") -> str:
    """Every subnet's metrics (:func:`subnet_families`) in the exposition
    format ``fmt`` (see :func:`render_families`). O(subnets x size)."""
    return render_families(subnet_families(subnets), fmt)
