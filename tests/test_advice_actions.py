"""Advice an operator can act on: the action and command for each owner,
leaked ENIs, a subnet that already meets the goal, and the warning when a
reservation leaves fewer addresses for /32s than the /32 owners hold."""

from __future__ import annotations

import json
import shlex

import pytest

from subnetfrag import Subnet
from subnetfrag.advice import leaked_enis, plan_defrag, suggest_reservation
from subnetfrag.aws import load_example
from subnetfrag.cli import main
from subnetfrag.cli.advise import advise_subnet, can_move
from subnetfrag.owner import Owner
from subnetfrag.render.actions import action_for_group, action_for_owner
from subnetfrag.render.advice_text import render_leaked, render_reservation
from subnetfrag.render.terminal import Style

SUBNET = "subnet-0abc"


def act(**owner: object):  # type: ignore[no-untyped-def]
    return action_for_owner(
        Owner(**owner),  # type: ignore[arg-type]
        subnet_id=SUBNET,
        zone="eu-west-1a",
        region="eu-west-1",
        profile="ops",
    )


def words(command: str) -> list[str]:
    """The command as the shell splits it (it must be well quoted)."""
    return shlex.split(command)


def test_nodes_are_cordoned_drained_and_terminated() -> None:
    a = act(eni_id="eni-1", instance_id="i-0abc", owner_class="node-primary", primary=True)
    assert (a.kind, a.target, a.movable) == ("node", "i-0abc", True)
    assert "aws:///eu-west-1a/i-0abc" in a.commands[0]
    assert words(a.commands[1]) == ["kubectl", "cordon", "$NODE"]
    assert words(a.commands[2])[:3] == ["kubectl", "drain", "$NODE"]
    assert words(a.commands[3]) == [
        "aws", "ec2", "terminate-instances", "--instance-ids", "i-0abc",
        "--region", "eu-west-1", "--profile", "ops",
    ]  # fmt: skip
    # the VPC CNI's addresses on a node go with the node
    pod = act(eni_id="eni-2", instance_id="i-0abc", owner_class="eks-pod")
    assert pod.kind == "node" and pod.target == "i-0abc"


def test_lambda_takes_the_function_from_the_requester() -> None:
    a = act(eni_id="eni-1", owner_class="lambda", requester_id="AROAEXAMPLE:orders-api")
    assert (a.kind, a.target) == ("lambda", "orders-api")
    w = words(a.commands[0])
    assert w[:3] == ["aws", "lambda", "update-function-configuration"]
    assert w[w.index("--function-name") + 1] == "orders-api"
    assert w[w.index("--vpc-config") + 1].startswith("SubnetIds=")


@pytest.mark.parametrize(
    ("description", "movable", "command"),
    [
        ("ELB app/web-1/50dc6c495c0c9188", True, "set-subnets"),
        ("ELB net/ingress/63adfa", True, "set-subnets"),
        ("ELB gwy/inspect/1234", False, None),
        ("ELB legacy-web", True, "detach-load-balancer-from-subnets"),
    ],
)
def test_load_balancers(description: str, movable: bool, command: str | None) -> None:
    a = act(eni_id="eni-1", owner_class="elb", description=description)
    assert a.kind == "elb" and a.movable is movable
    if command is None:
        assert a.commands == () and "cannot move" in a.summary
    else:
        assert any(command in c for c in a.commands)
        for c in a.commands:
            words(c)
    assert a.target == description.split("/")[1] if "/" in description else "legacy-web"


def test_a_network_load_balancer_moves_in_two_set_subnets_calls() -> None:
    # the removal of its subnet in a zone, then the new one (ELB user guide, "Update the
    # Availability Zones for your Network Load Balancer": two independent actions)
    a = act(eni_id="eni-1", owner_class="elb", description="ELB net/ingress/63adfa")
    remove, add = (words(c) for c in a.commands)
    for w in (remove, add):
        assert w[:3] == ["aws", "elbv2", "set-subnets"] and w[-4:] == [
            "--region", "eu-west-1", "--profile", "ops",
        ]  # fmt: skip
        lookup = w[w.index("--load-balancer-arn") + 1]
        assert lookup.startswith("$(aws elbv2 describe-load-balancers --names ingress ")
        assert lookup.endswith(" --region eu-west-1 --profile ops)")  # the ARN of this account
    assert "<another subnet in this zone>" not in " ".join(remove)
    assert "<another subnet in this zone>" in " ".join(add)
    assert a.note is not None and "VPC endpoint associations" in a.note


def test_a_controller_made_load_balancer_says_where_its_subnets_are_set() -> None:
    a = act(eni_id="eni-1", owner_class="elb", description="ELB app/k8s-shop-web-3f9a/23350b23")
    assert a.note is not None and "AWS Load Balancer Controller" in a.note


def test_vpc_endpoint_eks_control_plane_rds_nat_other() -> None:
    ep = act(
        eni_id="eni-1",
        owner_class="vpc-endpoint",
        description="VPC Endpoint Interface vpce-0123abcd",
    )
    w = words(ep.commands[0])
    assert w[:3] == ["aws", "ec2", "modify-vpc-endpoint"]
    assert w[w.index("--vpc-endpoint-id") + 1] == "vpce-0123abcd"
    assert w[w.index("--remove-subnet-ids") + 1] == SUBNET
    eks = act(eni_id="eni-2", owner_class="other", description="Amazon EKS demo")
    w = words(eks.commands[0])
    assert (eks.kind, eks.target) == ("eks-control-plane", "demo")
    assert w[:5] == ["aws", "eks", "update-cluster-config", "--name", "demo"]
    assert w[w.index("--resources-vpc-config") + 1].startswith("subnetIds=")
    assert not act(eni_id="eni-3", owner_class="rds").movable
    assert not act(eni_id="eni-4", owner_class="nat-gateway").movable
    other = act(eni_id="eni-5", owner_class="other", description="EFS mount target")
    assert other.kind == "other" and "EFS mount target" in other.summary
    assert words(other.commands[0])[:3] == ["aws", "ec2", "describe-network-interfaces"]
    assert action_for_owner(None, subnet_id=SUBNET).kind == "unknown"


def test_a_detached_eni_is_deleted_whatever_its_class() -> None:
    a = act(eni_id="eni-9", owner_class="eks-pod", status="available")
    assert a.kind == "leaked-eni"
    assert words(a.commands[0])[:5] == [
        "aws", "ec2", "delete-network-interface", "--network-interface-id", "eni-9",
    ]  # fmt: skip


def test_can_move_leaves_fixed_owners_in_place() -> None:
    assert can_move(Owner(owner_class="lambda"))
    assert not can_move(Owner(owner_class="nat-gateway"))
    assert not can_move(Owner(owner_class="elb", description="ELB gwy/x/1"))
    assert can_move(Owner(owner_class="elb", description="ELB net/x/1"))
    assert not can_move(Owner(owner_class="lambda", primary=True), keep_primaries=True)
    aws = next(iter(load_example()))
    plan, _ = advise_subnet(aws, want=150, prefixes=1)
    moved = [m.owner for m in plan.moves if m.owner is not None]
    assert moved and all(can_move(o) for o in moved)
    assert not any(o.owner_class == "rds" for o in moved)
    # the library's plan, without the predicate, does move them
    everything = plan_defrag(aws.subnet, 150)
    assert any(m.owner is not None and not can_move(m.owner) for m in everything.moves)


def test_groups_of_the_example_name_their_action() -> None:
    aws = next(iter(load_example()))
    plan, _ = advise_subnet(aws, want=40, prefixes=1)
    kinds = {action_for_group(g, subnet_id=aws.subnet_id).kind for g in plan.groups}
    assert {"node", "vpc-endpoint", "lambda"} <= kinds


# ------------------------------------------------------------ leaked ENIs


def test_leaked_enis_with_the_blocks_they_spoil_and_free() -> None:
    s = Subnet("10.0.0.0/24")
    leak = Owner(eni_id="eni-leak", owner_class="eks-pod", status="available")
    live = Owner(eni_id="eni-live", owner_class="lambda", status="in-use")
    s.allocate_ip("10.0.0.20", owner=leak)  # block .16: only the leak
    s.allocate_ip("10.0.0.21", owner=leak)
    s.allocate_ip("10.0.0.40", owner=leak)  # block .32: shared with a live ENI
    s.allocate_ip("10.0.0.41", owner=live)
    s.allocate_prefix("10.0.0.64/28", owner=leak)
    s.allocate_ip("10.0.0.90", owner=live)
    (found,) = leaked_enis(s)
    assert found.eni_id == "eni-leak"
    assert found.addresses == ("10.0.0.20", "10.0.0.21", "10.0.0.40")
    assert found.prefixes == ("10.0.0.64/28",)
    assert found.blocks == ("10.0.0.16/28", "10.0.0.32/28")  # its prefix is held, not spoiled
    assert found.freed_blocks == ("10.0.0.16/28", "10.0.0.64/28")
    # deleting it really frees those blocks
    before = s.free_prefix_count()
    for a in (*found.addresses, *found.prefixes):
        s.release(a)
    assert s.free_prefix_count() == before + len(found.freed_blocks)
    assert leaked_enis(s) == []


def test_a_leaked_eni_holding_only_a_prefix_spoils_nothing() -> None:
    s = Subnet("10.0.0.0/24")
    s.allocate_prefix("10.0.0.64/28", owner=Owner(eni_id="eni-p", status="available"))
    (found,) = leaked_enis(s)
    assert found.blocks == () and found.freed_blocks == ("10.0.0.64/28",)
    text = "\n".join(render_leaked([found], Style(False)))
    assert "spoils" not in text and "prefix 10.0.0.64/28" in text


def test_the_example_leak_is_reported_with_its_delete_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    aws = next(iter(load_example()))
    (leak,) = leaked_enis(aws.subnet)
    text = "\n".join(render_leaked([leak], Style(False)))
    assert f"{leak.eni_id} (eks-pod" in text and "10.42.43.236" in text
    assert f"$ aws ec2 delete-network-interface --network-interface-id {leak.eni_id}" in text
    assert main(["advise", "--example"]) == 0
    assert "leaked ENIs (1)" in capsys.readouterr().out


# ------------------------------------------------------------------ goal


def test_a_subnet_that_meets_the_goal_gets_nothing_prescribed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    free = next(iter(load_example())).subnet.free_prefix_count()
    assert main(["advise", "--example", "--want", str(free)]) == 0
    out = capsys.readouterr().out
    assert (
        f"meets the goal: {free} free /28 prefixes, at least the {free} wanted; nothing to move"
        in out
    )
    assert "repair plan" not in out and "prefix reservation" not in out
    assert "create-subnet-cidr-reservation" not in out
    # one more wanted: a plan for exactly the one missing
    assert main(["advise", "--example", "--want", str(free + 1), "--format", "json"]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert doc["meets_goal"] is False and len(doc["plan"]["recovered"]) == 1


# ----------------------------------------------------- reservation warning


def test_a_reservation_that_starves_the_32s_is_warned_about() -> None:
    s = Subnet("10.0.0.0/24")
    for i in range(16, 176):  # blocks 1-10 full of /32s: 160 held
        s.allocate_ip(f"10.0.0.{i}")
    suggestion = suggest_reservation(s, 4)
    assert suggestion.possible and suggestion.single_addresses_held == 160
    assert suggestion.available_ip_count_after < 160
    assert (
        suggestion.warning is not None and "fewer than the 160 /32s held now" in suggestion.warning
    )
    assert suggestion.to_dict()["warning"] == suggestion.warning
    text = "\n".join(render_reservation("subnet-1", suggestion, Style(False), after_plan=False))
    assert "warning: it leaves" in text
    # a small reservation in a roomy subnet: no warning
    roomy = Subnet("10.0.0.0/24")
    roomy.allocate_ip("10.0.0.20")
    ok = suggest_reservation(roomy, 2)
    assert ok.single_addresses_held == 1 and ok.warning is None
