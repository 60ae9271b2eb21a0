"""The ipamd model against numbers worked by hand from the VPC CNI's code
(aws/amazon-vpc-cni-k8s pkg/ipamd/ipamd.go and pkg/ipamd/datastore/data_store.go;
each test names the functions its arithmetic follows)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnetfrag.errors import InsufficientCidrBlocks, InsufficientFreeAddresses
from subnetfrag.instances import InstanceLimits, lookup
from subnetfrag.ipamd import (
    DECREASE_INTERVAL_S,
    ENI_MIN_LIFETIME_S,
    INSUFFICIENT_CIDR_COOLDOWN_S,
    IP_COOLDOWN_S,
    CniSettings,
    CountingAllocator,
    InvalidCniSettings,
    NodeGone,
    NodeIpam,
    ReconcileResult,
)


def grown(itype: str, pods: int, **settings: object) -> tuple[NodeIpam, CountingAllocator]:
    """A node that joined, then received ``pods`` pods one at a time with a
    settled pool after each, then ran long enough for every shrink to happen."""
    alloc = CountingAllocator()
    node = NodeIpam(CniSettings(**settings), lookup(itype), alloc)  # type: ignore[arg-type]
    t = 0.0
    node.settle(t)
    for _ in range(pods):
        t += 1
        node.add_pod(now_s=t)
        node.settle(t)
    for _ in range(20):
        t += DECREASE_INTERVAL_S + ENI_MIN_LIFETIME_S
        node.settle(t)
    return node, alloc


# ----------------------------------------------------------------- settings


def test_settings_round_trip_and_errors_name_the_key() -> None:
    s = CniSettings.from_dict({"prefix_delegation": True, "warm_prefix_target": 2})
    assert s.to_dict()["warm_prefix_target"] == 2
    assert CniSettings.from_dict(s.to_dict()) == s
    with pytest.raises(InvalidCniSettings, match="warm_prefx_target"):
        CniSettings.from_dict({"warm_prefx_target": 1})
    with pytest.raises(InvalidCniSettings, match="warm_ip_target"):
        CniSettings(warm_ip_target=-1)
    with pytest.raises(InvalidCniSettings, match="max_eni"):
        CniSettings(max_eni=0)
    with pytest.raises(InvalidCniSettings, match="custom_networking"):
        CniSettings.from_dict({"custom_networking": 1})
    with pytest.raises(InvalidCniSettings, match="max_pods"):
        CniSettings(max_pods="110")  # type: ignore[arg-type]


def test_defaults_are_the_codes() -> None:
    # getWarmENITarget: unset -> defaultWarmENITarget = 1; getWarmPrefixTarget:
    # unset -> defaultWarmPrefixTarget = 0; noWarmIPTarget = noMinimumIPTarget = 0.
    node = NodeIpam(CniSettings(), lookup("m5.large"), CountingAllocator())
    assert (node.warm_eni_target, node.warm_prefix_target) == (1, 0)
    assert (node.warm_ip_target, node.minimum_ip_target) == (0, 0)
    # max pods unset: the AL2 calculator's value, m5.large 3 x (10 - 1) + 2 = 29.
    assert node.max_pods == 29
    assert node.pod_capacity == 27


# --------------------------------------------------- prefix mode (t3.small)

# docs/prefix-and-ip-target.md's t3.small rows (3 ENIs x 4 IPv4: 3 prefixes per
# ENI), worked from isDatastorePoolTooLow / datastoreTargetState /
# getPrefixesNeeded: (WPT, WIT, MIT, pods, ENIs, prefixes).
T3_SMALL = [
    (1, None, None, 0, 1, 1),  # available 0 < 16 x 1: one prefix
    (1, None, None, 5, 1, 2),  # 16 - 5 = 11 < 16: a second
    (1, None, None, 16, 1, 2),
    (1, None, None, 17, 1, 3),
    (1, None, None, 58, 2, 5),  # ceil(58/16) + 1 = 5 on 3 + 2
    (None, 1, 1, 0, 1, 1),  # short = max(1 - 0, 1 - 0) = 1 IP = 1 prefix
    (None, 1, 1, 5, 1, 1),
    (None, 1, 1, 17, 1, 2),
    (None, 1, 1, 58, 2, 4),  # 64 - 58 = 6 >= 1
    # The doc's row says 1 prefix for 0 pods; the code (datastoreTargetState,
    # ipamd.go lines 2198-2214): short = max(7 - 0, 20 - 0) = 20 IPs,
    # DivCeil(20, 16) = 2 prefixes at once; holding 32, short = 0 and
    # overPrefix = min(..., 2 - ceil(20/16)) = 0: 2 stay.
    (None, 7, 20, 0, 1, 2),
    (None, 7, 20, 5, 1, 2),
    (None, 7, 20, 17, 1, 2),  # 32 - 17 = 15 >= 7
    (None, 7, 20, 58, 2, 5),  # 64 - 58 = 6 < 7: a fifth
]


@pytest.mark.parametrize(("wpt", "wit", "mit", "pods", "enis", "prefixes"), T3_SMALL)
def test_prefix_mode_t3_small(
    wpt: int | None, wit: int | None, mit: int | None, pods: int, enis: int, prefixes: int
) -> None:
    node, alloc = grown(
        "t3.small", pods, prefix_delegation=True,
        warm_prefix_target=wpt, warm_ip_target=wit, minimum_ip_target=mit,
    )  # fmt: skip
    assert (node.enis, node.prefixes, node.used) == (enis, prefixes, pods)
    assert (alloc.enis, alloc.prefixes, alloc.ips) == (enis, prefixes, 0)
    assert node.held == 16 * prefixes


def test_max_pods_stops_the_warm_pool() -> None:
    # isDatastorePoolTooLow: "if stats.TotalIPs >= c.maxPods" -> not low.
    # m5.large, WARM_PREFIX_TARGET=1, 100 pods, max pods 110 (3 x 9 x 16 + 2 =
    # 434 capped to 110): at 7 prefixes 112 >= 110, so no eighth.
    node, _ = grown("m5.large", 100, prefix_delegation=True, warm_prefix_target=1)
    assert node.max_pods == 110
    assert node.prefixes == 7
    # With max pods 250 the pool goes on: ceil(100/16) + 1 = 8.
    node, _ = grown("m5.large", 100, prefix_delegation=True, warm_prefix_target=1, max_pods=250)
    assert node.prefixes == 8


def test_secondary_ip_mode_max_pods_ceiling() -> None:
    # m5.large secondary-IP mode, max pods 29: 27 pods need 3 ENIs x 9; at
    # TotalIPs 27 < 29 the pool is low but hasRoomForEni is false (3 of 3).
    node, _ = grown("m5.large", 27)
    assert (node.enis, node.ips, node.used) == (3, 27, 27)
    # max_pods 12: at 18 IPs (2 ENIs) 18 >= 12 stops growth although 10 pods
    # leave 8 available < 9 x WARM_ENI_TARGET.
    node, _ = grown("m5.large", 10, max_pods=12)
    assert (node.enis, node.ips, node.used) == (2, 18, 10)


def test_minimum_ip_target_without_warm_ip_target_starves_pods() -> None:
    # datastoreTargetState with WARM_IP_TARGET 0, MINIMUM_IP_TARGET 10:
    # short = max(0 - available, 0, 10 - total) = 0 once 16 are held, so only
    # the first prefix's 16 addresses ever exist (issue #2650).
    node, _ = grown("m5.large", 40, prefix_delegation=True, minimum_ip_target=10)
    assert (node.prefixes, node.used) == (1, 16)
    assert not node.add_pod()


def test_warm_eni_target_secondary_ip_mode() -> None:
    # isDatastorePoolTooLow: available < maxIPsPerENI x WARM_ENI_TARGET; m5.large
    # 9 slots: 0 pods 9 available (1 ENI); 5 pods 4 < 9: a second ENI (18).
    assert grown("m5.large", 0)[0].ips == 9
    node, _ = grown("m5.large", 5)
    assert (node.enis, node.ips) == (2, 18)
    # WARM_IP_TARGET=1 fills only what is short (tryAssignIPs toAllocate = short).
    node, _ = grown("m5.large", 9, warm_ip_target=1)
    assert (node.enis, node.ips) == (2, 10)


def test_max_eni_and_trunk_eni_take_slots() -> None:
    # getMaxENI: min(MAX_ENI, instance); hasRoomForEni: maxENI - trunkEni.
    node, _ = grown("m5.large", 27, max_eni=2)
    assert (node.enis, node.ips, node.used) == (2, 18, 18)
    node, alloc = grown("m5.large", 27, security_groups_for_pods=True)
    assert node.trunk_attached
    assert (node.enis, node.ips, node.used) == (3, 18, 18)  # primary + trunk + 1
    assert alloc.enis == 3
    # MAX_ENI=1 leaves no slot for the trunk (tryEnableSecurityGroupsForPods).
    node, _ = grown("m5.large", 5, security_groups_for_pods=True, max_eni=1)
    assert not node.trunk_attached and node.enis == 1


def test_custom_networking_keeps_the_primary_eni_empty() -> None:
    # GetAllocatableENIs(..., skipPrimary=useCustomNetworking).
    node_subnet, pod_subnet = CountingAllocator(), CountingAllocator()
    node = NodeIpam(
        CniSettings(prefix_delegation=True, warm_prefix_target=1, custom_networking=True),
        lookup("m5.large"),
        pod_subnet,
        node_allocator=node_subnet,
    )
    node.settle(0)
    assert (node_subnet.enis, node_subnet.prefixes) == (1, 0)
    assert (pod_subnet.enis, pod_subnet.prefixes) == (1, 1)
    node.release_all()
    assert node_subnet.addresses == pod_subnet.addresses == 0


def test_prefix_delegation_falls_back_on_xen() -> None:
    # isConfigValid: prefix delegation on a non-Nitro type falls back to secondary IPs.
    xen = InstanceLimits("m4.large", enis=2, ipv4_per_eni=10, vcpus=2, hypervisor="xen")
    node = NodeIpam(CniSettings(prefix_delegation=True), xen, CountingAllocator())
    node.settle(0)
    assert not node.prefix_delegation
    assert (node.prefixes, node.ips) == (0, 9)


# ------------------------------------------------------------------ shrinking


def test_shrink_waits_for_the_decrease_interval_and_eni_lifetime() -> None:
    alloc = CountingAllocator()
    node = NodeIpam(
        CniSettings(prefix_delegation=True, warm_prefix_target=1), lookup("t3.small"), alloc
    )
    node.settle(0)
    for _ in range(40):
        node.add_pod(now_s=1)
        node.settle(1)
    assert (node.enis, node.prefixes) == (2, 4)  # ceil(40/16) + 1
    for _ in range(40):
        node.remove_pod(now_s=2)
    # computeExtraPrefixesOverWarmTarget: 4 free - 1 = 3 over; released at once
    # (tryUnassignCidrsFromAll frees across ENIs), then not again within 30 s.
    r = node.reconcile(2)
    assert r.prefixes_released == 3 and node.prefixes == 1
    assert node.reconcile(3) == ReconcileResult()
    # The ENIs are walked in attach order here, so the primary's 3 went first
    # and the prefix left is on the second ENI, which isRequiredForWarmPrefixTarget
    # keeps (no other ENI has a free prefix): it stays.
    assert [e["pods_per_cidr"] for e in node.to_dict()["per_eni"]] == [[], [0]]
    assert node.reconcile(2 + ENI_MIN_LIFETIME_S).enis_detached == 0


def test_eni_detach_waits_for_lifetime_and_cooling() -> None:
    # secondary-IP mode, m5.large, WARM_ENI_TARGET 1: 20 pods -> 3 ENIs x 9.
    alloc = CountingAllocator()
    node = NodeIpam(CniSettings(), lookup("m5.large"), alloc)
    node.settle(0)
    for _ in range(20):
        assert node.add_pod(now_s=1)
        node.settle(1)
    assert (node.enis, node.ips) == (3, 27)
    for _ in range(20):
        node.remove_pod(now_s=100)
    # shouldRemoveExtraENIs: 27 available >= (1 + 1) x 9; getDeletableENI skips
    # ENIs with an address in cooling (until 100 + 30).
    assert node.reconcile(100 + IP_COOLDOWN_S - 1).enis_detached == 0
    assert node.reconcile(100 + IP_COOLDOWN_S + 1).enis_detached == 1
    assert node.reconcile(100 + IP_COOLDOWN_S + 2).enis_detached == 1
    # 9 available < 18: the primary stays, with its 9.
    assert node.reconcile(100 + IP_COOLDOWN_S + 3).enis_detached == 0
    assert (node.enis, node.ips, alloc.enis, alloc.ips) == (1, 9, 1, 9)
    # A young ENI is kept: minENILifeTime.
    for _ in range(9):
        node.add_pod(now_s=200)
        node.settle(200)
    assert node.enis == 2
    for _ in range(9):
        node.remove_pod(now_s=200)
    assert node.reconcile(200 + IP_COOLDOWN_S + 1).enis_detached == 0  # 31 s old
    assert node.reconcile(200 + ENI_MIN_LIFETIME_S).enis_detached == 1


def test_freed_address_cools_down() -> None:
    # getUnusedIP skips addresses in ipCooldownPeriod (IP_COOLDOWN_PERIOD 30 s).
    node = NodeIpam(
        CniSettings(warm_ip_target=1, max_eni=1), lookup("t3.small"), CountingAllocator()
    )
    node.settle(0)
    assert node.ips == 1
    assert node.add_pod(now_s=1)
    node.settle(1)
    assert node.ips == 2
    node.remove_pod(now_s=2)
    # 2 /32s, 1 pod-free but cooling, 1 free.
    assert node.add_pod(now_s=3)
    assert not node.add_pod(now_s=3)  # the other /32 cools down until 32 (no reconcile ran)
    assert node.add_pod(now_s=3 + IP_COOLDOWN_S)


# ------------------------------------------------------------------ failures


class Scarce(CountingAllocator):
    """Fails once ``room`` addresses are held."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def attach_eni(self, *, role: str = "pods") -> int:
        if self.addresses + 1 > self.room:
            raise InsufficientFreeAddresses("no address")
        return super().attach_eni(role=role)

    def assign_prefix(self, eni: int) -> int:
        if self.addresses + 16 > self.room:
            raise InsufficientCidrBlocks("no /28")
        return super().assign_prefix(eni)


def test_insufficient_cidr_blocks_cooldown() -> None:
    # increaseDatastorePool: after containsInsufficientCIDRsOrSubnetIPs, nothing
    # for insufficientCidrErrorCooldown (120 s). With ENABLE_SUBNET_DISCOVERY
    # false the assignment's error is returned (tryAssignPrefixes).
    alloc = Scarce(1 + 16)
    node = NodeIpam(
        CniSettings(prefix_delegation=True, warm_prefix_target=1, subnet_discovery=False),
        lookup("m5.large"),
        alloc,
    )
    assert node.reconcile(0).prefixes_assigned == 1
    node.add_pod(now_s=1)
    r = node.reconcile(1)
    assert r.error == "InsufficientCidrBlocks" and not r.changed
    alloc.room += 16
    assert node.reconcile(1 + INSUFFICIENT_CIDR_COOLDOWN_S) == ReconcileResult()
    assert node.reconcile(2 + INSUFFICIENT_CIDR_COOLDOWN_S).prefixes_assigned == 1


def test_subnet_discovery_defers_the_cooldown_to_a_new_eni() -> None:
    # With ENABLE_SUBNET_DISCOVERY (default true) a failed assignment on an ENI
    # "continue"s; no ENI increased the pool, so tryAllocateENI runs, and its
    # CreateNetworkInterface failure starts the cooldown.
    alloc = Scarce(1 + 16)
    node = NodeIpam(
        CniSettings(prefix_delegation=True, warm_prefix_target=1), lookup("m5.large"), alloc
    )
    node.reconcile(0)
    node.add_pod(now_s=1)
    r = node.reconcile(1)
    assert r.error == "InsufficientFreeAddressesInSubnet"
    assert node.in_cooldown() and alloc.enis == 1


def test_join_fails_without_an_address() -> None:
    with pytest.raises(InsufficientFreeAddresses):
        NodeIpam(CniSettings(), lookup("m5.large"), Scarce(0))


def test_release_all_and_after() -> None:
    node, alloc = grown("m5.large", 20, prefix_delegation=True, warm_prefix_target=1)
    node.release_all()
    assert (alloc.enis, alloc.prefixes, alloc.ips) == (0, 0, 0)
    with pytest.raises(NodeGone):
        node.add_pod()
    with pytest.raises(ValueError, match="back"):
        NodeIpam(CniSettings(), lookup("m5.large"), CountingAllocator(), now_s=5).reconcile(4)


# ------------------------------------------------------------- invariants


@given(
    st.booleans(),
    st.sampled_from([None, 0, 1, 2]),
    st.sampled_from([None, 0, 1, 5, 20]),
    st.sampled_from([None, 0, 3, 30]),
    st.sampled_from([None, 1, 2]),
    st.booleans(),
    st.lists(st.sampled_from(["add", "remove", "tick"]), max_size=120),
    st.integers(0, 2**32 - 1),
)
def test_books_stay_consistent(
    pd: bool,
    wpt: int | None,
    wit: int | None,
    mit: int | None,
    max_eni: int | None,
    sgp: bool,
    ops: list[str],
    seed: int,
) -> None:
    alloc = CountingAllocator()
    settings = CniSettings(
        prefix_delegation=pd, warm_prefix_target=wpt, warm_ip_target=wit,
        minimum_ip_target=mit, max_eni=max_eni, security_groups_for_pods=sgp,
    )  # fmt: skip
    node = NodeIpam(settings, lookup("t3.medium"), alloc, rng=random.Random(seed))
    t = 0.0
    pods = 0
    for op in ops:
        if op == "add":
            pods += node.add_pod(now_s=t)
        elif op == "remove" and pods:
            node.remove_pod(now_s=t)
            pods -= 1
        else:
            t += 7.5
            node.reconcile(t)
        assert node.used == pods <= node.pod_capacity
        assert node.held >= node.used
        assert node.enis <= node.max_eni
        assert (alloc.enis, alloc.prefixes, alloc.ips) == (node.enis, node.prefixes, node.ips)
        books = node.to_dict()["per_eni"]
        assert all(len(e["pods_per_cidr"]) <= node.slots_per_eni for e in books)
        size = 16 if node.prefix_delegation else 1
        assert all(0 <= n <= size for e in books for n in e["pods_per_cidr"])
        assert node.free_prefixes == sum(
            1 for e in books for n in e["pods_per_cidr"] if n == 0 and size == 16
        )


# ----------------------------------------------------- on a real subnet


def test_subnet_allocator_records_owners_and_gives_everything_back() -> None:
    from subnetfrag.ipamd import SubnetAllocator
    from subnetfrag.subnet import Subnet

    subnet = Subnet("10.0.0.0/24", seed=1, policy="lowest")
    before = subnet.free_ip_count()
    alloc = SubnetAllocator(subnet, owner_prefix="i-0abc")
    node = NodeIpam(
        CniSettings(prefix_delegation=True, warm_prefix_target=1), lookup("m5.large"), alloc
    )
    node.settle(0)
    for _ in range(20):
        node.add_pod(now_s=1)
        node.settle(1)
    assert (node.enis, node.prefixes) == (1, 3)  # ceil(20/16) + 1
    assert subnet.free_ip_count() == before - 1 - 3 * 16
    classes = sorted(
        (o.owner_class, o.primary)
        for a in subnet.allocations()
        if (o := subnet.owner_of(a)) is not None
    )
    assert classes == [("eks-pod", False)] * 3 + [("node-primary", True)]
    node.release_all()
    assert subnet.free_ip_count() == before and subnet.allocations() == []


def test_a_full_subnet_stops_growth_with_ec2s_error_names() -> None:
    from subnetfrag.ipamd import SubnetAllocator
    from subnetfrag.subnet import Subnet

    # A /27: two /28s, both holding AWS-reserved addresses, so no prefix fits.
    subnet = Subnet("10.0.0.0/27", seed=1)
    node = NodeIpam(
        CniSettings(prefix_delegation=True, warm_prefix_target=1, subnet_discovery=False),
        lookup("m5.large"),
        SubnetAllocator(subnet),
    )
    assert node.reconcile(0).error == "InsufficientCidrBlocks"
    assert node.in_cooldown()
    # Secondary-IP mode on a /28 (11 usable): the node's primary + 9 + a new
    # ENI's primary = 11; then InsufficientFreeAddressesInSubnet.
    small = Subnet("10.0.1.0/28", seed=1)
    node = NodeIpam(CniSettings(), lookup("m5.large"), SubnetAllocator(small))
    node.settle(0)
    assert (node.enis, node.ips) == (1, 9)
    node.add_pod(now_s=1)
    r = node.reconcile(1)
    assert r.error == "InsufficientFreeAddressesInSubnet" and not r.changed
    assert small.free_ip_count() == 1  # the failed ENI's /32 went back


@given(st.booleans(), st.integers(0, 300), st.sampled_from([None, 1, 3]))
def test_add_pods_is_add_pod_repeated(pd: bool, pods: int, wit: int | None) -> None:
    def books(bulk: bool) -> tuple[object, ...]:
        node = NodeIpam(
            CniSettings(prefix_delegation=pd, warm_ip_target=wit), lookup("m5.xlarge"),
            CountingAllocator(),
        )  # fmt: skip
        node.settle(0)
        left, t = pods, 0.0
        while left:
            t += 1
            if bulk:
                got = node.add_pods(left, now_s=t)
            else:
                got = 0
                while got < left and node.add_pod(now_s=t):
                    got += 1
            left -= got
            if not node.settle(t).changed:
                break
        return (left, node.to_dict())

    assert books(True) == books(False)


def test_error_names_are_ec2s() -> None:
    import subnetfrag as sf
    from subnetfrag import errors

    # The EC2 name is the class; the old name is the same class (an alias).
    assert sf.InsufficientFreeAddresses is sf.InsufficientFreeAddressesInSubnet
    assert errors.InsufficientFreeAddressesInSubnet.__name__ == "InsufficientFreeAddressesInSubnet"
    for cls in (errors.InsufficientFreeAddressesInSubnet, errors.InsufficientCidrBlocks):
        doc = cls.__doc__ or ""
        assert "Unable to attach IPs/Prefixes for the ENI, subnet doesn't seem to have" in " ".join(
            doc.split()
        )
        assert "insufficientCidrErrorCooldown" in doc
    assert "There aren't sufficient free Ipv4 addresses or prefixes" in " ".join(
        (errors.InsufficientFreeAddressesInSubnet.__doc__ or "").split()
    )
    from subnetfrag.subnet import Subnet

    with pytest.raises(sf.InsufficientFreeAddresses):
        full = Subnet("10.0.0.0/28")
        for _ in range(12):
            full.allocate_ip()


@given(
    st.booleans(),
    st.sampled_from([None, 1, 3]),
    st.lists(st.sampled_from(["add", "add", "bulk", "remove", "tick", "wait"]), max_size=150),
)
def test_fill_hints_never_skip_an_open_address(pd: bool, wit: int | None, ops: list[str]) -> None:
    """Without rng a pod takes the first /28 or /32 with room in attach order
    (the hints only skip what is fully assigned): checked against a plain scan
    after every step, with cooling addresses, releases and detached ENIs."""
    node = NodeIpam(
        CniSettings(prefix_delegation=pd, warm_ip_target=wit), lookup("t3.medium"),
        CountingAllocator(),
    )  # fmt: skip
    t = 0.0
    for op in ops:
        if op == "add":
            node.add_pod(now_s=t)
        elif op == "bulk":
            node.add_pods(7, now_s=t)
        elif op == "remove" and node.used:
            node.remove_pod(now_s=t)
        elif op == "tick":
            t += 5
            node.reconcile(t)
        else:
            t += 40
        plain = next((c for e in node._enis for c in e.cidrs if node._room(c) > 0), None)
        assert node._next_open() is plain
