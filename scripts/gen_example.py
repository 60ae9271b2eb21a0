#!/usr/bin/env python3
"""Generate the bundled example: subnetfrag/data/example/{subnets,enis,reservations}.json.

One private /20 of an EKS cluster ("demo") whose history made it fragmented, in
the exact shapes the AWS CLI prints for describe-subnets,
describe-network-interfaces and get-subnet-cidr-reservations:

1. the VPC's early tenants: EKS control-plane ENIs, interface VPC endpoints, an
   ALB and an NLB, an RDS instance, a few Lambda functions;
2. a legacy managed node group still in secondary-IP mode (m5.large: three ENIs
   of ten addresses each, every one a scattered /32);
3. the "apps" node group in prefix mode (m5.2xlarge): each node's primary
   address, the primary address of each VPC CNI ENI, and /28 prefixes, with
   Lambda and load-balancer ENIs coming and going in between;
4. after the first InsufficientCidrBlocks scare, a ``prefix`` CIDR reservation
   (covering some addresses already in use), then Karpenter nodes whose
   prefixes EC2 takes from it first;
5. one leaked VPC CNI ENI (detached, still holding its addresses).

EC2's choices are drawn the way EC2 draws them as far as it is documented: a
random free /32 for an address, and a random free /28 for a prefix, from
prefix reservations first (``subnetfrag.Subnet`` with the random policy).
Everything is seeded: running the script twice writes the same bytes.

Usage: ``.venv/bin/python scripts/gen_example.py [--out DIR] [--check]``
(``--check`` exits 1 when the files on disk differ from what it would write).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import subnetfrag as sf  # noqa: E402

SEED = 20240611
ACCOUNT = "111122223333"
REGION = "us-east-1"
AZ, AZ_ID = "us-east-1a", "use1-az4"
VPC = "vpc-0c5b7d9e1f3a2b4c6"
SUBNET = "subnet-0e4d2f6a8c1b3d5e7"
CIDR = "10.42.32.0/20"
CLUSTER = "demo"
NODE_SG = "sg-0a7c9e1b3d5f7a9c1"
CLUSTER_SG = "sg-0b8d0f2a4c6e8a0b2"


class World:
    """The example's history: a Subnet picking like EC2, and the ENI records."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.subnet = sf.Subnet(CIDR, seed=SEED, policy="random", subnet_id=SUBNET)
        self.enis: list[dict[str, Any]] = []
        self.reservations: list[dict[str, Any]] = []
        self.day = 0

    def hexid(self, prefix: str, n: int = 17) -> str:
        """``prefix`` and random hex digits, ``n`` digits after the dash in
        all: AWS's ids (``eni-0...``, ``i-0...``, ``sg-0...``) have 17, the
        leading 0 of ``prefix`` included. ``n`` digits are drawn either way,
        so that the rest of the example does not depend on the prefix."""
        digits = "".join(self.rng.choice("0123456789abcdef") for _ in range(n))
        leading = len(prefix) - len(prefix.rstrip("0123456789abcdef")) if "-" in prefix else 0
        return prefix + digits[: n - leading]

    def when(self) -> str:
        self.day += 1
        month, day = divmod(self.day, 28)
        hour, minute = self.rng.randrange(24), self.rng.randrange(60)
        return f"2024-{1 + month % 12:02d}-{1 + day:02d}T{hour:02d}:{minute:02d}:00+00:00"

    def mac(self) -> str:
        return "0a:" + ":".join(f"{self.rng.randrange(256):02x}" for _ in range(5))

    def eni(
        self,
        *,
        description: str,
        interface_type: str = "interface",
        secondary: int = 0,
        prefixes: int = 0,
        instance: str | None = None,
        device_index: int = 0,
        requester: str | None = None,
        groups: tuple[tuple[str, str], ...] = (("eks-node", NODE_SG),),
        tags: dict[str, str] | None = None,
        status: str = "in-use",
    ) -> dict[str, Any]:
        addresses = [str(self.subnet.allocate_ip()) for _ in range(1 + secondary)]
        prefix_list = [str(self.subnet.allocate_prefix()) for _ in range(prefixes)]

        def dns(ip: str) -> str:
            return f"ip-{ip.replace('.', '-')}.ec2.internal"

        eni_id = self.hexid("eni-0")
        record: dict[str, Any] = {}
        if status == "in-use":
            attachment: dict[str, Any] = {
                "AttachTime": self.when(),
                "AttachmentId": self.hexid("eni-attach-0" if instance else "ela-attach-0"),
                "DeleteOnTermination": instance is not None,
                "DeviceIndex": device_index,
                "NetworkCardIndex": 0,
                "InstanceOwnerId": ACCOUNT if instance else "amazon-aws",
                "Status": "attached",
            }
            if instance:
                attachment["InstanceId"] = instance
            record["Attachment"] = attachment
        record.update(
            {
                "AvailabilityZone": AZ,
                "Description": description,
                "Groups": [{"GroupName": n, "GroupId": g} for n, g in groups],
                "InterfaceType": interface_type,
                "Ipv6Addresses": [],
                "MacAddress": self.mac(),
                "NetworkInterfaceId": eni_id,
                "OwnerId": ACCOUNT,
                "PrivateDnsName": dns(addresses[0]),
                "PrivateIpAddress": addresses[0],
                "PrivateIpAddresses": [
                    {"Primary": i == 0, "PrivateDnsName": dns(ip), "PrivateIpAddress": ip}
                    for i, ip in enumerate(addresses)
                ],
            }
        )
        if prefix_list:
            record["Ipv4Prefixes"] = [{"Ipv4Prefix": p} for p in prefix_list]
        if requester is not None:
            record["RequesterId"] = requester
        record.update(
            {
                "RequesterManaged": requester is not None,
                "SourceDestCheck": True,
                "Status": status,
                "SubnetId": SUBNET,
                "TagSet": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
                "VpcId": VPC,
            }
        )
        self.enis.append(record)
        return record

    # ------------------------------------------------------------- tenants

    def node(self, *, secondary: int = 0, prefixes: int = 0) -> str:
        """A node's primary ENI (device 0); returns the instance id."""
        instance = self.hexid("i-0")
        self.eni(description="", instance=instance, secondary=secondary, prefixes=prefixes)
        return instance

    def cni_eni(
        self, instance: str | None, index: int, *, secondary: int = 0, prefixes: int = 0
    ) -> None:
        owner = instance or self.hexid("i-0")
        self.eni(
            description=f"aws-K8S-{owner}",
            instance=instance,
            device_index=index,
            secondary=secondary,
            prefixes=prefixes,
            tags={
                "node.k8s.amazonaws.com/instance_id": owner,
                "cluster.k8s.amazonaws.com/name": CLUSTER,
                "node.k8s.amazonaws.com/createdAt": self.when()[:19] + "Z",
            },
            status="in-use" if instance else "available",
        )

    def lambda_eni(self, function: str) -> None:
        uid = "-".join(self.hexid("", n) for n in (8, 4, 4, 4, 12))
        self.eni(
            description=f"AWS Lambda VPC ENI-{function}-{uid}",
            interface_type="lambda",
            requester="AROAEXAMPLELAMBDA0001:" + function,
            groups=(("lambda-" + function, self.hexid("sg-0")),),
        )

    def alb_eni(self, name: str) -> None:
        self.eni(
            description=f"ELB app/{name}/{self.hexid('', 16)}",
            requester="amazon-elb",
            groups=(("k8s-shop-alb", self.hexid("sg-0")),),
        )

    def nlb_eni(self, name: str) -> None:
        self.eni(
            description=f"ELB net/{name}/{self.hexid('', 16)}",
            interface_type="network_load_balancer",
            requester="amazon-elb",
            groups=(),
        )

    def endpoint_eni(self, service: str) -> None:
        self.eni(
            description=f"VPC Endpoint Interface {self.hexid('vpce-0')}",
            interface_type="vpc_endpoint",
            requester="727180483921",
            groups=(("endpoints-" + service, self.hexid("sg-0")),),
        )

    def reserve(self, cidr: str, description: str) -> None:
        rid = self.hexid("scr-0")
        self.subnet.reserve(cidr, "prefix", reservation_id=rid)
        self.reservations.append(
            {
                "SubnetCidrReservationId": rid,
                "SubnetId": SUBNET,
                "Cidr": cidr,
                "ReservationType": "prefix",
                "OwnerId": ACCOUNT,
                "Description": description,
                "Tags": [],
            }
        )


def build() -> World:
    w = World()
    # 1. early tenants
    for _ in range(2):
        w.eni(
            description=f"Amazon EKS {CLUSTER}",
            requester="AROAEXAMPLEEKSCONTROL:AmazonEKS",
            groups=(("eks-cluster-sg-demo", CLUSTER_SG),),
        )
    for service in ("ecr.api", "ecr.dkr", "sts", "logs", "ec2", "elasticloadbalancing"):
        w.endpoint_eni(service)
    for _ in range(2):
        w.alb_eni("k8s-shop-web-3f9a2b1c7d")
    w.nlb_eni("k8s-shop-ingress-9c2d4e6f")
    w.eni(
        description="RDSNetworkInterface",
        requester="amazon-rds",
        groups=(("orders-db", w.hexid("sg-0")),),
    )
    for fn in ("orders-api", "invoice-render", "audit-sink"):
        w.lambda_eni(fn)
    # 2. legacy node group, secondary-IP mode (m5.large: 3 ENIs x 10 addresses)
    for _ in range(6):
        instance = w.node(secondary=9)
        for index in (1, 2):
            w.cni_eni(instance, index, secondary=9)
    # 3. prefix-mode node group (m5.2xlarge), with churn of other tenants
    functions = ("thumbnailer", "webhook-relay", "etl-loader", "report-mailer", "cdc-forwarder")
    for n in range(22):
        instance = w.node(prefixes=w.rng.randint(2, 4))
        if w.rng.random() < 0.35:
            w.cni_eni(instance, 1, prefixes=w.rng.randint(1, 3))
        if n % 3 == 0:
            w.lambda_eni(w.rng.choice(functions))
        if n % 7 == 3:
            w.alb_eni("k8s-shop-api-7e1d3c5b9a")
    # 4. a prefix reservation after the first InsufficientCidrBlocks, then Karpenter
    w.reserve("10.42.46.0/24", "EKS pod prefixes (after InsufficientCidrBlocks)")
    for n in range(8):
        instance = w.node(prefixes=2)
        if n % 2 == 0:
            w.cni_eni(instance, 1, prefixes=1)
        if n % 4 == 1:
            w.lambda_eni(w.rng.choice(functions))
    # 5. a leaked VPC CNI ENI: detached, still holding its address and prefix
    w.cni_eni(None, 1, prefixes=1)
    return w


def render(w: World) -> dict[str, str]:
    subnet = {
        "Subnets": [
            {
                "AvailabilityZone": AZ,
                "AvailabilityZoneId": AZ_ID,
                "AvailableIpAddressCount": w.subnet.available_ip_count(),
                "CidrBlock": CIDR,
                "DefaultForAz": False,
                "MapPublicIpOnLaunch": False,
                "State": "available",
                "SubnetId": SUBNET,
                "VpcId": VPC,
                "OwnerId": ACCOUNT,
                "AssignIpv6AddressOnCreation": False,
                "Ipv6CidrBlockAssociationSet": [],
                "Tags": [
                    {"Key": "Name", "Value": "demo-private-us-east-1a"},
                    {"Key": f"kubernetes.io/cluster/{CLUSTER}", "Value": "shared"},
                    {"Key": "kubernetes.io/role/internal-elb", "Value": "1"},
                    {"Key": "karpenter.sh/discovery", "Value": CLUSTER},
                ],
                "SubnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{SUBNET}",
                "EnableDns64": False,
                "Ipv6Native": False,
                "PrivateDnsNameOptionsOnLaunch": {
                    "HostnameType": "ip-name",
                    "EnableResourceNameDnsARecord": False,
                    "EnableResourceNameDnsAAAARecord": False,
                },
            }
        ]
    }
    enis = {"NetworkInterfaces": w.enis}
    reservations = {"SubnetIpv4CidrReservations": w.reservations, "SubnetIpv6CidrReservations": []}
    return {
        name: json.dumps(doc, indent=4) + "\n"
        for name, doc in (
            ("subnets.json", subnet),
            ("enis.json", enis),
            ("reservations.json", reservations),
        )
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "subnetfrag" / "data" / "example")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    w = build()
    files = render(w)
    if args.check:
        stale = [
            n
            for n, text in files.items()
            if not (args.out / n).is_file() or (args.out / n).read_text() != text
        ]
        for name in stale:
            print(f"{args.out / name} is out of date: run scripts/gen_example.py", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text)
    s = w.subnet
    print(
        f"{CIDR}: {len(w.enis)} ENIs, {s.free_ip_count():,} free addresses, "
        f"{s.available_ip_count():,} available, {s.free_prefix_count()} free /28s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
