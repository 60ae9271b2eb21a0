"""Replay a subnet's recorded history (CloudTrail) against its starting state.

The question a user asks: "had we reserved a /22 for prefixes a month ago, or
had EC2 placed addresses another way, would this subnet have failed, and
when?". The answer replays the ENI and address requests the trace recorded
(a :class:`~subnetfrag.sim.trace.Trace`, which
:mod:`subnetfrag.aws.cloudtrail` parses from CloudTrail JSON) on the subnets
given by subnet id (plain :class:`~subnetfrag.subnet.Subnet` objects, whose
allocations carry their owners' ENI ids; :func:`subnetfrag.aws.replay_files`
reads them from describe output), taken as the state *before* the trace's
first event:

- ``policy="as-recorded"`` puts every address and prefix where EC2 put it
  (``responseElements``): the subnet's real history, with its real failures
  (the records whose ``errorCode`` is EC2's capacity error).
- any other policy (``random``, ``lowest``, ``pack`` or one registered with
  :func:`~subnetfrag.register_policy`), or an added CIDR reservation, replays
  the *requests*: what was asked by count (``secondaryPrivateIpAddressCount``,
  ``ipv4PrefixCount``, an ENI's primary address) is placed by the policy,
  explicit addresses stay explicit, and an allocation that cannot be placed
  fails as EC2 would (``InsufficientCidrBlocks``,
  ``InsufficientFreeAddressesInSubnet``; an explicit address already taken:
  ``InvalidIPAddress.InUse``), atomically (the whole call, as EC2 does).
  Later releases of what the trace recorded release what the replay placed for
  it (paired in order). A request that failed in the recorded history is not
  replayed: its caller (the VPC CNI) retried, and the retry that succeeded is
  in the trace.

This module sits in the simulation layer and imports nothing from
:mod:`subnetfrag.aws` (imports only point down, see tests/test_layering.py):
reading files is the AWS layer's :func:`subnetfrag.aws.replay_files`.

Cost: O(events) subnet operations through the integer door (10-20 µs an event
in all) plus reading the inputs (about 30 µs a record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..addresses import parse_network
from ..errors import (
    AddressInUse,
    InsufficientCidrBlocks,
    InsufficientFreeAddresses,
    InvalidArgumentType,
    InvalidCidr,
    SubnetFragError,
)
from ..policies import get_policy
from ..subnet import PREFIX_LEN, Subnet
from .trace import ASSIGN, CREATE, DELETE, UNASSIGN, Trace, TraceEvent

__all__ = [
    "AS_RECORDED",
    "FAILURE_NAMES",
    "ReplayError",
    "ReplayResult",
    "SubnetReplay",
    "parse_reserve",
    "replay",
]

AS_RECORDED = "as-recorded"
#: EC2's error names for the failures a replay can meet.
FAILURE_NAMES: tuple[str, ...] = (
    "InsufficientCidrBlocks",
    "InsufficientFreeAddressesInSubnet",
    "InvalidIPAddress.InUse",
)


class ReplayError(SubnetFragError, ValueError):
    """A trace that does not fit its starting state (an ENI created twice, a
    recorded address already held), or bad replay arguments."""


@dataclass(slots=True)
class SubnetReplay:
    """What happened to one subnet during the replay.

    ``series``: ``{"t_s", "time", "free_prefixes", "available_ips"}`` at the
    start and after every event that changed the subnet. ``failures``: EC2
    error name -> count. ``first_failure_s`` is seconds after the trace's first
    event (``first_failure_time`` its ``eventTime``), ``None`` when nothing failed.
    """

    subnet_id: str
    cidr: str
    free_prefixes_start: int
    available_start: int
    free_prefixes_end: int = 0
    available_end: int = 0
    min_free_prefixes: int = 0
    min_free_prefixes_time: str | None = None
    first_failure_s: float | None = None
    first_failure_time: str | None = None
    failures: dict[str, int] = field(default_factory=dict)
    events: int = 0
    series: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. O(len(series))."""
        return {
            "subnet_id": self.subnet_id,
            "cidr": self.cidr,
            "free_prefixes_start": self.free_prefixes_start,
            "free_prefixes_end": self.free_prefixes_end,
            "min_free_prefixes": self.min_free_prefixes,
            "min_free_prefixes_time": self.min_free_prefixes_time,
            "available_start": self.available_start,
            "available_end": self.available_end,
            "first_failure_s": self.first_failure_s,
            "first_failure_time": self.first_failure_time,
            "failures": dict(sorted(self.failures.items())),
            "events": self.events,
            "series": list(self.series),
        }


@dataclass(slots=True)
class ReplayResult:
    """The replay's outcome: per subnet a :class:`SubnetReplay`, and counts of
    the events read, applied and skipped (by reason: ``recorded-error``,
    ``dry-run``, ``duplicate``, ``other-call``, ``other-subnet``,
    ``unknown-eni``, ``not-held``, ``eni-failed``)."""

    policy: str
    reservations: list[str]
    start_time: str | None
    end_time: str | None
    events: int
    applied: int
    skipped: dict[str, int]
    recorded_failures: dict[str, int]
    subnets: list[SubnetReplay]

    @property
    def first_failure_time(self) -> str | None:
        """The earliest failure over every subnet (``eventTime``), or None. O(s)."""
        times = [(s.first_failure_s, s.first_failure_time) for s in self.subnets]
        hit = [t for t in times if t[0] is not None]
        return min(hit)[1] if hit else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the shape ``subnetfrag replay --format json`` prints). O(series)."""
        return {
            "policy": self.policy,
            "reservations": list(self.reservations),
            "start_time": self.start_time,
            "end_time": self.end_time,
            "events": self.events,
            "applied": self.applied,
            "skipped": dict(sorted(self.skipped.items())),
            "recorded_failures": dict(sorted(self.recorded_failures.items())),
            "first_failure_time": self.first_failure_time,
            "subnets": [s.to_dict() for s in self.subnets],
        }


def parse_reserve(text: str) -> tuple[str, str]:
    """``"CIDR:kind"`` (kind ``prefix`` or ``explicit``; ``"CIDR"`` alone means
    prefix) -> ``(cidr, kind)``. Raises :class:`ReplayError`. O(1)."""
    cidr, _, kind = text.partition(":")
    kind = kind or "prefix"
    if kind not in ("prefix", "explicit"):
        raise ReplayError(f"reservation {text!r}: the kind is 'prefix' or 'explicit', not {kind!r}")
    try:
        parse_network(cidr, "reservation")
    except InvalidCidr as exc:
        raise ReplayError(f"reservation {text!r}: {exc}") from None
    return cidr, kind


# Holdings: recorded integer value -> (our value, is_prefix).
_Held = dict[int, tuple[int, bool]]


@dataclass(slots=True)
class _Eni:
    subnet: Subnet
    outcome: SubnetReplay
    held: _Held = field(default_factory=dict)


def _error_name(code: str) -> str:
    """CloudTrail's errorCode without its ``Client.``/``Server.`` prefix."""
    return code.split(".", 1)[1] if code.startswith(("Client.", "Server.")) else code


class _Replayer:
    """The replay loop's state: subnets, ENIs, counts."""

    def __init__(self, subnets: dict[str, Subnet], policy: str, trace: Trace) -> None:
        self.subnets = subnets
        self.as_recorded = policy == AS_RECORDED
        # By name: the core looks a name up in O(1), while a Policy object goes
        # through a runtime Protocol check on every call.
        self.policy = None if self.as_recorded else get_policy(policy).name
        self.enis: dict[str, _Eni] = {}
        self.created: set[str] = set()  # ENIs the trace created (not in the starting state)
        self.failed_enis: set[str] = set()
        self.skipped: dict[str, int] = {}
        self.recorded_failures: dict[str, int] = {}
        self.applied = 0
        self.start = trace.events[0].time_s if trace.events else 0.0
        self.outcomes: dict[str, SubnetReplay] = {}
        for subnet_id, sub in subnets.items():
            out = SubnetReplay(
                subnet_id,
                str(sub.cidr),
                sub.free_prefix_count(),
                sub.available_ip_count(),
            )
            self.outcomes[subnet_id] = out
            start_time = trace.events[0].time if trace.events else None
            self._point(out, sub, 0.0, start_time)
            for net in sub.allocations():
                owner = sub.owner_of(net)
                if owner is None or owner.eni_id is None:
                    continue
                eni = self.enis.setdefault(owner.eni_id, _Eni(sub, out))
                eni.held[net.value] = (net.value, net.prefixlen == PREFIX_LEN)

    # -------------------------------------------------------------- helpers

    def _skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def _point(self, out: SubnetReplay, sub: Subnet, t_s: float, time: str | None) -> None:
        free, avail = sub.free_prefix_count(), sub.available_ip_count()
        if out.series and (out.series[-1]["free_prefixes"], out.series[-1]["available_ips"]) == (
            free,
            avail,
        ):
            return
        out.series.append({"t_s": t_s, "time": time, "free_prefixes": free, "available_ips": avail})
        if len(out.series) == 1 or free < out.min_free_prefixes:
            out.min_free_prefixes = free
            out.min_free_prefixes_time = time

    def _fail(self, out: SubnetReplay, name: str, ev: TraceEvent) -> None:
        out.failures[name] = out.failures.get(name, 0) + 1
        if out.first_failure_s is None:
            out.first_failure_s = ev.time_s - self.start
            out.first_failure_time = ev.time

    @staticmethod
    def _release(sub: Subnet, value: int) -> None:
        sub.release_offset(value - sub.first)

    def _place(self, sub: Subnet, wanted: list[tuple[int | None, bool]]) -> list[tuple[int, bool]]:
        """Allocate ``(explicit value or None, is_prefix)`` in order, all or
        nothing; raises the core's error after undoing the ones made."""
        done: list[tuple[int, bool]] = []
        try:
            first = sub.first
            for value, is_prefix in wanted:  # the integer door: no netaddr objects
                offset = None if value is None else value - first
                if is_prefix:
                    got = sub.allocate_prefix_offset(offset, policy=self.policy)
                else:
                    got = sub.allocate_ip_offset(offset, policy=self.policy)
                done.append((got + first, is_prefix))
        except SubnetFragError:
            for got, _ in reversed(done):
                self._release(sub, got)
            raise
        return done

    def _allocate(self, eni: _Eni, ev: TraceEvent, primary: bool) -> bool:
        """Apply a Create's or Assign's allocations to ``eni``; False when the
        replay failed them (counted)."""
        sub = eni.subnet
        recorded: list[tuple[int, bool]] = []
        if primary:
            assert ev.recorded_primary is not None
            recorded.append((ev.recorded_primary, False))
        recorded += [(a, False) for a in ev.recorded_addresses]
        recorded += [(p, True) for p in ev.recorded_prefixes]
        if self.as_recorded:
            wanted: list[tuple[int | None, bool]] = list(recorded)
            pairs = recorded
        else:
            # Explicit requests first (they map to themselves), then automatic.
            explicit_a = set(ev.addresses)
            explicit_p = set(ev.prefixes)
            order: list[tuple[int, bool]] = []
            wanted = []
            if primary:
                order.append((recorded[0][0], False))
                wanted.append((ev.primary, False))
            rest = recorded[1:] if primary else recorded
            for value, is_prefix in rest:
                if value in (explicit_p if is_prefix else explicit_a):
                    order.append((value, is_prefix))
                    wanted.append((value, is_prefix))
            for value, is_prefix in rest:
                if value not in (explicit_p if is_prefix else explicit_a):
                    order.append((value, is_prefix))
                    wanted.append((None, is_prefix))
            pairs = order
        try:
            placed = self._place(sub, wanted)
        except (InsufficientCidrBlocks, InsufficientFreeAddresses, AddressInUse) as exc:
            if self.as_recorded:
                raise ReplayError(
                    f"{ev.where}: {exc}: the recorded allocation does not fit the starting "
                    "state (the --enis snapshot must be taken before the trace's first event)"
                ) from None
            name = (
                "InsufficientCidrBlocks"
                if isinstance(exc, InsufficientCidrBlocks)
                else "InsufficientFreeAddressesInSubnet"
                if isinstance(exc, InsufficientFreeAddresses)
                else "InvalidIPAddress.InUse"
            )
            self._fail(eni.outcome, name, ev)
            return False
        except SubnetFragError as exc:
            raise ReplayError(f"{ev.where}: {exc}") from None
        for (rec_value, _), ours in zip(pairs, placed, strict=True):
            eni.held[rec_value] = ours
        return True

    # ---------------------------------------------------------------- events

    def apply(self, ev: TraceEvent) -> None:
        """Apply one event (see the module doc)."""
        if ev.error_code is not None:
            self._skip("recorded-error")
            name = _error_name(ev.error_code)
            self.recorded_failures[name] = self.recorded_failures.get(name, 0) + 1
            if self.as_recorded:
                eni = self.enis.get(ev.eni_id or "")
                out = eni.outcome if eni else self.outcomes.get(ev.subnet_id or "")
                if out is not None:
                    self._fail(out, name, ev)
            return
        eni_id = ev.eni_id
        assert eni_id is not None  # the parser requires it for successful events
        if ev.name == CREATE:
            subnet_id = ev.subnet_id or ""
            sub = self.subnets.get(subnet_id)
            if sub is None:
                self._skip("other-subnet")
                return
            if eni_id in self.created and eni_id in self.enis:
                raise ReplayError(
                    f"{ev.where}: {eni_id} was already created by an earlier record and "
                    "not deleted since (a record with another eventID for the same call?)"
                )
            if eni_id in self.enis:
                raise ReplayError(
                    f"{ev.where}: {eni_id} already exists in the starting state: the --enis "
                    "snapshot must be taken before the trace's first event"
                )
            eni = _Eni(sub, self.outcomes[subnet_id])
            if not self._allocate(eni, ev, primary=True):
                self.failed_enis.add(eni_id)
                self._done(eni, ev)
                return
            self.enis[eni_id] = eni
            self.created.add(eni_id)
            self._done(eni, ev)
            return
        eni_found = self.enis.get(eni_id)
        if eni_found is None:
            self._skip("eni-failed" if eni_id in self.failed_enis else "unknown-eni")
            return
        eni = eni_found
        if ev.name == ASSIGN:
            self._allocate(eni, ev, primary=False)
        elif ev.name == UNASSIGN:
            for value, is_prefix in [(a, False) for a in ev.addresses] + [
                (p, True) for p in ev.prefixes
            ]:
                ours = eni.held.pop(value, None)
                if ours is None or ours[1] != is_prefix:
                    self._skip("not-held")
                    continue
                self._release(eni.subnet, ours[0])
        elif ev.name == DELETE:
            for value, _ in eni.held.values():
                self._release(eni.subnet, value)
            del self.enis[eni_id]
        self._done(eni, ev)

    def _done(self, eni: _Eni, ev: TraceEvent) -> None:
        self.applied += 1
        eni.outcome.events += 1
        self._point(eni.outcome, eni.subnet, ev.time_s - self.start, ev.time)

    def result(self, trace: Trace, policy: str, reservations: list[str]) -> ReplayResult:
        for subnet_id, sub in self.subnets.items():
            out = self.outcomes[subnet_id]
            out.free_prefixes_end = sub.free_prefix_count()
            out.available_end = sub.available_ip_count()
        skipped = dict(self.skipped)
        if trace.other_records:
            skipped["other-call"] = trace.other_records
        if trace.dry_runs:
            skipped["dry-run"] = trace.dry_runs
        if trace.duplicates:
            skipped["duplicate"] = trace.duplicates
        return ReplayResult(
            policy=policy,
            reservations=reservations,
            start_time=trace.events[0].time if trace.events else None,
            end_time=trace.events[-1].time if trace.events else None,
            events=trace.records,
            applied=self.applied,
            skipped=skipped,
            recorded_failures=self.recorded_failures,
            subnets=list(self.outcomes.values()),
        )


def _check_policy(policy: str | None, reserve: Sequence[tuple[str, str]]) -> str:
    if policy is None:
        return "random" if reserve else AS_RECORDED
    if policy == AS_RECORDED:
        if reserve:
            raise ReplayError(
                "an added reservation needs a placement policy (random, lowest, pack, ...): "
                "as-recorded puts every address where EC2 put it"
            )
        return policy
    return get_policy(policy).name


def _subnet_map(subnets: Mapping[str, Subnet]) -> dict[str, Subnet]:
    """``subnets`` checked (a mapping of str ids to Subnets), copied in order."""
    if not isinstance(subnets, Mapping):
        raise InvalidArgumentType(
            "replay takes the starting subnets as a mapping of subnet id -> Subnet, not "
            f"{type(subnets).__name__} (from an AwsState: state.subnet_map(), or "
            "subnetfrag.aws.replay_files to read the files)"
        )
    out: dict[str, Subnet] = {}
    for subnet_id, sub in subnets.items():
        if not isinstance(subnet_id, str) or not isinstance(sub, Subnet):
            raise InvalidArgumentType(
                "replay takes a mapping of subnet id (str) -> Subnet, found "
                f"{type(subnet_id).__name__} -> {type(sub).__name__}"
            )
        out[subnet_id] = sub
    return out


def replay(
    trace: Trace,
    subnets: Mapping[str, Subnet],
    *,
    policy: str | None = None,
    reserve: Iterable[tuple[str, str] | str] = (),
) -> ReplayResult:
    """Replay ``trace`` on ``subnets`` (subnet id, as the trace's
    ``CreateNetworkInterface`` calls name it, -> :class:`Subnet` in the state
    before the trace's first event; an allocation whose owner has an
    ``eni_id`` belongs to that ENI) with ``policy`` (default:
    ``"as-recorded"``, or ``"random"`` when reservations are added) after adding
    the CIDR reservations ``reserve`` (``(cidr, kind)`` pairs or ``"CIDR:kind"``
    text) to the subnets that hold them. The subnets are modified in place:
    they end in the replayed state. The results list the subnets in the
    mapping's order. See the module doc for the rules.

    A mapping, not the subnets alone, because ``Subnet.subnet_id`` is optional
    and the trace names subnets by id: the key is the id the events match.
    (It took an :class:`~subnetfrag.aws.AwsState` until the replay left the
    AWS layer: pass ``state.subnet_map()``, or read the files with
    :func:`subnetfrag.aws.replay_files`.)

    Raises :class:`ReplayError` (as-recorded with added reservations; a
    reservation in no subnet or conflicting; a trace that contradicts the
    starting state), :class:`~subnetfrag.errors.UnknownPolicy`,
    :class:`~subnetfrag.errors.InvalidArgumentType` (a TypeError) when
    ``subnets`` is not a mapping of str -> Subnet.
    Cost: O(events + allocations of the starting state), 10-20 µs an event.
    """
    by_id = _subnet_map(subnets)
    pairs = [parse_reserve(r) if isinstance(r, str) else r for r in reserve]
    name = _check_policy(policy, pairs)
    added = []
    for cidr, kind in pairs:
        _, _, net = parse_network(cidr, "reservation")
        target = None
        for sub in by_id.values():
            if sub.first <= net < sub.first + sub.size:
                target = sub
                break
        if target is None:
            raise ReplayError(f"reservation {cidr} is in none of the subnets read")
        try:
            res = target.reserve(cidr, kind)
        except SubnetFragError as exc:
            raise ReplayError(f"reservation {cidr}: {exc}") from None
        added.append(f"{res.cidr} {kind}")
    runner = _Replayer(by_id, name, trace)
    for ev in trace.events:
        runner.apply(ev)
    return runner.result(trace, name, added)
