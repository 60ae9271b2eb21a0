"""The Prometheus text exposition output, read back by a strict parser.

``parse_exposition`` implements the text format (version 0.0.4) as
node_exporter's textfile collector reads it: HELP and TYPE once per family and
before its samples, a family's samples together, label values escaped, no
duplicate series, no timestamps.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text

from subnetfrag import Subnet
from subnetfrag.aws import WARNING_KINDS, AwsState, AwsSubnet, AwsWarning, SubnetInfo, load_example
from subnetfrag.exporter import EXPORTER_METRICS
from subnetfrag.metrics import SEVERITIES
from subnetfrag.owner import OWNER_CLASSES, Owner
from subnetfrag.render.prometheus import (
    HEADROOM_METRICS,
    RENAMED,
    SUBNET_LABELS,
    SUBNET_METRICS,
    metric_names,
    render_families,
    render_prometheus,
    subnet_families,
)

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_UNESCAPE = {"\\": "\\", '"': '"', "n": "\n"}


@dataclass
class Family:
    name: str
    help: str | None = None
    type: str | None = None
    samples: dict[tuple[tuple[str, str], ...], float] = field(default_factory=dict)

    def value(self, **labels: str) -> float:
        """The one sample whose labels include ``labels``."""
        found = [v for k, v in self.samples.items() if all((n, x) in k for n, x in labels.items())]
        assert len(found) == 1, (self.name, labels, found)
        return found[0]


def _labels(text: str, where: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """Parse ``{a="b",...}`` at the start of ``text``; return labels and the rest."""
    assert text[0] == "{", where
    pos = 1
    labels: list[tuple[str, str]] = []
    while text[pos] != "}":
        m = _LABEL.match(text, pos)
        assert m, f"{where}: bad label name"
        pos = m.end()
        assert text[pos : pos + 2] == '="', f'{where}: expected ="'
        pos += 2
        value = []
        while text[pos] != '"':
            if text[pos] == "\\":
                assert text[pos + 1] in _UNESCAPE, f"{where}: bad escape"
                value.append(_UNESCAPE[text[pos + 1]])
                pos += 2
            else:
                assert text[pos] != "\n", where
                value.append(text[pos])
                pos += 1
        labels.append((m.group(), "".join(value)))
        pos += 1
        if text[pos] == ",":
            pos += 1
    names = [n for n, _ in labels]
    assert len(names) == len(set(names)), f"{where}: repeated label"
    return tuple(labels), text[pos + 1 :]


def parse_exposition(text: str) -> dict[str, Family]:
    """The families of ``text``; fails an assertion on anything the textfile
    collector would refuse."""
    assert text.endswith("\n"), "the last line must end with a line feed"
    families: dict[str, Family] = {}
    closed: set[str] = set()
    current: str | None = None
    for n, line in enumerate(text[:-1].split("\n"), 1):
        where = f"line {n}: {line!r}"
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                assert _NAME.fullmatch(name), where
                fam = families.setdefault(name, Family(name))
                assert not fam.samples, f"{where}: {parts[1]} after samples"
                if parts[1] == "HELP":
                    assert fam.help is None, f"{where}: second HELP"
                    fam.help = parts[3] if len(parts) > 3 else ""
                    assert "\n" not in fam.help
                else:
                    assert fam.type is None, f"{where}: second TYPE"
                    assert len(parts) == 4, where
                    assert parts[3] in ("counter", "gauge", "histogram", "summary", "untyped")
                    fam.type = parts[3]
            continue
        assert line, f"{where}: empty line"
        m = _NAME.match(line)
        assert m, where
        name = m.group()
        rest = line[m.end() :]
        labels: tuple[tuple[str, str], ...] = ()
        if rest.startswith("{"):
            labels, rest = _labels(rest, where)
        assert rest.startswith(" "), where
        fields = rest[1:].split(" ")
        assert len(fields) == 1, f"{where}: timestamps are refused by the textfile collector"
        value = float(fields[0])  # accepts NaN, +Inf, -Inf
        if name != current:
            assert name not in closed, f"{where}: {name}'s samples are not together"
            if current is not None:
                closed.add(current)
            current = name
        fam = families.setdefault(name, Family(name))
        assert labels not in fam.samples, f"{where}: duplicate series"
        fam.samples[labels] = value
    return families


# -------------------------------------------------------- the parser itself


@pytest.mark.parametrize(
    "bad",
    [
        "a 1",  # no final line feed
        'a{x="1"} 1 1700000000\n',  # timestamp
        "a 1\nb 1\na 2\n",  # samples apart
        'a{x="1"} 1\na{x="1"} 2\n',  # duplicate
        'a{x="\\t"} 1\n',  # bad escape
        "# TYPE a gauge\n# TYPE a gauge\na 1\n",
        "a 1\n# HELP a late\n",
        "1a 1\n",
        "a one\n",
    ],
)
def test_the_parser_refuses(bad: str) -> None:
    with pytest.raises((AssertionError, ValueError)):
        parse_exposition(bad)


def test_the_parser_reads_escapes() -> None:
    fams = parse_exposition('# HELP a h\n# TYPE a gauge\na{x="q\\"b\\\\n\\n"} NaN\n')
    ((labels, value),) = fams["a"].samples.items()
    assert labels == (("x", 'q"b\\n\n'),) and math.isnan(value)


# ----------------------------------------------------------------- output


def test_label_values_from_tags_are_escaped() -> None:
    name = 'odd "name"\\ with\na line feed'
    sub = Subnet("10.0.0.0/24", subnet_id="subnet-1")
    aws = AwsSubnet(sub, SubnetInfo("subnet-1", "10.0.0.0/24", tags={"Name": name}))
    text = render_prometheus([aws])
    assert "\n" + name not in text  # no raw line feed inside a sample
    info = parse_exposition(text)["subnetfrag_subnet_info"]
    assert info.value(subnet_id="subnet-1", name=name) == 1


def _state(*subnets: AwsSubnet) -> AwsState:
    return AwsState(subnets={s.subnet_id: s for s in subnets})


def test_example_metrics_read_back_equal_the_report() -> None:
    state = load_example()
    fams = parse_exposition(render_prometheus(state))
    aws = next(iter(state))
    r = aws.subnet.report()
    base = {"subnet_id": aws.subnet_id, "cidr": r.cidr}
    for fam in fams.values():
        assert fam.name.startswith("subnetfrag_")
        assert fam.type == "gauge" and fam.help
        assert not fam.name.endswith(("_percent", "_index")), "0-1 values end in _ratio"
        for labels in fam.samples:
            assert dict(labels).items() >= base.items()
    assert fams["subnetfrag_free_prefixes"].value() == r.free_prefixes
    assert fams["subnetfrag_can_fit_prefix"].value() == 1
    assert fams["subnetfrag_available_addresses"].value() == r.addresses.available
    assert fams["subnetfrag_ec2_available_addresses"].value() == aws.reported_available
    assert fams["subnetfrag_aws_fragmentation_score"].value() == r.aws_fragmentation_score
    severity = fams["subnetfrag_aws_severity"]
    assert {dict(k)["severity"]: v for k, v in severity.samples.items()} == {
        band: float(band == r.aws_severity) for band in SEVERITIES
    }
    info = fams["subnetfrag_subnet_info"]
    assert (
        info.value(
            vpc_id=aws.info.vpc_id or "",
            availability_zone=aws.info.availability_zone or "",
            name=aws.info.name or "",
        )
        == 1
    )
    assert fams["subnetfrag_aligned_blocks"].value() == r.blocks.total
    blocks = fams["subnetfrag_blocks_by_state"]
    assert sum(blocks.samples.values()) == r.blocks.total
    assert blocks.value(state="fragmented") == r.blocks.fragmented
    assert fams["subnetfrag_stranded_addresses"].value() == r.stranded_ips
    assert fams["subnetfrag_largest_free_block_addresses"].value() == 16  # a /28
    hist = fams["subnetfrag_buddy_free_blocks"]
    assert {dict(k)["size"]: v for k, v in hist.samples.items()} == r.histogram()
    assert fams["subnetfrag_unusable_free_space_ratio"].value() == r.unusable_free_index
    assert "subnetfrag_fragmentation_index_ratio" not in fams  # null: a /28 fits
    assert fams["subnetfrag_weighted_fragmentation_ratio"].value() == pytest.approx(
        r.weighted_fragmentation_pct / 100
    )
    owners = aws.owner_summary()
    for cls in OWNER_CLASSES:
        expected = owners.get(cls, {"addresses": 0})["addresses"]
        assert fams["subnetfrag_owner_addresses"].value(owner_class=cls) == expected
    assert len(fams["subnetfrag_warnings"].samples) == len(WARNING_KINDS)


def test_null_values_have_no_sample_and_label_values_are_escaped() -> None:
    # A /28: its one block holds AWS-reserved addresses: no score, and no /28 fits.
    odd = 'subnet-"odd"\\id\n'
    small = Subnet("10.0.0.0/28", subnet_id=odd)
    full = Subnet("10.0.1.0/28", subnet_id="subnet-full")
    while full.free_ip_count():
        full.allocate_ip(owner=Owner(eni_id="eni-1", owner_class="lambda"))
    a = AwsSubnet(small, SubnetInfo(odd, "10.0.0.0/28"))
    b = AwsSubnet(
        full,
        SubnetInfo("subnet-full", "10.0.1.0/28", available_ip_address_count=3),
        warnings=[AwsWarning("available-mismatch", "differs", "subnet-full")],
    )
    fams = parse_exposition(render_prometheus(_state(a, b)))
    assert "subnetfrag_aws_fragmentation_score" not in fams
    assert "subnetfrag_ec2_available_addresses" in fams
    assert len(fams["subnetfrag_ec2_available_addresses"].samples) == 1  # b only
    assert fams["subnetfrag_free_prefixes"].value(subnet_id=odd) == 0
    assert fams["subnetfrag_fragmentation_index_ratio"].value(subnet_id=odd) == pytest.approx(
        small.report().fragmentation_index
    )
    assert fams["subnetfrag_largest_free_block_addresses"].value(subnet_id="subnet-full") == 0
    assert (
        fams["subnetfrag_warnings"].value(subnet_id="subnet-full", kind="available-mismatch") == 1
    )
    assert fams["subnetfrag_owner_enis"].value(subnet_id="subnet-full", owner_class="lambda") == 1
    assert all(len(f.samples) <= 2 * 17 for f in fams.values())


def test_no_subnet_no_output() -> None:
    assert render_prometheus(AwsState()) == ""
    assert render_prometheus(AwsState(), "openmetrics") == "# EOF\n"


def test_every_family_is_documented_once_and_the_renamed_ones_are_gone() -> None:
    fams = parse_exposition(render_prometheus(load_example()))
    assert set(fams) <= metric_names()
    # every family but the null fragmentation index shows on the example
    assert metric_names() - set(fams) == {"subnetfrag_fragmentation_index_ratio"}
    assert not set(RENAMED) & metric_names()
    assert set(RENAMED.values()) <= metric_names()
    assert len({s.name for s in SUBNET_METRICS}) == len(SUBNET_METRICS)
    doc = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = [*metric_names(), *metric_names(HEADROOM_METRICS), *RENAMED]
    documented += metric_names(EXPORTER_METRICS)
    for name in documented:
        assert f"`{name}`" in doc, f"{name} is not in docs/cli.md"


def test_each_metric_has_one_row_in_the_tables_of_docs_cli_md() -> None:
    """A metric's row says what it is; two rows for one name (a merge that
    kept both sides) would say it twice, perhaps differently."""
    doc = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    first_cells = [
        line.split("|")[1] for line in doc.splitlines() if line.startswith("| `subnetfrag_")
    ]
    rows = [name for cell in first_cells for name in re.findall(r"`(subnetfrag_\w+)`", cell)]
    published = [
        *metric_names(),
        *metric_names(HEADROOM_METRICS),
        *metric_names(EXPORTER_METRICS),
        *RENAMED,  # the migration table's first column
    ]
    assert sorted(rows) == sorted(published)


def test_openmetrics_has_the_same_samples_and_ends_with_eof() -> None:
    state = load_example()
    om = render_prometheus(state, "openmetrics")
    assert om.endswith("# EOF\n")
    text = render_prometheus(state)

    def samples(families: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in families  # type: ignore[attr-defined]
            for s in fam.samples
        }

    assert samples(parse_openmetrics(om)) == samples(parse_text(text))
    assert len(samples(parse_text(text))) == sum(
        len(f.samples) for f in parse_exposition(text).values()
    )


def test_every_sample_has_the_subnet_labels_and_one_code_path_renders_both() -> None:
    state = load_example()
    families = subnet_families(state)
    for fam in families:
        for sample in fam.samples:
            assert set(SUBNET_LABELS) <= set(sample.labels)
    assert render_families(families) == render_prometheus(state)
    with pytest.raises(ValueError, match="format must be one of"):
        render_families(families, "xml")


def test_headroom_of_a_set_of_subnets_is_published_without_subnet_labels() -> None:
    from subnetfrag.render.prometheus import HEADROOM_QUANTILES, headroom_families, render_families
    from subnetfrag.sim.headroom import headroom

    a, b = Subnet("10.0.0.0/24", subnet_id="subnet-a"), Subnet("10.0.1.0/24", subnet_id="subnet-b")
    for k in range(10):
        a.allocate_ip(f"10.0.0.{16 * k + 20}")
    result = headroom([a, b], instance_type="m5.large", pods_per_node=20, runs=10,
                      settings={"prefix_delegation": True, "warm_prefix_target": 1})  # fmt: skip
    fams = parse_exposition(render_families(headroom_families([result])))
    whole = fams["subnetfrag_headroom_set_nodes"]
    assert len(whole.samples) == len(HEADROOM_QUANTILES)
    for quantile, key in HEADROOM_QUANTILES.items():
        labels = {"instance_type": "m5.large", "subnet_selection": "most-available"}
        assert whole.value(**labels, quantile=quantile) == result.total.nodes[key]
        assert (
            fams["subnetfrag_headroom_set_pods"].value(**labels, quantile=quantile)
            == (result.total.pods[key])
        )
    assert all("subnet_id" not in dict(k) for k in whole.samples)
    per_subnet = fams["subnetfrag_headroom_nodes"]
    assert {dict(k)["subnet_id"] for k in per_subnet.samples} == {"subnet-a", "subnet-b"}
