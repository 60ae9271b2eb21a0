"""How many pods the VPC CNI lets a node run: the EKS max-pods arithmetic,
per bootstrapper (see docs/max-pods.md).

The kubelet's max pods is set by whatever bootstraps the node, and three rules
are in use (``bootstrap=``):

- ``"al2023"`` (the default; nodeadm, the EKS AMI's bootstrapper since the AL2
  AMI and its calculator were removed, awslabs/amazon-eks-ami #2645):
  ``ENIs x (IPv4 per ENI - 1) + 2`` on the default network card, no cap, no
  prefix-delegation, custom-networking or MAX_ENI term
  (``nodeadm/internal/kubelet/eni_max_pods.go``, ``calculateStandardMaxPods``),
  unless the user sets ``maxPods`` or ``maxPodsExpression``;
- ``"karpenter"`` (aws/karpenter-provider-aws
  ``pkg/providers/instancetype/types.go``, ``ENILimitedPods``): ``(ENIs -
  RESERVED_ENIS) x (IPv4 per ENI - 1) + 2``, no cap, no prefix term, unless the
  EC2NodeClass sets ``kubelet.maxPods``;
- ``"al2"``: the AL2 ``max-pods-calculator.sh``, which EKS documents as the
  value to set and which the rest of this docstring describes:

- secondary-IP mode: ``ENIs x (IPv4 per ENI - 1) + 2`` (each ENI's primary
  address carries no pod; the 2 are host-network pods, aws-node and kube-proxy);
- prefix mode: ``ENIs x ((IPv4 per ENI - 1) x 16) + 2`` (each free slot holds a
  /28 prefix of 16 addresses);
- only the default network card's ENIs count; ``max_eni`` lowers the count
  (``min(max_eni, ENIs)``); custom networking then takes one ENI away (the
  primary ENI stays in the node's subnet and carries no pod);
- the recommended value is capped: 110 when the type has 30 vCPUs or fewer,
  250 above, in both modes. ``cap=False`` gives the calculator's
  ``--show-max-allowed`` value.

Where this module departs from the calculator it follows the VPC CNI, which is
what actually hands out addresses: prefix mode on a type that is neither Nitro
nor bare metal is an error here (the calculator silently falls back to
secondary-IP arithmetic, and ipamd turns prefix delegation off), and a bare-metal
type is allowed prefix mode (ipamd allows it; the calculator, seeing no
hypervisor, falls back to secondary-IP arithmetic).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SubnetFragError
from .instances import SOURCE_DESCRIBE, InstanceLimits, InvalidInstanceLimits, lookup

__all__ = [
    "BOOTSTRAPS",
    "DEFAULT_BOOTSTRAP",
    "HOST_NETWORK_PODS",
    "IPS_PER_PREFIX",
    "MAX_PODS_CAP_HIGH_CPU",
    "MAX_PODS_CAP_LOW_CPU",
    "MAX_PODS_CAP_VCPU_THRESHOLD",
    "InvalidDescribeResponse",
    "InvalidMaxPodsArgument",
    "MaxPods",
    "MaxPodsExpressionError",
    "PrefixDelegationUnsupported",
    "evaluate_max_pods_expression",
    "from_describe_instance_types",
    "max_pods",
    "max_pods_cap",
    "max_pods_for_node",
]

#: Addresses in one /28 prefix.
IPS_PER_PREFIX = 16
#: Host-network pods every node runs (aws-node, kube-proxy), which take no pod address.
HOST_NETWORK_PODS = 2
#: The recommended-value ceilings of max-pods-calculator.sh, and the vCPU count
#: at or below which the low one applies.
MAX_PODS_CAP_LOW_CPU = 110
MAX_PODS_CAP_HIGH_CPU = 250
MAX_PODS_CAP_VCPU_THRESHOLD = 30
#: The bootstrappers whose max-pods rule :func:`max_pods` knows, and the default.
BOOTSTRAPS: tuple[str, ...] = ("al2", "al2023", "karpenter")
DEFAULT_BOOTSTRAP = "al2023"


class PrefixDelegationUnsupported(SubnetFragError, ValueError):
    """Prefix mode asked for an instance type that is neither Nitro nor bare metal."""


class InvalidMaxPodsArgument(SubnetFragError, ValueError):
    """A max-pods argument out of range, of the wrong type, or a cap that cannot
    be applied because the vCPU count is unknown."""


class InvalidDescribeResponse(SubnetFragError, ValueError):
    """A DescribeInstanceTypes response that lacks a key max pods needs, or holds
    a value of the wrong type."""


@dataclass(frozen=True, slots=True)
class MaxPods:
    """The max-pods value of one instance type under one CNI configuration.

    - ``max_pods``: the recommended value (``uncapped`` when ``cap=False``).
    - ``uncapped``: the arithmetic before the vCPU cap.
    - ``enis``: the ENIs counted for pods, after ``max_eni`` and custom networking.
    - ``ipv4_per_eni``, ``vcpus``: the instance limits used.
    - ``source``: where those limits came from (``"bundled table"``,
      ``"describe-instance-types"`` or ``"explicit limits"``).
    - ``explanation``: the arithmetic as text, e.g.
      ``"prefix mode 3 x 9 x 16 + 2 = 434, capped to 110 (2 vCPUs, <= 30)"``.
    - ``bootstrap``: the rule applied (one of :data:`BOOTSTRAPS`).
    - ``notes``: why the rule gives this value, and what it ignores.
    - ``override``: when the bootstrapper's default does not fit the CNI
      configuration asked for (prefix delegation, custom networking, MAX_ENI),
      the value to set instead: the AL2 calculator's recommendation (EKS's
      documented value); otherwise None.
    """

    instance_type: str
    max_pods: int
    uncapped: int
    enis: int
    ipv4_per_eni: int
    vcpus: int | None
    source: str
    explanation: str
    bootstrap: str = "al2"
    notes: tuple[str, ...] = ()
    override: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The value as a JSON-ready dict: instance_type, max_pods, uncapped,
        enis, ipv4_per_eni, vcpus, source, bootstrap, notes, override (the
        explanation is left out). O(1).
        """
        return {
            "bootstrap": self.bootstrap,
            "instance_type": self.instance_type,
            "max_pods": self.max_pods,
            "uncapped": self.uncapped,
            "enis": self.enis,
            "ipv4_per_eni": self.ipv4_per_eni,
            "vcpus": self.vcpus,
            "source": self.source,
            "notes": list(self.notes),
            "override": self.override,
        }


def max_pods_cap(vcpus: int) -> int:
    """The calculator's ceiling on the recommended value: 110 for 30 vCPUs or
    fewer, 250 above. Raises :class:`InvalidMaxPodsArgument` for a count below 1. O(1).
    """
    if not isinstance(vcpus, int) or isinstance(vcpus, bool) or vcpus < 1:
        raise InvalidMaxPodsArgument(f"vcpus must be a positive integer, not {vcpus!r}")
    if vcpus > MAX_PODS_CAP_VCPU_THRESHOLD:
        return MAX_PODS_CAP_HIGH_CPU
    return MAX_PODS_CAP_LOW_CPU


def max_pods(
    limits_or_type: InstanceLimits | str,
    *,
    prefix_delegation: bool = False,
    custom_networking: bool = False,
    max_eni: int | None = None,
    cap: bool = True,
    bootstrap: str = DEFAULT_BOOTSTRAP,
    reserved_enis: int = 0,
    max_pods_expression: str | None = None,
) -> MaxPods:
    """The max-pods value of an instance type (a name from the bundled table, or
    :class:`InstanceLimits` from anywhere) under one bootstrapper's rule.

    ``bootstrap`` (default ``"al2023"``) picks the rule of the module docstring.
    For ``"al2"``: ``prefix_delegation`` selects prefix-mode arithmetic;
    ``custom_networking`` takes the primary ENI away; ``max_eni`` limits the
    ENIs counted (the CNI's ``MAX_ENI``, the calculator's ``--cni-max-eni``);
    ``cap`` applies the 110/250 ceiling by vCPU count. ``"al2023"`` and
    ``"karpenter"`` ignore the first three (their result's ``notes`` say so,
    and ``override`` gives the AL2 value to set when it differs) and have no cap
    (``cap=False`` is refused for them); ``reserved_enis`` is Karpenter's
    ``RESERVED_ENIS`` (refused for the others). ``max_pods_expression`` (al2023 only) is
    nodeadm's ``maxPodsExpression``: a CEL expression over ``default_enis``,
    ``ips_per_eni`` and ``max_pods`` (the standard value), evaluated with
    cel-python (the optional ``cel`` extra) as nodeadm's
    ``evaluateCustomMaxPodsExpression`` does; the result must be an integer
    from 1 to 2**31 - 1.

    Raises :class:`~subnetfrag.instances.UnknownInstanceType` for a name the table
    lacks, :class:`PrefixDelegationUnsupported` for prefix mode on a type that is
    neither Nitro nor bare metal, and :class:`InvalidMaxPodsArgument` for a
    ``max_eni`` below 1, an unknown ``bootstrap``, a negative ``reserved_enis``,
    ``cap=False`` but for al2, ``reserved_enis`` but for karpenter,
    an argument of the wrong type, or (AL2) ``cap=True`` with unknown vCPUs;
    :class:`MaxPodsExpressionError` for an expression that does not compile,
    fails, or gives no valid value (nodeadm would log it and keep the standard
    value), or when cel-python is not installed.
    O(1) (plus the table's one-time load for a name; an expression costs its
    evaluation, about a millisecond).
    """
    if isinstance(limits_or_type, InstanceLimits):
        limits = limits_or_type
    elif isinstance(limits_or_type, str):
        limits = lookup(limits_or_type)
    else:
        raise InvalidMaxPodsArgument(
            "max_pods() takes an instance type name or InstanceLimits, "
            f"not {type(limits_or_type).__name__}"
        )
    if max_eni is not None and (
        not isinstance(max_eni, int) or isinstance(max_eni, bool) or max_eni < 1
    ):
        raise InvalidMaxPodsArgument(f"max_eni must be a positive integer, not {max_eni!r}")
    if prefix_delegation and not limits.prefix_delegation_supported:
        hypervisor = limits.hypervisor or "an unreported hypervisor"
        raise PrefixDelegationUnsupported(
            f"prefix delegation needs a Nitro (or bare-metal) instance: {limits.instance_type} "
            f"runs on {hypervisor}, where EC2 assigns no /28 prefixes and the VPC CNI "
            "turns ENABLE_PREFIX_DELEGATION off"
        )
    if bootstrap not in BOOTSTRAPS:
        raise InvalidMaxPodsArgument(
            f"bootstrap must be one of {', '.join(BOOTSTRAPS)}, not {bootstrap!r}"
        )
    if not isinstance(reserved_enis, int) or isinstance(reserved_enis, bool) or reserved_enis < 0:
        raise InvalidMaxPodsArgument(
            f"reserved_enis must be a non-negative integer, not {reserved_enis!r}"
        )
    if not cap and bootstrap != "al2":
        raise InvalidMaxPodsArgument(
            f"cap=False turns off the AL2 calculator's 110/250 cap: it needs bootstrap al2 "
            f"({bootstrap} has no cap to turn off)"
        )
    if reserved_enis and bootstrap != "karpenter":
        raise InvalidMaxPodsArgument(
            f"reserved_enis is Karpenter's RESERVED_ENIS: it needs bootstrap karpenter, "
            f"not {bootstrap}"
        )
    if max_pods_expression is not None and bootstrap != "al2023":
        raise InvalidMaxPodsArgument(
            f"a max-pods expression is nodeadm's maxPodsExpression: it needs bootstrap "
            f"al2023, not {bootstrap}"
        )
    if bootstrap == "al2":
        return _al2(limits, prefix_delegation, custom_networking, max_eni, cap)
    result = _eni_limited(
        limits, bootstrap, prefix_delegation, custom_networking, max_eni, reserved_enis
    )
    if max_pods_expression is None:
        return result
    value = evaluate_max_pods_expression(
        max_pods_expression,
        default_enis=limits.enis,
        ips_per_eni=limits.ipv4_per_eni,
        max_pods=result.max_pods,
    )
    return _result(
        limits,
        max_pods=value,
        uncapped=value,
        enis=result.enis,
        explanation=(
            f"nodeadm maxPodsExpression {max_pods_expression!r} with default_enis="
            f"{limits.enis}, ips_per_eni={limits.ipv4_per_eni}, max_pods={result.max_pods} "
            f"= {value}"
        ),
        bootstrap=bootstrap,
    )


def max_pods_for_node(
    limits: InstanceLimits,
    *,
    bootstrap: str,
    prefix_delegation: bool = False,
    custom_networking: bool = False,
    max_eni: int | None = None,
) -> MaxPods:
    """The max pods ``bootstrap`` gives a node of ``limits`` running the VPC CNI
    with these settings: :func:`max_pods` with the AL2 110/250 cap applied
    whenever the vCPU count is known (hand-built limits without ``vcpus`` get
    the uncapped value rather than an error). This is the default the ipamd
    model and the capacity planner take when no max pods is given, and the
    value ``override`` proposes. Raises what :func:`max_pods` raises. O(1).
    """
    return max_pods(
        limits,
        prefix_delegation=prefix_delegation,
        custom_networking=custom_networking,
        max_eni=max_eni,
        cap=limits.vcpus is not None or bootstrap != "al2",
        bootstrap=bootstrap,
    )


def _result(
    limits: InstanceLimits,
    *,
    max_pods: int,
    uncapped: int,
    enis: int,
    explanation: str,
    bootstrap: str,
    notes: tuple[str, ...] = (),
    override: int | None = None,
) -> MaxPods:
    """A :class:`MaxPods` for ``limits``, the instance's own fields copied in one place."""
    return MaxPods(
        instance_type=limits.instance_type,
        max_pods=max_pods,
        uncapped=uncapped,
        enis=enis,
        ipv4_per_eni=limits.ipv4_per_eni,
        vcpus=limits.vcpus,
        source=limits.source,
        explanation=explanation,
        bootstrap=bootstrap,
        notes=notes,
        override=override,
    )


def _expression_failed(
    expression: str, error: BaseException, standard: int
) -> MaxPodsExpressionError:
    reason = str(error.args[0]) if error.args else type(error).__name__
    reason = " ".join(reason.split(" (in activation")[0].split())[:200]
    return MaxPodsExpressionError(
        f"max-pods expression {expression!r} failed: {reason} (nodeadm would log it and "
        f"keep the standard value {standard})"
    )


#: Longest max-pods expression accepted (nodeadm sets no limit; this keeps a
#: typo from costing more than a parse).
MAX_EXPRESSION_LENGTH = 1000
_INT32_MAX = 2**31 - 1
#: cel-go's doubleToInt64Checked refuses a double at or beyond +-2**63.
_INT64_BOUND = float(2**63)


class MaxPodsExpressionError(InvalidMaxPodsArgument):
    """A nodeadm ``maxPodsExpression`` that does not compile, fails, gives no
    integer from 1 to 2**31 - 1, or cannot be evaluated (cel-python missing)."""


def evaluate_max_pods_expression(
    expression: str, *, default_enis: int, ips_per_eni: int, max_pods: int
) -> int:
    """nodeadm's ``evaluateCustomMaxPodsExpression``
    (awslabs/amazon-eks-ami ``nodeadm/internal/kubelet/eni_max_pods.go``): the
    CEL ``expression`` over the integer variables ``default_enis``,
    ``ips_per_eni`` and ``max_pods``, converted to an integer that must lie in
    1 .. 2**31 - 1. CEL has no side effects and no loops beyond its bounded
    macros; cel-python (PyPI ``cel-python``, extra ``cel``) evaluates it.

    Raises :class:`MaxPodsExpressionError` with the reason. About a millisecond
    after the first call (which imports the CEL parser).
    """
    if not isinstance(expression, str) or not expression.strip():
        raise MaxPodsExpressionError(f"a max-pods expression must be CEL text, not {expression!r}")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise MaxPodsExpressionError(
            f"a max-pods expression of {len(expression)} characters is longer than "
            f"{MAX_EXPRESSION_LENGTH}"
        )
    try:
        import celpy  # the optional 'cel' extra; the core never needs it
    except ImportError:
        raise MaxPodsExpressionError(
            "a max-pods expression needs cel-python: pip install 'subnetfrag[cel]'"
        ) from None
    env = celpy.Environment()
    try:
        program = env.program(env.compile(expression))
        raw = program.evaluate(
            {
                "default_enis": celpy.celtypes.IntType(default_enis),
                "ips_per_eni": celpy.celtypes.IntType(ips_per_eni),
                "max_pods": celpy.celtypes.IntType(max_pods),
            }
        )
    except Exception as error:  # CELParseError, CELEvalError, and what they wrap
        raise _expression_failed(expression, error, max_pods) from None
    if isinstance(raw, Exception):  # cel-python returns evaluation errors as values
        raise _expression_failed(expression, raw, max_pods)
    # cel-go's ConvertToType(IntType), as nodeadm calls it: doubles truncate,
    # numeric strings parse, booleans and everything else are errors; so is a
    # double that is NaN, infinite or beyond int64 (cel-go's range error).
    value: int | None = None
    if isinstance(raw, celpy.celtypes.BoolType):
        value = None
    elif isinstance(raw, float):
        value = int(raw) if math.isfinite(raw) and -_INT64_BOUND < raw < _INT64_BOUND else None
    elif isinstance(raw, int):
        value = int(raw)
    elif isinstance(raw, str):
        try:
            value = int(raw.strip())
        except ValueError:
            value = None
    if value is None:
        raise MaxPodsExpressionError(
            f"max-pods expression {expression!r} gave {raw!r}, not an integer (nodeadm "
            f"would keep {max_pods})"
        )
    if not 0 < value <= _INT32_MAX:
        raise MaxPodsExpressionError(
            f"max-pods expression {expression!r} gave {value}: the value must be a positive "
            f"integer less than {_INT32_MAX + 1} (nodeadm would keep {max_pods})"
        )
    return value


def _al2(
    limits: InstanceLimits,
    prefix_delegation: bool,
    custom_networking: bool,
    max_eni: int | None,
    cap: bool,
) -> MaxPods:
    """The AL2 max-pods-calculator.sh value."""
    if cap and limits.vcpus is None:
        raise InvalidMaxPodsArgument(
            f"cannot cap max pods for {limits.instance_type}: its vCPU count is unknown "
            "(give InstanceLimits a vcpus value, or pass cap=False)"
        )

    def count(n: int) -> str:
        return f"{n} ENI" if n == 1 else f"{n} ENIs"

    steps: list[str] = []
    enis = limits.enis
    if max_eni is not None and max_eni < enis:
        steps.append(f"max_eni {max_eni}: min({max_eni}, {enis}) = {count(max_eni)}")
        enis = max_eni
    if custom_networking:
        steps.append(f"custom networking: {enis} - 1 = {count(enis - 1)} for pods")
        enis -= 1

    slots = limits.ipv4_per_eni - 1
    if prefix_delegation:
        uncapped = enis * (slots * IPS_PER_PREFIX) + HOST_NETWORK_PODS
        formula = f"prefix mode {enis} x {slots} x {IPS_PER_PREFIX} + 2 = {uncapped}"
    else:
        uncapped = enis * slots + HOST_NETWORK_PODS
        formula = f"{count(enis)} x ({limits.ipv4_per_eni} - 1) + 2 = {uncapped}"

    value = uncapped
    if not cap:
        formula += " (uncapped)"
    else:
        assert limits.vcpus is not None  # checked above
        ceiling = max_pods_cap(limits.vcpus)
        relation = "<=" if limits.vcpus <= MAX_PODS_CAP_VCPU_THRESHOLD else ">"
        why = f"{limits.vcpus} vCPUs, {relation} {MAX_PODS_CAP_VCPU_THRESHOLD}"
        if uncapped > ceiling:
            value = ceiling
            formula += f", capped to {ceiling} ({why})"
        else:
            formula += f" (under the cap of {ceiling}: {why})"
    steps.append(formula)

    return _result(
        limits,
        max_pods=value,
        uncapped=uncapped,
        enis=enis,
        explanation="; ".join(steps),
        bootstrap="al2",
    )


def _eni_limited(
    limits: InstanceLimits,
    bootstrap: str,
    prefix_delegation: bool,
    custom_networking: bool,
    max_eni: int | None,
    reserved_enis: int,
) -> MaxPods:
    """nodeadm's ``calculateStandardMaxPods`` or Karpenter's ``ENILimitedPods``."""
    slots = limits.ipv4_per_eni - 1
    if bootstrap == "karpenter":
        enis = max(limits.enis - reserved_enis, 0)
        value = enis * slots + HOST_NETWORK_PODS if enis else 0
        formula = (
            f"Karpenter ENILimitedPods: ({limits.enis} ENIs - {reserved_enis} reserved) x "
            f"({limits.ipv4_per_eni} - 1) + 2 = {value}"
            if enis
            else f"Karpenter ENILimitedPods: no ENI left after {reserved_enis} reserved: 0"
        )
        where = "the EC2NodeClass's kubelet.maxPods"
    else:
        enis = limits.enis
        value = enis * slots + HOST_NETWORK_PODS
        formula = (
            f"nodeadm: {enis} ENIs x ({limits.ipv4_per_eni} - 1) + 2 = {value} "
            "(no cap, no prefix or custom-networking term)"
        )
        where = "the NodeConfig's kubelet maxPods (or maxPodsExpression)"
    ignored = [
        name
        for name, on in (
            ("prefix delegation", prefix_delegation),
            ("custom networking", custom_networking),
            ("MAX_ENI", max_eni is not None and max_eni < limits.enis),
        )
        if on
    ]
    notes: list[str] = []
    override: int | None = None
    if ignored:
        al2 = max_pods_for_node(
            limits,
            bootstrap="al2",
            prefix_delegation=prefix_delegation,
            custom_networking=custom_networking,
            max_eni=max_eni,
        )
        if al2.max_pods != value:
            override = al2.max_pods
            notes.append(
                f"{bootstrap}'s default ignores {' and '.join(ignored)}: set {where} to "
                f"{override} (the AL2 calculator's recommendation: {al2.explanation})"
            )
        else:
            notes.append(f"{bootstrap}'s default ignores {' and '.join(ignored)}")
    return _result(
        limits,
        max_pods=value,
        uncapped=value,
        enis=enis,
        explanation=formula,
        bootstrap=bootstrap,
        notes=tuple(notes),
        override=override,
    )


def _need(mapping: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in mapping:
        raise InvalidDescribeResponse(f"{where} has no {key}")
    value = mapping[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidDescribeResponse(
            f"{where}.{key} must be {kind.__name__}, not {type(value).__name__}"
        )
    return value


def _limits_from_info(info: Any, position: int) -> InstanceLimits:
    if not isinstance(info, Mapping):
        raise InvalidDescribeResponse(f"InstanceTypes[{position}] is not an object")
    where = f"InstanceTypes[{position}]"
    name = _need(info, "InstanceType", str, where)
    where = f"{name}"
    network = _need(info, "NetworkInfo", Mapping, where)
    ipv4 = _need(network, "Ipv4AddressesPerInterface", int, f"{where}.NetworkInfo")
    default_card = network.get("DefaultNetworkCardIndex", 0)
    if not isinstance(default_card, int) or isinstance(default_card, bool):
        raise InvalidDescribeResponse(f"{where}.NetworkInfo.DefaultNetworkCardIndex is not int")
    cards = network.get("NetworkCards")
    if cards:
        if not isinstance(cards, list):
            raise InvalidDescribeResponse(f"{where}.NetworkInfo.NetworkCards is not a list")
        matching = [
            card
            for card in cards
            if isinstance(card, Mapping) and card.get("NetworkCardIndex") == default_card
        ]
        if len(matching) != 1:
            raise InvalidDescribeResponse(
                f"{where}.NetworkInfo.NetworkCards has {len(matching)} cards with "
                f"NetworkCardIndex {default_card} (the DefaultNetworkCardIndex)"
            )
        enis = _need(
            matching[0],
            "MaximumNetworkInterfaces",
            int,
            f"{where}.NetworkInfo.NetworkCards[{default_card}]",
        )
    else:
        # Older responses carry no NetworkCards: the one card holds every ENI.
        enis = _need(network, "MaximumNetworkInterfaces", int, f"{where}.NetworkInfo")
    vcpu_info = _need(info, "VCpuInfo", Mapping, where)
    vcpus = _need(vcpu_info, "DefaultVCpus", int, f"{where}.VCpuInfo")
    hypervisor = info.get("Hypervisor", "")
    bare_metal = info.get("BareMetal", False)
    if not isinstance(hypervisor, str):
        raise InvalidDescribeResponse(f"{where}.Hypervisor is not a string")
    if not isinstance(bare_metal, bool):
        raise InvalidDescribeResponse(f"{where}.BareMetal is not a boolean")
    try:
        return InstanceLimits(
            instance_type=name,
            enis=enis,
            ipv4_per_eni=ipv4,
            vcpus=vcpus,
            hypervisor=hypervisor,
            bare_metal=bare_metal,
            source=SOURCE_DESCRIBE,
        )
    except InvalidInstanceLimits as error:
        raise InvalidDescribeResponse(f"{where}: {error}") from None


def from_describe_instance_types(response: Mapping[str, Any]) -> list[InstanceLimits]:
    """Instance limits from one EC2 DescribeInstanceTypes response (boto3's dict,
    or ``aws ec2 describe-instance-types --output json``), in response order.

    Reads ``InstanceTypes[].InstanceType``, ``NetworkInfo.Ipv4AddressesPerInterface``,
    ``NetworkInfo.DefaultNetworkCardIndex`` (0 when absent), the
    ``MaximumNetworkInterfaces`` of the ``NetworkCards`` entry with that
    ``NetworkCardIndex`` (``NetworkInfo.MaximumNetworkInterfaces`` when the
    response has no cards), ``VCpuInfo.DefaultVCpus``, ``Hypervisor`` (``""`` when
    absent, as for bare metal) and ``BareMetal`` (False when absent). Every
    result has source ``"describe-instance-types"``. One page only: for a
    paginated call, concatenate the pages' results. Other keys are ignored.

    Raises :class:`InvalidDescribeResponse` when a needed key is missing or of
    the wrong type, or the default card is not listed exactly once. O(n) in the
    number of types and cards.
    """
    if not isinstance(response, Mapping):
        raise InvalidDescribeResponse(
            f"a DescribeInstanceTypes response is an object, not {type(response).__name__}"
        )
    infos = _need(response, "InstanceTypes", list, "response")
    return [_limits_from_info(info, position) for position, info in enumerate(infos)]
