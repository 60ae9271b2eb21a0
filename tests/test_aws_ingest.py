"""subnetfrag.aws: AWS CLI / boto3 JSON -> Subnets with owners, warnings and errors.

Every fixture under tests/fixtures/aws is first checked against botocore's EC2
service model with botocore.stub.Stubber, so a key AWS would never send fails
here before it can make a test pass.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from subnetfrag import Owner, SubnetFragError
from subnetfrag.aws import (
    AwsInputError,
    AwsState,
    eni_class,
    load_files,
)

FIX = Path(__file__).parent / "fixtures" / "aws"
A, B = "subnet-0aaa1111aaaa1111a", "subnet-0bbb2222bbbb2222b"
NODE1 = "i-0a0000000000node1"
OPS = {
    "Subnets": "describe_subnets",
    "NetworkInterfaces": "describe_network_interfaces",
    "SubnetIpv4CidrReservations": "get_subnet_cidr_reservations",
}


def ec2_client() -> Any:
    return boto3.client(
        "ec2",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def pages_of(path: Path) -> list[dict[str, Any]]:
    text = path.read_text()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    doc = json.loads(text)
    return doc if isinstance(doc, list) else [doc]


def check_shape(page: dict[str, Any]) -> None:
    """Raise unless botocore's service model accepts ``page`` as the output of
    the call its list key names."""
    (op,) = [op for key, op in OPS.items() if key in page]
    stubber = Stubber(ec2_client())
    stubber.add_response(op, page)  # validates against the output shape


SHAPE_VALID = sorted(
    p
    for p in [*FIX.glob("*.json"), *FIX.glob("*.jsonl"), *FIX.glob("bad/*.json")]
    if p.name not in {"malformed.json", "empty.json", "describe-instances.json"}
)


@pytest.mark.parametrize("path", SHAPE_VALID, ids=lambda p: str(p.relative_to(FIX)))
def test_fixtures_match_botocore_service_model(path: Path) -> None:
    for page in pages_of(path):
        check_shape(page)


def test_the_shape_check_rejects_a_wrong_key() -> None:
    page = pages_of(FIX / "enis.json")[0]
    page["NetworkInterfaces"][0]["Ipv4Prefixs"] = page["NetworkInterfaces"][0]["Ipv4Prefixes"]
    with pytest.raises(ParamValidationError, match="Ipv4Prefixs"):
        check_shape(page)


def load(enis: str = "enis-pages.json", **kw: Any) -> AwsState:
    return load_files(FIX / "subnets.json", FIX / enis, FIX / "reservations.json", **kw)


# ------------------------------------------------------------------ the model


def test_subnets_addresses_prefixes_and_reservations() -> None:
    state = load()
    assert list(state.subnets) == [A, B]
    a = state[A]
    sub = a.subnet
    assert sub.subnet_id == A and str(sub.cidr) == "10.0.0.0/24"
    assert a.eni_count == 14  # the ENI of subnet C is ignored
    assert [(str(r.cidr), r.kind, r.reservation_id) for r in sub.reservations()] == [
        ("10.0.0.128/27", "prefix", "scr-0aaaaaaaaaaaaaaa1"),
        ("10.0.0.224/28", "explicit", "scr-0aaaaaaaaaaaaaaa2"),
    ]
    allocs = {str(n) for n in sub.allocations()}
    assert {"10.0.0.48/28", "10.0.0.64/28", "10.0.0.128/28"} <= allocs
    assert "10.0.0.230/32" in allocs  # explicit address inside an explicit reservation
    assert "10.0.2.5/32" not in allocs
    # 251 usable - 15 addresses - 3 prefixes = 188 free; minus the free parts of
    # the /27 (16) and the /28 (15) reservations = 157, which AWS reported.
    assert sub.free_ip_count() == 188
    assert sub.available_ip_count() == 157
    assert a.reported_available == 157 and a.available_difference == 0
    assert a.warnings == []
    assert state.warnings == []
    info = a.info
    assert (info.vpc_id, info.availability_zone, info.name) == (
        "vpc-0f1e2d3c4b5a69788",
        "us-east-1a",
        "private-a",
    )
    assert info.to_dict()["tags"] == {"Name": "private-a"}


def test_owner_classes_of_every_kind() -> None:
    sub = load()[A].subnet

    def owner(addr: str) -> Owner:
        got = sub.owner_of(addr)
        assert got is not None
        return got

    node = owner("10.0.0.10")
    assert (node.owner_class, node.primary, node.instance_id) == ("node-primary", True, NODE1)
    assert node.eni_id == "eni-00000000000000001" and node.status == "in-use"
    assert owner("10.0.0.128/28").owner_class == "eks-pod"  # prefix on the node's primary ENI
    assert owner("10.0.0.53").owner_class == "eks-pod"  # inside the prefix 10.0.0.48/28
    cni = owner("10.0.0.20")
    assert (cni.owner_class, cni.primary, cni.description) == (
        "eks-pod",
        True,
        "aws-K8S-i-0a0000000000node1",
    )
    pod_prefix = owner("10.0.0.64/28")
    assert (pod_prefix.owner_class, pod_prefix.primary) == ("eks-pod", False)
    # a plain EC2 instance: its primary address is node-primary, the rest other
    assert owner("10.0.0.30").owner_class == "node-primary"
    assert owner("10.0.0.31").owner_class == "other"
    assert owner("10.0.0.40").owner_class == "eks-pod"  # trunk
    assert owner("10.0.0.41").owner_class == "eks-pod"  # branch, unattached
    expected = {
        "10.0.0.100": "lambda",
        "10.0.0.101": "elb",
        "10.0.0.102": "elb",
        "10.0.0.103": "nat-gateway",
        "10.0.0.230": "vpc-endpoint",
        "10.0.0.105": "rds",
        "10.0.0.106": "other",
        "10.0.0.108": "rds",  # by RequesterId alone
    }
    assert {a: owner(a).owner_class for a in expected} == expected
    assert owner("10.0.0.101").requester_id == "amazon-elb"
    assert owner("10.0.0.102").interface_type == "network_load_balancer"
    leaked = owner("10.0.0.107")
    assert (leaked.owner_class, leaked.status, leaked.instance_id) == ("eks-pod", "available", None)
    assert Owner.from_dict(leaked.to_dict()) == leaked


def test_owner_summary_counts_addresses_prefixes_and_enis() -> None:
    summary = load()[A].owner_summary()
    assert list(summary) == [
        "eks-pod",
        "node-primary",
        "lambda",
        "elb",
        "nat-gateway",
        "vpc-endpoint",
        "rds",
        "other",
    ]
    # eks-pod: 3 prefixes (48) + CNI, trunk, branch and leaked primaries (4), on
    # 5 ENIs: those four and the node's primary ENI, which holds two prefixes
    assert summary["eks-pod"] == {"addresses": 52, "prefixes": 3, "enis": 5}
    assert summary["node-primary"] == {"addresses": 2, "prefixes": 0, "enis": 2}
    assert summary["elb"] == {"addresses": 2, "prefixes": 0, "enis": 2}
    assert summary["other"] == {"addresses": 2, "prefixes": 0, "enis": 2}
    assert sum(c["addresses"] for c in summary.values()) == 251 - 188


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"InterfaceType": "natGateway"}, "nat-gateway"),
        ({"InterfaceType": "gateway_load_balancer_endpoint"}, "vpc-endpoint"),
        ({"InterfaceType": "gateway_load_balancer"}, "elb"),
        ({"InterfaceType": "load_balancer"}, "elb"),
        ({"Description": "ELB my-classic-lb"}, "elb"),
        ({"Description": "AWS Lambda VPC ENI-fn-1"}, "lambda"),
        ({"Description": "Interface for NAT Gateway nat-0abc"}, "nat-gateway"),
        ({"Description": "VPC Endpoint Interface vpce-0abc"}, "vpc-endpoint"),
        ({"Description": "RDSNetworkInterface"}, "rds"),
        ({"TagSet": [{"Key": "cluster.k8s.amazonaws.com/name", "Value": "x"}]}, "eks-pod"),
        ({"Attachment": {"InstanceId": "i-1", "DeviceIndex": 1}}, "other"),
        ({"Attachment": {"InstanceId": "i-1", "DeviceIndex": 0}}, "node"),
        ({"Attachment": {"InstanceId": "i-1", "DeviceIndex": 0}, "InterfaceType": "efa"}, "node"),
        ({"Description": "EFS mount target for fs-0abc", "InterfaceType": "efs"}, "other"),
        ({"Description": 7, "InterfaceType": None}, "other"),
    ],
)
def test_eni_class_rules(record: dict[str, Any], expected: str) -> None:
    assert eni_class(record) == expected


def test_node_secondaries_are_pods_only_on_eks_nodes() -> None:
    enis = pages_of(FIX / "enis.json")[0]["NetworkInterfaces"]
    bastion = next(e for e in enis if e["Description"] == "Primary network interface")
    bastion = json.loads(json.dumps(bastion))
    bastion["NetworkInterfaceId"] = "eni-0fffffffffffffff1"
    bastion["Attachment"]["InstanceId"] = NODE1  # now it is node1's: an EKS node
    bastion["PrivateIpAddresses"] = [
        {"Primary": True, "PrivateIpAddress": "10.0.0.33"},
        {"Primary": False, "PrivateIpAddress": "10.0.0.34"},
    ]
    bastion["PrivateIpAddress"] = "10.0.0.33"
    doc = {"NetworkInterfaces": [*enis, bastion]}
    check_shape(doc)
    sub = load_files(FIX / "subnets.json", doc, subnet_ids=[A])[A].subnet
    assert sub.owner_of("10.0.0.34").owner_class == "eks-pod"  # type: ignore[union-attr]
    assert sub.owner_of("10.0.0.31").owner_class == "other"  # type: ignore[union-attr]


# ------------------------------------------------------------------- layouts


def _fingerprint(state: AwsState) -> list[Any]:
    return [(s.subnet_id, s.subnet.to_dict()["allocations"], s.eni_count) for s in state]


def test_every_page_layout_gives_the_same_state(tmp_path: Path) -> None:
    expected = _fingerprint(load("enis.json"))
    assert _fingerprint(load("enis-pages.json")) == expected  # a JSON list of pages
    assert _fingerprint(load("enis.jsonl")) == expected  # JSON Lines
    pretty = tmp_path / "concatenated.json"  # jq-style documents one after another
    pretty.write_text("".join(json.dumps(p, indent=2) + "\n" for p in pages_of(FIX / "enis.jsonl")))
    assert _fingerprint(load(str(pretty))) == expected
    # one file per page
    paths = []
    for i, page in enumerate(pages_of(FIX / "enis.jsonl")):
        paths.append(tmp_path / f"page{i}.json")
        paths[-1].write_text(json.dumps(page))
    state = load_files(FIX / "subnets.json", paths, FIX / "reservations.json")
    assert _fingerprint(state) == expected
    # a bare list of records (--query 'NetworkInterfaces[]')
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(pages_of(FIX / "enis.json")[0]["NetworkInterfaces"]))
    assert _fingerprint(load(str(bare))) == expected
    # parsed documents (boto3 responses) and UTF-16 with a BOM (Windows PowerShell)
    parsed = load_files(
        json.loads((FIX / "subnets.json").read_text()),
        pages_of(FIX / "enis-pages.json"),
        json.loads((FIX / "reservations.json").read_text()),
    )
    assert _fingerprint(parsed) == expected
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes((FIX / "enis.json").read_text().encode("utf-16"))
    assert _fingerprint(load(str(utf16))) == expected


def test_standard_input() -> None:
    stdin = io.BytesIO((FIX / "enis.jsonl").read_bytes())
    state = load_files(FIX / "subnets.json", "-", FIX / "reservations.json", stdin=stdin)
    assert _fingerprint(state) == _fingerprint(load())
    with pytest.raises(AwsInputError, match="only one input"):
        load_files("-", "-", stdin=io.BytesIO(b""))


def test_subnet_selection_keeps_the_order_asked() -> None:
    state = load(subnet_ids=[B, A])
    assert list(state.subnets) == [B, A]
    assert list(load(subnet_ids=[B]).subnets) == [B]
    with pytest.raises(AwsInputError, match="subnet-0zzz is not in the describe-subnets input"):
        load(subnet_ids=["subnet-0zzz"])


def test_without_reservations_the_model_differs_and_says_why() -> None:
    state = load_files(FIX / "subnets.json", FIX / "enis.json")
    a = state[A]
    assert a.subnet.reservations() == []
    assert a.subnet.available_ip_count() == 188
    assert a.available_difference == 157 - 188
    (w,) = a.warnings
    # 31 of the 94 addresses EC2 counts as taken are missing (the reserved
    # ones): more than 16 and a quarter, so the input reads as incomplete.
    assert a.taken_reported == 251 - 157 and a.missing_addresses == 31
    assert a.input_incomplete
    assert w.kind == "input-incomplete" and w.subnet_id == A
    assert "157" in w.message and "188" in w.message
    assert "get-subnet-cidr-reservations" in w.message


def test_cross_check_names_both_numbers() -> None:
    b = load()[B]
    # 59 usable - 1 - 16 - 1 = 41 available in the model; AWS said 39
    assert b.subnet.available_ip_count() == 41
    assert b.available_difference == -2
    (w,) = b.warnings
    assert w.kind == "available-mismatch"
    assert "AvailableIpAddressCount 39" in w.message and "leave 41 available" in w.message
    assert "2 addresses in use that these ENIs do not show" in w.message
    assert "get-subnet-cidr-reservations" not in w.message  # they were read
    assert str(w) == w.message and w.to_dict()["subnet_id"] == B
    assert load().all_warnings() == [w]


def test_cross_check_when_aws_counts_more_free() -> None:
    doc = json.loads((FIX / "subnets.json").read_text())
    doc["Subnets"][1]["AvailableIpAddressCount"] = 44
    (w,) = load_files(doc, FIX / "enis.json", subnet_ids=[B])[B].warnings
    assert "AvailableIpAddressCount 44" in w.message and "hold 3 addresses" in w.message
    del doc["Subnets"][1]["AvailableIpAddressCount"]
    b = load_files(doc, FIX / "enis.json", subnet_ids=[B])[B]
    assert b.available_difference is None and b.warnings == []


# ---------------------------------------------------------------- conflicts


def test_conflicts_are_warnings_and_the_first_holder_wins() -> None:
    state = load_files(FIX / "subnets.json", FIX / "bad/enis-conflict.json", subnet_ids=[A])
    a = state[A]
    sub = a.subnet
    kinds = [w.kind for w in a.warnings]
    assert kinds.count("address-conflict") == 3
    first = "eni-0000000000000006a"
    assert sub.owner_of("10.0.0.10").eni_id == first  # type: ignore[union-attr]
    assert sub.owner_of("10.0.0.70").eni_id == first  # type: ignore[union-attr]
    msgs = [w.message for w in a.warnings if w.kind == "address-conflict"]
    assert "address 10.0.0.10 is already allocated (held by eni-0000000000000006a)" in msgs[0]
    assert "NetworkInterfaces[1] (eni-0000000000000006b)" in msgs[0]
    assert "address 10.0.0.70 is inside the allocated prefix 10.0.0.64/28" in msgs[1]
    assert "(held by eni-0000000000000006a)" in msgs[1]
    assert "prefix 10.0.0.64/28 is not wholly free" in msgs[2]
    assert "(held by eni-0000000000000006a: 16 addresses from 10.0.0.64)" in msgs[2]
    assert all(m.endswith("ignored") for m in msgs)
    assert "10.0.0.90" in {str(n.ip) for n in sub.allocations()}  # rest of that ENI kept


def test_an_eni_listed_twice_is_kept_once() -> None:
    pages = pages_of(FIX / "enis-pages.json")
    pages.append({"NetworkInterfaces": pages[0]["NetworkInterfaces"][:1]})
    for page in pages:
        check_shape(page)
    a = load_files(FIX / "subnets.json", pages, FIX / "reservations.json")[A]
    (w,) = [w for w in a.warnings if w.kind == "duplicate-eni"]
    assert "eni-00000000000000001 is listed twice" in w.message
    assert "<describe-network-interfaces data> page 3" in w.message
    assert a.eni_count == 14 and not [w for w in a.warnings if w.kind == "address-conflict"]


def test_a_subnet_listed_twice() -> None:
    doc = json.loads((FIX / "subnets.json").read_text())
    same = {"Subnets": doc["Subnets"] * 2}
    assert load_files(same, FIX / "enis.json").warnings == []
    doc["Subnets"].append(dict(doc["Subnets"][0], AvailableIpAddressCount=1))
    (w,) = load_files(doc, FIX / "enis.json").warnings
    assert w.kind == "duplicate-subnet" and A in w.message


# ------------------------------------------------------------------ bad input


def bad(path: str) -> Path:
    return FIX / "bad" / path


@pytest.mark.parametrize(
    ("subnets", "enis", "message"),
    [
        (FIX / "subnets.json", bad("malformed.json"), r"malformed\.json: malformed JSON at line 2"),
        (
            FIX / "subnets.json",
            bad("text-output.txt"),
            r"text-output\.txt: malformed JSON.*--output json",
        ),
        (FIX / "subnets.json", bad("empty.json"), r"empty\.json: empty"),
        (
            FIX / "subnets.json",
            FIX / "subnets.json",
            r"subnets\.json: this is describe-subnets output, not describe-network-interfaces",
        ),
        (
            FIX / "subnets.json",
            bad("describe-instances.json"),
            r"describe-instances\.json: not describe-network-interfaces output: expected an object "
            r"with a 'NetworkInterfaces' list, found keys Reservations",
        ),
        (
            bad("nope.json"),
            FIX / "enis.json",
            r"cannot read .*nope\.json \(describe-subnets output\)",
        ),
        (
            FIX / "subnets.json",
            bad("enis-outside.json"),
            r"enis-outside\.json: NetworkInterfaces\[1\] \(eni-00000000000000066\): "
            r"address 10\.0\.5\.5 is not in 10\.0\.0\.0/24",
        ),
        (
            FIX / "subnets.json",
            bad("enis-prefix-outside.json"),
            r"NetworkInterfaces\[0\] \(eni-0[0-9a-f]+\): "
            r"prefix 10\.0\.1\.0/28 is not in 10\.0\.0\.0/24",
        ),
        (
            FIX / "subnets.json",
            bad("enis-unaligned.json"),
            r"prefix 10\.0\.0\.72/28 is not aligned",
        ),
        (
            FIX / "subnets.json",
            bad("enis-reserved.json"),
            r"address 10\.0\.0\.2 is reserved by AWS",
        ),
        (
            bad("subnets-ipv6-only.json"),
            FIX / "enis.json",
            "every subnet .* is IPv6-only: IPv6 is not analysed",
        ),
    ],
)
def test_bad_input_names_the_file_and_the_record(subnets: Path, enis: Path, message: str) -> None:
    with pytest.raises(AwsInputError, match=message) as info:
        load_files(subnets, enis)
    assert isinstance(info.value, ValueError) and isinstance(info.value, SubnetFragError)


def test_ipv6_only_subnet_asked_for_is_an_error_found_is_skipped() -> None:
    v6 = "subnet-0eee5555eeee5555e"
    with pytest.raises(
        AwsInputError, match=f"Subnets\\[1\\] \\({v6}\\): {v6} is IPv6-only: IPv6 is not analysed"
    ):
        load_files(bad("subnets-ipv6.json"), FIX / "enis.json", subnet_ids=[A, v6])
    state = load_files(bad("subnets-ipv6.json"), FIX / "enis.json", FIX / "reservations.json")
    assert list(state.subnets) == [A]
    (w,) = state.warnings
    assert w.kind == "ipv6-only-skipped" and "IPv6 is not analysed" in w.message


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["NetworkInterfaces"][0].pop("SubnetId"), r"\[0\] \(eni-0+1\) lacks SubnetId"),
        (
            lambda d: d["NetworkInterfaces"][0]["PrivateIpAddresses"][0].update(PrivateIpAddress=5),
            r"PrivateIpAddresses\[0\]: PrivateIpAddress must be a string, not 5",
        ),
        (
            lambda d: d["NetworkInterfaces"][0].update(
                Ipv4Prefixes=[{"Ipv4Prefix": "10.0.0.48/27"}]
            ),
            r"prefix 10\.0\.0\.48/27 is a /27",
        ),
        (
            lambda d: d["NetworkInterfaces"][0].update(Ipv4Prefixes=[{"Ipv4Prefix": "fd00::/80"}]),
            "IPv6",
        ),
        (
            lambda d: d["NetworkInterfaces"].append(3),
            r"NetworkInterfaces\[17\] must be an object, not a JSON number",
        ),
        (lambda d: d.update(NetworkInterfaces={}), "NetworkInterfaces must be a list"),
        (
            lambda d: d["NetworkInterfaces"][0]["Attachment"].update(DeviceIndex="0"),
            "Attachment: DeviceIndex must be an integer",
        ),
        (lambda d: d["NetworkInterfaces"][0].update(TagSet=[{"Value": "x"}]), r"TagSet\[0\]"),
    ],
)
def test_bad_eni_records(mutate: Any, message: str, tmp_path: Path) -> None:
    doc = json.loads((FIX / "enis.json").read_text())
    mutate(doc)
    with pytest.raises(AwsInputError, match=message):
        load_files(FIX / "subnets.json", doc)
    # The same from a file, whose records the decoder reduces as it reads
    # them: a bad one is left for the same message, naming the file.
    (tmp_path / "enis.json").write_text(json.dumps(doc))
    with pytest.raises(AwsInputError, match=message) as info:
        load_files(FIX / "subnets.json", tmp_path / "enis.json")
    assert str(info.value).startswith(f"{tmp_path / 'enis.json'}: ")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda s, r: s["Subnets"][0].update(CidrBlock="10.0.0.0/29"),
            "AWS subnets are /16 to /28",
        ),
        (
            lambda s, r: s["Subnets"][0].pop("CidrBlock"),
            r"Subnets\[0\] \(subnet-0aaa1111aaaa1111a\) lacks CidrBlock",
        ),
        (lambda s, r: s["Subnets"][0].update(AvailableIpAddressCount="5"), "must be an integer"),
        (lambda s, r: s["Subnets"][0].update(AvailableIpAddressCount=True), "must be an integer"),
        (lambda s, r: s.update(Subnets=[{"VpcId": "vpc-1"}]), r"Subnets\[0\] lacks SubnetId"),
        (lambda s, r: s.update(Subnets=[]), "lists no subnet"),
        (
            lambda s, r: r["SubnetIpv4CidrReservations"][1].update(Cidr="10.0.0.128/28"),
            r"SubnetIpv4CidrReservations\[1\] \(scr-0aaaaaaaaaaaaaaa2\): "
            r"reservation 10\.0\.0\.128/28 overlaps",
        ),
        (
            lambda s, r: r["SubnetIpv4CidrReservations"][0].update(ReservationType="both"),
            "reservation kind must be 'prefix' or 'explicit'",
        ),
        (
            lambda s, r: r["SubnetIpv4CidrReservations"][0].update(Cidr="10.0.3.0/28"),
            r"reservation 10\.0\.3\.0/28 is not inside 10\.0\.0\.0/24",
        ),
        (lambda s, r: r["SubnetIpv4CidrReservations"][0].pop("Cidr"), "lacks Cidr"),
    ],
)
def test_bad_subnet_and_reservation_records(mutate: Any, message: str) -> None:
    subnets = json.loads((FIX / "subnets.json").read_text())
    reservations = json.loads((FIX / "reservations.json").read_text())
    mutate(subnets, reservations)
    with pytest.raises(AwsInputError, match=message):
        load_files(subnets, FIX / "enis.json", reservations)


def test_json_pages_of_the_wrong_kind_in_a_list() -> None:
    pages = pages_of(FIX / "enis-pages.json")
    pages.append({"Subnets": []})
    with pytest.raises(AwsInputError, match="page 3: this is describe-subnets output"):
        load_files(FIX / "subnets.json", pages)
    with pytest.raises(AwsInputError, match="found a JSON string"):
        load_files(FIX / "subnets.json", ["x", 1])


def test_a_non_json_source_type_is_refused() -> None:
    with pytest.raises(AwsInputError, match="must be a path"):
        load_files(FIX / "subnets.json", 42)  # type: ignore[arg-type]


# ---------------------------------------------------------- incomplete input


@settings(max_examples=60)
@given(
    plen=st.integers(min_value=22, max_value=28),
    data=st.data(),
)
def test_incomplete_is_more_than_16_missing_and_more_than_a_quarter(
    plen: int, data: st.DataObject
) -> None:
    usable = (1 << (32 - plen)) - 5
    read = data.draw(st.integers(min_value=0, max_value=min(usable, 300)), label="read")
    available = data.draw(st.integers(min_value=0, max_value=usable), label="available")
    # ``read`` addresses on one ENI, from .4 up (.0-.3 are AWS-reserved).
    addresses = [f"10.2.{(4 + i) // 256}.{(4 + i) % 256}" for i in range(read)]
    enis: list[dict[str, Any]] = []
    if addresses:
        enis.append(
            {
                "NetworkInterfaceId": "eni-0aaa0000000000001",
                "SubnetId": A,
                "PrivateIpAddresses": [
                    {"PrivateIpAddress": a, "Primary": i == 0} for i, a in enumerate(addresses)
                ],
            }
        )
    subnets = {
        "Subnets": [
            {"SubnetId": A, "CidrBlock": f"10.2.0.0/{plen}", "AvailableIpAddressCount": available}
        ]
    }
    aws = load_files(subnets, {"NetworkInterfaces": enis}, {"SubnetIpv4CidrReservations": []})[A]
    taken = usable - available  # what EC2 counts as taken
    missing = max(0, taken - read)
    assert (aws.taken_reported, aws.missing_addresses) == (taken, missing)
    assert aws.input_incomplete == (missing > 16 and 4 * missing > taken)
    kinds = [w.kind for w in aws.warnings]
    if aws.input_incomplete:
        assert kinds == ["input-incomplete"]
    else:
        assert kinds == ([] if taken == read else ["available-mismatch"])


def test_an_available_count_beyond_the_subnet_is_an_input_error() -> None:
    for count in (-1, 252, 10**4000):
        subnets = {
            "Subnets": [
                {"SubnetId": A, "CidrBlock": "10.2.0.0/24", "AvailableIpAddressCount": count}
            ]
        }
        with pytest.raises(AwsInputError, match="AvailableIpAddressCount must be 0-251"):
            load_files(subnets, {"NetworkInterfaces": []})


def test_a_huge_bad_value_is_shown_cut_short() -> None:
    for bad in (["x" * 100_000], 10**5000, [[[[[[1]]]]]]):
        rec = {"SubnetId": A, "CidrBlock": "10.2.0.0/24", "VpcId": bad}
        with pytest.raises(AwsInputError, match="VpcId must be a string, not") as info:
            load_files({"Subnets": [rec]}, {"NetworkInterfaces": []})
        assert len(str(info.value)) < 200


# ------------------------------------------------------------------ memory


def test_reading_a_large_eni_file_holds_little_more_than_its_text(tmp_path: Path) -> None:
    """Issue 8: the parsed records and their nested objects (several times
    the file) were all held at once. Now each record is reduced as the
    decoder builds it: beyond the model left at the end, the reading costs
    less than twice the file (its text and the reduced records)."""

    def ip(v: int) -> str:
        return f"10.3.{v >> 8}.{v & 255}"

    enis = []
    for n in range(3000):
        first = 16 + 4 * n
        enis.append(
            {
                "Attachment": {"DeviceIndex": 1, "InstanceId": f"i-0{n // 3:016x}"},
                "Description": f"aws-K8S-i-0{n // 3:016x}",
                "Groups": [{"GroupName": "eks-cluster-sg", "GroupId": "sg-0123456789abcdef0"}],
                "InterfaceType": "interface",
                "MacAddress": f"0a:00:00:00:{n >> 8 & 255:02x}:{n & 255:02x}",
                "NetworkInterfaceId": f"eni-0{n:016x}",
                "PrivateIpAddress": ip(first),
                "PrivateIpAddresses": [
                    {"Primary": i == 0, "PrivateIpAddress": ip(first + i)} for i in range(3)
                ],
                "Status": "in-use",
                "SubnetId": A,
                "TagSet": [{"Key": "cluster.k8s.amazonaws.com/name", "Value": "demo"}],
            }
        )
    path = tmp_path / "enis.json"
    path.write_text(json.dumps({"NetworkInterfaces": enis}))
    del enis
    size = path.stat().st_size
    subnets = {"Subnets": [{"SubnetId": A, "CidrBlock": "10.3.0.0/16"}]}
    tracemalloc.start()
    try:
        state = load_files(subnets, path)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert state[A].eni_count == 3000 and len(state[A].subnet.allocations()) == 9000
    assert peak - held < 2 * size, (peak - held) / size
