"""Peak memory of ``subnetfrag analyze`` on large describe-network-interfaces
files, per input size.

Run: ``python -m benchmarks bench_ingest`` (in ``make bench``), or
``python -m benchmarks.bench_ingest 200000`` for chosen ENI counts.

The inputs are generated here, in a temporary directory (never committed):
``SUBNETS`` /16 subnets and N ENIs spread over them, each record shaped as
the AWS CLI prints it (``--output json``, four-space indents, the fields a
real record carries: groups, attachment, MAC address, DNS names, tags), a
quarter of them holding a /28 prefix and the rest one to three secondary
addresses. 200,000 ENIs make a file of about 80 MB, the size issue 8 names.

Each size runs ``subnetfrag analyze --format prometheus`` in a fresh
interpreter and reports its peak resident set, the same for an interpreter
that only imports subnetfrag (the baseline), and the ratio of the peak above
the baseline to the file's size. The peak is ``VmHWM`` from
``/proc/self/status`` where there is one, not ``ru_maxrss``: on Linux
``ru_maxrss`` survives ``execve``, and ``subprocess`` starts the child with
``vfork``, so the child reported the benchmark process's own peak whenever that
was higher (51 MiB for the bare import after ``bench_core`` had run, against
30 MiB alone), which shrank the figures above the baseline. Memory is
deterministic enough to read from one run; the wall time is printed for
information only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SUBNETS = 32  #: /16s: 6,250 ENIs each at 200,000
SIZES = (25_000, 100_000, 200_000)
_CHILD = """
import resource, sys
import subnetfrag.cli
if sys.argv[1:]:
    import os
    sys.stdout = open(os.devnull, "w")
    status = subnetfrag.cli.main(sys.argv[1:])
    sys.stdout.close()
    if status != 0:
        sys.exit(status)
try:  # Linux: this process's own high-water mark, in KiB
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(kib, file=sys.stderr)
"""


def _subnet_id(i: int) -> str:
    return f"subnet-0{i:016x}"


def eni_record(n: int) -> dict[str, Any]:
    """The ``n``-th synthetic ENI, shaped as describe-network-interfaces
    prints one. Deterministic. O(1)."""
    sub = n % SUBNETS
    k = n // SUBNETS  # the ENI's index in its subnet
    net = (10 << 24) | (sub << 16)
    instance = f"i-0{n // 3:016x}"

    def ip(v: int) -> str:
        return f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"

    # Four addresses from offset 16 for each ENI; a quarter of the ENIs also
    # hold a /28 prefix from the upper half of the subnet.
    primary = net + 16 + 4 * k
    if k % 4 == 0:
        secondaries, prefixes = [], [f"{ip(net + 32768 + 16 * (k // 4))}/28"]
    else:
        secondaries, prefixes = [primary + 1 + j for j in range(n % 3 + 1)], []
    return {
        "Attachment": {"DeviceIndex": n % 3, "InstanceId": instance, "Status": "attached"},
        "AvailabilityZone": "us-east-1a",
        "Description": f"aws-K8S-{instance}" if n % 3 else "",
        "InterfaceType": "interface",
        "NetworkInterfaceId": f"eni-0{n:016x}",
        "PrivateIpAddress": ip(primary),
        "PrivateIpAddresses": [
            {"Primary": i == 0, "PrivateIpAddress": ip(a)}
            for i, a in enumerate([primary, *secondaries])
        ],
        "Ipv4Prefixes": [{"Ipv4Prefix": p} for p in prefixes],
        "Status": "in-use",
        "SubnetId": _subnet_id(sub),
        "TagSet": [{"Key": "cluster.k8s.amazonaws.com/name", "Value": "demo"}] if n % 3 else [],
        "VpcId": "vpc-0123456789abcdef0",
    }


def write_inputs(folder: Path, enis: int) -> tuple[Path, Path]:
    """Write describe-subnets and describe-network-interfaces output for
    ``enis`` ENIs into ``folder``, the ENIs one at a time (the generator never
    holds the whole document). Returns the two paths. O(enis)."""
    subnets = folder / "subnets.json"
    subnets.write_text(
        json.dumps(
            {
                "Subnets": [
                    {"SubnetId": _subnet_id(i), "CidrBlock": f"10.{i}.0.0/16"}
                    for i in range(SUBNETS)
                ]
            },
            indent=4,
        )
    )
    path = folder / "enis.json"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{\n    "NetworkInterfaces": [\n')
        for n in range(enis):
            fh.write(json.dumps(eni_record(n)))
            fh.write(",\n" if n + 1 < enis else "\n")
        fh.write("    ]\n}\n")
    return subnets, path


def peak_rss_mib(*argv: str) -> tuple[float, float]:
    """Peak resident set (MiB; the child's own, see the module's docstring)
    and wall time of ``subnetfrag ARGV`` run in a fresh interpreter; no
    argument: an interpreter that imports subnetfrag."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *argv], capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - start
    return int(done.stderr.strip().splitlines()[-1]) / 1024, elapsed


def measure_sizes(sizes: tuple[int, ...]) -> list[str]:
    """One table line per size. O(sum of sizes)."""
    base, _ = peak_rss_mib()
    lines = [
        f"baseline (import subnetfrag): {base:.0f} MiB",
        f"{'ENIs':>9}  {'file':>9}  {'peak RSS':>9}  {'minus baseline':>14}  {'/ file':>6}  time",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            subnets, enis = write_inputs(Path(tmp), n)
            mib = enis.stat().st_size / 2**20
            peak, elapsed = peak_rss_mib(
                "analyze", "--subnets", str(subnets), "--enis", str(enis), "--format", "prometheus"
            )
            lines.append(
                f"{n:>9,}  {mib:>5.1f} MiB  {peak:>5.0f} MiB  {peak - base:>10.0f} MiB  "
                f"{(peak - base) / mib:>5.1f}x  {elapsed:.1f} s"
            )
            os.unlink(enis)
    return lines


def run() -> list[tuple[str, list[Any]]]:
    """For ``python -m benchmarks``: prints its own table (memory, not
    timings), returns no timing rows."""
    print("\n## bench_ingest: peak memory of analyze on generated ENI files")
    for line in measure_sizes(SIZES):
        print(line)
    return []


if __name__ == "__main__":
    wanted = tuple(int(a) for a in sys.argv[1:]) or SIZES
    print("\n".join(measure_sizes(wanted)))
