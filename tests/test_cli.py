"""The command line in-process: ``main(argv)`` with captured output.

Inputs are written here, in the AWS CLI's shapes, so that every number the
commands print can be checked against the library's own answer.
"""

from __future__ import annotations

import errno
import io
import json
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from test_render_prometheus import parse_exposition

from subnetfrag.advice import apply_defrag, suggest_reservation
from subnetfrag.aws import load_example, load_files
from subnetfrag.capacity import plan_capacity
from subnetfrag.cli import (
    EXIT_CHECK_FAILED,
    EXIT_ERROR,
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WARNINGS,
    main,
)
from subnetfrag.cli.advise import advise_subnet
from subnetfrag.maxpods import max_pods
from subnetfrag.subnet import Subnet

A = "subnet-0aaa0000000000001"  # 10.1.0.0/26: fragmented, 0 free /28 with the default ENIs
B = "subnet-0bbb0000000000002"  # 10.1.1.0/24: nearly empty, healthy
V6 = "subnet-0ccc0000000000003"  # IPv6-only
VPC = "vpc-0aaa0000000000000"


# ----------------------------------------------------------------- inputs


def subnet_record(sid: str, cidr: str | None, available: int | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "SubnetId": sid,
        "VpcId": VPC,
        "AvailabilityZone": "us-east-1a",
        "State": "available",
        "Tags": [{"Key": "Name", "Value": f"name-of-{sid[-1]}"}],
    }
    if cidr is None:
        rec["Ipv6Native"] = True
        rec["Ipv6CidrBlockAssociationSet"] = [{"Ipv6CidrBlock": "2600:1f18::/64"}]
    else:
        rec["CidrBlock"] = cidr
    if available is not None:
        rec["AvailableIpAddressCount"] = available
    return rec


def eni_record(
    eni: str,
    sid: str,
    addresses: list[str],
    *,
    prefixes: tuple[str, ...] = (),
    instance: str | None = None,
    device: int = 0,
    description: str = "",
    interface_type: str = "interface",
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "NetworkInterfaceId": eni,
        "SubnetId": sid,
        "InterfaceType": interface_type,
        "Description": description,
        "Status": "in-use",
        "PrivateIpAddress": addresses[0],
        "PrivateIpAddresses": [
            {"PrivateIpAddress": a, "Primary": i == 0} for i, a in enumerate(addresses)
        ],
        "Ipv4Prefixes": [{"Ipv4Prefix": p} for p in prefixes],
        "TagSet": [],
    }
    if instance is not None:
        rec["Attachment"] = {"InstanceId": instance, "DeviceIndex": device, "Status": "attached"}
    return rec


def default_enis() -> list[dict[str, Any]]:
    """Subnet A (10.1.0.0/26, blocks .0 .16 .32 .48): a node with a prefix in
    .16, a pod ENI and a Lambda spoiling .32; B holds one node."""
    return [
        eni_record(
            "eni-0000000000000000a",
            A,
            ["10.1.0.6"],
            prefixes=("10.1.0.16/28",),
            instance="i-0000000000000node1",
        ),
        eni_record(
            "eni-0000000000000000b",
            A,
            ["10.1.0.33", "10.1.0.34"],
            instance="i-0000000000000node1",
            device=1,
            description="aws-K8S-i-0000000000000node1",
        ),
        eni_record(
            "eni-0000000000000000c",
            A,
            ["10.1.0.40"],
            description="AWS Lambda VPC ENI-fn",
            interface_type="lambda",
        ),
        eni_record("eni-0000000000000000d", B, ["10.1.1.10"], instance="i-0000000000000node2"),
    ]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """Saved AWS CLI output for A, B and an IPv6-only subnet."""
    docs = {
        "subnets": {
            "Subnets": [subnet_record(A, "10.1.0.0/26", 50), subnet_record(B, "10.1.1.0/24")]
        },
        "enis": {"NetworkInterfaces": default_enis()},
        "reservations": {
            "SubnetIpv4CidrReservations": [
                {
                    "SubnetCidrReservationId": "scr-0000000000000000a",
                    "SubnetId": B,
                    "Cidr": "10.1.1.128/26",
                    "ReservationType": "prefix",
                }
            ],
            "SubnetIpv6CidrReservations": [],
        },
        "subnets-v6": {"Subnets": [subnet_record(A, "10.1.0.0/26"), subnet_record(V6, None)]},
    }
    paths = {}
    for name, doc in docs.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        paths[name] = str(path)
    return paths


def file_args(files: dict[str, str], *extra: str) -> list[str]:
    return [
        "--subnets",
        files["subnets"],
        "--enis",
        files["enis"],
        "--reservations",
        files["reservations"],
        *extra,
    ]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# ---------------------------------------------------------------- analyze


def test_analyze_example_text_shows_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "analyze", "--example")
    assert (status, err) == (0, "")
    aws = next(iter(load_example()))
    r = aws.subnet.report()
    assert out.startswith(f"{aws.subnet_id}  {r.cidr}")
    assert f"free /28 prefixes         {r.free_prefixes}  (a /28 prefix fits)" in out
    assert f"AWS fragmentation score   {r.aws_fragmentation_score}  {r.aws_severity}" in out
    assert f"{r.addresses.free:,} free, {r.addresses.available:,} available" in out
    assert f"stranded addresses        {r.stranded_ips:,} free in no free /28" in out
    assert f"unusable free space {r.unusable_free_index:.3f}" in out
    assert f"largest free block        {r.largest_free_block}" in out
    for cls, counts in aws.owner_summary().items():
        assert any(
            line.split() == [cls, f"{counts['addresses']:,}", str(counts["prefixes"]),
                             str(counts["enis"])]
            for line in out.splitlines()
        ), cls  # fmt: skip
    assert "\x1b[" not in out  # captured output is no terminal
    assert "each cell one /28" not in out  # no map without --map


def test_analyze_map_draws_the_block_map(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "analyze", "--example", "--map")
    assert status == 0
    rows = [line for line in out.splitlines() if line.startswith("  10.42.")]
    assert len(rows) == 16  # a /20: 16 rows of 16 blocks
    assert "256 blocks; each cell one /28" in out


def test_analyze_json_has_exactly_the_report_keys_plus_owners_and_warnings(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    status, out, err = run(capsys, "analyze", *file_args(files), "--format", "json")
    assert (status, err) == (0, "")
    docs = json.loads(out)
    state = load_files(files["subnets"], files["enis"], files["reservations"])
    assert [d["subnet_id"] for d in docs] == [A, B]
    for doc, aws in zip(docs, state, strict=True):
        report = aws.subnet.report().to_dict()
        assert set(doc) == set(report) | {
            "name", "availability_zone", "vpc_id",
            "owners", "warnings", "input_complete", "missing_addresses",
        }  # fmt: skip
        assert {k: doc[k] for k in report} == report
        assert (doc["name"], doc["availability_zone"], doc["vpc_id"]) == (
            aws.info.name,
            aws.info.availability_zone,
            aws.info.vpc_id,
        )
        assert doc["owners"] == aws.owner_summary()
        assert doc["warnings"] == [w.to_dict() for w in aws.warnings]
        assert doc["input_complete"] is True
        assert doc["missing_addresses"] == aws.missing_addresses
    # A: AvailableIpAddressCount 50 differs from the model: a warning in the JSON.
    assert [w["kind"] for w in docs[0]["warnings"]] == ["available-mismatch"]
    assert docs[0]["owners"]["lambda"] == {"addresses": 1, "prefixes": 0, "enis": 1}


def test_analyze_subnet_id_selects_and_orders(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    status, out, _ = run(
        capsys, "analyze", *file_args(files), "--format", "json", "--subnet-id", B, A
    )
    assert status == 0
    assert [d["subnet_id"] for d in json.loads(out)] == [B, A]
    status, out, _ = run(capsys, "analyze", *file_args(files, "--subnet-id", B))
    assert status == 0 and A not in out and B in out


def test_analyze_prometheus_has_one_sample_per_subnet(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    status, out, _ = run(capsys, "analyze", *file_args(files), "--format", "prometheus")
    assert status == 0
    free = [line for line in out.splitlines() if line.startswith("subnetfrag_free_prefixes{")]
    state = load_files(files["subnets"], files["enis"], files["reservations"])
    expected = [
        f'subnetfrag_free_prefixes{{cidr="{s.info.cidr}",subnet_id="{s.subnet_id}"}} '
        f"{float(s.subnet.free_prefix_count())}"
        for s in state
    ]
    assert free == expected
    assert out.count("# TYPE subnetfrag_free_prefixes gauge") == 1


def test_analyze_reads_stdin_and_several_files_of_one_call(
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enis = default_enis()
    first, second = tmp_path / "enis-1.json", tmp_path / "enis-2.json"
    first.write_text(json.dumps({"NetworkInterfaces": enis[:2]}))
    second.write_text(json.dumps({"NetworkInterfaces": enis[2:]}))
    monkeypatch.setattr("sys.stdin", io.StringIO(Path(files["subnets"]).read_text()))
    status, out, _ = run(
        capsys,
        "analyze",
        "--subnets",
        "-",
        "--enis",
        str(first),
        "--enis",
        str(second),
        "--format",
        "json",
    )
    assert status == 0
    whole = load_files(files["subnets"], files["enis"])
    assert [d["free_prefixes"] for d in json.loads(out)] == [
        s.subnet.free_prefix_count() for s in whole
    ]
    assert json.loads(out)[0]["owners"] == next(iter(whole)).owner_summary()


def test_state_warnings_go_to_stderr(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    status, out, err = run(
        capsys, "analyze", "--subnets", files["subnets-v6"], "--enis", files["enis"],
        "--format", "json",
    )  # fmt: skip
    assert status == 0
    assert [d["subnet_id"] for d in json.loads(out)] == [A]
    assert err.startswith("subnetfrag: warning: ") and V6 in err and "IPv6" in err
    assert len(err.splitlines()) == 1


def test_analyze_text_lists_the_subnet_warnings(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    status, out, _ = run(capsys, "analyze", *file_args(files, "--subnet-id", A))
    assert status == 0
    assert "warning: " in out and "AvailableIpAddressCount 50" in out


def test_analyze_svg_writes_one_cell_per_block(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path
) -> None:
    import xml.etree.ElementTree as ET

    path = tmp_path / "map.svg"
    status, _, _ = run(capsys, "analyze", *file_args(files), "--svg", str(path))
    assert status == 0
    root = ET.parse(path).getroot()
    cells = [
        e for e in root.iter("{http://www.w3.org/2000/svg}rect") if "block" in e.get("class", "")
    ]
    assert len(cells) == 4 + 16  # a /26 and a /24
    tips = [c.findtext("{http://www.w3.org/2000/svg}title") or "" for c in cells]
    assert tips[1].startswith("10.1.0.16/28: prefix-allocated")
    assert "eni-0000000000000000a (eks-pod, i-0000000000000node1): prefix 10.1.0.16/28" in tips[1]


# ------------------------------------------------------------------ check


def test_check_exit_status_and_one_line_per_failing_subnet(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    state = load_files(files["subnets"], files["enis"], files["reservations"])
    free = {s.subnet_id: s.subnet.free_prefix_count() for s in state}
    assert free[A] < 2 <= free[B]
    status, out, err = run(capsys, "check", *file_args(files), "--min-free-prefixes", "2")
    assert status == EXIT_CHECK_FAILED
    # A's warning (EC2's count differs from the model) goes to stderr.
    assert err.startswith("subnetfrag: warning: ") and "AvailableIpAddressCount 50" in err
    assert out.splitlines() == [f"FAIL {A} 10.1.0.0/26: {free[A]} free /28 prefixes, fewer than 2"]
    status, out, _ = run(capsys, "check", *file_args(files), "--min-free-prefixes", str(free[A]))
    assert (status, out) == (EXIT_OK, "")


def test_check_verbose_and_max_score(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    state = load_files(files["subnets"], files["enis"], files["reservations"])
    score = {s.subnet_id: s.subnet.report().aws_fragmentation_score or 0 for s in state}
    assert 0 <= score[B] < score[A]
    status, out, _ = run(
        capsys, "check", *file_args(files), "--min-free-prefixes", "0",
        "--max-score", str(score[B]), "-v",
    )  # fmt: skip
    assert status == EXIT_CHECK_FAILED
    lines = out.splitlines()
    assert lines[0].startswith(f"FAIL {A} ") and f"score {score[A]}" in lines[0]
    assert lines[1].startswith(f"ok   {B} ")
    status, _, _ = run(
        capsys, "check", *file_args(files), "--min-free-prefixes", "0", "--max-score", "100"
    )
    assert status == EXIT_OK


def test_check_passes_a_subnet_without_score_on_max_score(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A /28 subnet: its only block holds AWS-reserved addresses; no score.
    (tmp_path / "s.json").write_text(json.dumps({"Subnets": [subnet_record(A, "10.9.0.0/28")]}))
    (tmp_path / "e.json").write_text(json.dumps({"NetworkInterfaces": []}))
    argv = ["check", "--subnets", str(tmp_path / "s.json"), "--enis", str(tmp_path / "e.json")]
    assert run(capsys, *argv, "--min-free-prefixes", "0", "--max-score", "0")[0] == EXIT_OK
    assert run(capsys, *argv, "--min-free-prefixes", "1")[0] == EXIT_CHECK_FAILED


# ----------------------------------------------------------------- advise


def test_advise_example_ends_with_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "advise", "--example")
    assert status == 0
    aws = next(iter(load_example()))
    # the goal is 8 free /28s; the example has 6: the plan recovers 2
    missing = 8 - aws.subnet.free_prefix_count()
    assert missing == 2
    plan, suggestion = advise_subnet(aws, want=missing, prefixes=8)
    # The suggestion is made on the subnet as the plan leaves it.
    after = Subnet.from_dict(aws.subnet.to_dict())
    apply_defrag(after, plan)
    assert suggestion == suggest_reservation(after, 8)
    assert suggestion.possible and suggestion.cidrs
    assert (
        f"repair plan: release {len(plan.moves)} addresses to recover "
        f"{len(plan.recovered)} /28 blocks" in out
    )
    nodes = [g.owner for g in plan.groups if g.kind == "instance"]
    assert f"nodes to drain ({len(nodes)}): {', '.join(n or '' for n in nodes)}" in out
    for group in plan.groups:
        assert f"cordon, drain and terminate node {group.owner}: " in out
        assert f"$ aws ec2 terminate-instances --instance-ids {group.owner}" in out
    for move in plan.moves:
        assert f"      {move.address} in {move.block}  (" in out
    for cidr in suggestion.cidrs:
        assert (
            f"aws ec2 create-subnet-cidr-reservation --subnet-id {aws.subnet_id} --cidr {cidr} "
            "--reservation-type prefix --description 'subnetfrag: keep for EKS /28 prefixes'"
        ) in out
        assert f'  cidr_block       = "{cidr}"' in out
    assert out.count('resource "aws_ec2_subnet_cidr_reservation"') == len(suggestion.cidrs)
    assert out.rstrip().endswith("}")  # ends with the Terraform block


def test_advise_json_and_options(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "advise", "--example", "--want", "3", "--prefixes", "2", "--keep-primaries",
        "--relocate", "--format", "json",
    )  # fmt: skip
    assert status == 0
    (doc,) = json.loads(out)
    assert set(doc) == {
        "subnet_id", "cidr", "name", "availability_zone", "vpc_id", "want", "free_prefixes",
        "meets_goal", "input_complete", "leaked_enis", "plan", "actions", "reservation", "aws_cli",
        "terraform",
    }  # fmt: skip
    aws = next(iter(load_example()))
    assert (doc["want"], doc["free_prefixes"], doc["meets_goal"]) == (3, 6, True)
    assert doc["plan"] is None and doc["actions"] == []
    assert doc["reservation"] == suggest_reservation(aws.subnet, 2).to_dict()
    status, out, _ = run(
        capsys, "advise", "--example", "--want", "9", "--prefixes", "2", "--keep-primaries",
        "--relocate", "--format", "json",
    )  # fmt: skip
    (doc,) = json.loads(out)
    assert not doc["meets_goal"]
    plan, suggestion = advise_subnet(aws, want=3, prefixes=2, keep_primaries=True, relocate=True)
    assert doc["plan"] == plan.to_dict() and doc["reservation"] == suggestion.to_dict()
    assert len(doc["actions"]) == len(plan.groups)
    assert doc["plan"] == plan.to_dict()
    assert doc["reservation"] == suggestion.to_dict()
    assert plan.relocate and all(m.to is not None for m in plan.moves)
    assert not any(m.owner is not None and m.owner.primary for m in plan.moves)
    assert len(doc["aws_cli"]) == len(doc["terraform"]) == len(suggestion.cidrs)


def test_advise_says_when_no_reservation_fits(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    status, out, _ = run(capsys, "advise", *file_args(files, "--subnet-id", A, "--prefixes", "9"))
    assert status == 0
    assert "prefix reservation for 9 free /28s: not possible" in out
    assert "create-subnet-cidr-reservation" not in out


def test_advise_within_an_area(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "advise", "--example", "--within", "10.42.40.0/22", "--want", "8")
    assert status == 0
    assert "repair plan inside 10.42.40.0/22:" in out


# --------------------------------------------------------------- max-pods


@pytest.mark.parametrize(
    ("argv", "value", "arithmetic"),
    [
        (["m5.large"], 29, "3 ENIs x (10 - 1) + 2 = 29"),
        (["m5.large", "--prefix-delegation"], 110, "prefix mode 3 x 9 x 16 + 2 = 434, capped"),
        (["m5.large", "--custom-networking"], 20, "custom networking: 3 - 1 = 2 ENIs"),
        (["t3.medium"], 17, "3 ENIs x (6 - 1) + 2 = 17"),
        (["c5.4xlarge"], 110, "8 ENIs x (30 - 1) + 2 = 234, capped to 110"),
        (["c5.4xlarge", "--no-cap"], 234, "8 ENIs x (30 - 1) + 2 = 234 (uncapped)"),
        (["m5.24xlarge"], 250, "15 ENIs x (50 - 1) + 2 = 737, capped to 250"),
        (["m5.large", "--max-eni", "2"], 20, "max_eni 2: min(2, 3) = 2 ENIs"),
    ],
)
def test_max_pods_text(
    capsys: pytest.CaptureFixture[str], argv: list[str], value: int, arithmetic: str
) -> None:
    status, out, _ = run(capsys, "max-pods", *argv, "--bootstrap", "al2")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"{argv[0]}: max pods {value} (")
    assert lines[0].endswith("; AL2 max-pods-calculator.sh, EKS's recommended value)")
    assert arithmetic in lines[1]
    assert lines[2].startswith("  limits: ") and "(source: bundled table)" in lines[2]


def test_max_pods_default_is_nodeadm(capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 9 item 5: m5.large with prefix delegation: al2023 29, al2 110.
    status, out, _ = run(capsys, "max-pods", "m5.large", "--prefix-delegation")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "m5.large: max pods 29 (prefix mode; AL2023 nodeadm default)"
    assert lines[1] == (
        "  nodeadm: 3 ENIs x (10 - 1) + 2 = 29 (no cap, no prefix or custom-networking term)"
    )
    assert lines[3].startswith("  note: al2023's default ignores prefix delegation: set the ")
    assert "maxPods (or maxPodsExpression) to 110" in lines[3]
    status, out, _ = run(capsys, "max-pods", "m5.large", "--bootstrap", "karpenter",
                         "--reserved-enis", "1")  # fmt: skip
    assert out.splitlines()[0] == "m5.large: max pods 20 (secondary-IP mode; Karpenter default)"
    status, _, err = run(capsys, "max-pods", "m5.large", "--bootstrap", "al2022")
    assert status == 2 and "invalid choice: 'al2022'" in err


def test_max_pods_json_keys_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "max-pods", "m5.large", "--prefix-delegation", "--format", "json")
    assert status == 0
    doc = json.loads(out)
    assert list(doc) == [
        "bootstrap", "instance_type", "max_pods", "uncapped", "enis", "ipv4_per_eni", "vcpus",
        "source", "notes", "override",
    ]  # fmt: skip
    assert doc == max_pods("m5.large", prefix_delegation=True).to_dict()
    assert (doc["bootstrap"], doc["max_pods"], doc["override"]) == ("al2023", 29, 110)


DESCRIBE_M7I = {
    "InstanceTypes": [
        {
            "InstanceType": "m7i.large",
            "VCpuInfo": {"DefaultVCpus": 2},
            "Hypervisor": "nitro",
            "BareMetal": False,
            "NetworkInfo": {
                "MaximumNetworkInterfaces": 3,
                "Ipv4AddressesPerInterface": 10,
                "DefaultNetworkCardIndex": 0,
                "NetworkCards": [{"NetworkCardIndex": 0, "MaximumNetworkInterfaces": 3}],
            },
        }
    ]
}


class _Session:
    """A boto3 session stand-in handing out botocore-stubbed clients."""

    def __init__(self, **clients: Any) -> None:
        self.clients = clients
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def client(self, name: str, **kwargs: Any) -> Any:
        self.asked.append((name, kwargs))
        return self.clients[name]


def stubbed(service: str) -> tuple[Any, Stubber]:
    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    client = session.client(service)
    return client, Stubber(client)


@pytest.fixture
def fake_boto3_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """boto3.Session replaced; ``made`` collects the sessions' arguments."""
    made: dict[str, Any] = {"sessions": [], "clients": {}}

    def session(**kwargs: Any) -> _Session:
        made["sessions"].append(kwargs)
        return _Session(**made["clients"])

    monkeypatch.setattr(boto3, "Session", session)
    yield made


def test_max_pods_aws_reads_describe_instance_types(
    capsys: pytest.CaptureFixture[str], fake_boto3_session: dict[str, Any]
) -> None:
    ec2, stub = stubbed("ec2")
    stub.add_response("describe_instance_types", DESCRIBE_M7I, {"InstanceTypes": ["m7i.large"]})
    fake_boto3_session["clients"]["ec2"] = ec2
    with stub:
        status, out, _ = run(
            capsys, "max-pods", "m7i.large", "--aws", "--region", "eu-west-1",
            "--profile", "prod", "--format", "json",
        )  # fmt: skip
        stub.assert_no_pending_responses()
    assert status == 0
    assert fake_boto3_session["sessions"] == [{"profile_name": "prod", "region_name": "eu-west-1"}]
    doc = json.loads(out)
    assert (doc["max_pods"], doc["enis"], doc["source"]) == (29, 3, "describe-instance-types")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("InvalidInstanceType", "EC2 does not know instance type 'm7i.huge'"),
        ("UnauthorizedOperation", "ec2:DescribeInstanceTypes was denied"),
        ("OptInRequired", "ec2:DescribeInstanceTypes failed: OptInRequired: nope"),
    ],
)
def test_max_pods_aws_errors(
    capsys: pytest.CaptureFixture[str],
    fake_boto3_session: dict[str, Any],
    code: str,
    expected: str,
) -> None:
    ec2, stub = stubbed("ec2")
    stub.add_client_error("describe_instance_types", code, "nope")
    fake_boto3_session["clients"]["ec2"] = ec2
    with stub:
        status, out, err = run(capsys, "max-pods", "m7i.huge", "--aws")
    assert (status, out) == (EXIT_ERROR, "")
    assert err.startswith(f"subnetfrag: error: {expected}") and err.count("\n") == 1


def test_analyze_aws_passes_the_selectors_to_load_live(
    capsys: pytest.CaptureFixture[str], fake_boto3_session: dict[str, Any]
) -> None:
    ec2, stub = stubbed("ec2")
    stub.add_response(
        "describe_subnets",
        {"Subnets": [subnet_record(A, "10.1.0.0/26")]},
        {"SubnetIds": [A]},
    )
    stub.add_response(
        "describe_network_interfaces",
        {"NetworkInterfaces": [e for e in default_enis() if e["SubnetId"] == A]},
        {"Filters": [{"Name": "subnet-id", "Values": [A]}], "IncludeManagedResources": True},
    )
    stub.add_response(
        "get_subnet_cidr_reservations",
        {"SubnetIpv4CidrReservations": [], "SubnetIpv6CidrReservations": []},
        {"SubnetId": A},
    )
    fake_boto3_session["clients"]["ec2"] = ec2
    with stub:
        status, out, err = run(
            capsys, "analyze", "--aws", "--region", "eu-west-1", "--subnet-id", A,
            "--format", "json",
        )  # fmt: skip
        stub.assert_no_pending_responses()
    assert (status, err) == (0, "")
    assert fake_boto3_session["sessions"] == [{"profile_name": None, "region_name": "eu-west-1"}]
    (doc,) = json.loads(out)
    assert doc["subnet_id"] == A and doc["owners"]["lambda"]["addresses"] == 1


# ------------------------------------------------------------ usage errors

USAGE_ERRORS = [
    [],
    ["bogus"],
    ["analyze"],
    ["analyze", "--example", "--aws", "--cluster", "c"],
    ["analyze", "--subnets", "s.json"],
    ["analyze", "--enis", "e.json"],
    ["analyze", "--reservations", "r.json"],
    ["analyze", "--subnets", "-", "--enis", "-"],
    ["analyze", "--example", "--region", "r"],
    ["analyze", "--example", "--profile", "p"],
    ["analyze", "--example", "--vpc-id", "vpc-1"],
    ["analyze", "--example", "--cluster", "c"],
    ["analyze", "--aws"],
    ["analyze", "--aws", "--vpc-id", "v", "--cluster", "c"],
    ["analyze", "--aws", "--subnet-id", "s", "--vpc-id", "v"],
    ["analyze", "--example", "--format", "xml"],
    ["analyze", "--example", "--format", "json", "--map"],
    ["analyze", "--example", "--format", "prometheus", "--map"],
    ["analyze", "--example", "--subnet-id"],
    ["analyze", "--example", "--color", "sometimes"],
    ["analyze", "--example", "--unknown-option"],
    ["check", "--example"],
    ["check", "--min-free-prefixes", "1"],
    ["check", "--example", "--min-free-prefixes", "-1"],
    ["check", "--example", "--min-free-prefixes", "many"],
    ["check", "--example", "--min-free-prefixes", "1", "--max-score", "101"],
    ["advise"],
    ["advise", "--example", "--want", "0"],
    ["advise", "--example", "--prefixes", "x"],
    ["advise", "--example", "--format", "prometheus"],
    ["max-pods"],
    ["max-pods", "m5.large", "extra"],
    ["max-pods", "m5.large", "--max-eni", "0"],
    ["max-pods", "m5.large", "--region", "us-east-1"],
    ["max-pods", "m5.large", "--profile", "p"],
    ["max-pods", "m5.large", "--format", "prometheus"],
]


@pytest.mark.parametrize("argv", USAGE_ERRORS, ids=lambda a: " ".join(a) or "<none>")
def test_usage_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, out, err = run(capsys, *argv)
    assert (status, out) == (EXIT_USAGE, "")
    assert err.count("\n") == 1 and err.startswith("subnetfrag")
    assert ": error: " in err and "--help" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["headroom", "--example", "--instance-type", "m5.large", "--seed", "x"],
        ["simulate", "--example", "--seed", "x"],
        ["replay", "--example", "--seed", "x"],
        ["headroom", "--example", "--instance-type", "m5.large", "--runs", "x"],  # a count
    ],
    ids=lambda a: f"{a[0]} {a[-2]}",
)
def test_a_seed_that_is_no_integer_is_refused_in_the_same_words_as_a_count(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, _, err = run(capsys, *argv)
    assert status == EXIT_USAGE
    assert f"error: argument {argv[-2]}: not an integer: 'x' (see" in err


@pytest.mark.parametrize("command", ["analyze", "check", "advise", "max-pods"])
def test_help_has_an_example(capsys: pytest.CaptureFixture[str], command: str) -> None:
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert f"usage: subnetfrag {command}" in out
    assert f"examples:\n  subnetfrag {command} " in out


def test_top_level_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0 and "examples:" in out and "max-pods" in out
    status, out, _ = run(capsys, "--version")
    assert (status, out.split()[0]) == (0, "subnetfrag")


# ---------------------------------------------------------- library errors


def _library_error_cases(tmp: Path) -> list[tuple[list[str], str]]:
    (tmp / "malformed.json").write_text('{"Subnets": [')
    (tmp / "wrong.json").write_text(json.dumps({"NetworkInterfaces": []}))
    (tmp / "v6.json").write_text(json.dumps({"Subnets": [subnet_record(V6, None)]}))
    (tmp / "s.json").write_text(json.dumps({"Subnets": [subnet_record(A, "10.1.0.0/26")]}))
    (tmp / "outside.json").write_text(
        json.dumps({"NetworkInterfaces": [eni_record("eni-0000000000000000e", A, ["10.9.9.9"])]})
    )
    (tmp / "e.json").write_text(json.dumps({"NetworkInterfaces": []}))
    s, e = str(tmp / "s.json"), str(tmp / "e.json")
    return [
        (["analyze", "--subnets", str(tmp / "none.json"), "--enis", e], "cannot read"),
        (["analyze", "--subnets", str(tmp / "malformed.json"), "--enis", e], "malformed JSON"),
        (["analyze", "--subnets", str(tmp / "wrong.json"), "--enis", e],
         "this is describe-network-interfaces output"),
        (["analyze", "--subnets", str(tmp / "v6.json"), "--enis", e], "IPv6"),
        (["analyze", "--subnets", s, "--enis", str(tmp / "outside.json")], "10.9.9.9"),
        (["check", "--subnets", s, "--enis", e, "--subnet-id", B, "--min-free-prefixes", "1"], B),
        (["analyze", "--example", "--subnet-id", "subnet-0nope"], "not in the bundled example"),
        (["analyze", "--example", "--svg", str(tmp / "no-dir" / "x.svg")], "cannot write"),
        (["advise", "--example", "--within", "10.0.0.0/8"], "10.0.0.0/8"),
        (["max-pods", "m5.larg"], "did you mean m5.large"),
        (["max-pods", "t2.micro", "--prefix-delegation"], "Nitro"),
    ]  # fmt: skip


def test_library_errors_are_one_line_and_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for argv, fragment in _library_error_cases(tmp_path):
        status, out, err = run(capsys, *argv)
        assert (status, out) == (EXIT_ERROR, ""), argv
        assert err.startswith("subnetfrag: error: "), argv
        assert err.count("\n") == 1 and fragment in err, (argv, err)


def test_max_pods_aws_without_boto3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "boto3", None)
    status, _, err = run(capsys, "max-pods", "m5.large", "--aws")
    assert status == EXIT_ERROR and "pip install 'subnetfrag[aws]'" in err


def test_interrupt_exits_130_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("subnetfrag.cli.sources.load_example", interrupted)
    status, out, err = run(capsys, "analyze", "--example")
    assert (status, out, err) == (130, "", "subnetfrag: interrupted\n")


# ------------------------------------------------------------------ colour


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("tty", "no_color", "flag", "coloured"),
    [
        (True, None, None, True),
        (True, "1", None, False),
        (True, "", None, True),  # NO_COLOR set but empty: ignored (no-color.org)
        (False, None, None, False),
        (False, "1", "always", True),
        (True, None, "never", False),
    ],
)
def test_colour_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch,
    tty: bool,
    no_color: str | None,
    flag: str | None,
    coloured: bool,
) -> None:
    stream = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    argv = ["analyze", "--example", "--map"] + (["--color", flag] if flag else [])
    assert main(argv) == 0
    assert ("\x1b[" in stream.getvalue()) is coloured


def test_ascii_block_map_when_stdout_cannot_encode_the_symbols(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr("sys.stdout", stream)
    assert main(["analyze", "--example", "--map"]) == 0
    stream.flush()
    text = raw.getvalue().decode("ascii")
    assert "% fragmented" in text and "\u25a3" not in text


def test_console_script_is_cli_main() -> None:
    (script,) = entry_points(group="console_scripts", name="subnetfrag")
    assert script.load() is main


# ----------------------------------------------------- incomplete input


def _wrong_region_files(tmp_path: Path, available: int) -> list[str]:
    """B (10.1.1.0/24, 251 usable) with EC2's AvailableIpAddressCount
    ``available`` and an ENI file that holds none of its ENIs (another
    subnet's, as a file saved in the wrong region would)."""
    sub = {"Subnets": [subnet_record(B, "10.1.1.0/24", available)]}
    enis = {"NetworkInterfaces": [eni_record("eni-0ddd0000000000001", A, ["10.1.0.9"])]}
    (tmp_path / "s.json").write_text(json.dumps(sub))
    (tmp_path / "e.json").write_text(json.dumps(enis))
    return ["--subnets", str(tmp_path / "s.json"), "--enis", str(tmp_path / "e.json")]


def test_an_eni_file_that_misses_the_subnet_gives_no_health_band(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = _wrong_region_files(tmp_path, 251 - 120)  # EC2: 120 addresses in use
    status, out, _ = run(capsys, "analyze", *argv)
    assert status == EXIT_OK
    assert "HEALTHY" not in out and "INCOMPLETE INPUT" in out
    assert "(at most: the input is incomplete)" in out
    assert "120 of the 120 addresses EC2 counts as taken (100%)" in out
    (doc,) = json.loads(run(capsys, "analyze", *argv, "--format", "json")[1])
    assert doc["aws_severity"] is None and doc["input_complete"] is False
    assert doc["missing_addresses"] == 120
    assert [w["kind"] for w in doc["warnings"]] == ["input-incomplete"]
    prom = run(capsys, "analyze", *argv, "--format", "prometheus")[1]
    fams = parse_exposition(prom)
    assert fams["subnetfrag_input_incomplete"].value(subnet_id=B, cidr="10.1.1.0/24") == 1
    assert fams["subnetfrag_missing_addresses"].value(subnet_id=B, cidr="10.1.1.0/24") == 120
    assert not [v for v in fams["subnetfrag_aws_severity"].samples.values() if v == 1]


def test_check_fails_an_incomplete_subnet_with_its_own_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["check", *_wrong_region_files(tmp_path, 251 - 120), "--min-free-prefixes", "8"]
    status, out, err = run(capsys, *argv)
    assert status == EXIT_INCOMPLETE == 4
    assert out.startswith(f"INCOMPLETE {B} 10.1.1.0/24: 120 of the 120 addresses")
    assert "subnetfrag: warning: " in err and "the input is incomplete" in err
    # --allow-incomplete checks it on what was read: 14 free /28s pass 8.
    assert run(capsys, *argv, "--allow-incomplete") == (EXIT_OK, "", err)
    # ... and a threshold it fails even so fails it: 1 wins over 4.
    status, out, _ = run(capsys, *argv[:-1], "15")
    assert status == EXIT_CHECK_FAILED and out.startswith(f"FAIL {B} ")


def test_advise_does_not_say_an_incomplete_subnet_meets_the_goal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["advise", *_wrong_region_files(tmp_path, 251 - 120), "--want", "8"]
    status, out, _ = run(capsys, *argv)
    assert status == EXIT_OK
    assert "meets the goal" not in out
    assert "goal unknown: 14 free /28 prefixes in the addresses read, at least the 8" in out
    (doc,) = json.loads(run(capsys, *argv, "--format", "json")[1])
    assert doc["meets_goal"] is None and doc["input_complete"] is False
    # A goal missed even on what was read is missed: false, not unknown.
    (doc,) = json.loads(run(capsys, *argv[:-1], "15", "--format", "json")[1])
    assert doc["meets_goal"] is False and doc["input_complete"] is False
    complete = ["advise", *_wrong_region_files(tmp_path, 251), "--want", "8", "--format", "json"]
    (doc,) = json.loads(run(capsys, *complete)[1])
    assert doc["meets_goal"] is True and doc["input_complete"] is True


def test_check_strict_fails_on_any_warning(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path
) -> None:
    # A's AvailableIpAddressCount differs a little from the model: a warning.
    argv = ["check", *file_args(files), "--min-free-prefixes", "0"]
    assert run(capsys, *argv)[0] == EXIT_OK
    status, out, err = run(capsys, *argv, "--strict")
    assert status == EXIT_WARNINGS == 5
    assert out == "WARNINGS 1 warning about the input (--strict; see standard error)\n"
    assert err.count("subnetfrag: warning: ") == 1
    wrong = ["check", *_wrong_region_files(tmp_path, 251 - 120), "--min-free-prefixes", "0"]
    assert run(capsys, *wrong, "--strict")[0] == EXIT_INCOMPLETE  # 4 wins over 5
    assert run(capsys, *wrong, "--strict", "--allow-incomplete")[0] == EXIT_WARNINGS
    clean = _wrong_region_files(tmp_path, 251)  # EC2 agrees: nothing in use
    assert run(capsys, "check", *clean, "--min-free-prefixes", "0", "--strict")[:2] == (0, "")


@pytest.mark.parametrize(
    ("taken", "complete"),
    [
        (16, True),  # 16 missing: not more than the absolute floor
        (17, False),  # 17 of 17: more than 16 and more than a quarter
        (0, True),
    ],
)
def test_the_incomplete_threshold_at_its_edges(tmp_path: Path, taken: int, complete: bool) -> None:
    argv = _wrong_region_files(tmp_path, 251 - taken)
    state = load_files(argv[1], argv[3])
    assert state[B].missing_addresses == taken
    assert state[B].input_incomplete is not complete


# ------------------------------------------------------------------- plan


def test_plan_text_and_json_are_the_library_plan(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["plan", "--instance-type", "m5.large", "--nodes", "50", "--pods-per-node", "30"]
    status, out, _ = run(capsys, *argv, "--prefix-delegation", "--format", "json")
    assert status == 0
    expected = plan_capacity(nodes=50, pods_per_node=30, instance_type="m5.large")
    assert json.loads(out) == json.loads(json.dumps(expected.to_dict()))
    status, out, _ = run(capsys, *argv, "--prefix-delegation")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "50 x m5.large, 30 pods per node, prefix mode, max pods 110"
    assert "  nodes and pods subnet: /20 (150 prefixes and 50 /32s)" in lines
    assert "  secondary CIDR to associate: a /20 block" in lines
    assert lines.index("steps:") < len(lines) - 1


def test_plan_options_reach_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "plan", "--instance-type", "m5.large", "--nodes", "4", "--pods-per-node", "40",
        "--prefix-delegation", "--minimum-ip-target", "10", "--max-eni", "3", "--max-pods", "90",
        "--custom-networking", "--security-groups-for-pods", "--headroom", "0.25",
        "--bootstrap", "al2023", "--format", "json",
    )  # fmt: skip
    assert status == 0
    doc = json.loads(out)
    assert (doc["minimum_ip_target"], doc["max_eni"], doc["max_pods"]) == (10, 3, 90)
    assert doc["custom_networking"] and doc["security_groups_for_pods"]
    assert doc["headroom"] == 0.25 and doc["bootstrap"] == "al2023"
    # MAX_ENI 2, custom networking and a trunk leave no ENI for pods.
    status, _, err = run(
        capsys, "plan", "--instance-type", "m5.large", "--nodes", "4", "--pods-per-node", "40",
        "--max-eni", "2", "--custom-networking", "--security-groups-for-pods",
    )  # fmt: skip
    assert status == 3 and "no ENI slot for pods" in err and err.count("\n") == 1


def test_plan_warnings_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "plan", "--instance-type", "m5.large", "--nodes", "2", "--pods-per-node", "40",
        "--prefix-delegation", "--minimum-ip-target", "10",
    )  # fmt: skip
    assert status == 0
    assert "  cluster: 2 prefixes, 34 addresses held, 48 pods without an address" in out
    assert "warning [minimum-ip-target-without-warm-ip-target]: " in out
    for bad, message in (
        (["--nodes", "0"], "--nodes: must be 1 or more"),
        (["--headroom", "-1"], "--headroom: must be 0 or more"),
        (["--bootstrap", "al3"], "invalid choice"),
    ):
        argv = ["plan", "--instance-type", "m5.large", "--nodes", "1", "--pods-per-node", "1"]
        status, _, err = run(capsys, *argv, *bad)
        assert status == 2 and message in err
    status, _, err = run(
        capsys, "plan", "--instance-type", "m5.lrage", "--nodes", "1", "--pods-per-node", "1"
    )
    assert status == 3 and "unknown instance type 'm5.lrage': did you mean" in err
    status, _, err = run(
        capsys, "plan", "--instance-type", "m5.large", "--nodes", str(2**130),
        "--pods-per-node", "1",
    )  # fmt: skip
    assert status == 3 and "nodes must be at most 4,294,967,296" in err


def test_max_pods_expression_option(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "max-pods", "m5.large", "--max-pods-expression", "max_pods * 2")
    assert status == 0 and out.startswith("m5.large: max pods 58 (")
    status, _, err = run(capsys, "max-pods", "m5.large", "--max-pods-expression", "1/0")
    assert status == 3 and "divide by zero" in err and err.count("\n") == 1
    status, _, err = run(
        capsys, "max-pods", "m5.large", "--bootstrap", "al2", "--max-pods-expression", "1"
    )
    assert status == 2 and "needs --bootstrap al2023" in err


@pytest.mark.parametrize("expression", ["double('nan')", "1.0/0.0", "0.0 - 1.0/0.0", "1e300"])
def test_max_pods_expression_of_no_finite_integer_is_an_input_error(
    capsys: pytest.CaptureFixture[str], expression: str
) -> None:
    # A CEL double that is NaN, infinite or beyond int64 converts to no integer
    # (cel-go's range error; nodeadm keeps its default): an input error, not a
    # Python int() crash (exit 70).
    status, out, err = run(capsys, "max-pods", "m5.large", "--max-pods-expression", expression)
    assert (status, out) == (3, "") and err.count("\n") == 1
    assert err.startswith("subnetfrag: error: max-pods expression ")
    assert "not an integer (nodeadm would keep 29)" in err


@pytest.mark.parametrize(
    ("argv", "remedy"),
    [
        (["plan", "--nodes", "1", "--pods-per-node", "1", "--instance-type"], ""),
        (["max-pods"], "; --aws asks EC2"),
        (["headroom", "--example", "--pods-per-node", "3", "--instance-type"], ""),
        (["serve", "--example", "--once", "--headroom-instance-type"], ""),
    ],
)
def test_unknown_instance_type_is_one_message_everywhere(
    capsys: pytest.CaptureFixture[str], argv: list[str], remedy: str
) -> None:
    # Every command that takes an instance type words a type the table lacks
    # the same way (subnetfrag/cli/instance_type.py): close names when there
    # are some, never an empty hint, never the library's Python advice.
    status, out, err = run(capsys, *argv, "m5.lrage")
    assert (status, out) == (3, "")
    assert err == (
        "subnetfrag: error: unknown instance type 'm5.lrage': did you mean m5.large, "
        f"m5n.large, m5d.large, m5a.large, m5.xlarge? (not in the bundled table{remedy})\n"
    )
    status, out, err = run(capsys, *argv, "zz")
    assert (status, out) == (3, "")
    assert err == (
        f"subnetfrag: error: unknown instance type 'zz': not in the bundled table{remedy}\n"
    )


def test_plan_text_counts_one_in_the_singular(capsys: pytest.CaptureFixture[str]) -> None:
    # One node, one pod, WARM_IP_TARGET=MINIMUM_IP_TARGET=1: one prefix and one
    # /32 (the ENI's primary); the summary said "1 pods", "1 prefixes", "1 /32s".
    status, out, _ = run(
        capsys, "plan", "--instance-type", "m5.large", "--nodes", "1", "--pods-per-node", "1",
        "--prefix-delegation", "--warm-ip-target", "1", "--minimum-ip-target", "1",
    )  # fmt: skip
    assert status == 0
    head = out.split("steps:")[0]
    assert head.splitlines()[:4] == [
        "1 x m5.large, 1 pod per node, prefix mode, max pods 110",
        "  per node: 1 ENI, 1 prefix, 17 addresses held (1 pod, 15 unused, 1 ENI primary)",
        "  cluster: 1 prefix, 17 addresses held, 0 pods without an address",
        "  nodes and pods subnet: /26 (1 prefix and 1 /32)",
    ]


def test_max_pods_names_the_expression_not_the_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A maxPodsExpression's value is not nodeadm's default: the rule says so.
    status, out, _ = run(capsys, "max-pods", "m5.large", "--max-pods-expression", "max_pods * 2")
    assert status == 0
    assert out.splitlines()[0] == (
        "m5.large: max pods 58 (secondary-IP mode; AL2023 nodeadm maxPodsExpression)"
    )
    status, out, _ = run(capsys, "max-pods", "m5.large")
    assert out.splitlines()[0] == (
        "m5.large: max pods 29 (secondary-IP mode; AL2023 nodeadm default)"
    )


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        (["--no-cap"], "al2"),
        (["--no-cap", "--bootstrap", "karpenter"], "al2"),
        (["--reserved-enis", "1"], "karpenter"),
        (["--reserved-enis", "1", "--bootstrap", "al2"], "karpenter"),
        (["--max-pods-expression", "1", "--bootstrap", "karpenter"], "al2023"),
    ],
)
def test_max_pods_options_of_another_rule_are_usage_errors(
    capsys: pytest.CaptureFixture[str], extra: list[str], rule: str
) -> None:
    # --no-cap (the calculator's --show-max-allowed), --reserved-enis
    # (Karpenter's RESERVED_ENIS) and --max-pods-expression (nodeadm's) change
    # one rule only; under another they were silently ignored.
    status, out, err = run(capsys, "max-pods", "m5.large", *extra)
    assert (status, out) == (2, "") and err.count("\n") == 1
    assert f"it needs --bootstrap {rule}" in err
    ok = [a for a in extra if a not in ("--bootstrap", "karpenter", "al2")]
    status, _, _ = run(capsys, "max-pods", "m5.large", *ok, "--bootstrap", rule)
    assert status == 0


class _FullDisk(io.StringIO):
    """A stdout on a full disk: writing (or only flushing) fails with ENOSPC."""

    def __init__(self, fail_on: str) -> None:
        super().__init__()
        self.fail_on = fail_on

    def write(self, text: str) -> int:
        if self.fail_on == "write":
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(text)

    def flush(self) -> None:
        if self.fail_on == "flush":
            raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("fail_on", ["write", "flush"])
def test_an_unwritable_stdout_is_an_input_output_error_not_a_bug(
    fail_on: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdout", _FullDisk(fail_on))
    assert main(["analyze", "--example"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err == "subnetfrag: error: cannot write standard output: No space left on device\n"


@pytest.mark.parametrize("which", ["subnets", "enis", "reservations"])
@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("garbage", "not UTF-8 or UTF-16 text"),
        ("empty", ": empty (expected"),
        ("directory", "Is a directory"),
        ("missing", "No such file or directory"),
    ],
)
def test_unreadable_input_files_are_one_line_and_the_input_error_status(
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    tmp_path: Path,
    which: str,
    bad: str,
    says: str,
) -> None:
    path = tmp_path / f"bad-{bad}"
    if bad == "garbage":
        path.write_bytes(bytes(range(0x80, 0x100)) * 16)
    elif bad == "empty":
        path.write_bytes(b"")
    elif bad == "directory":
        path.mkdir()
    for command in (["analyze"], ["check", "--min-free-prefixes", "1"], ["advise"]):
        status, out, err = run(capsys, *command, *file_args({**files, which: str(path)}))
        assert (status, out) == (EXIT_ERROR, ""), (command, err)
        assert err.startswith("subnetfrag: error: ") and err.count("\n") == 1
        assert says in err and str(path) in err
