#!/usr/bin/env python3
"""Generate subnetfrag/data/instance_limits.json from EC2 DescribeInstanceTypes records.

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
import datetime
import gzip
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from subnetfrag.instances import InstanceLimits
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
    args = parser.parse_args(argv)

    try:
        records = read_records(args.source)
        table = build_table(records)
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
    args.output.write_text(render(header, table), encoding="utf-8")
    print(f"wrote {len(table)} instance types to {args.output}", file=sys.stderr)

    if args.check_eni_max_pods is not None:
        for line in check_eni_max_pods(args.check_eni_max_pods, table):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
