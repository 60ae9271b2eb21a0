"""The bundled instance-limits table, lookup(), InstanceLimits and the table generator."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from subnetfrag.errors import SubnetFragError
from subnetfrag.instances import (
    SOURCE_EXPLICIT,
    SOURCE_TABLE,
    InstanceLimits,
    InvalidInstanceLimits,
    UnknownInstanceType,
    instance_types,
    lookup,
    table_header,
)
from subnetfrag.maxpods import InvalidDescribeResponse

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "gen_instance_limits.py"
    spec = importlib.util.spec_from_file_location("gen_instance_limits", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- lookup ---------------------------------------------------------------


def test_lookup_m5_large_reads_every_field() -> None:
    assert lookup("m5.large") == InstanceLimits(
        instance_type="m5.large",
        enis=3,
        ipv4_per_eni=10,
        vcpus=2,
        hypervisor="nitro",
        bare_metal=False,
        source=SOURCE_TABLE,
    )


def test_lookup_xen_type() -> None:
    limits = lookup("t2.medium")
    assert (limits.enis, limits.ipv4_per_eni, limits.vcpus) == (3, 6, 2)
    assert limits.hypervisor == "xen"
    assert not limits.nitro
    assert not limits.prefix_delegation_supported


def test_lookup_bare_metal_has_no_hypervisor_but_supports_prefixes() -> None:
    limits = lookup("m5.metal")
    assert limits.bare_metal is True
    assert limits.hypervisor == ""
    assert (limits.enis, limits.ipv4_per_eni, limits.vcpus) == (15, 50, 96)
    assert limits.prefix_delegation_supported


def test_multi_card_type_counts_the_default_card_only() -> None:
    # p5.48xlarge: 32 network cards of 2 ENIs each (64 in all); pods use card 0.
    limits = lookup("p5.48xlarge")
    assert limits.enis == 2
    assert limits.ipv4_per_eni == 50
    assert limits.vcpus == 192


def test_lookup_normalises_case_and_blanks() -> None:
    assert lookup("  M5.Large ") is lookup("m5.large")


def test_unknown_type_suggests_close_names() -> None:
    with pytest.raises(UnknownInstanceType) as caught:
        lookup("m5.larg")
    error = caught.value
    assert isinstance(error, LookupError)
    assert isinstance(error, SubnetFragError)
    assert error.instance_type == "m5.larg"
    assert "m5.large" in error.suggestions
    assert "m5.large" in str(error)
    assert "InstanceLimits" in str(error)


def test_unknown_type_without_close_names_says_how_many_are_known() -> None:
    with pytest.raises(UnknownInstanceType) as caught:
        lookup("qqqqqqqqqqqqqqqq")
    assert caught.value.suggestions == []
    assert f"lists {len(instance_types())} types (see instance_types()). For a type" in str(
        caught.value
    )  # two sentences, not run together


def test_lookup_of_a_non_string_is_unknown_not_a_crash() -> None:
    with pytest.raises(UnknownInstanceType):
        lookup(42)  # type: ignore[arg-type]


# --- the table as a whole ---------------------------------------------------


def test_instance_types_sorted_and_complete() -> None:
    names = instance_types()
    assert names == sorted(names)
    assert len(names) == len(set(names)) == table_header()["count"]
    assert len(names) > 1000
    for name in ("t3.medium", "m5.large", "c6g.medium", "m7g.metal", "p5.48xlarge", "inf2.xlarge"):
        assert name in names


def test_every_row_is_plausible() -> None:
    header = table_header()
    unknown = set(header["vcpus_unknown"])
    for name in instance_types():
        limits = lookup(name)
        assert limits.instance_type == name
        assert 1 <= limits.enis <= 64, name
        assert 2 <= limits.ipv4_per_eni <= 64, name
        # vCPUs come from the attributes source; the types it lacks are listed.
        assert (limits.vcpus is None) == (name in unknown), name
        assert limits.vcpus is None or limits.vcpus >= 1, name
        assert limits.hypervisor in ("nitro", "xen", ""), name
        # DescribeInstanceTypes reports no hypervisor exactly for bare metal; the
        # VPC CNI's table (the fallback) says "unknown" for two old Xen types too.
        if name not in unknown:
            assert (limits.hypervisor == "") == limits.bare_metal, name
    assert set(header["limits_from_attributes_source"]) <= set(instance_types())
    assert not set(header["limits_from_attributes_source"]) & unknown


#: Types whose ENIs or IPv4 per ENI differ between the bundled table and the VPC
#: CNI's (aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go); docs/max-pods.md
#: lists the same, with the reason. Empty since the table is built from the EKS
#: AMI's instance-info.jsonl (issue 9 item 4).
VPC_CNI_DISAGREEMENTS: dict[str, str] = {}


def test_bundled_table_agrees_with_the_vpc_cnis() -> None:
    """Every type in both tables has the same ENIs (default card) and IPv4 per
    ENI, except the documented list. tests/fixtures/vpc-cni-limits.json is the
    CNI's table reduced to those two numbers by scripts/gen_instance_limits.py
    --write-check (its header names the file, commit and sha256)."""
    check = json.loads((ROOT / "tests/fixtures/vpc-cni-limits.json").read_text())
    assert check["source"]["path"] == "pkg/vpc/vpc_ip_resource_limit.go"
    assert re.fullmatch(r"[0-9a-f]{64}", check["source"]["sha256"])
    theirs = {name: tuple(v) for name, v in check["instance_types"].items()}
    ours = set(instance_types())
    both = ours & set(theirs)
    assert len(both) > 1300
    differ = {
        name for name in both if (lookup(name).enis, lookup(name).ipv4_per_eni) != theirs[name]
    }
    assert differ == set(VPC_CNI_DISAGREEMENTS)
    docs = (ROOT / "docs/max-pods.md").read_text()
    for name in VPC_CNI_DISAGREEMENTS:
        assert f"`{name}`" in docs
    # The four rows the old moto-built table had wrong (issue 9 item 4).
    assert (lookup("i7ie.48xlarge").enis, lookup("i7ie.metal-48xl").enis) == (15, 15)
    assert (lookup("i8ge.48xlarge").enis, lookup("i8ge.metal-48xl").enis) == (24, 24)
    from subnetfrag.maxpods import max_pods

    assert max_pods("i7ie.48xlarge", cap=False, bootstrap="al2").uncapped == 737


def test_header_names_every_source() -> None:
    header = table_header()
    limits = header["limits_source"]
    assert limits["repository"] == "awslabs/amazon-eks-ami"
    assert limits["path"] == "nodeadm/internal/kubelet/instance-info.jsonl"
    assert re.fullmatch(r"[0-9a-f]{40}", limits["revision"])
    assert re.fullmatch(r"[0-9a-f]{64}", limits["sha256"])
    fallback = header["hypervisor_fallback_source"]
    assert fallback["repository"] == "aws/amazon-vpc-cni-k8s"
    assert "defaultMaxENIs" in header["fields"]["enis"]


def test_header_records_provenance() -> None:
    header = table_header()
    source = header["source"]
    assert header["format"] == 1
    assert source["repository"] == "getmoto/moto"
    assert source["path"] == "moto/ec2/resources/instance_types.json.gz"
    assert source["revision"]
    assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", header["generated"])
    assert "VCpuInfo.DefaultVCpus" in header["fields"]["vcpus"]
    assert "DefaultNetworkCardIndex" in header["fields"]["enis"]


def test_header_is_a_copy() -> None:
    table_header()["source"]["repository"] = "changed"
    assert table_header()["source"]["repository"] == "getmoto/moto"


def _describe_record(limits: InstanceLimits) -> dict[str, Any]:
    """The DescribeInstanceTypes record a bundled row was generated from."""
    return {
        "InstanceType": limits.instance_type,
        "BareMetal": limits.bare_metal,
        **({"Hypervisor": limits.hypervisor} if limits.hypervisor else {}),
        "VCpuInfo": {"DefaultVCpus": limits.vcpus},
        "NetworkInfo": {
            "MaximumNetworkInterfaces": limits.enis + 3,
            "Ipv4AddressesPerInterface": limits.ipv4_per_eni,
            "DefaultNetworkCardIndex": 1,
            "NetworkCards": [
                {"NetworkCardIndex": 0, "MaximumNetworkInterfaces": 3},
                {"NetworkCardIndex": 1, "MaximumNetworkInterfaces": limits.enis},
            ],
        },
    }


def test_generator_rebuilds_bundled_rows_from_describe_records(tmp_path: Path) -> None:
    """The generator, fed gzip'd DescribeInstanceTypes records, yields the bundled
    rows: the default network card's ENIs, not the instance total."""
    names = ["m5.large", "t2.micro", "c5.metal", "p4d.24xlarge", "m7g.xlarge"]
    source = tmp_path / "instance_types.json.gz"
    records = [_describe_record(lookup(n)) for n in names]
    source.write_bytes(gzip.compress(json.dumps({"InstanceTypes": records}).encode()))
    generator = _generator()
    rebuilt = generator.build_table(generator.read_records(source))
    assert sorted(rebuilt) == sorted(names)
    for name, limits in rebuilt.items():
        assert dataclasses.replace(limits, source=SOURCE_TABLE) == lookup(name), name


# --- InstanceLimits ---------------------------------------------------------


def test_explicit_limits_defaults() -> None:
    limits = InstanceLimits("my.type", enis=4, ipv4_per_eni=15)
    assert limits.vcpus is None
    assert limits.hypervisor == "nitro"
    assert limits.bare_metal is False
    assert limits.source == SOURCE_EXPLICIT
    assert limits.to_dict() == {
        "instance_type": "my.type",
        "enis": 4,
        "ipv4_per_eni": 15,
        "vcpus": None,
        "hypervisor": "nitro",
        "bare_metal": False,
        "source": SOURCE_EXPLICIT,
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"enis": 0},
        {"enis": -1},
        {"enis": True},
        {"enis": 2.0},
        {"ipv4_per_eni": 0},
        {"vcpus": 0},
        {"hypervisor": None},
        {"bare_metal": "yes"},
        {"source": "somewhere"},
        {"instance_type": ""},
        {"instance_type": "  "},
    ],
)
def test_invalid_limits_are_refused(kwargs: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"instance_type": "x.large", "enis": 3, "ipv4_per_eni": 10}
    fields.update(kwargs)
    with pytest.raises(InvalidInstanceLimits) as caught:
        InstanceLimits(**fields)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, SubnetFragError)


def test_limits_are_frozen_with_slots() -> None:
    limits = lookup("m5.large")
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.enis = 4  # type: ignore[misc]
    assert not hasattr(limits, "__dict__")


# --- the generator ----------------------------------------------------------


def _record(name: str, enis: int, ipv4: int, vcpus: int, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "InstanceType": name,
        "VCpuInfo": {"DefaultVCpus": vcpus},
        "NetworkInfo": {
            "MaximumNetworkInterfaces": enis,
            "Ipv4AddressesPerInterface": ipv4,
            "DefaultNetworkCardIndex": 0,
            "NetworkCards": [{"NetworkCardIndex": 0, "MaximumNetworkInterfaces": enis}],
        },
        "Hypervisor": "nitro",
        "BareMetal": False,
    }
    record.update(extra)
    return record


def test_generator_reads_every_accepted_shape(tmp_path: Path) -> None:
    generator = _generator()
    records = [_record("b.large", 3, 10, 2), _record("a.metal", 15, 50, 96, BareMetal=True)]
    del records[1]["Hypervisor"]
    shapes = {
        "api.json": {"InstanceTypes": records},
        "list.json": records,
        "by_name.json": {r["InstanceType"]: r for r in records},
    }
    for file_name, document in shapes.items():
        path = tmp_path / file_name
        path.write_text(json.dumps(document))
        assert generator.read_records(path) == records, file_name
    zipped = tmp_path / "api.json.gz"
    zipped.write_bytes(gzip.compress(json.dumps({"InstanceTypes": records}).encode()))
    assert generator.read_records(zipped) == records
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"Reservations": []}))
    with pytest.raises(ValueError):
        generator.read_records(wrong)


def test_generator_writes_a_table_that_round_trips(tmp_path: Path) -> None:
    generator = _generator()
    records = [_record("b.large", 3, 10, 2), _record("a.metal", 15, 50, 96, BareMetal=True)]
    del records[1]["Hypervisor"]
    source = tmp_path / "dit.json"
    source.write_text(json.dumps({"InstanceTypes": records}))
    out = tmp_path / "limits.json"
    status = generator.main(
        [
            str(source),
            "--origin",
            "test",
            "--revision",
            "r1",
            "--date",
            "2026-01-02",
            "-o",
            str(out),
        ]
    )
    assert status == 0
    document = json.loads(out.read_text())
    assert document["generated"] == "2026-01-02"
    assert document["count"] == 2
    assert document["source"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert list(document["instance_types"]) == ["a.metal", "b.large"]
    assert document["instance_types"]["a.metal"] == {
        "enis": 15,
        "ipv4_per_eni": 50,
        "vcpus": 96,
        "hypervisor": "",
        "bare_metal": True,
    }


def test_generator_refuses_conflicting_duplicates() -> None:
    generator = _generator()
    same = [_record("b.large", 3, 10, 2), _record("b.large", 3, 10, 2)]
    assert list(generator.build_table(same)) == ["b.large"]
    with pytest.raises(ValueError, match=r"b\.large is listed twice"):
        generator.build_table([_record("b.large", 3, 10, 2), _record("b.large", 4, 10, 2)])


def test_generator_reports_a_bad_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generator = _generator()
    bad = _record("b.large", 3, 10, 2)
    del bad["VCpuInfo"]
    with pytest.raises(InvalidDescribeResponse):
        generator.build_table([bad])
    source = tmp_path / "bad.json"
    source.write_text(json.dumps([bad]))
    assert generator.main([str(source), "--origin", "t", "-o", str(tmp_path / "o.json")]) == 1
    assert "VCpuInfo" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


def test_generator_check_against_published_values(tmp_path: Path) -> None:
    generator = _generator()
    table = generator.build_table([_record("m5.large", 3, 10, 2), _record("x.big", 15, 50, 96)])
    published = tmp_path / "eni-max-pods.txt"
    published.write_text("# comment\nm5.large 29\nx.big 700\nold.type 8\n")
    report = generator.check_eni_max_pods(published, table)
    assert "x.big: published 700, table gives 15 ENIs x (50 - 1) + 2 = 737 (uncapped)" in report
    assert "old.type: published 8, not in the table" in report
    assert report[-1].startswith("1 of 3 published values agree")


_GO = """package vpc

var instanceNetworkingLimits = map[string]InstanceTypeLimits{
\t"a.large": {
\t\tENILimit:                3,
\t\tIPv4Limit:               10,
\t\tDefaultNetworkCardIndex: 0,
\t\tNetworkCards: []NetworkCard{
\t\t\t{
\t\t\t\tMaximumNetworkInterfaces: 3,
\t\t\t\tNetworkCardIndex:         0,
\t\t\t},
\t\t},
\t\tHypervisorType: "nitro",
\t\tIsBareMetal:    false,
\t},
\t"new.metal": {
\t\tENILimit:                2,
\t\tIPv4Limit:               50,
\t\tDefaultNetworkCardIndex: 1,
\t\tNetworkCards: []NetworkCard{
\t\t\t{
\t\t\t\tMaximumNetworkInterfaces: 7,
\t\t\t\tNetworkCardIndex:         0,
\t\t\t},
\t\t\t{
\t\t\t\tMaximumNetworkInterfaces: 2,
\t\t\t\tNetworkCardIndex:         1,
\t\t\t},
\t\t},
\t\tHypervisorType: "unknown",
\t\tIsBareMetal:    true,
\t},
}
"""


def test_generator_merges_eks_limits_with_attributes(tmp_path: Path) -> None:
    """ENIs and IPv4 from instance-info.jsonl; vCPUs, hypervisor and bare metal
    from the DescribeInstanceTypes records, else from the VPC CNI's table; the
    cross-check lists every disagreement."""
    generator = _generator()
    eks = tmp_path / "instance-info.jsonl"
    eks.write_text(
        '{"instanceType":"a.large","defaultMaxENIs":3,"ipv4AddressesPerInterface":12}\n'
        '{"instanceType":"new.metal","defaultMaxENIs":2,"ipv4AddressesPerInterface":50}\n'
    )
    go = tmp_path / "vpc_ip_resource_limit.go"
    go.write_text(_GO)
    source = tmp_path / "dit.json"
    source.write_text(json.dumps([_record("a.large", 3, 10, 2), _record("only.moto", 4, 15, 8)]))
    out, check = tmp_path / "limits.json", tmp_path / "check.json"
    status = generator.main(
        [str(source), "--origin", "t", "--eks-instance-info", str(eks), "--eks-revision", "e1",
         "--vpc-cni-limits", str(go), "--vpc-cni-revision", "c1", "--write-check", str(check),
         "--date", "2026-01-02", "-o", str(out)]
    )  # fmt: skip
    assert status == 0
    doc = json.loads(out.read_text())
    rows = doc["instance_types"]
    assert rows["a.large"] == {
        "enis": 3, "ipv4_per_eni": 12, "vcpus": 2, "hypervisor": "nitro", "bare_metal": False
    }  # fmt: skip
    assert rows["new.metal"] == {
        "enis": 2, "ipv4_per_eni": 50, "vcpus": None, "hypervisor": "", "bare_metal": True
    }  # fmt: skip
    assert rows["only.moto"]["enis"] == 4
    assert doc["vcpus_unknown"] == ["new.metal"]
    assert doc["limits_from_attributes_source"] == ["only.moto"]
    assert doc["limits_source"]["sha256"] == hashlib.sha256(eks.read_bytes()).hexdigest()
    assert json.loads(check.read_text())["instance_types"] == {
        "a.large": [3, 10], "new.metal": [2, 50]
    }  # fmt: skip
    cni = generator.read_vpc_cni_limits(go)
    attributes = generator.build_table(json.loads(source.read_text()))
    table, _, _ = generator.merge(generator.read_eks_instance_info(eks), attributes, cni)
    assert generator.cross_check(table, cni) == [
        "a.large: bundled 3 ENIs x 12 IPv4, VPC CNI 3 x 10",
        "1 of 2 types in both tables agree; 1 only in the bundled table, 0 only in the VPC CNI's",
    ]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instanceType":"x"}\n')
    assert generator.main([str(source), "--origin", "t", "--eks-instance-info", str(bad),
                           "-o", str(out)]) == 1  # fmt: skip
