"""subnetfrag.aws.load_live: boto3 calls, pagination, cluster discovery, errors.

Prefixes (which moto does not model) and exact call sequences are covered with
botocore.stub.Stubber clients, whose canned responses botocore validates
against the service model; the real client path (session, endpoint, request
and response parsing) runs against a moto server started here on 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto_server import aws_client, moto_endpoint

from subnetfrag.aws import AwsApiError, AwsInputError, AwsUnavailable, load_files, load_live

FIX = Path(__file__).parent / "fixtures" / "aws"
A, B = "subnet-0aaa1111aaaa1111a", "subnet-0bbb2222bbbb2222b"
VPC = "vpc-0f1e2d3c4b5a69788"
FAKE = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def doc(name: str) -> Any:
    return json.loads((FIX / name).read_text())


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", **FAKE)


def fingerprint(state: Any) -> list[Any]:
    return [(s.subnet_id, s.subnet.to_dict()["allocations"], s.eni_count) for s in state]


def eni_filter(*ids: str) -> dict[str, Any]:
    return {
        "Filters": [{"Name": "subnet-id", "Values": list(ids)}],
        "IncludeManagedResources": True,
    }


def stub_enis_and_reservations(stub: Stubber) -> None:
    """ENIs in two pages (NextToken), reservations of A in two pages, none in B."""
    pages = doc("enis-pages.json")
    token = pages[0]["NextToken"]
    stub.add_response("describe_network_interfaces", pages[0], eni_filter(A, B))
    stub.add_response(
        "describe_network_interfaces", pages[1], {**eni_filter(A, B), "NextToken": token}
    )
    res = doc("reservations.json")["SubnetIpv4CidrReservations"]
    stub.add_response(
        "get_subnet_cidr_reservations",
        {
            "SubnetIpv4CidrReservations": res[:1],
            "SubnetIpv6CidrReservations": [],
            "NextToken": "r2",
        },
        {"SubnetId": A},
    )
    stub.add_response(
        "get_subnet_cidr_reservations",
        {"SubnetIpv4CidrReservations": res[1:2], "SubnetIpv6CidrReservations": []},
        {"SubnetId": A, "NextToken": "r2"},
    )
    stub.add_response(
        "get_subnet_cidr_reservations",
        {"SubnetIpv4CidrReservations": [], "SubnetIpv6CidrReservations": []},
        {"SubnetId": B},
    )


def test_subnet_ids_with_prefixes_pages_and_reservations() -> None:
    ec2 = client("ec2")
    with Stubber(ec2) as stub:
        stub.add_response("describe_subnets", doc("subnets.json"), {"SubnetIds": [A, B]})
        stub_enis_and_reservations(stub)
        state = load_live(subnet_ids=[A, B, A], clients={"ec2": ec2})
        stub.assert_no_pending_responses()
    offline = load_files(FIX / "subnets.json", FIX / "enis.json", FIX / "reservations.json")
    assert fingerprint(state) == fingerprint(offline)
    a = state[A].subnet
    assert [r.reservation_id for r in a.reservations()] == [
        "scr-0aaaaaaaaaaaaaaa1",
        "scr-0aaaaaaaaaaaaaaa2",
    ]
    assert a.owner_of("10.0.0.64/28").owner_class == "eks-pod"  # type: ignore[union-attr]
    assert [w.kind for w in state.all_warnings()] == ["available-mismatch"]  # subnet B
    assert state.source == f"live: {A}, {B}"


def test_cluster_discovery_unions_every_source_and_survives_a_denial() -> None:
    ec2, eks = client("ec2"), client("eks")
    cluster = {"cluster": {"name": "demo", "resourcesVpcConfig": {"vpcId": VPC, "subnetIds": [A]}}}
    with Stubber(ec2) as s_ec2, Stubber(eks) as s_eks:
        s_eks.add_response("describe_cluster", cluster, {"name": "demo"})
        s_eks.add_response(
            "list_nodegroups", {"nodegroups": ["ng-a"], "nextToken": "n2"}, {"clusterName": "demo"}
        )
        s_eks.add_response(
            "list_nodegroups", {"nodegroups": ["ng-b"]}, {"clusterName": "demo", "nextToken": "n2"}
        )
        for name, subnets in (("ng-a", [A]), ("ng-b", [B])):
            s_eks.add_response(
                "describe_nodegroup",
                {"nodegroup": {"nodegroupName": name, "subnets": subnets}},
                {"clusterName": "demo", "nodegroupName": name},
            )
        s_eks.add_client_error(
            "list_fargate_profiles",
            service_error_code="AccessDeniedException",
            http_status_code=403,
        )
        subnets = doc("subnets.json")["Subnets"]
        for key, values, found in (
            ("kubernetes.io/cluster/demo", ["owned", "shared"], [subnets[0]]),
            ("karpenter.sh/discovery", ["demo"], []),
            ("kubernetes.io/role/cni", ["1"], [subnets[1]]),
        ):
            filters = [
                {"Name": "vpc-id", "Values": [VPC]},
                {"Name": f"tag:{key}", "Values": values},
            ]
            s_ec2.add_response("describe_subnets", {"Subnets": found}, {"Filters": filters})
        s_ec2.add_response("describe_subnets", doc("subnets.json"), {"SubnetIds": [A, B]})
        stub_enis_and_reservations(s_ec2)
        state = load_live(cluster="demo", clients={"ec2": ec2, "eks": eks}, region="us-east-1")
        s_ec2.assert_no_pending_responses()
        s_eks.assert_no_pending_responses()
    assert list(state.subnets) == [A, B]
    assert state.discovery == {
        A: ["control-plane", "nodegroup:ng-a", "tag:kubernetes.io/cluster/demo"],
        B: ["nodegroup:ng-b", "tag:kubernetes.io/role/cni"],
    }
    denial = state.warnings[0]
    assert denial.kind == "discovery"
    assert "Fargate profiles skipped" in denial.message
    assert "eks:ListFargateProfiles was denied (AccessDeniedException)" in denial.message
    assert state.source == "live: cluster demo in us-east-1"


def test_a_denied_call_names_the_action_to_grant() -> None:
    ec2 = client("ec2")
    with Stubber(ec2) as stub:
        stub.add_response("describe_subnets", doc("subnets.json"), {"SubnetIds": [A, B]})
        stub.add_client_error(
            "describe_network_interfaces", service_error_code="UnauthorizedOperation"
        )
        with pytest.raises(AwsApiError, match=r"ec2:DescribeNetworkInterfaces was denied") as info:
            load_live(subnet_ids=[A, B], clients={"ec2": ec2})
    assert "docs/aws.md" in str(info.value)


def test_other_api_failures() -> None:
    eks = client("eks")
    with Stubber(eks) as stub:
        stub.add_client_error(
            "describe_cluster",
            service_error_code="ResourceNotFoundException",
            service_message="No cluster found for name: nope.",
            http_status_code=404,
        )
        with pytest.raises(AwsApiError, match="eks:DescribeCluster failed: ResourceNotFound"):
            load_live(cluster="nope", clients={"ec2": client("ec2"), "eks": eks})
    ec2 = client("ec2")
    with Stubber(ec2) as stub:
        stub.add_response(
            "describe_subnets",
            {"Subnets": []},
            {"Filters": [{"Name": "vpc-id", "Values": ["vpc-0empty"]}]},
        )
        with pytest.raises(AwsApiError, match="no subnet found for vpc-0empty"):
            load_live(vpc_id="vpc-0empty", clients={"ec2": ec2})


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"subnet_ids": [A], "vpc_id": VPC},
        {"vpc_id": VPC, "cluster": "demo"},
        {"subnet_ids": []},
    ],
)
def test_exactly_one_selector(kwargs: dict[str, Any]) -> None:
    with pytest.raises(AwsInputError, match=r"exactly one|is empty"):
        load_live(**kwargs, clients={"ec2": object()})


def test_session_parameter_makes_the_clients() -> None:
    ec2 = client("ec2")
    asked: list[tuple[str, dict[str, Any]]] = []

    class Session:
        def client(self, name: str, **kwargs: Any) -> Any:
            asked.append((name, kwargs))
            return ec2

    with Stubber(ec2) as stub:
        stub.add_response("describe_subnets", doc("subnets.json"), {"SubnetIds": [A, B]})
        stub_enis_and_reservations(stub)
        load_live(subnet_ids=[A, B], region="eu-west-1", session=Session())
    assert asked == [("ec2", {"region_name": "eu-west-1"})]


def test_missing_boto3_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 -> ImportError
    with pytest.raises(AwsUnavailable, match=r"pip install 'subnetfrag\[aws\]'") as info:
        load_live(subnet_ids=[A])
    assert isinstance(info.value, ImportError)


def test_importing_the_package_does_not_import_boto3() -> None:
    code = (
        "import sys, subnetfrag.aws; "
        "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------- moto server


@pytest.fixture(scope="module")
def moto_vpc() -> Iterator[dict[str, str]]:
    """A moto server on 127.0.0.1 (a free port) with a VPC of three subnets:
    s1 holds an instance, a VPC CNI ENI, a Lambda ENI and a prefix reservation; s2
    is tagged for Karpenter; s3 holds the node group and the Fargate profile."""
    with moto_endpoint():
        ec2 = aws_client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        ids = {"vpc": vpc}
        for name, cidr in (("s1", "10.1.0.0/24"), ("s2", "10.1.1.0/24"), ("s3", "10.1.2.0/24")):
            ids[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
        ec2.create_tags(
            Resources=[ids["s2"]], Tags=[{"Key": "karpenter.sh/discovery", "Value": "demo"}]
        )
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        ids["instance"] = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, SubnetId=ids["s1"], PrivateIpAddress="10.1.0.5"
        )["Instances"][0]["InstanceId"]
        cni = ec2.create_network_interface(
            SubnetId=ids["s1"],
            Description=f"aws-K8S-{ids['instance']}",
            PrivateIpAddresses=[
                {"PrivateIpAddress": "10.1.0.10", "Primary": True},
                {"PrivateIpAddress": "10.1.0.11", "Primary": False},
                {"PrivateIpAddress": "10.1.0.12", "Primary": False},
            ],
        )["NetworkInterface"]["NetworkInterfaceId"]
        ec2.attach_network_interface(
            NetworkInterfaceId=cni, InstanceId=ids["instance"], DeviceIndex=1
        )
        ec2.create_network_interface(
            SubnetId=ids["s1"],
            Description="AWS Lambda VPC ENI-orders-api-1",
            PrivateIpAddress="10.1.0.20",
        )
        # moto counts explicit reservations as available (EC2 does not): only a
        # prefix one here; explicit ones are covered with the Stubber
        ec2.create_subnet_cidr_reservation(
            SubnetId=ids["s1"], Cidr="10.1.0.128/27", ReservationType="prefix"
        )
        eks = aws_client("eks")
        role = "arn:aws:iam::123456789012:role/eks"
        eks.create_cluster(name="demo", roleArn=role, resourcesVpcConfig={"subnetIds": [ids["s1"]]})
        eks.create_nodegroup(
            clusterName="demo", nodegroupName="apps", subnets=[ids["s3"]], nodeRole=role
        )
        eks.create_fargate_profile(
            clusterName="demo",
            fargateProfileName="batch",
            podExecutionRoleArn=role,
            subnets=[ids["s3"]],
            selectors=[{"namespace": "batch"}],
        )
        yield ids


def test_moto_subnet_ids(moto_vpc: dict[str, str]) -> None:
    state = load_live(subnet_ids=[moto_vpc["s1"]], region="us-east-1", seed=1)
    s1 = state[moto_vpc["s1"]]
    sub = s1.subnet
    assert s1.info.vpc_id == moto_vpc["vpc"]
    assert [w.message for w in s1.warnings] == []  # agrees with moto's count
    assert s1.eni_count == 3
    assert [(str(r.cidr), r.kind) for r in sub.reservations()] == [("10.1.0.128/27", "prefix")]
    assert all(r.reservation_id and r.reservation_id.startswith("scr-") for r in sub.reservations())
    owners = {a: sub.owner_of(a) for a in ("10.1.0.5", "10.1.0.10", "10.1.0.11", "10.1.0.20")}
    classes = {a: o.owner_class if o else None for a, o in owners.items()}
    assert classes == {
        "10.1.0.5": "node-primary",
        "10.1.0.10": "eks-pod",
        "10.1.0.11": "eks-pod",
        "10.1.0.20": "lambda",
    }
    node = sub.owner_of("10.1.0.5")
    assert node is not None and node.instance_id == moto_vpc["instance"]


def test_moto_vpc_and_cluster(moto_vpc: dict[str, str]) -> None:
    by_vpc = load_live(vpc_id=moto_vpc["vpc"], region="us-east-1")
    assert set(by_vpc.subnets) == {moto_vpc["s1"], moto_vpc["s2"], moto_vpc["s3"]}
    by_cluster = load_live(cluster="demo", region="us-east-1")
    assert by_cluster.discovery == {
        moto_vpc["s1"]: ["control-plane"],
        moto_vpc["s3"]: ["nodegroup:apps", "fargate:batch"],
        moto_vpc["s2"]: ["tag:karpenter.sh/discovery"],
    }
    assert sorted(fingerprint(by_cluster)) == sorted(fingerprint(by_vpc))
    with pytest.raises(AwsApiError, match=r"ec2:DescribeSubnets failed: InvalidSubnetID\.NotFound"):
        load_live(subnet_ids=["subnet-0000000000000dead"], region="us-east-1")
