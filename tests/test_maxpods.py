"""max_pods() against the published EKS values and each bootstrapper's rules."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from subnetfrag.errors import SubnetFragError
from subnetfrag.instances import (
    SOURCE_DESCRIBE,
    SOURCE_EXPLICIT,
    SOURCE_TABLE,
    InstanceLimits,
    UnknownInstanceType,
    lookup,
)
from subnetfrag.maxpods import (
    InvalidDescribeResponse,
    InvalidMaxPodsArgument,
    MaxPods,
    PrefixDelegationUnsupported,
    from_describe_instance_types,
    max_pods,
    max_pods_cap,
    max_pods_for_node,
)

# Values published in awslabs/amazon-eks-ami templates/shared/runtime/eni-max-pods.txt
# (commit 0254c5b490f819627461d1b24f87e440cbdb251f): secondary-IP mode, uncapped.
PUBLISHED = {
    # burstable, Nitro and Xen
    "t3.nano": 4,
    "t3.medium": 17,
    "t3.2xlarge": 58,
    "t3a.small": 8,
    "t2.micro": 4,
    "t2.medium": 17,
    "t2.2xlarge": 44,
    # older Xen generations
    "m1.small": 8,
    "m4.large": 20,
    # general purpose, compute, memory
    "m5.large": 29,
    "m5.4xlarge": 234,
    "m5.24xlarge": 737,
    "c5.large": 29,
    "c5.4xlarge": 234,
    "c5.18xlarge": 737,
    "r5.xlarge": 58,
    "r5.16xlarge": 737,
    "m6i.large": 29,
    "m6i.32xlarge": 737,
    "c8a.large": 59,
    # Graviton
    "c6g.medium": 8,
    "c6g.16xlarge": 737,
    "m7g.xlarge": 58,
    # bare metal
    "m5.metal": 737,
    "m7g.metal": 737,
    "mac1.metal": 234,
    # accelerated: GPU, Inferentia, Trainium
    "p4d.24xlarge": 737,
    "p5.4xlarge": 118,
    "g4dn.16xlarge": 58,
    "g5.48xlarge": 345,
    "g6e.12xlarge": 292,
    "inf1.xlarge": 38,
    "inf1.24xlarge": 321,
    "inf2.48xlarge": 737,
    # several network cards: only the default card counts
    "p5.48xlarge": 100,
    "trn1.32xlarge": 247,
    "c6in.32xlarge": 394,
    "u7in-16tb.224xlarge": 394,
    # odd shapes
    "d3.xlarge": 10,
    "hpc6id.32xlarge": 51,
    "i4i.24xlarge": 437,
    "x1e.xlarge": 29,
}


@pytest.mark.parametrize(("instance_type", "published"), sorted(PUBLISHED.items()))
def test_uncapped_secondary_ip_matches_published(instance_type: str, published: int) -> None:
    result = max_pods(instance_type, cap=False, bootstrap="al2")
    assert result.max_pods == published
    assert result.uncapped == published
    assert result.source == SOURCE_TABLE


@pytest.mark.parametrize(
    ("instance_type", "expected"),
    [
        ("t3.medium", 17),  # 2 vCPUs, under 110
        ("m5.large", 29),
        ("c5.4xlarge", 110),  # 234 uncapped, 16 vCPUs
        ("m5.4xlarge", 110),  # 234 uncapped, 16 vCPUs
        ("m5.8xlarge", 234),  # 32 vCPUs: the 250 ceiling, not reached
        ("c5.9xlarge", 234),  # 36 vCPUs
        ("m5.24xlarge", 250),  # 737 uncapped, 96 vCPUs
        ("m5.metal", 250),
        ("p5.48xlarge", 100),  # 192 vCPUs, under 250
        ("mac1.metal", 110),  # 234 uncapped, 12 vCPUs
    ],
)
def test_recommended_value_is_capped_in_secondary_ip_mode(
    instance_type: str, expected: int
) -> None:
    assert max_pods(instance_type, bootstrap="al2").max_pods == expected


# --- the examples of aws-ip-facts.md -----------------------------------------


def test_m5_large_examples() -> None:
    plain = max_pods("m5.large", bootstrap="al2")
    assert (plain.max_pods, plain.uncapped, plain.enis, plain.ipv4_per_eni) == (29, 29, 3, 10)
    assert plain.explanation.startswith("3 ENIs x (10 - 1) + 2 = 29")

    custom = max_pods("m5.large", custom_networking=True, bootstrap="al2")
    assert (custom.max_pods, custom.enis) == (20, 2)
    assert "custom networking: 3 - 1 = 2 ENIs" in custom.explanation

    prefix = max_pods("m5.large", prefix_delegation=True, bootstrap="al2")
    assert (prefix.max_pods, prefix.uncapped) == (110, 434)
    assert "prefix mode 3 x 9 x 16 + 2 = 434, capped to 110" in prefix.explanation


def test_t3_medium_c5_4xlarge_m5_24xlarge_examples() -> None:
    assert max_pods("t3.medium", bootstrap="al2").uncapped == 17
    assert max_pods("c5.4xlarge", bootstrap="al2").uncapped == 234
    big = max_pods("m5.24xlarge", bootstrap="al2")
    assert big.uncapped == 737
    assert big.explanation == "15 ENIs x (50 - 1) + 2 = 737, capped to 250 (96 vCPUs, > 30)"


# --- the cap ---------------------------------------------------------------


@pytest.mark.parametrize(("vcpus", "ceiling"), [(1, 110), (30, 110), (31, 250), (192, 250)])
def test_cap_threshold_is_more_than_30_vcpus(vcpus: int, ceiling: int) -> None:
    assert max_pods_cap(vcpus) == ceiling
    limits = InstanceLimits("big.eni", enis=15, ipv4_per_eni=50, vcpus=vcpus)
    result = max_pods(limits, bootstrap="al2")
    assert result.max_pods == ceiling
    assert result.uncapped == 737


def test_cap_false_is_the_max_allowed_value() -> None:
    result = max_pods("m5.large", prefix_delegation=True, cap=False, bootstrap="al2")
    assert result.max_pods == result.uncapped == 434
    assert result.explanation == "prefix mode 3 x 9 x 16 + 2 = 434 (uncapped)"


def test_cap_needs_vcpus() -> None:
    limits = InstanceLimits("no.cpus", enis=3, ipv4_per_eni=10)
    with pytest.raises(InvalidMaxPodsArgument, match="vCPU"):
        max_pods(limits, bootstrap="al2")
    assert max_pods(limits, cap=False, bootstrap="al2").max_pods == 29


@pytest.mark.parametrize("vcpus", [0, -4, True])
def test_cap_refuses_bad_vcpus(vcpus: Any) -> None:
    with pytest.raises(InvalidMaxPodsArgument):
        max_pods_cap(vcpus)


# --- prefix mode -------------------------------------------------------------


def test_prefix_mode_on_xen_is_an_error() -> None:
    with pytest.raises(PrefixDelegationUnsupported) as caught:
        max_pods("t2.medium", prefix_delegation=True, bootstrap="al2")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, SubnetFragError)
    assert "t2.medium" in str(caught.value)
    assert "xen" in str(caught.value)
    # Secondary-IP mode on the same type is fine.
    assert max_pods("t2.medium", bootstrap="al2").max_pods == 17


def test_prefix_mode_on_explicit_xen_limits_is_an_error() -> None:
    limits = InstanceLimits("old.large", enis=3, ipv4_per_eni=10, vcpus=2, hypervisor="xen")
    with pytest.raises(PrefixDelegationUnsupported):
        max_pods(limits, prefix_delegation=True, bootstrap="al2")


def test_prefix_mode_on_bare_metal_is_allowed() -> None:
    result = max_pods("m5.metal", prefix_delegation=True, cap=False, bootstrap="al2")
    assert result.uncapped == 15 * 49 * 16 + 2


def test_prefix_mode_graviton_and_multi_card() -> None:
    assert (
        max_pods("c6g.medium", prefix_delegation=True, cap=False, bootstrap="al2").uncapped
        == 2 * 3 * 16 + 2
    )
    assert (
        max_pods("p5.48xlarge", prefix_delegation=True, cap=False, bootstrap="al2").uncapped
        == 2 * 49 * 16 + 2
    )


# --- ENI adjustments ---------------------------------------------------------


def test_max_eni_lowers_the_eni_count() -> None:
    result = max_pods("m5.24xlarge", max_eni=2, cap=False, bootstrap="al2")
    assert (result.enis, result.uncapped) == (2, 2 * 49 + 2)
    assert result.explanation.startswith("max_eni 2: min(2, 15) = 2 ENIs; ")
    prefix = max_pods("m5.24xlarge", max_eni=2, prefix_delegation=True, cap=False, bootstrap="al2")
    assert prefix.uncapped == 2 * 49 * 16 + 2


def test_max_eni_above_the_limit_changes_nothing() -> None:
    assert max_pods("m5.24xlarge", max_eni=100, cap=False, bootstrap="al2").uncapped == 737
    assert "max_eni" not in max_pods("m5.24xlarge", max_eni=100, bootstrap="al2").explanation


def test_max_eni_applies_before_custom_networking() -> None:
    # The calculator: enis = min(max_eni, ENIs), then one fewer for custom networking.
    result = max_pods("m5.24xlarge", max_eni=2, custom_networking=True, cap=False, bootstrap="al2")
    assert (result.enis, result.uncapped) == (1, 51)


def test_custom_networking_on_a_single_eni_type_leaves_host_pods_only() -> None:
    result = max_pods("hpc6id.32xlarge", custom_networking=True, bootstrap="al2")
    assert (result.enis, result.max_pods) == (0, 2)


@pytest.mark.parametrize("max_eni", [0, -1, True, 1.5, "2"])
def test_bad_max_eni_is_refused(max_eni: Any) -> None:
    with pytest.raises(InvalidMaxPodsArgument):
        max_pods("m5.large", max_eni=max_eni, bootstrap="al2")


def test_unknown_type_raises_with_suggestions() -> None:
    with pytest.raises(UnknownInstanceType, match=r"m5\.large"):
        max_pods("m5.larg", bootstrap="al2")


def test_neither_name_nor_limits_is_refused() -> None:
    with pytest.raises(InvalidMaxPodsArgument):
        max_pods(3, bootstrap="al2")  # type: ignore[arg-type]


# --- explicit limits and the result object -----------------------------------


def test_explicit_limits() -> None:
    limits = InstanceLimits("planned.node", enis=4, ipv4_per_eni=15, vcpus=4)
    result = max_pods(limits, bootstrap="al2")
    assert result == MaxPods(
        instance_type="planned.node",
        max_pods=58,
        uncapped=58,
        enis=4,
        ipv4_per_eni=15,
        vcpus=4,
        source=SOURCE_EXPLICIT,
        explanation="4 ENIs x (15 - 1) + 2 = 58 (under the cap of 110: 4 vCPUs, <= 30)",
    )


def test_to_dict_keys_and_values() -> None:
    assert max_pods("m5.large", prefix_delegation=True, bootstrap="al2").to_dict() == {
        "instance_type": "m5.large",
        "max_pods": 110,
        "uncapped": 434,
        "enis": 3,
        "ipv4_per_eni": 10,
        "vcpus": 2,
        "source": SOURCE_TABLE,
        "bootstrap": "al2",
        "notes": [],
        "override": None,
    }


# --- DescribeInstanceTypes ----------------------------------------------------


def _cards(count: int, enis: int) -> list[dict[str, Any]]:
    return [
        {
            "NetworkCardIndex": index,
            "NetworkPerformance": "100 Gigabit",
            "MaximumNetworkInterfaces": enis,
            "BaselineBandwidthInGbps": 100.0,
            "PeakBandwidthInGbps": 100.0,
        }
        for index in range(count)
    ]


DESCRIBE_RESPONSE: dict[str, Any] = {
    "InstanceTypes": [
        {
            "InstanceType": "m5.large",
            "CurrentGeneration": True,
            "Hypervisor": "nitro",
            "BareMetal": False,
            "VCpuInfo": {"DefaultVCpus": 2, "DefaultCores": 1, "DefaultThreadsPerCore": 2},
            "NetworkInfo": {
                "NetworkPerformance": "Up to 10 Gigabit",
                "MaximumNetworkInterfaces": 3,
                "MaximumNetworkCards": 1,
                "DefaultNetworkCardIndex": 0,
                "NetworkCards": _cards(1, 3),
                "Ipv4AddressesPerInterface": 10,
                "Ipv6AddressesPerInterface": 10,
                "Ipv6Supported": True,
                "EnaSupport": "required",
            },
        },
        {
            "InstanceType": "p5.48xlarge",
            "Hypervisor": "nitro",
            "BareMetal": False,
            "VCpuInfo": {"DefaultVCpus": 192},
            "NetworkInfo": {
                "MaximumNetworkInterfaces": 64,
                "MaximumNetworkCards": 32,
                "DefaultNetworkCardIndex": 0,
                "NetworkCards": _cards(32, 2),
                "Ipv4AddressesPerInterface": 50,
            },
        },
        {
            "InstanceType": "t2.medium",
            "Hypervisor": "xen",
            "BareMetal": False,
            "VCpuInfo": {"DefaultVCpus": 2},
            "NetworkInfo": {
                "MaximumNetworkInterfaces": 3,
                "DefaultNetworkCardIndex": 0,
                "NetworkCards": _cards(1, 3),
                "Ipv4AddressesPerInterface": 6,
            },
        },
        {
            # Bare metal: EC2 reports no Hypervisor.
            "InstanceType": "m5.metal",
            "BareMetal": True,
            "VCpuInfo": {"DefaultVCpus": 96},
            "NetworkInfo": {
                "MaximumNetworkInterfaces": 15,
                "DefaultNetworkCardIndex": 0,
                "NetworkCards": _cards(1, 15),
                "Ipv4AddressesPerInterface": 50,
            },
        },
        {
            # A default card other than card 0 (hypothetical type).
            "InstanceType": "zz9.test",
            "Hypervisor": "nitro",
            "BareMetal": False,
            "VCpuInfo": {"DefaultVCpus": 8},
            "NetworkInfo": {
                "MaximumNetworkInterfaces": 11,
                "DefaultNetworkCardIndex": 1,
                "NetworkCards": [
                    {"NetworkCardIndex": 0, "MaximumNetworkInterfaces": 4},
                    {"NetworkCardIndex": 1, "MaximumNetworkInterfaces": 7},
                ],
                "Ipv4AddressesPerInterface": 15,
            },
        },
    ]
}


def _stubbed_ec2() -> Any:
    session = botocore.session.get_session()
    return session.create_client(
        "ec2",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_from_describe_instance_types_through_botocore_stubber() -> None:
    from botocore.stub import Stubber

    client = _stubbed_ec2()
    names = [info["InstanceType"] for info in DESCRIBE_RESPONSE["InstanceTypes"]]
    with Stubber(client) as stubber:
        # add_response validates the canned response against botocore's EC2 model.
        stubber.add_response("describe_instance_types", DESCRIBE_RESPONSE, {"InstanceTypes": names})
        response = client.describe_instance_types(InstanceTypes=names)
        stubber.assert_no_pending_responses()

    limits = {item.instance_type: item for item in from_describe_instance_types(response)}
    assert list(limits) == names
    assert limits["m5.large"] == InstanceLimits(
        "m5.large", 3, 10, vcpus=2, hypervisor="nitro", bare_metal=False, source=SOURCE_DESCRIBE
    )
    assert limits["p5.48xlarge"].enis == 2  # the default card, not the 64 in all
    assert limits["t2.medium"].hypervisor == "xen"
    assert (limits["m5.metal"].hypervisor, limits["m5.metal"].bare_metal) == ("", True)
    assert limits["zz9.test"].enis == 7

    # The same numbers as the bundled table and the published file.
    for name in ("m5.large", "p5.48xlarge", "t2.medium", "m5.metal"):
        from_api = max_pods(limits[name], cap=False, bootstrap="al2")
        assert from_api.uncapped == PUBLISHED[name], name
        assert from_api.source == SOURCE_DESCRIBE
        table = lookup(name)
        assert (table.enis, table.ipv4_per_eni, table.vcpus) == (
            limits[name].enis,
            limits[name].ipv4_per_eni,
            limits[name].vcpus,
        )
    with pytest.raises(PrefixDelegationUnsupported):
        max_pods(limits["t2.medium"], prefix_delegation=True, bootstrap="al2")


def test_stubber_refuses_a_misspelled_key() -> None:
    """The fixture above is checked: a wrong key in a canned response fails."""
    from botocore.exceptions import ParamValidationError
    from botocore.stub import Stubber

    client = _stubbed_ec2()
    wrong = {
        "InstanceTypes": [
            {
                "InstanceType": "m5.large",
                "NetworkInfo": {"MaximumNetworkInterface": 3, "Ipv4AddressesPerInterface": 10},
            }
        ]
    }
    with Stubber(client) as stubber, pytest.raises(ParamValidationError):
        stubber.add_response("describe_instance_types", wrong)


def test_response_without_network_cards_uses_the_instance_total() -> None:
    response = {
        "InstanceTypes": [
            {
                "InstanceType": "old.type",
                "VCpuInfo": {"DefaultVCpus": 2},
                "NetworkInfo": {"MaximumNetworkInterfaces": 3, "Ipv4AddressesPerInterface": 10},
            }
        ]
    }
    (limits,) = from_describe_instance_types(response)
    assert (limits.enis, limits.hypervisor, limits.bare_metal) == (3, "", False)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda info: info.pop("VCpuInfo"), "VCpuInfo"),
        (lambda info: info["VCpuInfo"].pop("DefaultVCpus"), "DefaultVCpus"),
        (lambda info: info.pop("NetworkInfo"), "NetworkInfo"),
        (lambda info: info["NetworkInfo"].pop("Ipv4AddressesPerInterface"), "Ipv4Addresses"),
        (lambda info: info["NetworkInfo"].update(DefaultNetworkCardIndex=3), "NetworkCardIndex 3"),
        (
            lambda info: info["NetworkInfo"]["NetworkCards"][0].pop("MaximumNetworkInterfaces"),
            "Max",
        ),
        (lambda info: info["VCpuInfo"].update(DefaultVCpus="2"), "DefaultVCpus must be int"),
        (lambda info: info.update(Hypervisor=None), "Hypervisor"),
        (lambda info: info.update(BareMetal="false"), "BareMetal"),
        (lambda info: info["NetworkInfo"].update(Ipv4AddressesPerInterface=0), "ipv4_per_eni"),
    ],
)
def test_malformed_response_names_the_problem(mutate: Any, message: str) -> None:
    import copy

    info = copy.deepcopy(DESCRIBE_RESPONSE["InstanceTypes"][0])
    mutate(info)
    with pytest.raises(InvalidDescribeResponse, match=message) as caught:
        from_describe_instance_types({"InstanceTypes": [info]})
    assert isinstance(caught.value, ValueError)
    assert "m5.large" in str(caught.value) or "InstanceTypes[0]" in str(caught.value)


@pytest.mark.parametrize("response", [[], {"Reservations": []}, {"InstanceTypes": {}}])
def test_not_a_describe_response(response: Any) -> None:
    with pytest.raises(InvalidDescribeResponse):
        from_describe_instance_types(response)


# --- bootstrappers (issue 9 item 5) ------------------------------------------


def test_nodeadm_has_no_cap_and_no_prefix_term() -> None:
    # nodeadm/internal/kubelet/eni_max_pods.go calculateStandardMaxPods:
    # DefaultMaxENIs * (Ipv4AddressesPerInterface - 1) + 2, nothing else.
    default = max_pods("m5.large", prefix_delegation=True)
    assert default.bootstrap == "al2023"
    assert (default.max_pods, default.override) == (29, 110)
    assert "set the NodeConfig's kubelet maxPods" in default.notes[0]
    assert max_pods("m5.24xlarge", bootstrap="al2023").max_pods == 737  # AL2: 250
    custom = max_pods("m5.large", custom_networking=True, bootstrap="al2023")
    assert (custom.max_pods, custom.override) == (29, 20)
    plain = max_pods("m5.large", bootstrap="al2023")
    assert (plain.max_pods, plain.notes, plain.override) == (29, (), None)
    # Unknown vCPUs do not matter: nodeadm has no cap.
    assert max_pods(InstanceLimits("x.y", enis=3, ipv4_per_eni=10)).max_pods == 29


def test_karpenter_eni_limited_pods() -> None:
    # karpenter-provider-aws pkg/providers/instancetype/types.go ENILimitedPods:
    # (ENIs - reservedENIs) * (IPv4 - 1) + 2, 0 when no ENI is left.
    assert max_pods("m5.large", bootstrap="karpenter").max_pods == 29
    assert max_pods("m5.large", bootstrap="karpenter", reserved_enis=1).max_pods == 20
    assert max_pods("m5.large", bootstrap="karpenter", reserved_enis=3).max_pods == 0
    with pytest.raises(InvalidMaxPodsArgument, match="bootstrap"):
        max_pods("m5.large", bootstrap="al2024")
    with pytest.raises(InvalidMaxPodsArgument, match="reserved_enis"):
        max_pods("m5.large", bootstrap="karpenter", reserved_enis=-1)


def test_max_pods_expression_is_nodeadms() -> None:
    # nodeadm evaluateCustomMaxPodsExpression: CEL over default_enis,
    # ips_per_eni, max_pods; the result converted to int, 1 .. 2**31 - 1.
    from subnetfrag.maxpods import MaxPodsExpressionError

    expr = "default_enis * (ips_per_eni - 1) * 16 + 2 > 110 ? 110 : max_pods"
    result = max_pods("m5.large", max_pods_expression=expr)
    assert result.max_pods == 110 and "= 110" in result.explanation
    # t3.nano: 2 x (2 - 1) x 16 + 2 = 34 <= 110, so the standard 2 x (2 - 1) + 2 = 4.
    assert max_pods("t3.nano", max_pods_expression=expr).max_pods == 4
    assert max_pods("m5.large", max_pods_expression="max_pods - 2").max_pods == 27
    assert max_pods("m5.large", max_pods_expression="2.9").max_pods == 2  # truncated
    assert max_pods("m5.large", max_pods_expression='"12"').max_pods == 12
    for bad, why in (
        ("1/0", "divide by zero"),
        ("foo", "undeclared reference to 'foo'"),
        ("true", "not an integer"),
        ("0", "must be a positive integer"),
        ("max_pods * 100000000000", "must be a positive integer"),
        ("max_pods +", "failed"),
        ("x" * 1001, "longer than 1000"),
    ):
        with pytest.raises(MaxPodsExpressionError, match=why) as info:
            max_pods("m5.large", max_pods_expression=bad)
        assert isinstance(info.value, InvalidMaxPodsArgument)
    with pytest.raises(InvalidMaxPodsArgument, match="needs bootstrap al2023"):
        max_pods("m5.large", bootstrap="al2", max_pods_expression="110")


def test_docs_examples_run() -> None:
    """The examples of docs/max-pods.md, run as doctests."""
    import doctest
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "docs" / "max-pods.md"
    result = doctest.testfile(str(path), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5
    assert result.failed == 0


def test_max_pods_for_node_is_the_default_everywhere() -> None:
    # One rule for "what the bootstrapper sets": capped when the vCPU count is
    # known, uncapped (not an error) without it. The ipamd model and the planner
    # take it when no max pods is given.
    from subnetfrag.capacity import plan_capacity
    from subnetfrag.ipamd import CniSettings, CountingAllocator, NodeIpam
    from subnetfrag.maxpods import max_pods_for_node

    m5 = lookup("m5.large")
    assert max_pods_for_node(m5, bootstrap="al2", prefix_delegation=True).max_pods == 110
    assert max_pods_for_node(m5, bootstrap="al2023", prefix_delegation=True).max_pods == 29
    bare = InstanceLimits("no vcpus", enis=3, ipv4_per_eni=10)
    assert max_pods_for_node(bare, bootstrap="al2", prefix_delegation=True).max_pods == 434
    for limits in (m5, bare):
        for pd, cn, me in ((True, False, None), (False, True, None), (False, False, 2)):
            want = max_pods_for_node(
                limits, bootstrap="al2", prefix_delegation=pd, custom_networking=cn, max_eni=me
            ).max_pods
            settings = CniSettings(prefix_delegation=pd, custom_networking=cn, max_eni=me)
            assert NodeIpam(settings, limits, CountingAllocator()).max_pods == want
            plan = plan_capacity(
                nodes=1, pods_per_node=1, eni_limits=limits, prefix_delegation=pd,
                custom_networking=cn, max_eni=me,
            )  # fmt: skip
            assert plan.max_pods == want


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cap": False, "bootstrap": "al2023"}, "cap=False .* needs bootstrap al2"),
        ({"cap": False, "bootstrap": "karpenter"}, "cap=False .* needs bootstrap al2"),
        ({"reserved_enis": 1, "bootstrap": "al2"}, "needs bootstrap karpenter, not al2"),
        ({"reserved_enis": 1, "bootstrap": "al2023"}, "needs bootstrap karpenter, not al2023"),
    ],
)
def test_settings_of_another_bootstrapper_are_refused_not_ignored(
    kwargs: dict[str, Any], message: str
) -> None:
    # the command line refused these already; the library silently ignored them
    with pytest.raises(InvalidMaxPodsArgument, match=message):
        max_pods("m5.large", **kwargs)
    assert max_pods("m5.large", cap=False, bootstrap="al2").max_pods == 29
    assert max_pods("m5.large", reserved_enis=1, bootstrap="karpenter").max_pods < 29


def test_the_node_default_needs_no_vcpus_under_any_bootstrapper() -> None:
    limits = InstanceLimits("no.cpus", enis=3, ipv4_per_eni=10)
    for bootstrap in ("al2", "al2023", "karpenter"):
        assert max_pods_for_node(limits, bootstrap=bootstrap).max_pods == 29
