#!/usr/bin/env python3
"""Generate subnetfrag/data/instance_limits.json from the EKS AMI's instance-info.jsonl
and EC2 DescribeInstanceTypes records.

Since issue 9, the ENIs on the default network card and the IPv4 addresses per
ENI come from awslabs/amazon-eks-ami ``nodeadm/internal/kubelet/instance-info.jsonl``
(``--eks-instance-info FILE``: the file nodeadm embeds for its max-pods default,
synced from EC2 by that repository's workflow), and vCPUs, hypervisor and bare
metal from the DescribeInstanceTypes records given as ``source`` (e.g. the
snapshot moto ships, below). A type the EKS file lacks keeps its ENIs and IPv4
from ``source`` and is listed in the header's ``limits_from_attributes_source``;
a type ``source`` lacks takes hypervisor and bare metal from the VPC CNI's table
(``--vpc-cni-limits``, aws/amazon-vpc-cni-k8s ``pkg/vpc/vpc_ip_resource_limit.go``)
and has no vCPU count (listed in ``vcpus_unknown``).

``--vpc-cni-limits FILE`` also cross-checks the result against the VPC CNI's own
table and prints every disagreement (docs/max-pods.md lists them);
``--write-check FILE`` writes the CNI's ENIs and IPv4 per type as a small JSON
file the tests compare the bundled table with (tests/fixtures/vpc-cni-limits.json),
so the tests never read the source files.

The bundled table maps every instance type to the numbers the max-pods
arithmetic needs: ENIs on the default network card, IPv4 addresses per ENI,
default vCPUs, hypervisor and bare metal. All five are read from one snapshot of
DescribeInstanceTypes records (``InstanceTypeInfo`` objects), so vCPUs come from
``VCpuInfo.DefaultVCpus`` like the rest, never derived from a size name. Each
record is read by :func:`subnetfrag.maxpods.from_describe_instance_types`, the
same code that reads a live response, so the table and a live call cannot
disagree on which key means what.

The script runs offline: it reads a local file and writes the table. Obtain the
source in one of two ways, saving it outside the repository (e.g. /tmp):

1. The snapshot that moto (PyPI package ``moto``, repository getmoto/moto)
   ships as ``moto/ec2/resources/instance_types.json.gz``, a JSON object that
   maps each type name to its DescribeInstanceTypes record. Without AWS
   credentials::

       pip download --no-deps moto==5.2.5 -d /tmp/moto
       python3 -c "import zipfile; z = zipfile.ZipFile('/tmp/moto/moto-5.2.5-py3-none-any.whl'); \\
           open('/tmp/instance_types.json.gz', 'wb').write( \\
           z.read('moto/ec2/resources/instance_types.json.gz'))"
       .venv/bin/python scripts/gen_instance_limits.py /tmp/instance_types.json.gz \\
           --origin "moto 5.2.5 (PyPI)" --repository getmoto/moto \\
           --path moto/ec2/resources/instance_types.json.gz --revision 5.2.5

2. A live call with your own credentials (the AWS CLI follows NextToken and
   prints one merged ``{"InstanceTypes": [...]}``)::

       aws ec2 describe-instance-types --region us-east-1 --output json > /tmp/dit.json
       .venv/bin/python scripts/gen_instance_limits.py /tmp/dit.json \\
           --origin "aws ec2 describe-instance-types --region us-east-1" \\
           --revision "$(date -u +%F)"

Accepted inputs (plain or gzip-compressed JSON): ``{"InstanceTypes": [...]}``,
a bare list of records, or an object mapping type names to records. A type that
appears twice with different limits is an error.

``--check-eni-max-pods FILE`` compares the result with awslabs/amazon-eks-ami's
published ``eni-max-pods.txt`` (``type value`` lines, secondary-IP mode, uncapped)
and prints every disagreement; it never changes the output.

Exit status: 0 on success, 1 when the input cannot be read or holds a bad record.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from subnetfrag.instances import SOURCE_TABLE, InstanceLimits
from subnetfrag.maxpods import (
    InvalidDescribeResponse,
    from_describe_instance_types,
    max_pods,
)

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "subnetfrag/data/instance_limits.json"
TABLE_FORMAT = 1

FIELDS = {
    "enis": "NetworkInfo.NetworkCards[DefaultNetworkCardIndex].MaximumNetworkInterfaces "
    "(the default network card only; NetworkInfo.MaximumNetworkInterfaces when no cards "
    "are listed)",
    "ipv4_per_eni": "NetworkInfo.Ipv4AddressesPerInterface",
    "vcpus": "VCpuInfo.DefaultVCpus of the same records (read, not derived from size names)",
    "hypervisor": "Hypervisor: 'nitro' or 'xen'; '' where EC2 reports none (bare metal)",
    "bare_metal": "BareMetal",
}


EKS_FIELDS = {
    "enis": "defaultMaxENIs of instance-info.jsonl (ENIs on the default network card); "
    "for the types listed in limits_from_attributes_source, "
    "NetworkInfo.NetworkCards[DefaultNetworkCardIndex].MaximumNetworkInterfaces",
    "ipv4_per_eni": "ipv4AddressesPerInterface of instance-info.jsonl (or "
    "NetworkInfo.Ipv4AddressesPerInterface, as above)",
    "vcpus": "VCpuInfo.DefaultVCpus of the attributes source (null for vcpus_unknown)",
    "hypervisor": "Hypervisor of the attributes source ('' for bare metal); "
    "HypervisorType of the VPC CNI's table for vcpus_unknown ('unknown' read as '')",
    "bare_metal": "BareMetal of the attributes source; IsBareMetal of the VPC CNI's table "
    "for vcpus_unknown",
}


def _provenance(path: Path, repository: str, where: str, revision: str) -> dict[str, Any]:
    return {
        "repository": repository,
        "path": where,
        "revision": revision,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def read_records(path: Path) -> list[Any]:
    """The InstanceTypeInfo records of a source file, in file order.

    Raises ValueError for a file that is not one of the accepted shapes.
    """
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    document = json.loads(raw)
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("InstanceTypes"), list):
        return list(document["InstanceTypes"])
    if (
        isinstance(document, dict)
        and document
        and all(
            isinstance(value, dict) and value.get("InstanceType") == key
            for key, value in document.items()
        )
    ):
        return list(document.values())
    raise ValueError(
        f"{path}: expected {{'InstanceTypes': [...]}}, a list of InstanceTypeInfo records, "
        "or an object mapping type names to records"
    )


def build_table(records: list[Any]) -> dict[str, InstanceLimits]:
    """Limits by type name, sorted by name.

    Raises InvalidDescribeResponse for a bad record and ValueError for a type
    listed twice with different limits.
    """
    table: dict[str, InstanceLimits] = {}
    for limits in from_describe_instance_types({"InstanceTypes": records}):
        earlier = table.get(limits.instance_type)
        if earlier is not None and earlier != limits:
            raise ValueError(
                f"{limits.instance_type} is listed twice with different limits: "
                f"{earlier} and {limits}"
            )
        table[limits.instance_type] = limits
    return dict(sorted(table.items()))


def render(header: dict[str, Any], table: dict[str, InstanceLimits]) -> str:
    """The table as JSON text: the header keys first, then one line per type."""
    lines = ["{"]
    for key, value in header.items():
        text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        lines.append(f"  {json.dumps(key)}: {text},")
    lines.append('  "instance_types": {')
    rows = []
    for name, limits in table.items():
        row = {
            "enis": limits.enis,
            "ipv4_per_eni": limits.ipv4_per_eni,
            "vcpus": limits.vcpus,
            "hypervisor": limits.hypervisor,
            "bare_metal": limits.bare_metal,
        }
        rows.append(f"    {json.dumps(name)}: {json.dumps(row)}")
    lines.append(",\n".join(rows))
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def check_eni_max_pods(path: Path, table: dict[str, InstanceLimits]) -> list[str]:
    """Disagreements between the table and a published eni-max-pods.txt, as text lines."""
    published: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, count = line.split()
        published[name] = int(count)
    report = []
    agree = 0
    for name, expected in sorted(published.items()):
        if name not in table:
            report.append(f"{name}: published {expected}, not in the table")
            continue
        ours = max_pods(table[name], cap=False, bootstrap="al2")
        if ours.uncapped == expected:
            agree += 1
        else:
            report.append(f"{name}: published {expected}, table gives {ours.explanation}")
    extra = len(set(table) - set(published))
    report.append(
        f"{agree} of {len(published)} published values agree; "
        f"{extra} table types are not in the published file"
    )
    return report


def read_eks_instance_info(path: Path) -> dict[str, tuple[int, int]]:
    """(ENIs on the default card, IPv4 per ENI) by type from instance-info.jsonl
    (``instanceType``, ``defaultMaxENIs``, ``ipv4AddressesPerInterface``).

    Raises ValueError naming the line of a bad record or a type listed twice."""
    out: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            name = record["instanceType"]
            limits = (int(record["defaultMaxENIs"]), int(record["ipv4AddressesPerInterface"]))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not an instance-info record ({error})") from None
        if not isinstance(name, str) or name in out:
            raise ValueError(f"{path}:{number}: bad or repeated instanceType {name!r}")
        out[name] = limits
    return out


_GO_TYPE = re.compile(r'^\t"([^"]+)": \{$', re.M)
_GO_FIELD = re.compile(
    r"(ENILimit|IPv4Limit|DefaultNetworkCardIndex|HypervisorType|IsBareMetal):"
    r'\s+("?[\w-]*"?),'
)
_GO_CARD = re.compile(r"MaximumNetworkInterfaces:\s+(\d+),\s+NetworkCardIndex:\s+(\d+),")


def read_vpc_cni_limits(path: Path) -> dict[str, dict[str, Any]]:
    """The VPC CNI's table (``instanceNetworkingLimits`` in vpc_ip_resource_limit.go)
    by type: ``enis`` (the default card's MaximumNetworkInterfaces), ``eni_limit``
    (ENILimit), ``ipv4_per_eni`` (IPv4Limit), ``hypervisor``, ``bare_metal``.

    Raises ValueError when no entry can be read, or an entry lacks a field."""
    text = path.read_text(encoding="utf-8")
    starts = [(m.start(), m.group(1)) for m in _GO_TYPE.finditer(text)]
    out: dict[str, dict[str, Any]] = {}
    for i, (start, name) in enumerate(starts):
        block = text[start : starts[i + 1][0] if i + 1 < len(starts) else len(text)]
        fields = dict(_GO_FIELD.findall(block))
        cards = {int(idx): int(n) for n, idx in _GO_CARD.findall(block)}
        try:
            default = int(fields["DefaultNetworkCardIndex"])
            out[name] = {
                "enis": cards.get(default, int(fields["ENILimit"])),
                "eni_limit": int(fields["ENILimit"]),
                "ipv4_per_eni": int(fields["IPv4Limit"]),
                "hypervisor": fields["HypervisorType"].strip('"'),
                "bare_metal": fields["IsBareMetal"] == "true",
            }
        except (KeyError, ValueError) as error:
            raise ValueError(f"{path}: entry {name!r} lacks {error}") from None
    if not out:
        raise ValueError(f"{path}: no instanceNetworkingLimits entry found")
    return out


def merge(
    eks: dict[str, tuple[int, int]],
    attributes: dict[str, InstanceLimits],
    cni: dict[str, dict[str, Any]] | None,
) -> tuple[dict[str, InstanceLimits], list[str], list[str]]:
    """The table: every EKS type with its ENIs and IPv4, vCPUs/hypervisor/bare
    metal from ``attributes`` (else hypervisor and bare metal from ``cni`` and
    no vCPUs); plus the ``attributes`` types the EKS file lacks. Returns the
    table and the two lists the header records.

    Raises ValueError for an EKS type found in neither attribute source."""
    table: dict[str, InstanceLimits] = {}
    vcpus_unknown: list[str] = []
    for name, (enis, ipv4) in eks.items():
        known = attributes.get(name)
        if known is not None:
            table[name] = InstanceLimits(
                name, enis, ipv4, known.vcpus, known.hypervisor, known.bare_metal, SOURCE_TABLE
            )
        elif cni is not None and name in cni:
            row = cni[name]
            # The CNI writes "unknown" where EC2 reports no hypervisor (bare metal).
            hypervisor = "" if row["hypervisor"] == "unknown" else row["hypervisor"]
            table[name] = InstanceLimits(
                name, enis, ipv4, None, hypervisor, row["bare_metal"], SOURCE_TABLE
            )
            vcpus_unknown.append(name)
        else:
            raise ValueError(f"{name}: no vCPUs, hypervisor or bare-metal flag in any source")
    from_attributes = sorted(set(attributes) - set(eks))
    for name in from_attributes:
        table[name] = dataclasses.replace(attributes[name], source=SOURCE_TABLE)
    return dict(sorted(table.items())), sorted(vcpus_unknown), from_attributes


def cross_check(table: dict[str, InstanceLimits], cni: dict[str, dict[str, Any]]) -> list[str]:
    """Every type in both tables whose ENIs or IPv4 per ENI differ, as text lines
    (sorted), then a summary line."""
    lines = []
    both = sorted(set(table) & set(cni))
    for name in both:
        ours, theirs = table[name], cni[name]
        if (ours.enis, ours.ipv4_per_eni) != (theirs["enis"], theirs["ipv4_per_eni"]):
            lines.append(
                f"{name}: bundled {ours.enis} ENIs x {ours.ipv4_per_eni} IPv4, VPC CNI "
                f"{theirs['enis']} x {theirs['ipv4_per_eni']}"
            )
    lines.append(
        f"{len(both) - len(lines)} of {len(both)} types in both tables agree; "
        f"{len(set(table) - set(cni))} only in the bundled table, "
        f"{len(set(cni) - set(table))} only in the VPC CNI's"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="DescribeInstanceTypes JSON (may be .gz)")
    parser.add_argument("--origin", required=True, help="what the source is, in words")
    parser.add_argument("--repository", default="", help="owner/name the file comes from")
    parser.add_argument("--path", default="", help="path of the file in that repository")
    parser.add_argument("--revision", default="", help="commit, version or date of the source")
    parser.add_argument("--date", default=None, help="generation date (default: today, UTC)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check-eni-max-pods", type=Path, default=None, metavar="FILE")
    parser.add_argument(
        "--eks-instance-info",
        type=Path,
        default=None,
        metavar="FILE",
        help="amazon-eks-ami nodeadm/internal/kubelet/instance-info.jsonl",
    )
    parser.add_argument("--eks-revision", default="", help="commit of that file")
    parser.add_argument(
        "--vpc-cni-limits",
        type=Path,
        default=None,
        metavar="FILE",
        help="amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go",
    )
    parser.add_argument("--vpc-cni-revision", default="", help="commit of that file")
    parser.add_argument(
        "--write-check",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the VPC CNI's ENIs and IPv4 per type here (JSON)",
    )
    args = parser.parse_args(argv)

    try:
        records = read_records(args.source)
        table = build_table(records)
        cni = read_vpc_cni_limits(args.vpc_cni_limits) if args.vpc_cni_limits else None
        vcpus_unknown: list[str] = []
        from_attributes: list[str] = []
        if args.eks_instance_info is not None:
            eks = read_eks_instance_info(args.eks_instance_info)
            table, vcpus_unknown, from_attributes = merge(eks, table, cni)
    except (OSError, ValueError, InvalidDescribeResponse) as error:
        print(f"gen_instance_limits: {error}", file=sys.stderr)
        return 1

    generated = args.date or datetime.datetime.now(datetime.UTC).date().isoformat()
    header: dict[str, Any] = {
        "format": TABLE_FORMAT,
        "description": "EC2 instance network limits for VPC CNI max-pods arithmetic",
        "source": {
            "origin": args.origin,
            "repository": args.repository,
            "path": args.path,
            "revision": args.revision,
            "sha256": hashlib.sha256(args.source.read_bytes()).hexdigest(),
            "records": len(records),
            "shape": "EC2 DescribeInstanceTypes InstanceTypeInfo",
        },
        "fields": FIELDS,
        "generator": "scripts/gen_instance_limits.py",
        "generated": generated,
        "count": len(table),
    }
    if args.eks_instance_info is not None:
        header["limits_source"] = _provenance(
            args.eks_instance_info,
            "awslabs/amazon-eks-ami",
            "nodeadm/internal/kubelet/instance-info.jsonl",
            args.eks_revision,
        )
        header["fields"] = EKS_FIELDS
        header["limits_from_attributes_source"] = from_attributes
        header["vcpus_unknown"] = vcpus_unknown
    if cni is not None:
        assert args.vpc_cni_limits is not None
        header["hypervisor_fallback_source"] = _provenance(
            args.vpc_cni_limits,
            "aws/amazon-vpc-cni-k8s",
            "pkg/vpc/vpc_ip_resource_limit.go",
            args.vpc_cni_revision,
        )
    args.output.write_text(render(header, table), encoding="utf-8")
    print(f"wrote {len(table)} instance types to {args.output}", file=sys.stderr)

    if cni is not None:
        for line in cross_check(table, cni):
            print(line)
        if args.write_check is not None:
            # One type a line: the fixture's diffs then show the types that changed.
            head = json.dumps(
                {
                    "source": header["hypervisor_fallback_source"],
                    "what": "the VPC CNI's ENIs (default card) and IPv4 per ENI by type",
                }
            )
            rows = ",\n".join(
                f"  {json.dumps(n)}: {json.dumps([r['enis'], r['ipv4_per_eni']])}"
                for n, r in sorted(cni.items())
            )
            args.write_check.write_text(
                f'{head[:-1]}, "instance_types": {{\n{rows}\n}}}}\n', encoding="utf-8"
            )

    if args.check_eni_max_pods is not None:
        for line in check_eni_max_pods(args.check_eni_max_pods, table):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
