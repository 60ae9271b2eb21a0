"""Scenarios: reading, writing, overriding, and refusing bad ones by key."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from subnetfrag.sim import RESERVATION_LAYOUTS, Scenario, ScenarioError, parse_value

BUNDLED = (
    "batch-bursts",
    "noisy-neighbours",
    "rolling-node-replacement",
    "scale-to-exhaustion",
    "seed-5-nodes",
    "steady-churn",
)

GOOD = """\
name = "mine"
duration_s = 3600
checkpoint_s = 60

[[subnets]]
cidr = "10.0.0.0/20"
reservations = [{ cidr = "10.0.8.0/21", kind = "prefix" }]
preoccupied_ips = 200

[cluster]
instance_type = "m5.large"
prefix_delegation = true
warm_prefix_target = 1
scheduler = "binpack"
subnet_selection = "most-free-prefixes"

[[phases]]
at_s = 0
nodes = 20
pods = 300
pod_churn_per_s = 0.5

[[tenants]]
kind = "lambda"
count = 50
churn_per_s = 0.01
"""


def good() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(GOOD)


def test_the_bundle_holds_the_six_scenarios_and_each_round_trips() -> None:
    assert Scenario.bundled_names() == list(BUNDLED)
    for name in BUNDLED:
        sc = Scenario.bundled(name)
        assert sc.name == name and sc.description
        assert Scenario.from_dict(sc.to_dict()) == sc
        assert pickle.loads(pickle.dumps(sc)) == sc


def test_a_file_with_the_contract_keys_is_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD)
    sc = Scenario.from_file(path)
    assert sc.duration_s == 3600 and sc.checkpoint_s == 60
    (subnet,) = sc.subnets
    assert subnet.cidr == "10.0.0.0/20" and subnet.preoccupied_ips == 200
    assert [(r.cidr, r.kind) for r in subnet.reservations] == [("10.0.8.0/21", "prefix")]
    assert sc.cluster.instance_type == "m5.large"
    assert sc.cluster.settings.prefix_delegation is True
    assert sc.cluster.settings.warm_prefix_target == 1
    assert sc.cluster.settings.warm_ip_target is None
    assert (sc.cluster.scheduler, sc.cluster.subnet_selection) == ("binpack", "most-free-prefixes")
    (phase,) = sc.phases
    assert (phase.at_s, phase.nodes, phase.pods, phase.pod_churn_per_s) == (0, 20, 300, 0.5)
    (tenant,) = sc.tenants
    assert (tenant.kind, tenant.count, tenant.churn_per_s) == ("lambda", 50, 0.01)
    assert Scenario.load(str(path)) == sc
    assert Scenario.load("steady-churn") == Scenario.bundled("steady-churn")


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["cluster"].update(warm_prefix_targt=1), "warm_prefix_targt"),
        (lambda d: d["subnets"][0].update(size=4), "subnets.0.size"),
        (lambda d: d["phases"][0].update(node=3), "phases.0.node"),
        (lambda d: d["tenants"][0].update(rate=1), "tenants.0.rate"),
        (lambda d: d["subnets"][0]["reservations"][0].update(id="x"), "reservations.0.id"),
        (lambda d: d.update(duration_s="1h"), "duration_s"),
        (lambda d: d.update(duration_s=0), "duration_s"),
        (lambda d: d["phases"][0].update(nodes=2.5), "phases.0.nodes"),
        (lambda d: d["phases"][0].update(pods=-1), "phases.0.pods"),
        (lambda d: d["phases"][0].update(pod_churn_per_s=True), "phases.0.pod_churn_per_s"),
        (lambda d: d["cluster"].update(warm_ip_target="2"), "warm_ip_target"),
        (lambda d: d["cluster"].update(prefix_delegation="yes"), "prefix_delegation"),
        (lambda d: d["cluster"].update(scheduler="random"), "cluster.scheduler"),
        (lambda d: d["cluster"].update(subnet_selection="in-order"), "cluster.subnet_selection"),
        (lambda d: d["cluster"].update(instance_type="m5.huge"), "cluster.instance_type"),
        (lambda d: d["cluster"].pop("instance_type"), "cluster.instance_type"),
        (lambda d: d["subnets"][0].update(cidr="10.0.0.0/15"), "subnets.0.cidr"),
        (lambda d: d["subnets"][0].update(cidr="10.0.0.0/29"), "subnets.0.cidr"),
        (lambda d: d["subnets"][0].update(cidr="127.0.0.0/20"), "subnets.0.cidr"),
        (lambda d: d["subnets"][0].update(cidr="169.254.0.0/20"), "subnets.0.cidr"),
        (lambda d: d["subnets"][0].update(cidr="2001:db8::/64"), "subnets.0.cidr"),
        (lambda d: d["subnets"][0].update(cidr="10.0.0.300/20"), "subnets.0.cidr"),
        (
            lambda d: d["subnets"][0]["reservations"][0].update(cidr="10.0.16.0/24"),
            "subnets.0.reservations.0.cidr",
        ),
        (
            lambda d: d["subnets"][0]["reservations"][0].update(kind="pods"),
            "subnets.0.reservations.0.kind",
        ),
        (lambda d: d["subnets"][0].update(preoccupied_ips=5000), "subnets.0.preoccupied_ips"),
        (lambda d: d["subnets"].append({"cidr": "10.0.4.0/22"}), "subnets"),
        (lambda d: d.update(subnets=[]), "subnets"),
        (lambda d: d.update(phases=[]), "phases"),
        (lambda d: d["phases"].append({"at_s": 0, "nodes": 1, "pods": 1}), "phases.1.at_s"),
        (lambda d: d["tenants"][0].update(kind="eks-pod"), "tenants.0.kind"),
        (lambda d: d["tenants"][0].update(subnet=1), "tenants.0.subnet"),
        (lambda d: d["subnets"][0].update(role="pods"), "role"),
        (lambda d: d["phases"][0].update(burst_pods=10), "phases.0.burst_pods"),
        (lambda d: d.pop("cluster"), "cluster"),
        (lambda d: d.update(duration_s=1e300), "duration_s"),
        (lambda d: d.update(duration_s=86_400, checkpoint_s=1e-6), "checkpoint_s"),
    ],
)
def test_a_bad_scenario_is_refused_naming_the_key(change: Any, key: str) -> None:
    data = good()
    change(data)
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")) as info:
        Scenario.from_dict(data)
    assert isinstance(info.value, ValueError)


def test_bad_files_are_refused_with_the_file_and_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read scenario"):
        Scenario.from_file(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n")
    with pytest.raises(ScenarioError, match=r"broken\.toml is not valid TOML.*line 1"):
        Scenario.from_file(broken)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(GOOD.replace("nodes = 20", "nodes = 'twenty'"))
    with pytest.raises(ScenarioError, match=r"wrong\.toml: phases\.0\.nodes must be an integer"):
        Scenario.from_file(wrong)
    with pytest.raises(ScenarioError, match="neither a bundled scenario"):
        Scenario.load("no-such-scenario")
    with pytest.raises(ScenarioError, match="no bundled scenario"):
        Scenario.bundled("no-such-scenario")


def test_with_override_changes_one_key_and_keeps_the_rest() -> None:
    sc = Scenario.from_dict(good())
    two = sc.with_override("cluster.warm_prefix_target", 2)
    assert two.cluster.settings.warm_prefix_target == 2
    assert sc.cluster.settings.warm_prefix_target == 1  # the original is unchanged
    assert two.subnets == sc.subnets and two.phases == sc.phases
    assert sc.with_override("duration_s", 60).duration_s == 60
    assert sc.with_override("subnets.0.preoccupied_ips", 7).subnets[0].preoccupied_ips == 7
    assert sc.with_override("phases.0.pods", 9).phases[0].pods == 9
    assert sc.with_override("pods", 11).phases[0].pods == 11
    unset = sc.with_override("cluster.warm_prefix_target", None)
    assert unset.cluster.settings.warm_prefix_target is None
    set_new = sc.with_override("cluster.warm_ip_target", 3)
    assert set_new.cluster.settings.warm_ip_target == 3


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("none", []),
        ("top-quarter", [("10.0.12.0/22", "prefix")]),
        ("top-half", [("10.0.8.0/21", "prefix")]),
        ("bottom-quarter", [("10.0.0.0/22", "prefix")]),
    ],
)
def test_reservation_layouts_apply_to_every_subnet(
    layout: str, expected: list[tuple[str, str]]
) -> None:
    sc = Scenario.from_dict(good()).with_override("reservations", layout)
    assert [(r.cidr, r.kind) for r in sc.subnets[0].reservations] == expected
    assert set(RESERVATION_LAYOUTS) == {"none", "top-quarter", "top-half", "bottom-quarter"}


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("cluster.warm_prefix_targt", 2, "cluster.warm_prefix_targt"),
        ("durations", 2, "durations"),
        ("subnets.3.cidr", "10.1.0.0/20", "subnets.3"),
        ("subnets.x.cidr", "10.1.0.0/20", "subnets.x"),
        ("name.first", "x", "name"),
        ("subnets", "x", "subnets"),
        ("reservations", "top-third", "reservations"),
        ("cluster.warm_ip_target", -1, "warm_ip_target"),
        ("", 1, "dotted name"),
    ],
)
def test_an_unknown_or_bad_override_names_the_key(key: str, value: Any, named: str) -> None:
    sc = Scenario.from_dict(good())
    with pytest.raises(ScenarioError, match=named.replace(".", r"\.")):
        sc.with_override(key, value)


def test_set_values_are_read_as_toml_else_as_text() -> None:
    assert parse_value("2") == 2 and parse_value("1.5") == 1.5
    assert parse_value("true") is True and parse_value('"x"') == "x"
    assert parse_value("top-half") == "top-half" and parse_value("") is None
    assert parse_value("[1, 2]") == [1, 2]


def test_rates_asking_for_absurdly_many_events_are_refused_at_once() -> None:
    # pod_churn_per_s = 1e9, node_replacement_interval_s = 1e-300, a tenant
    # churning 1e9 a second or a ramp to 1e9 pods (an event per pod) ran until
    # killed; the bundled scenarios ask for a
    # few thousand events, far below the bound.
    import contextlib
    import io

    from subnetfrag.cli import EXIT_ERROR, main
    from subnetfrag.sim.scenario import MAX_EVENTS, expected_events

    for name in Scenario.bundled_names():
        s = Scenario.bundled(name)
        assert 0 <= expected_events(s.duration_s, s.phases, s.tenants) < MAX_EVENTS / 1000
    for scenario, *keys in (
        ("seed-5-nodes", "phases.0.pod_churn_per_s=1e9"),
        ("seed-5-nodes", "phases.0.node_replacement_interval_s=1e-300"),
        ("noisy-neighbours", "tenants.0.churn_per_s=1e9"),
        ("seed-5-nodes", "phases.0.ramp_s=30", "phases.0.pods=1000000000"),
    ):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(
                ["simulate", scenario, "--set", "duration_s=60"]
                + [word for key in keys for word in ("--set", key)]
            )
        assert (status, out.getvalue()) == (EXIT_ERROR, "")
        assert err.getvalue().count("\n") == 1
        assert "workload events over duration_s 60" in err.getvalue()
        assert f"at most {MAX_EVENTS:,}" in err.getvalue()
    busy = Scenario.bundled("seed-5-nodes").with_override("phases.0.pod_churn_per_s", 1000.0)
    assert expected_events(busy.duration_s, busy.phases, busy.tenants) == 1000.0 * 600
    ramped = Scenario.bundled("seed-5-nodes").with_override("phases.0.ramp_s", 30)
    assert expected_events(ramped.duration_s, ramped.phases, ramped.tenants) == 5 + 5
