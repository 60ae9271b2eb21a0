"""Headroom: nodes that still fit, against bounds worked from the model, and
the command line."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import subnetfrag as sf
from subnetfrag.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from subnetfrag.ipamd import CniSettings, CountingAllocator, NodeIpam
from subnetfrag.sim import InvalidHeadroomArgument, headroom

PREFIX = {"prefix_delegation": True, "warm_prefix_target": 1}


def node_prefixes(pods: int) -> int:
    """What one settled m5.large node holds at ``pods`` pods, by the model alone."""
    ipam = NodeIpam(CniSettings(**PREFIX), sf.lookup("m5.large"), CountingAllocator())
    for _ in range(pods):
        ipam.settle(0.0)
        ipam.add_pod(now_s=0.0)
    ipam.settle(0.0)
    return ipam.prefixes


def scattered(cidr: str, ips: int, seed: int) -> sf.Subnet:
    s = sf.Subnet(cidr, seed=seed)
    for _ in range(ips):
        s.allocate_ip_offset()
    return s


def test_an_empty_subnet_fits_what_its_free_blocks_allow_and_no_more() -> None:
    s = sf.Subnet("10.0.0.0/22")
    before = s.to_dict()
    r = headroom(s, instance_type="m5.large", settings=PREFIX, pods_per_node=20, runs=30, seed=1)
    per_node = node_prefixes(20)  # 20 pods fill 2 /28s; 12 available < 16: one more
    assert per_node == 3
    most = s.free_prefix_count() // per_node  # 62 // 3 = 20
    n = r.total.nodes
    assert n["min"] <= n["p10"] <= n["p50"] <= n["p90"] <= most
    # each node takes 3 /28s and spoils at most one more with its primary address; the
    # failing node took at most 2 before the last free /28 went: free <= 4 x min + 3
    assert n["min"] >= (s.free_prefix_count() - 3) // (per_node + 1)
    assert r.total.pods["p50"] == 20 * n["p50"]
    assert r.total.runs == 30 and r.total.limited_by == "InsufficientCidrBlocks"
    assert s.to_dict() == before  # the subnet given is not changed


def test_less_free_space_never_fits_more_nodes() -> None:
    results = []
    for used in (0, 100, 300, 600):
        s = scattered("10.0.0.0/21", used, seed=3)
        results.append(headroom(s, instance_type="m5.large", settings=PREFIX,
                                pods_per_node=10, runs=20, seed=2).total.nodes)  # fmt: skip
    for more, less in itertools.pairwise(results):
        assert less["p50"] <= more["p50"] and less["min"] <= more["min"]
    assert results[0]["p50"] > results[-1]["p50"]


def test_the_same_seed_gives_the_same_answer() -> None:
    s = scattered("10.0.0.0/22", 120, seed=5)
    a = headroom(s, instance_type="m5.large", settings=PREFIX, pods_per_node=16, runs=25, seed=9)
    b = headroom(s, instance_type="m5.large", settings=PREFIX, pods_per_node=16, runs=25, seed=9)
    assert a.to_dict() == b.to_dict()


def test_secondary_ip_mode_counts_addresses() -> None:
    # WARM_ENI_TARGET=1 (the default), 27 pods: 3 ENIs of 10 addresses each per node
    s = sf.Subnet("10.0.0.0/24")
    r = headroom(s, instance_type="m5.large", pods_per_node=27, runs=5)
    assert r.pods_per_node == 27
    assert r.total.nodes == {"p10": 8, "p50": 8, "p90": 8, "min": 8}  # 251 // 30
    assert r.total.limited_by == "InsufficientFreeAddressesInSubnet"


def test_a_run_that_ends_on_the_primary_address_counts_every_node_that_joined() -> None:
    # 250 free addresses, 10 per node at 0 pods: 25 nodes, then no address for the next
    # node's primary ENI (the error comes before it joins, so nothing is taken off)
    s = scattered("10.0.0.0/24", 1, seed=0)
    r = headroom(s, instance_type="m5.large", pods_per_node=0, runs=2)
    assert r.total.nodes == {"p10": 25, "p50": 25, "p90": 25, "min": 25}
    full = scattered("10.0.0.0/28", 11, seed=0)  # a full subnet fits nothing (was -1)
    r = headroom(full, instance_type="m5.large", settings=PREFIX, runs=2)
    assert r.total.nodes["min"] == r.total.pods["min"] == 0


def test_a_set_of_subnets_reports_each_and_the_whole() -> None:
    a = scattered("10.0.0.0/22", 50, seed=1)
    b = sf.Subnet("10.0.4.0/22", subnet_id="subnet-b")
    r = headroom([a, b], instance_type="m5.large", settings=PREFIX, pods_per_node=10, runs=10)
    (ida, _, fa), (idb, cidrb, fb) = r.subnets
    assert (idb, cidrb) == ("subnet-b", "10.0.4.0/22") and ida == "10.0.0.0/22"
    assert fb.nodes["p50"] >= fa.nodes["p50"]
    assert r.total.nodes["p50"] >= fb.nodes["p50"]
    assert r.total.nodes["p90"] <= fa.nodes["p90"] + fb.nodes["p90"] + 1
    d = r.to_dict()
    assert {"nodes", "pods", "runs", "limited_by"} <= set(d)
    assert set(d["nodes"]) == {"p10", "p50", "p90", "min"}
    assert [x["subnet_id"] for x in d["subnets"]] == ["10.0.0.0/22", "subnet-b"]


def test_bad_arguments_are_refused() -> None:
    s = sf.Subnet("10.0.0.0/24")
    for kwargs in (
        {"runs": 0},
        {"pods_per_node": -1},
        {"pods_per_node": 500},
        {"seed": "x"},
        {"subnet_selection": "in-order"},
    ):
        with pytest.raises(InvalidHeadroomArgument):
            headroom(s, instance_type="m5.large", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidHeadroomArgument):
        headroom([], instance_type="m5.large")
    with pytest.raises(sf.UnknownInstanceType):
        headroom(s, instance_type="m5.huge")
    with pytest.raises(sf.SubnetFragError, match="warm_ip_target"):
        headroom(s, instance_type="m5.large", settings={"warm_ip_target": -1})


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_the_command_prints_the_library_answer() -> None:
    args = ["headroom", "--example", "--instance-type", "m5.large", "--prefix-delegation",
            "--pods-per-node", "30", "--runs", "20", "--seed", "4"]  # fmt: skip
    status, out, _ = run(*args, "--format", "json")
    assert status == EXIT_OK
    from subnetfrag.aws import load_example

    subnets = [s.subnet for s in load_example()]
    settings = {**PREFIX, "warm_eni_target": 1}  # the command's defaults are plan's
    expected = headroom(subnets, instance_type="m5.large", settings=settings, pods_per_node=30,
                        runs=20, seed=4)  # fmt: skip
    doc = json.loads(out)
    aws = next(iter(load_example()))
    where = {"name": aws.info.name, "availability_zone": aws.info.availability_zone,
             "vpc_id": aws.info.vpc_id}  # fmt: skip
    assert all(where.values())
    (entry,) = doc["subnets"]
    assert list(entry)[:5] == ["subnet_id", "cidr", "name", "availability_zone", "vpc_id"]
    assert {k: entry.pop(k) for k in where} == where  # named as in every JSON output
    # The command adds whether each subnet's input is complete (the example's is).
    assert doc.pop("input_complete") is True
    assert [sub.pop("input_complete") for sub in doc["subnets"]] == [True]
    assert doc == json.loads(json.dumps(expected.to_dict()))
    status, out, _ = run(*args)
    assert status == EXIT_OK
    n = expected.total.nodes
    assert f"nodes  p10 {n['p10']}  p50 {n['p50']}  p90 {n['p90']}  min {n['min']}" in out
    assert out.startswith(f'{aws.subnet_id}  {aws.info.cidr}  "{aws.info.name}"  (us-east-1a, ')
    assert "limited by InsufficientCidrBlocks (20 of 20 runs)" in out
    status, _, err = run("headroom", "--example", "--prefix-delegation")
    assert status == EXIT_USAGE and "--instance-type" in err
    status, _, err = run("headroom", "--example", "--instance-type", "m5.large",
                         "--pods-per-node", "300")  # fmt: skip
    assert status == EXIT_ERROR and err.count("\n") == 1 and "pods_per_node 300" in err


def node_holds(settings: dict[str, object], pods: int) -> CountingAllocator:
    """What one settled m5.large node holds at ``pods`` pods, by the model
    alone (a CountingAllocator never fails)."""
    held = CountingAllocator()
    ipam = NodeIpam(CniSettings(**settings), sf.lookup("m5.large"), held)  # type: ignore[arg-type]
    for _ in range(pods):
        ipam.settle(0.0)
        ipam.add_pod(now_s=0.0)
    ipam.settle(0.0)
    return held


@settings(max_examples=25)
@given(
    prefix_len=st.sampled_from([24, 23, 22]),
    used=st.integers(0, 400),
    pods=st.integers(0, 108),
    layout=st.integers(0, 2**16),
    seed=st.integers(0, 2**16),
)
def test_every_run_fits_no_more_nodes_than_the_free_blocks_allow(
    prefix_len: int, used: int, pods: int, layout: int, seed: int
) -> None:
    # runs=1: then min = p10 = p50 = p90 is that one run, so the bound holds for every run
    s = scattered(f"10.0.0.0/{prefix_len}", min(used, (1 << (32 - prefix_len)) - 5), layout)
    r = headroom(s, instance_type="m5.large", settings=PREFIX, pods_per_node=pods, runs=1,
                 seed=seed)  # fmt: skip
    nodes = r.total.nodes["min"]
    assert set(r.total.nodes.values()) == {nodes}
    # every node counted holds its prefixes, each one a /28 that was free before
    assert nodes <= s.free_prefix_count() // node_holds(PREFIX, pods).prefixes
    assert r.total.pods["min"] == nodes * pods


@settings(max_examples=25)
@given(
    used=st.integers(0, 250),
    pods=st.integers(0, 27),
    layout=st.integers(0, 2**16),
)
def test_in_secondary_ip_mode_the_nodes_are_the_free_addresses_over_what_one_holds(
    used: int, pods: int, layout: int
) -> None:
    # /32s do not care where they land: the count is exact, so monotone in free space
    s = scattered("10.0.0.0/24", used, layout)
    r = headroom(s, instance_type="m5.large", pods_per_node=pods, runs=3, seed=layout)
    per_node = node_holds({}, pods).addresses
    expected = s.report().addresses.available // per_node
    assert r.total.nodes == {"p10": expected, "p50": expected, "p90": expected, "min": expected}
    assert r.total.limited_by == "InsufficientFreeAddressesInSubnet"


def test_the_text_escapes_subnet_ids_from_the_input(tmp_path: Path) -> None:
    evil = "subnet-0aaa\x1b[31m\nFAKE"
    subnets = {"Subnets": [{"SubnetId": evil, "CidrBlock": "10.1.0.0/24",
                            "AvailableIpAddressCount": 251}]}  # fmt: skip
    (tmp_path / "s.json").write_text(json.dumps(subnets))
    (tmp_path / "e.json").write_text(json.dumps({"NetworkInterfaces": []}))
    status, out, err = run("headroom", "--subnets", str(tmp_path / "s.json"), "--enis",
                           str(tmp_path / "e.json"), "--instance-type", "m5.large",
                           "--runs", "2")  # fmt: skip
    assert status == EXIT_OK, err
    assert "\x1b" not in out
    assert out.splitlines()[0] == "subnet-0aaa\\x1b[31m\\nFAKE  10.1.0.0/24"


def test_headroom_on_incomplete_input_warns_and_marks_the_figures_upper_bounds(
    tmp_path: Path,
) -> None:
    # EC2 counts 120 addresses taken that no ENI read holds (an ENI file of
    # another region): the figures are upper bounds, and the command says so.
    subnets = {"Subnets": [{"SubnetId": "subnet-0aaa0000000000001", "CidrBlock": "10.1.0.0/24",
                            "AvailableIpAddressCount": 251 - 120}]}  # fmt: skip
    (tmp_path / "s.json").write_text(json.dumps(subnets))
    (tmp_path / "e.json").write_text(json.dumps({"NetworkInterfaces": []}))
    argv = ["headroom", "--subnets", str(tmp_path / "s.json"), "--enis", str(tmp_path / "e.json"),
            "--instance-type", "m5.large", "--runs", "2"]  # fmt: skip
    status, out, err = run(*argv)
    assert status == EXIT_OK
    assert "subnetfrag: warning: subnet-0aaa0000000000001: " in err
    assert "the input is incomplete" in err
    assert out.splitlines()[0] == (
        "subnet-0aaa0000000000001  10.1.0.0/24  (at most: the input is incomplete, see the warning)"
    )
    status, out, _ = run(*argv, "--format", "json")
    doc = json.loads(out)
    assert doc["input_complete"] is False and doc["subnets"][0]["input_complete"] is False
    subnets["Subnets"][0]["AvailableIpAddressCount"] = 251  # EC2 agrees: complete
    (tmp_path / "s.json").write_text(json.dumps(subnets))
    status, out, err = run(*argv)
    assert (status, err) == (EXIT_OK, "") and "incomplete" not in out
    doc = json.loads(run(*argv, "--format", "json")[1])
    assert doc["input_complete"] is True and doc["subnets"][0]["input_complete"] is True


def test_an_absurd_run_count_is_refused_before_any_run() -> None:
    # --runs 10**30 ran until killed; the library refuses above MAX_RUNS, and
    # serve --once reports it the same way.
    from subnetfrag.sim.headroom import MAX_RUNS, InvalidHeadroomArgument, headroom

    huge = 10**30
    for argv in (
        ("headroom", "--example", "--instance-type", "m5.large", "--runs", str(huge)),
        ("serve", "--example", "--once", "--headroom-instance-type", "m5.large",
         "--headroom-runs", str(huge)),
    ):  # fmt: skip
        status, out, err = run(*argv)
        assert (status, out) == (EXIT_ERROR, "")
        assert err == f"subnetfrag: error: runs must be at most {MAX_RUNS:,}, not {huge:,}\n"
    with pytest.raises(InvalidHeadroomArgument, match="at most"):
        headroom(sf.Subnet("10.0.0.0/24"), instance_type="m5.large", runs=MAX_RUNS + 1)
