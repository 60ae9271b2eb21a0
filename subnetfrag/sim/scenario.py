"""Scenarios: what a simulation runs, as a TOML file or plain Python data.

A :class:`Scenario` is an immutable, picklable description of subnets, a
cluster (instance type, VPC CNI settings, scheduler, subnet selection), a
workload in phases, and background tenants. It is read with the standard
library's :mod:`tomllib` (``Scenario.from_file``), built from a dict
(``Scenario.from_dict``), written back (``to_dict``), changed one dotted key at
a time (``with_override``, what ``--set`` and the benchmark's ``--vary`` use),
and bundled with the package (``Scenario.bundled(name)``). docs/simulation.md
documents every key.

Validation is strict, because a typo in a scenario would otherwise silently
simulate something else: an unknown key, a value of the wrong type or out of
range, and a CIDR that AWS would refuse raise :class:`ScenarioError` naming the
key (``subnets.0.cidr``, ``cluster.warm_ip_target``, ``phases.1.at_s``).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import SubnetFragError
from ..inputs import parse_errors_as, read_limited
from ..instances import UnknownInstanceType, lookup
from ..ipamd import CniSettings
from ..owner import OWNER_CLASSES
from ..subnet import RESERVATION_KINDS, Subnet
from ..vpc import Vpc

__all__ = [
    "MAX_CHECKPOINTS",
    "MAX_DURATION_S",
    "MAX_EVENTS",
    "MAX_SCENARIO_BYTES",
    "POD_ADDRESS_CHOICES",
    "RESERVATION_LAYOUTS",
    "SCHEDULERS",
    "SUBNET_ROLES",
    "SUBNET_SELECTIONS",
    "TENANT_KINDS",
    "ClusterSpec",
    "PhaseSpec",
    "ReservationSpec",
    "Scenario",
    "ScenarioError",
    "SubnetSpec",
    "TenantSpec",
    "parse_value",
]

#: The longest simulated time a scenario may ask for: ten years. A run's cost
#: grows with its simulated time, so an absurd ``duration_s`` (``1e300``) is a
#: mistake to refuse at once, not a run to start that never ends.
MAX_DURATION_S = 10 * 366 * 86_400.0
#: The most checkpoints (rows of the series) a run may record: the series is
#: kept in memory, so ``checkpoint_s`` may not be tiny against ``duration_s``.
MAX_CHECKPOINTS = 1_000_000
#: The most workload events (ramp steps, pod churn, node replacements, burst
#: pods, tenant churn) a scenario may ask for over its duration, as
#: :func:`expected_events` counts them: at 10-20 µs an event, 10**8 is half an
#: hour of one core. ``pod_churn_per_s = 1e9`` or
#: ``node_replacement_interval_s = 1e-300`` is a mistake to refuse at once, not
#: a run that never ends.
MAX_EVENTS = 10**8
#: The most a scenario file may hold: a scenario is a page of TOML (the bundled
#: ones are a few KiB), so 16 MiB is room for thousands of phases, and reading
#: stops one byte over it instead of filling memory with an endless input
#: (``/dev/zero``) or a wrong file.
MAX_SCENARIO_BYTES = 16 << 20
#: Pod schedulers: ``spread`` (fewest pods first) and ``binpack`` (most pods first).
SCHEDULERS: tuple[str, ...] = ("spread", "binpack")
#: Subnet-selection rules for new ENIs (:data:`subnetfrag.pool.STRATEGIES` names).
SUBNET_SELECTIONS: tuple[str, ...] = ("most-available", "most-free-prefixes")
#: How ipamd picks the /28 or /32 a new pod's address comes from: ``random``
#: (the CNI walks Go maps, whose order is random) or ``in-order`` (the first
#: with room in attach order: pods pack, which is what the capacity plan assumes).
POD_ADDRESS_CHOICES: tuple[str, ...] = ("random", "in-order")
#: What a subnet is for: node primary ENIs, pod ENIs (custom networking), or both.
SUBNET_ROLES: tuple[str, ...] = ("both", "nodes", "pods")
#: Background tenants: the owner classes that hold /32s and are not the cluster.
TENANT_KINDS: tuple[str, ...] = tuple(
    c for c in OWNER_CLASSES if c not in ("eks-pod", "node-primary")
)
#: Prefix-reservation layouts that ``with_override("reservations", name)``
#: applies to every subnet: (fraction of the subnet, at the top or the bottom).
RESERVATION_LAYOUTS: dict[str, tuple[int, str] | None] = {
    "none": None,
    "top-quarter": (4, "top"),
    "top-half": (2, "top"),
    "bottom-quarter": (4, "bottom"),
}

_DATA_PACKAGE = "subnetfrag"
_SCENARIO_DIR = ("data", "scenarios")
_SIM_CLUSTER_KEYS = ("instance_type", "scheduler", "subnet_selection", "pod_address_choice")


class ScenarioError(SubnetFragError, ValueError):
    """A scenario that cannot be simulated: unknown key, wrong type, value out
    of range, unreadable file, or a CIDR that AWS would refuse. The message
    names the key (``subnets.0.cidr``)."""


# ---------------------------------------------------------------- the parts


@dataclass(frozen=True, slots=True)
class ReservationSpec:
    """A subnet CIDR reservation: ``cidr`` and ``kind`` (``prefix`` or ``explicit``)."""

    cidr: str
    kind: str = "prefix"

    def to_dict(self) -> dict[str, Any]:
        """``{"cidr", "kind"}``. O(1)."""
        return {"cidr": self.cidr, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class SubnetSpec:
    """One subnet: ``cidr``, its ``reservations``, ``preoccupied_ips`` (random
    /32s held at t=0 by owners outside the cluster), ``subnet_id`` (a label)
    and ``role`` (see :data:`SUBNET_ROLES`)."""

    cidr: str
    reservations: tuple[ReservationSpec, ...] = ()
    preoccupied_ips: int = 0
    subnet_id: str | None = None
    role: str = "both"

    def to_dict(self) -> dict[str, Any]:
        """The TOML keys; unset optional ones are left out. O(reservations)."""
        d: dict[str, Any] = {"cidr": self.cidr}
        if self.reservations:
            d["reservations"] = [r.to_dict() for r in self.reservations]
        if self.preoccupied_ips:
            d["preoccupied_ips"] = self.preoccupied_ips
        if self.subnet_id is not None:
            d["subnet_id"] = self.subnet_id
        if self.role != "both":
            d["role"] = self.role
        return d


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """The cluster: ``instance_type``, the VPC CNI ``settings``, the pod
    ``scheduler``, the ``subnet_selection`` rule for new ENIs, and
    ``pod_address_choice`` (see :data:`POD_ADDRESS_CHOICES`)."""

    instance_type: str
    settings: CniSettings
    scheduler: str = "spread"
    subnet_selection: str = "most-available"
    pod_address_choice: str = "random"

    def to_dict(self) -> dict[str, Any]:
        """The TOML keys: the CNI settings flattened in, unset ones left out. O(1)."""
        d: dict[str, Any] = {"instance_type": self.instance_type}
        d.update({k: v for k, v in self.settings.to_dict().items() if v is not None})
        d["scheduler"] = self.scheduler
        d["subnet_selection"] = self.subnet_selection
        if self.pod_address_choice != "random":
            d["pod_address_choice"] = self.pod_address_choice
        return d


@dataclass(frozen=True, slots=True)
class PhaseSpec:
    """From ``at_s`` on, the cluster moves to ``nodes`` nodes and ``pods`` pods
    (over ``ramp_s`` seconds, evenly; at once when 0), with ``pod_churn_per_s``
    pods deleted and re-created per second; every ``node_replacement_interval_s``
    (0: never) the oldest node is replaced by a new one; every
    ``burst_interval_s`` (0: never) ``burst_pods`` extra pods run for
    ``burst_duration_s``."""

    at_s: float
    nodes: int
    pods: int
    pod_churn_per_s: float = 0.0
    ramp_s: float = 0.0
    node_replacement_interval_s: float = 0.0
    burst_pods: int = 0
    burst_interval_s: float = 0.0
    burst_duration_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The TOML keys; zero optional ones are left out. O(1)."""
        d: dict[str, Any] = {"at_s": self.at_s, "nodes": self.nodes, "pods": self.pods}
        for key in _PHASE_OPTIONAL:
            value = getattr(self, key)
            if value:
                d[key] = value
        return d


@dataclass(frozen=True, slots=True)
class TenantSpec:
    """Background /32 owners: ``count`` of ``kind`` held steadily, ``churn_per_s``
    of them replaced per second (one leaves, one arrives), in subnet
    ``subnet`` (an index) or, when None, the one the subnet selection picks."""

    kind: str
    count: int
    churn_per_s: float = 0.0
    subnet: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The TOML keys; unset optional ones are left out. O(1)."""
        d: dict[str, Any] = {"kind": self.kind, "count": self.count}
        if self.churn_per_s:
            d["churn_per_s"] = self.churn_per_s
        if self.subnet is not None:
            d["subnet"] = self.subnet
        return d


_PHASE_OPTIONAL = (
    "pod_churn_per_s",
    "ramp_s",
    "node_replacement_interval_s",
    "burst_pods",
    "burst_interval_s",
    "burst_duration_s",
)


# ---------------------------------------------------------------- checking


def _int(d: Mapping[str, Any], key: str, where: str, *, default: int | None = None,
         minimum: int = 0) -> int:  # fmt: skip
    if key not in d:
        if default is None:
            raise ScenarioError(f"{where}{key} is required")
        return default
    value = d[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ScenarioError(f"{where}{key} must be an integer, not {value!r}")
    if value < minimum:
        raise ScenarioError(f"{where}{key} must be {minimum} or more, not {value}")
    return value


def _number(d: Mapping[str, Any], key: str, where: str, *, default: float | None = None,
            positive: bool = False) -> float:  # fmt: skip
    if key not in d:
        if default is None:
            raise ScenarioError(f"{where}{key} is required")
        return default
    value = d[key]
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1023:
        raise ScenarioError(
            f"{where}{key} must be a finite number, not an integer of {value.bit_length():,} "
            "bits (beyond a float)"
        )
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ScenarioError(f"{where}{key} must be a finite number, not {value!r}")
    if value < 0 or (positive and value == 0):
        raise ScenarioError(
            f"{where}{key} must be {'above 0' if positive else '0 or more'}, not {value!r}"
        )
    return float(value)


def _str(d: Mapping[str, Any], key: str, where: str, *, default: str | None = None,
         choices: tuple[str, ...] | None = None) -> str:  # fmt: skip
    if key not in d:
        if default is None:
            raise ScenarioError(f"{where}{key} is required")
        return default
    value = d[key]
    if not isinstance(value, str):
        raise ScenarioError(f"{where}{key} must be a string, not {value!r}")
    if choices is not None and value not in choices:
        raise ScenarioError(f"{where}{key} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where} must be a table, not {value!r}")
    return value


def _array(d: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = d.get(key, [])
    if not isinstance(value, list | tuple):
        raise ScenarioError(f"{where}{key} must be an array, not {value!r}")
    return list(value)


def _no_unknown(d: Mapping[str, Any], known: tuple[str, ...] | set[str], where: str) -> None:
    for key in d:
        if key not in known:
            raise ScenarioError(
                f"unknown key {where}{key}; expected one of {', '.join(sorted(known))}"
            )


def _subnet(raw: Any, i: int) -> SubnetSpec:
    where = f"subnets.{i}."
    d = _table(raw, f"subnets.{i}")
    _no_unknown(d, ("cidr", "reservations", "preoccupied_ips", "subnet_id", "role"), where)
    cidr = _str(d, "cidr", where)
    try:
        Vpc(cidr)  # a CIDR AWS allows for a VPC block: /16 to /28, no reserved range
        subnet = Subnet(cidr)
    except SubnetFragError as exc:
        raise ScenarioError(f"{where}cidr: {exc}") from None
    reservations = []
    for j, item in enumerate(_array(d, "reservations", where)):
        rwhere = f"{where}reservations.{j}."
        r = _table(item, f"{where}reservations.{j}")
        _no_unknown(r, ("cidr", "kind"), rwhere)
        spec = ReservationSpec(
            _str(r, "cidr", rwhere),
            _str(r, "kind", rwhere, default="prefix", choices=tuple(RESERVATION_KINDS)),
        )
        try:
            subnet.reserve(spec.cidr, spec.kind)
        except SubnetFragError as exc:
            raise ScenarioError(f"{rwhere}cidr: {exc}") from None
        reservations.append(spec)
    pre = _int(d, "preoccupied_ips", where, default=0)
    if pre > subnet.available_ip_count():
        raise ScenarioError(
            f"{where}preoccupied_ips: {pre:,} is more than the {subnet.available_ip_count():,} "
            f"addresses available in {subnet.cidr}"
        )
    sid = d.get("subnet_id")
    if sid is not None and not isinstance(sid, str):
        raise ScenarioError(f"{where}subnet_id must be a string, not {sid!r}")
    return SubnetSpec(
        cidr=str(subnet.cidr),
        reservations=tuple(reservations),
        preoccupied_ips=pre,
        subnet_id=sid,
        role=_str(d, "role", where, default="both", choices=SUBNET_ROLES),
    )


def _cluster(raw: Any) -> ClusterSpec:
    where = "cluster."
    d = _table(raw, "cluster")
    _no_unknown(d, {*_SIM_CLUSTER_KEYS, *(f.name for f in fields(CniSettings))}, where)
    cni_keys = {k: v for k, v in d.items() if k not in _SIM_CLUSTER_KEYS}
    instance_type = _str(d, "instance_type", where)
    try:
        lookup(instance_type)
    except UnknownInstanceType as exc:
        raise ScenarioError(f"{where}instance_type: {exc}") from None
    try:
        settings = CniSettings.from_dict(cni_keys)
    except (SubnetFragError, ValueError, TypeError) as exc:
        # the settings' messages start with the setting's name
        raise ScenarioError(f"{where}{exc}") from None
    return ClusterSpec(
        instance_type=instance_type,
        settings=settings,
        scheduler=_str(d, "scheduler", where, default="spread", choices=SCHEDULERS),
        subnet_selection=_str(
            d, "subnet_selection", where, default="most-available", choices=SUBNET_SELECTIONS
        ),
        pod_address_choice=_str(
            d, "pod_address_choice", where, default="random", choices=POD_ADDRESS_CHOICES
        ),
    )


def _phase(raw: Any, i: int) -> PhaseSpec:
    where = f"phases.{i}."
    d = _table(raw, f"phases.{i}")
    _no_unknown(d, ("at_s", "nodes", "pods", *_PHASE_OPTIONAL), where)
    phase = PhaseSpec(
        at_s=_number(d, "at_s", where),
        nodes=_int(d, "nodes", where),
        pods=_int(d, "pods", where),
        pod_churn_per_s=_number(d, "pod_churn_per_s", where, default=0.0),
        ramp_s=_number(d, "ramp_s", where, default=0.0),
        node_replacement_interval_s=_number(d, "node_replacement_interval_s", where, default=0.0),
        burst_pods=_int(d, "burst_pods", where, default=0),
        burst_interval_s=_number(d, "burst_interval_s", where, default=0.0),
        burst_duration_s=_number(d, "burst_duration_s", where, default=0.0),
    )
    if phase.burst_pods and not (phase.burst_interval_s and phase.burst_duration_s):
        raise ScenarioError(
            f"{where}burst_pods needs burst_interval_s and burst_duration_s above 0"
        )
    return phase


def _tenant(raw: Any, i: int, nsubnets: int) -> TenantSpec:
    where = f"tenants.{i}."
    d = _table(raw, f"tenants.{i}")
    _no_unknown(d, ("kind", "count", "churn_per_s", "subnet"), where)
    subnet = None
    if "subnet" in d:
        subnet = _int(d, "subnet", where)
        if subnet >= nsubnets:
            raise ScenarioError(
                f"{where}subnet: {subnet} is not a subnet index (0 to {nsubnets - 1})"
            )
    return TenantSpec(
        kind=_str(d, "kind", where, choices=TENANT_KINDS),
        count=_int(d, "count", where),
        churn_per_s=_number(d, "churn_per_s", where, default=0.0),
        subnet=subnet,
    )


def _loads(text: str, what: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, with every way hostile text makes it fail
    other than bad syntax (which stays a :class:`tomllib.TOMLDecodeError`) a
    :class:`ScenarioError` naming ``what``: nesting deeper than the
    interpreter's recursion limit, an integer beyond Python's digit limit
    (4,300 digits), or a document too large for memory. O(len(text))."""
    with parse_errors_as(
        ScenarioError,
        what,
        "TOML",
        nesting="a scenario nests a few levels",
        passthrough=(tomllib.TOMLDecodeError,),
    ):
        return tomllib.loads(text)


def parse_value(text: str) -> Any:
    """A ``--set`` value: None for empty text (unset the key), a TOML value
    (``2``, ``1.5``, ``true``, ``"x"``, ``[...]``) when it parses as one, else
    the text itself. O(len(text)). Raises :class:`ScenarioError` for a value
    nested too deeply or with a number of thousands of digits."""
    if not text.strip():
        return None
    try:
        return _loads(f"v = {text}", f"value {text[:40]!r}")["v"]
    except tomllib.TOMLDecodeError:
        return text


# ---------------------------------------------------------------- scenario


@dataclass(frozen=True, slots=True)
class Scenario:
    """A simulation scenario (see the module docstring and docs/simulation.md).

    Build it with :meth:`from_dict`, :meth:`from_file` or :meth:`bundled`, which
    validate everything; the fields are the parsed parts. Picklable, hashable
    by value through :meth:`to_dict`.
    """

    name: str
    duration_s: float
    checkpoint_s: float
    subnets: tuple[SubnetSpec, ...]
    cluster: ClusterSpec
    phases: tuple[PhaseSpec, ...]
    tenants: tuple[TenantSpec, ...] = ()
    description: str = ""

    # ------------------------------------------------------------ reading

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Validate ``data`` (the TOML document as a dict) and build the scenario.

        Raises :class:`ScenarioError` naming the first bad key. O(subnets'
        sizes), to check each subnet's reservations and pre-occupation.
        """
        d = _table(data, "the scenario")
        _no_unknown(
            d,
            ("name", "description", "duration_s", "checkpoint_s", "subnets", "cluster",
             "phases", "tenants"),
            "",
        )  # fmt: skip
        name = _str(d, "name", "")
        duration = _number(d, "duration_s", "", positive=True)
        checkpoint = _number(d, "checkpoint_s", "", default=min(300.0, duration), positive=True)
        if duration > MAX_DURATION_S:
            raise ScenarioError(
                f"duration_s must be at most {MAX_DURATION_S:,.0f} (ten years), not {duration:g}"
            )
        if duration / checkpoint > MAX_CHECKPOINTS:
            raise ScenarioError(
                f"checkpoint_s {checkpoint:g} gives {duration / checkpoint:,.0f} checkpoints over "
                f"duration_s {duration:g}: at most {MAX_CHECKPOINTS:,} (a larger checkpoint_s)"
            )
        raw_subnets = _array(d, "subnets", "")
        if not raw_subnets:
            raise ScenarioError("subnets: a scenario needs at least one [[subnets]] table")
        subnets = tuple(_subnet(s, i) for i, s in enumerate(raw_subnets))
        from ..pool import SubnetPool

        try:
            SubnetPool([Subnet(s.cidr) for s in subnets])
        except SubnetFragError as exc:
            raise ScenarioError(f"subnets: {exc}") from None
        if "cluster" not in d:
            raise ScenarioError("cluster is required: a [cluster] table")
        cluster = _cluster(d["cluster"])
        roles = {s.role for s in subnets}
        if cluster.settings.custom_networking:
            for need in ("nodes", "pods"):
                if not roles & {need, "both"}:
                    raise ScenarioError(
                        f"subnets: custom networking needs a subnet with role '{need}' or 'both'"
                    )
        elif roles != {"both"}:
            raise ScenarioError(
                "subnets.N.role: subnet roles 'nodes' and 'pods' need cluster.custom_networking"
            )
        phases = tuple(_phase(p, i) for i, p in enumerate(_array(d, "phases", "")))
        if not phases:
            raise ScenarioError("phases: a scenario needs at least one [[phases]] table")
        for i in range(1, len(phases)):
            if phases[i].at_s <= phases[i - 1].at_s:
                raise ScenarioError(
                    f"phases.{i}.at_s: phases must be in time order ({phases[i].at_s:g} is not "
                    f"after {phases[i - 1].at_s:g})"
                )
        tenants = tuple(_tenant(t, i, len(subnets)) for i, t in enumerate(_array(d, "tenants", "")))
        events = expected_events(duration, phases, tenants)
        if events > MAX_EVENTS:
            raise ScenarioError(
                f"the scenario asks for about {events:.3g} workload events over duration_s "
                f"{duration:g} (ramps, pod churn, node replacement, bursts, tenant churn): at most "
                f"{MAX_EVENTS:,}; lower the rates or the duration"
            )
        return cls(
            name=name,
            duration_s=duration,
            checkpoint_s=checkpoint,
            subnets=subnets,
            cluster=cluster,
            phases=phases,
            tenants=tenants,
            description=_str(d, "description", "", default=""),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read and validate a TOML scenario file. Raises :class:`ScenarioError`
        for a file that cannot be read or holds more than
        :data:`MAX_SCENARIO_BYTES`, is not TOML (with the line), or is not a
        valid scenario. O(file size + subnets' sizes)."""
        try:
            with open(path, "rb") as f:
                raw = read_limited(f, MAX_SCENARIO_BYTES, f"scenario {path}", "TOML", ScenarioError)
        except OSError as exc:
            raise ScenarioError(f"cannot read scenario {path}: {exc.strerror or exc}") from None
        except MemoryError:
            raise ScenarioError(f"scenario {path}: too large to read") from None
        try:
            data = _loads(raw.decode("utf-8"), f"scenario {path}")
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"scenario {path} is not UTF-8 text ({exc.reason})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"scenario {path} is not valid TOML: {exc}") from None
        try:
            return cls.from_dict(data)
        except ScenarioError as exc:
            raise ScenarioError(f"scenario {path}: {exc}") from None

    @staticmethod
    def bundled_names() -> list[str]:
        """The names of the scenarios shipped with the package, sorted. O(files)."""
        folder = resources.files(_DATA_PACKAGE).joinpath(*_SCENARIO_DIR)
        return sorted(
            p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
        )

    @classmethod
    def bundled(cls, name: str) -> Scenario:
        """The bundled scenario ``name``. Raises :class:`ScenarioError` for an
        unknown name (listing the bundled ones). O(file size)."""
        names = cls.bundled_names()
        if name not in names:
            raise ScenarioError(
                f"no bundled scenario {name!r}; the bundled ones are {', '.join(names)}"
            )
        text = (
            resources.files(_DATA_PACKAGE)
            .joinpath(*_SCENARIO_DIR, f"{name}.toml")
            .read_text(encoding="utf-8")
        )
        try:
            return cls.from_dict(tomllib.loads(text))
        except (ScenarioError, tomllib.TOMLDecodeError) as exc:  # pragma: no cover - bundled
            raise ScenarioError(f"bundled scenario {name}: {exc}") from None

    @classmethod
    def load(cls, name_or_path: str | Path) -> Scenario:
        """A bundled scenario by name, else a TOML file by path (what the command
        line's ``SCENARIO|FILE`` means). Raises :class:`ScenarioError`."""
        text = str(name_or_path)
        if not text.endswith(".toml") and text in cls.bundled_names():
            return cls.bundled(text)
        try:
            exists = Path(text).exists()
        except (OSError, ValueError):  # a name too long, a NUL: no such file
            exists = False
        if not exists and "/" not in text and not text.endswith(".toml"):
            raise ScenarioError(
                f"{text!r} is neither a bundled scenario ({', '.join(cls.bundled_names())}) "
                "nor a file"
            )
        return cls.from_file(text)

    # ------------------------------------------------------------ writing

    def to_dict(self) -> dict[str, Any]:
        """The scenario as TOML-ready data; ``from_dict(s.to_dict()) == s``.
        O(size of the scenario)."""
        d: dict[str, Any] = {"name": self.name}
        if self.description:
            d["description"] = self.description
        d["duration_s"] = self.duration_s
        d["checkpoint_s"] = self.checkpoint_s
        d["subnets"] = [s.to_dict() for s in self.subnets]
        d["cluster"] = self.cluster.to_dict()
        d["phases"] = [p.to_dict() for p in self.phases]
        if self.tenants:
            d["tenants"] = [t.to_dict() for t in self.tenants]
        return d

    def with_override(self, key: str, value: Any) -> Scenario:
        """A copy with one key changed, by its dotted path as on the command
        line: ``"duration_s"``, ``"cluster.warm_prefix_target"``,
        ``"subnets.0.preoccupied_ips"``, ``"phases.1.pods"``. Two shorthands:
        ``"reservations"`` with a layout of :data:`RESERVATION_LAYOUTS` (``none``,
        ``top-quarter``, ``top-half``, ``bottom-quarter``: one prefix
        reservation of that part of every subnet, replacing their
        reservations), and ``"nodes"`` / ``"pods"`` / ``"pod_churn_per_s"``
        setting that key in every phase. A ``None`` value removes an optional
        key (unsets a CNI setting).

        Raises :class:`ScenarioError` for an unknown key or index, and for a
        value the scenario's validation refuses (naming the key). O(size of
        the scenario).
        """
        if not isinstance(key, str) or not key:
            raise ScenarioError(f"an override key is a dotted name, not {key!r}")
        d = self.to_dict()
        if key == "reservations":
            for i, subnet in enumerate(d["subnets"]):
                subnet.pop("reservations", None)
                res = _layout(self.subnets[i].cidr, value)
                if res is not None:
                    subnet["reservations"] = [res]
            return Scenario.from_dict(d)
        if key in ("nodes", "pods", "pod_churn_per_s"):
            for phase in d["phases"]:
                phase[key] = value
            return Scenario.from_dict(d)
        parts = key.split(".")
        node: Any = d
        for depth, part in enumerate(parts[:-1]):
            shown = ".".join(parts[: depth + 1])
            if isinstance(node, list):
                # ASCII digits only: "²" is a digit to str.isdigit, not to int()
                if not (part.isascii() and part.isdigit()) or int(part) >= len(node):
                    raise ScenarioError(
                        f"unknown key {key}: {shown} is not an index (0 to {len(node) - 1})"
                    )
                node = node[int(part)]
            elif isinstance(node, dict) and isinstance(node.get(part), dict | list):
                node = node[part]
            else:
                raise ScenarioError(f"unknown key {key}: {shown} is not a table or an array")
        leaf = parts[-1]
        if isinstance(node, list):
            raise ScenarioError(f"unknown key {key}: give a key inside the array entry")
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
        return Scenario.from_dict(d)


def expected_events(
    duration_s: float, phases: tuple[PhaseSpec, ...], tenants: tuple[TenantSpec, ...]
) -> float:
    """The workload events the rates of ``phases`` and ``tenants`` ask for over
    ``duration_s``: each phase's ramp steps (one per node or pod of change),
    and its pod churn, node replacements and burst pods over the time it lasts
    (to the next phase or the end), plus the tenants' churn. An expectation
    (churn is Poisson), for refusing an absurd scenario before it runs; ipamd
    ticks and retries are not counted.
    O(phases + tenants)."""
    total = 0.0
    nodes = pods = 0
    for i, p in enumerate(phases):
        end = phases[i + 1].at_s if i + 1 < len(phases) else duration_s
        span = max(min(end, duration_s) - p.at_s, 0.0)
        if p.ramp_s and p.at_s <= duration_s:  # a ramp is one event per node or pod of change
            total += abs(p.nodes - nodes) + abs(p.pods - pods)
        nodes, pods = p.nodes, p.pods
        total += p.pod_churn_per_s * span
        if p.node_replacement_interval_s:
            total += span / p.node_replacement_interval_s
        if p.burst_pods:
            total += (span / p.burst_interval_s + 1) * p.burst_pods
    return total + sum(t.churn_per_s * duration_s for t in tenants)


def _layout(cidr: str, layout: Any) -> dict[str, Any] | None:
    if not isinstance(layout, str) or layout not in RESERVATION_LAYOUTS:
        raise ScenarioError(
            f"reservations: the layout must be one of {', '.join(RESERVATION_LAYOUTS)}, "
            f"not {layout!r}"
        )
    shape = RESERVATION_LAYOUTS[layout]
    if shape is None:
        return None
    parts, where = shape
    subnet = Subnet(cidr)
    size = subnet.size // parts
    if size < 16:
        raise ScenarioError(f"reservations: {layout} of {cidr} is smaller than a /28")
    from ..addresses import format_ip

    first = subnet.first + (subnet.size - size if where == "top" else 0)
    plen = 32 - (size.bit_length() - 1)
    return {"cidr": f"{format_ip(first)}/{plen}", "kind": "prefix"}
