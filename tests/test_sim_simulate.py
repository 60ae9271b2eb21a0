"""The simulator: steady states against the capacity plan, the seed case,
determinism, the result contract, exhaustion, and the invariants after every
event for each bundled scenario (run small)."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

import subnetfrag as sf
from subnetfrag.ipamd import CniSettings, CountingAllocator, NodeIpam
from subnetfrag.sim import SERIES_KEYS, SUMMARY_KEYS, Scenario, ScenarioError, SimResult, simulate

NODES = 3


def steady(cluster: dict[str, Any], pods_per_node: int, **extra: Any) -> Scenario:
    """NODES m5.large nodes with pods_per_node pods each, nothing else."""
    return Scenario.from_dict(
        {
            "name": "steady",
            "duration_s": 900,
            "checkpoint_s": 900,
            "subnets": [{"cidr": "10.0.0.0/18"}],
            "cluster": {"instance_type": "m5.large", "pod_address_choice": "in-order", **cluster},
            "phases": [{"at_s": 0, "nodes": NODES, "pods": NODES * pods_per_node}],
            **extra,
        }
    )


PREFIX_SETTINGS = [
    {"warm_prefix_target": 1},
    {"warm_prefix_target": 2},
    {"warm_ip_target": 1, "minimum_ip_target": 1},
    {"warm_ip_target": 5},
    {"warm_ip_target": 2, "minimum_ip_target": 30},
    {"warm_prefix_target": 1, "custom_networking": True},
    {"warm_prefix_target": 1, "max_eni": 1},
    {"warm_prefix_target": 1, "security_groups_for_pods": True},
    {"warm_prefix_target": 1, "max_pods": 40},
]
SECONDARY_SETTINGS = [
    {},
    {"warm_eni_target": 2},
    {"warm_ip_target": 3},
    {"warm_ip_target": 2, "minimum_ip_target": 10},
    {"warm_ip_target": 4, "custom_networking": True},
    {"max_eni": 2},
    {"security_groups_for_pods": True},
    {"warm_ip_target": 1, "max_pods": 12},
]


@pytest.mark.parametrize(
    ("settings", "pods"),
    [(s, p) for s in PREFIX_SETTINGS for p in (0, 1, 15, 16, 17, 40, 100)]
    + [(s, p) for s in SECONDARY_SETTINGS for p in (0, 1, 8, 9, 10, 17)],
)
def test_the_steady_state_is_the_capacity_plan(settings: dict[str, Any], pods: int) -> None:
    prefix = settings in PREFIX_SETTINGS
    cluster = {"prefix_delegation": prefix, **settings}
    ipam = NodeIpam(CniSettings(**cluster), sf.lookup("m5.large"), CountingAllocator())
    pods = min(pods, ipam.pod_capacity)  # a node admits max pods - 2
    summary = simulate(steady(cluster, pods), seed=3).summary
    plan = sf.plan_capacity(
        nodes=NODES, pods_per_node=pods, instance_type="m5.large", **cluster
    ).per_node
    assert summary["pods_running"] == NODES * pods and summary["pods_pending"] == 0
    assert summary["prefixes_held"] == NODES * plan.prefixes
    assert summary["secondary_ips_held"] == NODES * plan.secondary_ips
    assert summary["enis"] == NODES * plan.enis
    assert summary["addresses_held"] + summary["enis"] == NODES * plan.addresses


@pytest.mark.parametrize(
    ("settings", "prefixes"),
    [
        ({"warm_ip_target": 1, "minimum_ip_target": 1, "warm_prefix_target": None}, 5),
        ({}, 10),  # the bundled file sets WARM_PREFIX_TARGET=1
    ],
)
def test_the_seed_case_holds_five_or_ten_prefixes(settings: dict[str, Any], prefixes: int) -> None:
    sc = Scenario.bundled("seed-5-nodes")
    for key, value in settings.items():
        sc = sc.with_override(f"cluster.{key}", value)
    for seed in (0, 1, 2):
        s = simulate(sc, seed=seed).summary
        assert (s["nodes"], s["pods_running"], s["prefixes_held"]) == (5, 5, prefixes)
        assert s["addresses_held"] == 16 * prefixes and s["enis"] == 5


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    sc = Scenario.bundled("noisy-neighbours").with_override("duration_s", 1800)
    a = simulate(sc, policy="random", seed=5)
    b = simulate(sc, policy="random", seed=5)
    assert a.to_dict() == b.to_dict()
    c = simulate(sc, policy="random", seed=6)
    assert c.series != a.series
    assert pickle.loads(pickle.dumps(a)) == a


def test_the_result_has_the_contract_keys_and_is_json() -> None:
    sc = Scenario.bundled("steady-churn").with_override("duration_s", 900)
    result = simulate(sc, policy="pack", seed=1)
    d = result.to_dict()
    assert set(d) == {"scenario", "policy", "seed", "summary", "series"}
    assert (d["scenario"], d["policy"], d["seed"]) == ("steady-churn", "pack", 1)
    assert set(SUMMARY_KEYS) <= set(d["summary"])
    assert set(d["summary"]["failures"]) == {
        "InsufficientCidrBlocks",
        "InsufficientFreeAddressesInSubnet",
    }
    assert [row["t_s"] for row in d["series"]] == [0.0, 300.0, 600.0, 900.0]
    for row in d["series"]:
        assert set(SERIES_KEYS) <= set(row)
    assert json.loads(json.dumps(d)) == d
    last = d["series"][-1]
    for key in ("pods_running", "pods_pending", "free_prefixes", "aws_fragmentation_score"):
        assert last[key] == d["summary"][key]
    assert d["summary"]["pods_running"] + d["summary"]["pods_pending"] == 300
    assert d["summary"]["events"] > 0
    csv_lines = result.series_csv().splitlines()
    assert csv_lines[0].split(",")[: len(SERIES_KEYS)] == list(SERIES_KEYS)
    assert len(csv_lines) == 1 + len(d["series"])


def test_a_full_subnet_fails_as_ec2_does_and_pods_wait() -> None:
    # 4 nodes of 40 pods want 4 x (3 + 1) = 16 prefixes; a /24 has 14 and the
    # node addresses spoil some of those.
    sc = Scenario.from_dict(
        {
            "name": "tiny",
            "duration_s": 1200,
            "subnets": [{"cidr": "10.0.0.0/24"}],
            "cluster": {"instance_type": "m5.large", "prefix_delegation": True,
                        "warm_prefix_target": 1},
            "phases": [{"at_s": 0, "nodes": 4, "pods": 160}],
        }
    )  # fmt: skip
    s = simulate(sc, seed=0, debug=True).summary
    assert s["failures"]["InsufficientCidrBlocks"] > 0
    assert s["first_insufficient_cidr_blocks_s"] is not None
    assert 0 < s["first_insufficient_cidr_blocks_s"] <= 1200
    assert s["free_prefixes"] == 0 and s["pods_pending"] > 0
    assert s["pods_running"] + s["pods_pending"] == 160
    assert s["pods_running"] <= 16 * s["prefixes_held"]


def test_a_prefix_reservation_keeps_blocks_for_prefixes() -> None:
    base = Scenario.bundled("noisy-neighbours").with_override("duration_s", 1800)
    plain = simulate(base, seed=2).summary
    reserved = simulate(base.with_override("reservations", "top-half"), seed=2).summary
    # tenants and node addresses stay out of the reserved half, so more /28s stay whole
    assert reserved["free_prefixes"] > plain["free_prefixes"]


def test_nodes_that_leave_give_everything_back() -> None:
    sc = Scenario.from_dict(
        {
            "name": "down",
            "duration_s": 600,
            "checkpoint_s": 60,
            "subnets": [{"cidr": "10.0.0.0/22"}],
            "cluster": {"instance_type": "m5.large", "prefix_delegation": True},
            "phases": [
                {"at_s": 0, "nodes": 6, "pods": 90},
                {"at_s": 300, "nodes": 0, "pods": 0},
            ],
        }
    )
    result = simulate(sc, seed=4, debug=True)
    mid = next(row for row in result.series if row["t_s"] == 240)
    assert mid["nodes"] == 6 and mid["pods_running"] == 90
    s = result.summary
    assert (s["nodes"], s["pods_running"], s["addresses_held"], s["enis"]) == (0, 0, 0, 0)
    assert s["free_addresses"] == 1024 - 5


@pytest.mark.parametrize("name", Scenario.bundled_names())
def test_each_bundled_scenario_runs_small_with_its_invariants_checked(name: str) -> None:
    sc = Scenario.bundled(name).with_override("duration_s", 600)
    # at most 8 nodes; what happens later in the full run happens within the 600 s here
    for i, phase in enumerate(sc.phases):
        if phase.nodes > 8:
            sc = sc.with_override(f"phases.{i}.nodes", 8)
            sc = sc.with_override(f"phases.{i}.pods", min(phase.pods, 8 * 12))
        if phase.burst_pods:
            sc = sc.with_override(f"phases.{i}.burst_interval_s", 200)
            sc = sc.with_override(f"phases.{i}.burst_duration_s", 100)
        if phase.ramp_s:
            sc = sc.with_override(f"phases.{i}.at_s", 200).with_override(f"phases.{i}.ramp_s", 300)
    for policy in ("random", "pack"):
        s = simulate(sc, policy=policy, seed=11, debug=True).summary
        assert s["events"] > 0 and s["nodes"] <= 8


def test_bad_arguments_are_refused() -> None:
    sc = Scenario.bundled("seed-5-nodes")
    with pytest.raises(sf.UnknownPolicy):
        simulate(sc, policy="best")
    with pytest.raises(ScenarioError, match="Scenario"):
        simulate(sc.to_dict(), seed=1)  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="seed"):
        simulate(sc, seed="1")  # type: ignore[arg-type]
    assert sf.simulate is sf.sim.simulate
    assert isinstance(simulate(sc), SimResult)


def test_the_debug_checks_catch_books_that_disagree_with_the_subnet() -> None:
    from random import Random

    from subnetfrag.sim.cluster import Cluster

    sc = Scenario.bundled("seed-5-nodes")
    cluster = Cluster(sc, "random", Random(1))
    node = cluster.launch_node(0.0)
    assert node is not None
    node.ipam.settle(0.0)
    cluster.check()
    prefix = next(h for h, size in node.alloc.held.items() if size == 16)
    subnet, offset = node.alloc.subnet_offset(prefix)
    subnet.release_offset(offset)  # behind ipamd's back
    with pytest.raises(AssertionError):
        cluster.check()
    subnet.allocate_prefix_offset(offset)
    cluster.check()
    subnet.allocate_ip_offset()  # an allocation nobody in the model holds
    with pytest.raises(AssertionError):
        cluster.check()


def test_custom_networking_puts_pod_enis_in_the_pod_subnet() -> None:
    sc = Scenario.from_dict(
        {
            "name": "custom",
            "duration_s": 600,
            "subnets": [
                {"cidr": "10.0.0.0/24", "role": "nodes"},
                {"cidr": "100.64.0.0/20", "role": "pods"},
            ],
            "cluster": {"instance_type": "m5.large", "prefix_delegation": True,
                        "warm_prefix_target": 1, "custom_networking": True},
            "phases": [{"at_s": 0, "nodes": 4, "pods": 80}],
        }
    )  # fmt: skip
    from random import Random

    from subnetfrag.sim.cluster import Cluster

    result = simulate(sc, seed=2, debug=True)
    s = result.summary
    assert s["pods_running"] == 80 and s["nodes"] == 4
    plan = sf.plan_capacity(
        nodes=4, pods_per_node=20, instance_type="m5.large", custom_networking=True
    ).per_node
    assert s["enis"] == 4 * plan.enis and s["prefixes_held"] == 4 * plan.prefixes
    # what each subnet holds: the node subnet only the nodes' own addresses
    cluster = Cluster(sc, "random", Random(0))
    for _ in range(4):
        node = cluster.launch_node(0.0)
        assert node is not None
        for _ in range(20):
            node.ipam.settle(0.0)
            node.ipam.add_pod(now_s=0.0)
        node.ipam.settle(0.0)
    nodes_subnet, pods_subnet = cluster.subnets
    assert nodes_subnet.size - 5 - nodes_subnet.free_ip_count() == 4
    assert pods_subnet.size - 5 - pods_subnet.free_ip_count() == 4 * (
        16 * plan.prefixes + plan.enis - 1
    )


@pytest.mark.parametrize("discovery", [True, False])
def test_without_subnet_discovery_a_node_keeps_its_enis_in_its_own_subnet(
    discovery: bool,
) -> None:
    from random import Random

    from subnetfrag.sim.cluster import Cluster

    sc = Scenario.from_dict(
        {
            "name": "two-subnets",
            "duration_s": 60,
            "subnets": [{"cidr": "10.0.0.0/24"}, {"cidr": "10.0.1.0/24"}],
            "cluster": {"instance_type": "m5.large", "subnet_discovery": discovery},
            "phases": [{"at_s": 0, "nodes": 4, "pods": 0}],
        }
    )
    cluster = Cluster(sc, "random", Random(3))
    homes = []
    for _ in range(4):
        node = cluster.launch_node(0.0)
        assert node is not None
        for _ in range(27):  # three ENIs of 9 secondary addresses each
            node.ipam.settle(0.0)
            node.ipam.add_pod(now_s=0.0)
        node.ipam.settle(0.0)
        assert node.ipam.enis == 3
        homes.append({str(node.alloc.subnet_offset(h)[0].cidr) for h in node.alloc.held})
    if discovery:  # most-available: the ENIs of a node spread over both subnets
        assert any(len(h) == 2 for h in homes)
    else:
        assert all(len(h) == 1 for h in homes)
