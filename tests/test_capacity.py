"""plan_capacity against hand-computed cases and the VPC CNI's own tables.

The tables are those of amazon-vpc-cni-k8s docs/prefix-and-ip-target.md and
docs/eni-and-ip-target.md (t3.small: 3 ENIs x 4 IPv4; p3dn.24xlarge: 15 ENIs x
50 IPv4). Where a row of those tables disagrees with the documented rules (and
with the other columns of the same row), the test follows the rules and says so.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest

import subnetfrag as sf
from subnetfrag.capacity import (
    CapacityPlan,
    InvalidCapacityArgument,
    fits_in_subnet,
    plan_capacity,
    smallest_subnet,
)


def per_node(plan: CapacityPlan) -> tuple[int, int, int]:
    n = plan.per_node
    return n.enis, n.prefixes, n.unused_addresses


# ------------------------------------------------------ the example


def test_classic_example_warm_ip_target() -> None:
    """Five m5.large nodes, one pod each, prefix mode, WARM_IP_TARGET=1 and
    MINIMUM_IP_TARGET=1: five /28s, 80 addresses for 5 pods (75 unused), plus
    the five ENI primary addresses."""
    plan = sf.plan_capacity(
        nodes=5,
        pods_per_node=1,
        instance_type="m5.large",
        prefix_delegation=True,
        warm_ip_target=1,
        minimum_ip_target=1,
    )
    d = plan.to_dict()
    assert d["prefixes"] == 5
    assert d["addresses"] == 80 + 5
    assert d["pod_addresses"] == 5 and d["unused_addresses"] == 75
    assert d["eni_primary_addresses"] == 5
    assert d["warm_pool_rule"] == "WARM_IP_TARGET/MINIMUM_IP_TARGET"
    assert d["per_node"] == {
        "enis": 1,
        "pod_enis": 1,
        "prefixes": 1,
        "secondary_ips": 0,
        "pod_addresses": 1,
        "unused_addresses": 15,
        "eni_primary_addresses": 1,
        "addresses": 17,
        "pods_without_address": 0,
        "trunk_enis": 0,
    }
    text = plan.explain()
    assert "max(ceil(1/16), ceil((1 + 1)/16), ceil(1/16)) = max(1, 1, 1) = 1" in text
    assert "5 prefixes = 80 prefix addresses (5 pods, 75 unused) + 5 ENI primary addresses" in text
    assert "= 85 addresses held" in text


def test_classic_example_default_warm_prefix_target() -> None:
    """The same with the default WARM_PREFIX_TARGET=1: ten /28s (a prefix with
    one address in use is not a free prefix), 160 addresses for 5 pods."""
    plan = sf.plan_capacity(nodes=5, pods_per_node=1, instance_type="m5.large")
    d = plan.to_dict()
    assert d["prefixes"] == 10 and d["addresses"] == 160 + 5
    assert d["unused_addresses"] == 155 and d["warm_pool_rule"] == "WARM_PREFIX_TARGET"
    assert "ceil(1/16) = 1 prefix; WARM_PREFIX_TARGET=1 keeps 16 x 1 addresses free" in (
        plan.explain()
    )
    assert "1 + 1 = 2" in plan.explain()
    assert "10 prefixes = 160 prefix addresses (5 pods, 155 unused)" in plan.explain()
    # 10 prefixes and 5 /32s: a /25 has 6 prefix-capable /28s, a /24 has 14.
    assert [s.prefixlen for s in plan.subnets] == [24]
    assert plan.secondary_cidr_prefixlen == 24
    json.dumps(d)
    assert plan.explain().splitlines()[0].startswith("1. m5.large: 3 ENIs x 10 IPv4 slots")


def test_eni_limits_work_without_the_table() -> None:
    a = plan_capacity(nodes=5, pods_per_node=1, instance_type="m5.large")
    b = plan_capacity(nodes=5, pods_per_node=1, eni_limits=(3, 10))
    c = plan_capacity(
        nodes=5, pods_per_node=1, eni_limits=sf.InstanceLimits("x", enis=3, ipv4_per_eni=10)
    )
    for other in (b, c):
        assert other.per_node == a.per_node and other.subnets == a.subnets
        assert other.prefixes == a.prefixes and other.addresses == a.addresses
    assert b.limits.source == "explicit limits" and a.limits.source == "bundled table"
    assert b.warnings == ()  # no vCPU count: no max-pods warning possible


# ---------------------------------------------- the VPC CNI's prefix table

# (WARM_PREFIX_TARGET, WARM_IP_TARGET, MINIMUM_IP_TARGET, pods, ENIs, prefixes, unused IPs)
T3_SMALL_PREFIX = [
    (1, None, None, 0, 1, 1, 16),
    (1, None, None, 5, 1, 2, 27),
    (1, None, None, 16, 1, 2, 16),
    (1, None, None, 17, 1, 3, 31),
    (1, None, None, 58, 2, 5, 22),
    (1, 1, 1, 0, 1, 1, 16),
    (1, 1, 1, 5, 1, 1, 11),
    (1, 1, 1, 17, 1, 2, 15),
    (1, 1, 1, 58, 2, 4, 6),
    # The table prints 1 attached prefix and 16 unused IPs for this row, but 2 in
    # its own "prefixes per ENI" and "0,0" pods-per-prefix columns; its text says
    # a MINIMUM_IP_TARGET above N x 16 is (N + 1) x 16: 20 -> 32 -> 2 prefixes.
    (1, 7, 20, 0, 1, 2, 32),
    (1, 7, 20, 5, 1, 2, 27),
    (1, 7, 20, 17, 1, 2, 15),
    (1, 7, 20, 58, 2, 5, 22),
]

# p3dn.24xlarge rows: prefixes and unused IPs as the table prints them. Its ENI
# column (1, 2, 3 / 1, 1, 1, 2) repeats the secondary-IP table's and contradicts
# "New ENI will only be allocated after we exhaust all the prefixes allocated to
# existing ENIs" (49 prefixes fit on one ENI): the plan follows the rule.
P3DN_PREFIX = [
    (1, None, None, 0, 1, 16),
    (1, None, None, 3, 2, 29),
    (1, None, None, 95, 7, 17),
    (1, 5, 10, 0, 1, 16),
    (1, 5, 10, 7, 1, 9),
    (1, 5, 10, 15, 2, 17),
    (1, 5, 10, 45, 4, 19),
]


@pytest.mark.parametrize(
    ("wpt", "wit", "mit", "pods", "enis", "prefixes", "unused"), T3_SMALL_PREFIX
)
def test_cni_prefix_table_t3_small(
    wpt: int, wit: int | None, mit: int | None, pods: int, enis: int, prefixes: int, unused: int
) -> None:
    plan = plan_capacity(
        nodes=1,
        pods_per_node=pods,
        instance_type="t3.small",
        warm_prefix_target=wpt,
        warm_ip_target=wit,
        minimum_ip_target=mit,
    )
    assert per_node(plan) == (enis, prefixes, unused)
    assert plan.addresses == 16 * prefixes + enis


@pytest.mark.parametrize(("wpt", "wit", "mit", "pods", "prefixes", "unused"), P3DN_PREFIX)
def test_cni_prefix_table_p3dn(
    wpt: int, wit: int | None, mit: int | None, pods: int, prefixes: int, unused: int
) -> None:
    plan = plan_capacity(
        nodes=1,
        pods_per_node=pods,
        instance_type="p3dn.24xlarge",
        warm_prefix_target=wpt,
        warm_ip_target=wit,
        minimum_ip_target=mit,
    )
    assert per_node(plan) == (1, prefixes, unused)


# ------------------------------------------ the VPC CNI's secondary-IP table

# (instance, WARM_ENI_TARGET, WARM_IP_TARGET, MINIMUM_IP_TARGET, pods, ENIs, IPs, unused)
SECONDARY = [
    ("t3.small", 1, None, None, 0, 1, 3, 3),
    ("t3.small", 1, None, None, 5, 3, 9, 4),
    ("t3.small", 1, None, None, 9, 3, 9, 0),
    ("t3.small", 1, 1, 1, 0, 1, 1, 1),
    ("t3.small", 1, 1, 1, 5, 2, 6, 1),
    ("t3.small", 1, 1, 1, 9, 3, 9, 0),
    ("t3.small", 1, 2, 5, 0, 2, 5, 5),
    ("t3.small", 1, 2, 5, 5, 3, 7, 2),
    ("t3.small", 1, 2, 5, 9, 3, 9, 0),
    ("p3dn.24xlarge", 1, None, None, 0, 1, 49, 49),
    ("p3dn.24xlarge", 1, None, None, 3, 2, 98, 95),
    ("p3dn.24xlarge", 1, None, None, 95, 3, 147, 52),
    ("p3dn.24xlarge", 1, 5, 10, 0, 1, 10, 10),
    ("p3dn.24xlarge", 1, 5, 10, 7, 1, 12, 5),
    ("p3dn.24xlarge", 1, 5, 10, 15, 1, 20, 5),
    ("p3dn.24xlarge", 1, 5, 10, 45, 2, 50, 5),
]


@pytest.mark.parametrize(
    ("itype", "weni", "wit", "mit", "pods", "enis", "ips", "unused"), SECONDARY
)
def test_cni_secondary_ip_table(
    itype: str,
    weni: int,
    wit: int | None,
    mit: int | None,
    pods: int,
    enis: int,
    ips: int,
    unused: int,
) -> None:
    plan = plan_capacity(
        nodes=1,
        pods_per_node=pods,
        instance_type=itype,
        prefix_delegation=False,
        warm_eni_target=weni,
        warm_ip_target=wit,
        minimum_ip_target=mit,
    )
    n = plan.per_node
    assert (n.enis, n.secondary_ips, n.unused_addresses) == (enis, ips, unused)
    assert plan.prefixes == 0 and plan.addresses == ips + enis
    assert plan.to_dict()["mode"] == "secondary-ip"


def test_secondary_ip_mode_cluster() -> None:
    """Ten c5.4xlarge (8 ENIs x 30 IPv4: 29 per ENI), 40 pods each, WARM_ENI_TARGET=1:
    ceil(40/29) + 1 = 3 ENIs, 87 addresses (47 unused) + 3 primaries = 90 per
    node; 900 /32s for the cluster: a /22 (1,019 usable) is the smallest."""
    plan = plan_capacity(
        nodes=10, pods_per_node=40, instance_type="c5.4xlarge", prefix_delegation=False
    )
    assert (plan.per_node.enis, plan.per_node.secondary_ips) == (3, 87)
    assert plan.addresses == 900 and plan.prefixes == 0 and plan.unused_addresses == 470
    assert plan.subnets[0].singles == 900 and plan.subnets[0].prefixlen == 22
    assert smallest_subnet(0, 507) == 23 and smallest_subnet(0, 508) == 22


# ------------------------------------------------------- custom networking


def test_custom_networking_prefix_mode() -> None:
    """50 m5.large, 30 pods each, custom networking: the primary ENI carries no
    pod, so 2 of the 3 ENIs hold pods. Per node ceil(30/16) + 1 = 3 prefixes on
    ceil(3/9) = 1 pod ENI, plus the primary ENI: 2 ENIs. Node subnet: 50 node
    addresses (a /26: 59 usable). Pod subnet: 150 prefixes and 50 pod-ENI primary
    addresses: a /20 (254 prefix-capable /28s; a /21 has 126)."""
    plan = plan_capacity(
        nodes=50, pods_per_node=30, instance_type="m5.large", custom_networking=True
    )
    n = plan.per_node
    assert (n.enis, n.pod_enis, n.prefixes, n.addresses) == (2, 1, 3, 50)
    assert plan.prefixes == 150 and plan.addresses == 2400 + 100
    nodes, pods = plan.subnets
    assert (nodes.role, nodes.prefixes, nodes.singles, nodes.prefixlen) == ("nodes", 0, 50, 26)
    assert (pods.role, pods.prefixes, pods.singles, pods.prefixlen) == ("pods", 150, 50, 20)
    assert plan.secondary_cidr_prefixlen == 20
    assert "custom networking: the primary ENI stays in the node subnet" in plan.explain()
    assert "secondary CIDR for the pods subnet: a /20 block" in plan.explain()


def test_custom_networking_takes_an_eni_from_pods() -> None:
    # m5.large with custom networking: 2 pod ENIs x 9 prefixes x 16 = 288 pod
    # addresses; max pods 500 so the ENIs, not the kubelet, are the limit.
    full = plan_capacity(
        nodes=1, pods_per_node=288, instance_type="m5.large", custom_networking=True,
        max_pods=500,
    )  # fmt: skip
    assert (full.per_node.prefixes, full.pods_without_address) == (18, 0)
    over = plan_capacity(
        nodes=2, pods_per_node=289, instance_type="m5.large", custom_networking=True,
        max_pods=500,
    )  # fmt: skip
    assert over.per_node.pods_without_address == 1 and over.pods_without_address == 2
    assert [w.code for w in over.warnings] == ["eni-slots-exhausted"]
    # Secondary-IP mode: 2 pod ENIs x 9 = 18; WARM_ENI_TARGET stops at the last ENI.
    plan = plan_capacity(
        nodes=1, pods_per_node=10, instance_type="m5.large", prefix_delegation=False,
        custom_networking=True,
    )  # fmt: skip
    n = plan.per_node
    assert (n.enis, n.pod_enis, n.secondary_ips, n.unused_addresses) == (3, 2, 18, 8)
    assert "warm pool stops there" in plan.explain()
    nodes, pods = plan.subnets
    assert (nodes.singles, pods.singles) == (1, 2 + 18)
    with pytest.raises(InvalidCapacityArgument, match="no ENI slot for pods"):
        plan_capacity(nodes=1, pods_per_node=1, eni_limits=(1, 10), custom_networking=True)


def test_warm_pool_stops_at_the_last_slot() -> None:
    # m5.large: 3 ENIs x 9 prefixes = 27; with max pods 434 (uncapped), 432 pods
    # fill them all, no warm prefix left.
    plan = plan_capacity(nodes=1, pods_per_node=432, instance_type="m5.large", max_pods=434)
    n = plan.per_node
    assert (n.prefixes, n.enis, n.unused_addresses, n.pods_without_address) == (27, 3, 0, 0)
    assert "the warm pool stops there (27, not 28)" in plan.explain()
    assert plan.warnings == ()
    over = plan_capacity(nodes=1, pods_per_node=433, instance_type="m5.large", max_pods=500)
    assert over.per_node.pods_without_address == 1
    assert "warning [eni-slots-exhausted]" in over.explain()


def test_max_pods_ceiling_stops_the_pool() -> None:
    # Issue 9 item 1. isDatastorePoolTooLow returns "not low" once
    # stats.TotalIPs >= c.maxPods: m5.large, WARM_PREFIX_TARGET=1, 100 pods, max
    # pods 110 (the AL2 recommendation): 7 prefixes hold 112 >= 110, not 8.
    plan = plan_capacity(nodes=1, pods_per_node=100, instance_type="m5.large")
    assert (plan.max_pods, plan.per_node.prefixes) == (110, 7)
    assert "the warm pool stops there (7, not 8): 112 addresses >= max pods 110" in (plan.explain())
    assert "max pods 110 (EKS's recommendation, AL2 calculator" in plan.explain()
    assert (
        plan_capacity(
            nodes=1, pods_per_node=100, instance_type="m5.large", max_pods=250
        ).per_node.prefixes
        == 8
    )
    # The ceiling applies in secondary-IP mode too: max pods 12 stops at 18 IPs.
    low = plan_capacity(
        nodes=1, pods_per_node=10, instance_type="m5.large", prefix_delegation=False,
        max_pods=12,
    )  # fmt: skip
    assert (low.per_node.secondary_ips, low.per_node.pods_without_address) == (18, 0)
    # More pods than max pods - 2: the kubelet refuses them.
    many = plan_capacity(nodes=3, pods_per_node=109, instance_type="m5.large")
    assert many.per_node.pods_without_address == 1 and many.pods_without_address == 3
    assert [w.code for w in many.warnings] == ["max-pods-exceeded"]
    assert plan_capacity(nodes=1, pods_per_node=108, instance_type="m5.large").warnings == ()


def test_minimum_ip_target_without_warm_ip_target() -> None:
    # Issue 9 item 2: WARM_IP_TARGET unset is 0 (noWarmIPTarget); datastoreTargetState
    # short = max(0 - available, 10 - total): 0 once one prefix (16) is held.
    plan = plan_capacity(nodes=4, pods_per_node=40, instance_type="m5.large", minimum_ip_target=10)
    assert plan.per_node.prefixes == 1
    d = plan.to_dict()
    assert d["per_node"]["pods_without_address"] == 24
    assert d["pods_without_address"] == 96
    codes = [w["code"] for w in d["warnings"]]
    assert codes == ["minimum-ip-target-without-warm-ip-target"]
    assert "24 pods per node get no address" in d["warnings"][0]["message"]
    # Even when every pod fits, the trap is named.
    fits = plan_capacity(nodes=1, pods_per_node=5, instance_type="m5.large", minimum_ip_target=10)
    assert [w.code for w in fits.warnings] == ["minimum-ip-target-without-warm-ip-target"]


def test_max_eni_and_security_groups_for_pods() -> None:
    # Issue 9 item 3. getMaxENI: min(MAX_ENI, ENIs); hasRoomForEni:
    # maxENI - unmanagedENI - trunkEni. m5.large secondary-IP mode, 25 pods:
    plan = plan_capacity(
        nodes=1, pods_per_node=25, instance_type="m5.large", prefix_delegation=False,
        max_eni=2,
    )  # fmt: skip
    assert (plan.per_node.enis, plan.per_node.secondary_ips) == (2, 18)
    assert plan.per_node.pods_without_address == 7
    assert "MAX_ENI=2: ipamd attaches at most min(2, 3) = 2 ENIs" in plan.explain()
    sgp = plan_capacity(
        nodes=1, pods_per_node=25, instance_type="m5.large", prefix_delegation=False,
        security_groups_for_pods=True,
    )  # fmt: skip
    n = sgp.per_node
    assert (n.enis, n.trunk_enis, n.secondary_ips, n.pods_without_address) == (3, 1, 18, 7)
    assert n.addresses == 18 + 3  # the trunk ENI's primary address is held too
    codes = [w.code for w in sgp.warnings]
    assert codes == ["eni-slots-exhausted", "trunk-eni-not-in-max-pods"]
    assert "the trunk ENI takes one ENI slot" in sgp.explain()


@pytest.mark.parametrize("nodes", [10**13, 2**130])
def test_huge_node_counts_are_refused_at_once(nodes: int) -> None:
    # Issue 8 item 7: no VPC holds more than 2**32 addresses.
    with pytest.raises(InvalidCapacityArgument, match="nodes must be at most 4,294,967,296"):
        plan_capacity(nodes=nodes, pods_per_node=30, instance_type="m5.large")


def test_the_largest_plan_is_answered_in_o1() -> None:
    # 2**32 nodes: the totals are multiplied out, and the /16 count is closed-form.
    plan = plan_capacity(nodes=2**32, pods_per_node=30, instance_type="m5.large")
    assert plan.prefixes == 3 * 2**32
    need = plan.subnets[0]
    assert need.prefixlen is None
    usable = 4096 - 2
    k = need.subnets_of_16
    assert need.required_prefixes <= k * usable
    assert need.required_singles + 16 * need.required_prefixes <= k * (27 + 16 * usable)
    assert need.required_singles + 16 * need.required_prefixes > (k - 1) * (27 + 16 * usable)
    for bad in ({"pods_per_node": 2**32 + 1}, {"warm_ip_target": 2**40}, {"max_pods": 2**33}):
        with pytest.raises(InvalidCapacityArgument, match="at most"):
            plan_capacity(**({"nodes": 1, "pods_per_node": 1, "instance_type": "m5.large"} | bad))  # type: ignore[arg-type]
    with pytest.raises(InvalidCapacityArgument, match="at most 64"):
        plan_capacity(nodes=1, pods_per_node=1, eni_limits=(1000, 10))


# ------------------------------------------------------ a simulated ipamd


def simulate_prefix_mode(
    pods: int,
    per_eni: int,
    pod_enis: int,
    wpt: int,
    wit: int | None,
    mit: int | None,
) -> tuple[int, int]:
    """ipamd's reconcile loop as docs/prefix-and-ip-target.md describes it, run
    after each of ``pods`` pods arrives one at a time: (prefixes, ENIs)."""
    total = 0
    enis = 1  # the instance starts with its primary ENI

    def reconcile(p: int) -> None:
        nonlocal total, enis
        while True:
            if wit is None and mit is None:
                need = wpt - (total - math.ceil(p / 16))
            else:
                short = max((wit or 0) - (16 * total - p), (mit or 0) - 16 * total, 0)
                need = math.ceil(short / 16)
            room = pod_enis * per_eni - total
            if need <= 0 or room <= 0:
                return
            # Fill the attached ENIs' free slots first; then attach one more.
            free_slots = enis * per_eni - total
            if free_slots == 0:
                enis += 1
                free_slots = per_eni
            total += min(need, free_slots, room)

    for p in range(pods + 1):
        reconcile(p)
    return total, max(enis, math.ceil(total / per_eni))


@pytest.mark.parametrize("limits", [(3, 4), (3, 10), (4, 15), (2, 3)])
@pytest.mark.parametrize(
    "targets",
    # (1, None, 40) is left out: the docs' rule lets pods beyond the pool count,
    # the code does not (test_minimum_ip_target_without_warm_ip_target).
    [(1, None, None), (2, None, None), (1, 1, 1), (1, 7, 20), (1, 5, None)],
)
def test_plan_matches_a_simulated_ipamd(
    limits: tuple[int, int], targets: tuple[int, int | None, int | None]
) -> None:
    enis, ipv4 = limits
    wpt, wit, mit = targets
    for pods in range(0, enis * (ipv4 - 1) * 16 + 1, 3):
        plan = plan_capacity(
            nodes=2,
            pods_per_node=pods,
            eni_limits=limits,
            warm_prefix_target=wpt,
            warm_ip_target=wit,
            minimum_ip_target=mit,
        )
        prefixes, attached = simulate_prefix_mode(pods, ipv4 - 1, enis, wpt, wit, mit)
        assert (plan.per_node.prefixes, plan.per_node.enis) == (prefixes, attached), pods
        assert plan.prefixes == 2 * prefixes
        assert plan.addresses == 2 * (16 * prefixes + attached)


# --------------------------------------------------------- subnet fitting


@pytest.mark.parametrize("plen", [28, 27, 26, 25, 24])
def test_fits_in_subnet_against_a_real_subnet(plen: int) -> None:
    """Prefixes placed lowest first and /32s lowest first use every free
    address, so a real Subnet succeeds exactly when fits_in_subnet says so."""
    size = 1 << (32 - plen)
    blocks = size // 16
    for prefixes in range(blocks + 1):
        cap = size - 5 - 16 * prefixes
        for singles in {0, cap - 1, cap, cap + 1} - {-1}:
            if singles < 0:
                continue
            s = sf.Subnet(f"10.0.0.0/{plen}", policy="lowest")
            ok = True
            try:
                for _ in range(prefixes):
                    s.allocate_prefix()
                for _ in range(singles):
                    s.allocate_ip()
            except sf.InsufficientCapacity:
                ok = False
            assert fits_in_subnet(plen, prefixes, singles) == ok, (plen, prefixes, singles)


def test_smallest_subnet_and_beyond_a_16() -> None:
    assert smallest_subnet(0, 0) == 28 and smallest_subnet(0, 11) == 28
    assert smallest_subnet(0, 12) == 27 and smallest_subnet(1, 0) == 26
    assert smallest_subnet(2, 27) == 26 and smallest_subnet(2, 28) == 25
    assert smallest_subnet(4094, 27) == 16 and smallest_subnet(4094, 28) is None
    assert smallest_subnet(4095, 0) is None
    plan = plan_capacity(nodes=2000, pods_per_node=40, instance_type="m5.large")
    # 4 prefixes + 1 ENI primary per node: 8,000 prefixes, 2,000 /32s.
    need = plan.subnets[0]
    assert (need.prefixes, need.singles, need.prefixlen, need.subnets_of_16) == (
        8000,
        2000,
        None,
        2,
    )
    assert plan.secondary_cidr_prefixlen is None
    assert "more than a /16 holds: 2 /16 subnets" in plan.explain()
    assert plan.to_dict()["subnets"][0]["size"] is None
    for bad in ((15, 0, 0), (29, 0, 0), (24, -1, 0), (24, 0, -1), (24, 1.5, 0)):
        with pytest.raises(InvalidCapacityArgument):
            fits_in_subnet(*bad)  # type: ignore[arg-type]


def test_headroom_is_exact() -> None:
    # 5 prefixes x 1.2 = 6 exactly (a binary 1.2 would give 6.000000000000001 -> 7).
    plan = plan_capacity(
        nodes=5, pods_per_node=1, instance_type="m5.large", warm_ip_target=1, headroom=0.2
    )
    need = plan.subnets[0]
    assert (need.required_prefixes, need.required_singles) == (6, 6)
    assert plan.headroom == Fraction(1, 5) and plan.to_dict()["headroom"] == 0.2
    assert "with 20% headroom 6 prefixes and 6 /32s" in plan.explain()
    big = plan_capacity(
        nodes=5, pods_per_node=1, instance_type="m5.large", warm_ip_target=1, headroom=Fraction(3)
    )
    assert (big.subnets[0].required_prefixes, big.subnets[0].prefixlen) == (20, 23)
    assert plan.subnets[0].prefixlen == 25  # 6 prefixes + 6 /32s still fit a /25


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # neither instance_type nor eni_limits
        {"instance_type": "m5.large", "eni_limits": (3, 10)},
        {"instance_type": 5},
        {"eni_limits": (3,)},
        {"eni_limits": "3x10"},
        {"eni_limits": (0, 10)},
        {"eni_limits": (3, 0)},
        {"eni_limits": (3, True)},
        {"eni_limits": (1, 1)},  # no slot left after the primary address
        {"instance_type": "m5.large", "nodes": 0},
        {"instance_type": "m5.large", "nodes": 2.0},
        {"instance_type": "m5.large", "pods_per_node": -1},
        {"instance_type": "m5.large", "warm_prefix_target": -1},
        {"instance_type": "m5.large", "warm_ip_target": -1},
        {"instance_type": "m5.large", "minimum_ip_target": "5"},
        {"instance_type": "m5.large", "warm_ip_target": 0, "minimum_ip_target": 0},
        {"instance_type": "m5.large", "warm_ip_target": 0},
        {"instance_type": "m5.large", "warm_prefix_target": 0},
        {"instance_type": "m5.large", "prefix_delegation": 1},
        {"instance_type": "m5.large", "custom_networking": None},
        {"instance_type": "m5.large", "headroom": -0.1},
        {"instance_type": "m5.large", "headroom": float("nan")},
        {"instance_type": "m5.large", "headroom": float("inf")},
        {"instance_type": "m5.large", "headroom": True},
        {"instance_type": "m5.large", "headroom": "0.2"},
    ],
)
def test_invalid_arguments(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"nodes": 3, "pods_per_node": 10} | kwargs
    with pytest.raises(InvalidCapacityArgument) as info:
        plan_capacity(**args)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError) and isinstance(info.value, sf.SubnetFragError)


def test_supported_target_combinations() -> None:
    # Zero in one target with the other set is supported; WARM_PREFIX_TARGET is
    # then not in effect, so 0 there is fine.
    plan = plan_capacity(
        nodes=1, pods_per_node=0, instance_type="m5.large", warm_prefix_target=0,
        warm_ip_target=0, minimum_ip_target=20,
    )  # fmt: skip
    assert plan.per_node.prefixes == 2
    plan = plan_capacity(
        nodes=1, pods_per_node=3, instance_type="m5.large", prefix_delegation=False,
        warm_eni_target=0, warm_ip_target=2,
    )  # fmt: skip
    assert (plan.per_node.secondary_ips, plan.per_node.enis) == (5, 1)
    two = plan_capacity(nodes=1, pods_per_node=20, instance_type="m5.large", warm_prefix_target=2)
    assert two.per_node.prefixes == 2 + 2


def test_instance_errors_from_the_table() -> None:
    with pytest.raises(sf.UnknownInstanceType):
        plan_capacity(nodes=1, pods_per_node=1, instance_type="m5.lrage")
    # t2.medium runs on Xen: no prefix delegation; secondary-IP mode is fine.
    with pytest.raises(sf.PrefixDelegationUnsupported):
        plan_capacity(nodes=1, pods_per_node=1, instance_type="t2.medium")
    plan = plan_capacity(
        nodes=1, pods_per_node=1, instance_type="t2.medium", prefix_delegation=False
    )
    assert plan.per_node.secondary_ips == 10  # ceil(1/5) + 1 = 2 ENIs x 5
    with pytest.raises(sf.PrefixDelegationUnsupported):
        plan_capacity(
            nodes=1,
            pods_per_node=1,
            eni_limits=sf.InstanceLimits("old", enis=3, ipv4_per_eni=6, hypervisor="xen"),
        )


def test_warm_ip_target_alone_is_a_named_trap() -> None:
    # amazon-vpc-cni-k8s README, WARM_IP_TARGET: "It is strongly suggested to set
    # MINIMUM_IP_TARGET when using WARM_IP_TARGET" (EC2 calls, throttling).
    alone = plan_capacity(nodes=1, pods_per_node=5, instance_type="m5.large", warm_ip_target=2)
    assert [w.code for w in alone.warnings] == ["warm-ip-target-without-minimum-ip-target"]
    both = plan_capacity(
        nodes=1, pods_per_node=5, instance_type="m5.large", warm_ip_target=2, minimum_ip_target=8
    )
    assert both.warnings == ()
    codes = {w.code for p in (alone, both) for w in p.warnings}
    assert codes <= set(sf.capacity.WARNING_CODES)


@pytest.mark.parametrize(("pods", "enis"), [(0, 1), (5, 1), (9, 2), (10, 2), (18, 3), (27, 3)])
def test_warm_eni_target_zero_grows_when_nothing_is_free(pods: int, enis: int) -> None:
    # isDatastorePoolTooLow: available < maxIPsPerENI x 0 is never true, but
    # "warmTarget == 0 && available == 0" is: a whole ENI of 9 /32s (tryAssignIPs
    # toAllocate = maxIPsPerENI) each time the pods use every address, so
    # floor(p / 9) + 1 ENIs, at most the 3 of m5.large (max pods 29: 27 pods).
    plan = plan_capacity(
        nodes=2, pods_per_node=pods, instance_type="m5.large", prefix_delegation=False,
        warm_eni_target=0,
    )  # fmt: skip
    n = plan.per_node
    assert (n.enis, n.secondary_ips, n.pods_without_address) == (enis, 9 * enis, 0)
    assert plan.addresses == 2 * (9 * enis + enis)
    if pods < 27:
        assert f"floor({pods}/9) = " in plan.explain()


def test_bootstrap_defaults_that_ignore_the_cni_settings_are_named() -> None:
    # al2023 (nodeadm calculateStandardMaxPods) gives m5.large 3 x 9 + 2 = 29
    # whatever the CNI does; the AL2 calculator gives 110 in prefix mode and
    # (3 - 1) x 9 + 2 = 20 with custom networking.
    pd = plan_capacity(nodes=1, pods_per_node=20, instance_type="m5.large", bootstrap="al2023")
    assert pd.max_pods == 29
    assert [w.code for w in pd.warnings] == ["max-pods-ignores-prefix-delegation"]
    assert "to 110 (" in pd.warnings[0].message
    for pods, codes in (
        (10, ["max-pods-ignores-custom-networking-or-max-eni"]),
        # 30 pods: the kubelet refuses 3 (29 - 2 = 27 admitted), the 2 pod ENIs
        # address 18 of those; the override is not a "max-pods-exceeded".
        (30, ["max-pods-ignores-custom-networking-or-max-eni", "max-pods-exceeded",
              "eni-slots-exhausted"]),
    ):  # fmt: skip
        cn = plan_capacity(
            nodes=1, pods_per_node=pods, instance_type="m5.large", prefix_delegation=False,
            custom_networking=True, bootstrap="al2023",
        )  # fmt: skip
        assert cn.max_pods == 29 and [w.code for w in cn.warnings] == codes
        assert "set the NodeConfig's kubelet maxPods (or maxPodsExpression) to 20" in (
            cn.warnings[0].message
        )
    assert set(sf.capacity.WARNING_CODES) >= {w.code for p in (pd, cn) for w in p.warnings}


def test_secondary_ip_minimum_ip_target_alone_by_hand() -> None:
    # m5.large, secondary-IP mode, MINIMUM_IP_TARGET=10 alone. datastoreTargetState:
    # short = max(0 - 0, 10 - 0) = 10; tryAssignIPs fills the primary ENI with
    # min(9 - 0, 10) = 9; short = 10 - 9 = 1, no slot left, so tryAllocateENI with
    # GetENIResourcesToAllocate = min(1, 9) = 1: 10 /32s on 2 ENIs. Once held,
    # short = max(0 - free, 10 - 10) = 0 whatever the pods: 10 of 40 get one.
    plan = plan_capacity(
        nodes=3, pods_per_node=40, instance_type="m5.large", prefix_delegation=False,
        minimum_ip_target=10, max_pods=110,
    )  # fmt: skip
    n = plan.per_node
    assert (n.enis, n.secondary_ips, n.pod_addresses, n.pods_without_address) == (2, 10, 10, 30)
    assert plan.pods_without_address == 90
    assert [w.code for w in plan.warnings] == ["minimum-ip-target-without-warm-ip-target"]
    # With WARM_IP_TARGET=3 as well: max(20 + 3, 10) = 23 /32s on 9 + 9 + 5.
    both = plan_capacity(
        nodes=1, pods_per_node=20, instance_type="m5.large", prefix_delegation=False,
        warm_ip_target=3, minimum_ip_target=10,
    )  # fmt: skip
    assert (both.per_node.enis, both.per_node.secondary_ips, both.warnings) == (3, 23, ())


def test_prefix_mode_custom_networking_and_security_groups_by_hand() -> None:
    # m5.large, prefix mode, custom networking and security groups for pods:
    # the primary ENI (node subnet) carries nothing, the trunk takes the second
    # slot, one pod ENI is left (hasRoomForEni: 2 < 3 once the trunk is there).
    # Max pods (AL2): (3 - 1) x 9 x 16 + 2 = 290, capped to 110. 100 pods:
    # ceil(100/16) + 1 = 8 wanted, but at 7 prefixes 112 >= 110 stops growth.
    plan = plan_capacity(
        nodes=10, pods_per_node=100, instance_type="m5.large", custom_networking=True,
        security_groups_for_pods=True,
    )  # fmt: skip
    n = plan.per_node
    assert plan.max_pods == 110
    assert (n.enis, n.pod_enis, n.trunk_enis, n.prefixes) == (3, 1, 1, 7)
    assert (n.pods_without_address, plan.warnings) == (0, ())
    nodes, pods = plan.subnets
    # Node subnet: the 10 primary ENIs; pod subnet: 70 prefixes and, per node,
    # the trunk's and the pod ENI's primary addresses.
    assert (nodes.prefixes, nodes.singles, pods.prefixes, pods.singles) == (0, 10, 70, 20)
    # Max pods 250: the one pod ENI's 9 prefixes hold 144 pods, 6 of 150 get none.
    full = plan_capacity(
        nodes=1, pods_per_node=150, instance_type="m5.large", custom_networking=True,
        security_groups_for_pods=True, max_pods=250,
    )  # fmt: skip
    assert (full.per_node.prefixes, full.per_node.pods_without_address) == (9, 6)
    assert [w.code for w in full.warnings] == ["eni-slots-exhausted", "trunk-eni-not-in-max-pods"]
