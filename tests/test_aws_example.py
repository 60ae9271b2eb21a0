"""The bundled example: real AWS shapes, real fragmentation, regenerated exactly."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import boto3
from botocore.stub import Stubber

from subnetfrag.aws import EXAMPLE_SUBNET_ID, example_paths, load_example, load_files

ROOT = Path(__file__).resolve().parents[1]
OPS = {
    "describe-subnets": "describe_subnets",
    "describe-network-interfaces": "describe_network_interfaces",
    "get-subnet-cidr-reservations": "get_subnet_cidr_reservations",
}


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_example", ROOT / "scripts" / "gen_example.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_files_match_botocore_service_model() -> None:
    ec2 = boto3.client(
        "ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(ec2)
    for call, path in example_paths().items():
        stubber.add_response(OPS[call], json.loads(path.read_text()))


def test_the_generator_reproduces_the_bundled_files(tmp_path: Path) -> None:
    assert generator().main(["--out", str(tmp_path)]) == 0
    for path in example_paths().values():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    assert generator().main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "enis.json").write_text("{}")
    assert generator().main(["--check", "--out", str(tmp_path)]) == 1


def test_the_example_is_a_fragmented_prefix_mode_subnet() -> None:
    state = load_example()
    assert state.source == "example"
    assert list(state.subnets) == [EXAMPLE_SUBNET_ID]
    ex = state[EXAMPLE_SUBNET_ID]
    sub = ex.subnet
    assert str(sub.cidr) == "10.42.32.0/20"
    assert state.all_warnings() == []  # AvailableIpAddressCount agrees with the model
    assert ex.reported_available == sub.available_ip_count()
    (res,) = sub.reservations()
    assert (str(res.cidr), res.kind) == ("10.42.46.0/24", "prefix")
    assert res.reservation_id is not None and res.reservation_id.startswith("scr-")
    # thousands of free addresses, yet only a handful of free aligned /28s
    assert sub.free_ip_count() > 2000
    assert 1 <= sub.free_prefix_count() <= 10
    summary = ex.owner_summary()
    assert set(summary) == {
        "eks-pod",
        "node-primary",
        "lambda",
        "elb",
        "vpc-endpoint",
        "rds",
        "other",
    }
    assert summary["eks-pod"]["prefixes"] > 50
    assert summary["node-primary"]["addresses"] == summary["node-primary"]["enis"] > 20
    leaked = [
        o
        for net in sub.allocations()
        if (o := sub.owner_of(net)) is not None and o.status == "available"
    ]
    assert leaked and all(o.owner_class == "eks-pod" for o in leaked)


def test_load_example_equals_loading_the_files() -> None:
    paths = {call: Path(str(p)) for call, p in example_paths().items()}
    by_files = load_files(
        paths["describe-subnets"],
        paths["describe-network-interfaces"],
        paths["get-subnet-cidr-reservations"],
        seed=1,
    )
    example = load_example(seed=1)
    assert [s.subnet.to_dict() for s in by_files] == [s.subnet.to_dict() for s in example]


def test_every_id_in_the_example_has_17_hex_digits_as_aws_ids_do() -> None:
    # eni-0123456789abcdef0, i-..., sg-..., vpce-..., scr-..., eni-attach-...
    pattern = re.compile(
        r"\b((?:eni-attach|ela-attach|subnet|vpce|vpc|eni|scr|sg|i)-([0-9a-f]+))\b"
    )
    ids = {}
    for path in example_paths().values():
        ids.update(pattern.findall(path.read_text()))
    kinds = {whole.rsplit("-", 1)[0] for whole in ids}
    assert {"subnet", "vpc", "eni", "i", "sg", "vpce", "scr", "eni-attach"} <= kinds
    assert {whole for whole, digits in ids.items() if len(digits) != 17} == set()
    # Descriptions that name an instance name it with 17 digits too.
    text = example_paths()["describe-network-interfaces"].read_text()
    assert not re.search(r"aws-K8S-i-[0-9a-f]{18}", text)
