"""Hot-path benchmark of the allocator core on a /16 about half allocated.

Run: ``make bench`` (all suites) or ``python -m benchmarks.bench_core``.
Prints seconds per call and ratios against a no-op method call and against
baselines measured in the same run: netaddr's IPSet, and a plain Python set of
used addresses scanned block by block.
"""

from __future__ import annotations

import random
import tracemalloc

import netaddr

import subnetfrag as sf

from .harness import Row, measure, print_table

CIDR = "10.0.0.0/16"


class _NoOp:
    def call(self) -> None:
        pass


def half_full(policy: str = "random", seed: int = 1) -> sf.Subnet:
    """A /16 with about half its addresses allocated at random: 40 % in /28
    prefixes, then scattered /32s up to 50 %, which leaves some free /28s."""
    s = sf.Subnet(CIDR, seed=seed, policy=policy)
    for _ in range(s.size * 4 // 10 // 16):
        s.allocate_prefix(policy="random")
    while s.free_ip_count() > s.size // 2:
        s.allocate_ip(policy="random")
    return s


def _set_baseline(s: sf.Subnet) -> tuple[set[int], int]:
    used = {int(n.first) + i for n in s.allocations() for i in range(n.size)}
    first = s.first
    used.update(first + off for off in s.aws_reserved_offsets())
    return used, first


def _count_blocks_by_set(used: set[int], first: int, size: int) -> int:
    free = 0
    for base in range(first, first + size, 16):
        if not any(base + i in used for i in range(16)):
            free += 1
    return free


def _ipset_free(s: sf.Subnet) -> netaddr.IPSet:
    free = netaddr.IPSet([s.cidr])
    for n in s.allocations():
        free.remove(n)
    for off in s.aws_reserved_offsets():
        free.remove(netaddr.IPAddress(s.first + off))
    return free


def _count_blocks_by_ipset(free: netaddr.IPSet) -> int:
    return sum(1 << (28 - c.prefixlen) for c in free.iter_cidrs() if c.prefixlen <= 28)


def run() -> list[tuple[str, list[Row]]]:
    """Measure every figure of the core's performance budget."""
    noop = _NoOp()
    t_noop = measure(noop.call)
    sections: list[tuple[str, list[Row]]] = []

    s = half_full()
    queries = [
        Row("no-op method call", t_noop),
        Row("can_fit_prefix()", measure(s.can_fit_prefix), "no-op", t_noop, 3),
        Row("free_prefix_count()", measure(s.free_prefix_count), "no-op", t_noop, 3),
        Row("free_ip_count()", measure(s.free_ip_count), "no-op", t_noop),
        Row("available_ip_count()", measure(s.available_ip_count), "no-op", t_noop),
    ]
    used, first = _set_baseline(s)
    t_set = measure(lambda: _count_blocks_by_set(used, first, s.size), repeat=3)
    free = _ipset_free(s)
    t_ipset = measure(lambda: _count_blocks_by_ipset(free), repeat=3)
    assert _count_blocks_by_set(used, first, s.size) >= s.free_prefix_count()
    queries += [
        Row("free /28 count: python set scan", t_set, "free_prefix_count", queries[2].seconds),
        Row("free /28 count: IPSet.iter_cidrs", t_ipset, "free_prefix_count", queries[2].seconds),
    ]
    sections.append((f"queries on {CIDR}, {s.size - s.free_ip_count():,} used", queries))

    pairs = []
    for policy in sf.policy_names():
        s = half_full(policy)

        def ip_pair(s: sf.Subnet = s) -> None:
            s.release(s.allocate_ip())

        def prefix_pair(s: sf.Subnet = s) -> None:
            s.release(s.allocate_prefix())

        pairs.append(
            Row(f"allocate_ip + release ({policy})", measure(ip_pair), "no-op", t_noop, 120)
        )
        pairs.append(
            Row(f"allocate_prefix + release ({policy})", measure(prefix_pair), "no-op", t_noop, 150)
        )
    s = half_full()
    free = _ipset_free(s)
    victim = next(iter(free))

    def ipset_pair() -> None:
        free.remove(victim)
        free.add(victim)

    pairs.append(
        Row("IPSet remove + add of one address", measure(ipset_pair, repeat=3), "no-op", t_noop)
    )
    sections.append(("mutations", pairs))

    rng = random.Random(3)
    offsets = rng.sample(range(4, 65535), 30_000)
    addresses = [str(netaddr.IPAddress(int(netaddr.IPAddress("10.0.0.0")) + o)) for o in offsets]

    def build() -> sf.Subnet:
        b = sf.Subnet(CIDR)
        for a in addresses:
            b.allocate_ip(a)
        return b

    t_build = measure(build, number=1, repeat=3)

    def build_ipset() -> netaddr.IPSet:
        f = netaddr.IPSet([CIDR])
        for a in addresses[:3000]:
            f.remove(a)
        return f

    t_ipset_build = measure(build_ipset, number=1, repeat=1) * 10
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = build()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    build_rows = [
        Row("build /16 from 30,000 explicit addresses", t_build),
        Row("same with IPSet.remove (3,000 measured, x10)", t_ipset_build, "subnetfrag", t_build),
    ]
    sections.append(
        (
            f"bulk load (target < 0.3 s); memory of the state "
            f"{(after - before) / 2**20:.2f} MiB (target < 20 MB)",
            build_rows,
        )
    )
    return sections


def main() -> None:
    for title, rows in run():
        print_table(title, rows)


if __name__ == "__main__":
    main()
