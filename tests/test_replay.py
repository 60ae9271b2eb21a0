"""Trace replay: CloudTrail parsing (both layouts, gzip, every list envelope),
as-recorded reproduction, other policies and added reservations, and the
one-line errors that name the record."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import subnetfrag as sf
from subnetfrag.addresses import format_ip, parse_ip
from subnetfrag.aws import AwsInputError, load_files, parse_records, read_trace, replay_files
from subnetfrag.sim import ReplayError, replay

FIX = Path(__file__).parent / "fixtures" / "cloudtrail"
TRAIL = FIX / "trail.json"
LOOKUP = FIX / "lookup-events.json"
SUBNETS = FIX / "subnets.json"
ENIS = FIX / "enis.json"


def _allocs(result_state: Any, sid: str = "subnet-0abc") -> list[str]:
    return [str(n) for n in result_state.subnets[sid].subnet.allocations()]


# ------------------------------------------------------------------ parsing


def test_both_layouts_and_gzip_read_the_same_events(tmp_path: Path) -> None:
    gz = tmp_path / "trail.json.gz"
    gz.write_bytes(gzip.compress(TRAIL.read_bytes()))
    a, b, c = read_trace(TRAIL), read_trace(LOOKUP), read_trace(gz)
    strip = [(e.event_id, e.name, e.time_s, e.recorded_prefixes) for e in a.events]
    assert strip == [(e.event_id, e.name, e.time_s, e.recorded_prefixes) for e in b.events]
    assert strip == [(e.event_id, e.name, e.time_s, e.recorded_prefixes) for e in c.events]
    # time order, although the file is not
    assert [e.time_s for e in a.events] == sorted(e.time_s for e in a.events)
    assert (a.records, a.other_records, a.dry_runs) == (10, 1, 1)
    assert [e.name for e in a.events].count("AssignPrivateIpAddresses") == 3


def test_fields_are_read_from_the_documented_names() -> None:
    events = {e.event_id[-2:]: e for e in read_trace(TRAIL).events if e.event_id}
    create, prefix, two, failed = events["01"], events["02"], events["03"], events["04"]
    assert (create.subnet_id, create.eni_id) == ("subnet-0abc", "eni-0002")
    assert create.recorded_primary == parse_ip("10.0.0.100")
    assert prefix.prefix_count == 1 and prefix.recorded_prefixes == (parse_ip("10.0.0.48"),)
    assert two.address_count == 2
    assert two.recorded_addresses == (parse_ip("10.0.0.20"), parse_ip("10.0.0.21"))
    assert failed.error_code == "Client.InsufficientCidrBlocks" and failed.recorded_prefixes == ()


def _botocore_names(operation: str) -> tuple[set[str], set[str]]:
    """The request and response member names of an EC2 call, as EC2's query
    protocol (and so CloudTrail) writes them: locationName, first letter lower."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2").operation_model(operation)

    def names(shape: Any) -> set[str]:
        out: set[str] = set()
        if shape is None:  # DeleteNetworkInterface returns nothing but requestId/return
            return out
        for name, member in shape.members.items():
            loc = member.serialization.get("name") or name
            out.add(loc[0].lower() + loc[1:])
        return out

    return names(model.input_shape), names(model.output_shape) | {"requestId", "_return"}


# CloudTrail names a list parameter of a request after the XML set, not the
# query key: privateIpAddress -> privateIpAddressesSet, SecurityGroupId ->
# groupSet, Ipv4Prefix -> ipv4Prefixes, TagSpecification -> tagSpecificationSet
# (real records: the EFS user guide's CreateNetworkInterface example,
# hashicorp/terraform-provider-aws issue 32952 for AssignPrivateIpAddresses).
_CLOUDTRAIL_LIST_NAMES = {
    "privateIpAddressesSet",
    "groupSet",
    "ipv4Prefixes",
    "tagSpecificationSet",
}


def test_fixtures_use_only_the_ec2_api_field_names() -> None:
    for rec in json.loads(TRAIL.read_text())["Records"]:
        name = rec["eventName"]
        assert {"eventTime", "eventName", "eventSource", "eventID", "requestParameters"} <= set(rec)
        if name not in (
            "CreateNetworkInterface",
            "AssignPrivateIpAddresses",
            "UnassignPrivateIpAddresses",
            "DeleteNetworkInterface",
        ):
            continue
        request, response = _botocore_names(name)
        assert set(rec["requestParameters"]) <= request | _CLOUDTRAIL_LIST_NAMES, name
        if rec.get("responseElements"):
            assert set(rec["responseElements"]) <= response, name
            if name == "CreateNetworkInterface":
                import botocore.session

                shape = (
                    botocore.session.get_session()
                    .get_service_model("ec2")
                    .shape_for("NetworkInterface")
                )
                locs = {m.serialization.get("name", n) for n, m in shape.members.items()}
                assert set(rec["responseElements"]["networkInterface"]) <= locs


def _record(
    i: int, name: str, req: dict[str, Any], resp: Any = None, **extra: Any
) -> dict[str, Any]:
    rec = {
        "eventTime": f"2024-05-01T10:00:{i:02d}Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": name,
        "eventID": f"ev-{i}",
        "requestParameters": req,
        "responseElements": resp,
    }
    rec.update(extra)
    return rec


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("not a record", "record 0 is not an object"),
        ({"eventTime": "2024-05-01T00:00:00Z"}, "record 0 lacks eventName"),
        (
            _record(
                0, "AssignPrivateIpAddresses", {"networkInterfaceId": "eni-1", "ipv4PrefixCount": 1}
            ),
            "record 0 (eventID ev-0) lacks responseElements",
        ),
        (
            _record(
                0,
                "AssignPrivateIpAddresses",
                {"networkInterfaceId": "eni-1", "ipv4PrefixCount": 2},
                {"assignedIpv4PrefixSet": {"items": [{"ipv4Prefix": "10.0.0.16/28"}]}},
            ),
            "the response records 0 and 1 (a truncated record?)",
        ),
        (
            _record(
                0,
                "UnassignPrivateIpAddresses",
                {
                    "networkInterfaceId": "eni-1",
                    "ipv4Prefixes": {"items": [{"ipv4Prefix": "10.0.0.17/28"}]},
                },
            ),
            "ipv4Prefixes[0].ipv4Prefix 10.0.0.17/28 is not an aligned /28 prefix",
        ),
        (
            _record(
                0,
                "UnassignPrivateIpAddresses",
                {
                    "networkInterfaceId": "eni-1",
                    "privateIpAddressesSet": {"items": [{"privateIpAddress": "10.0.0.300"}]},
                },
            ),
            "record 0 (eventID ev-0): ",
        ),
        (
            _record(0, "DeleteNetworkInterface", {}),
            "record 0 (eventID ev-0) lacks networkInterfaceId",
        ),
        (
            {
                **_record(0, "DeleteNetworkInterface", {"networkInterfaceId": "eni-1"}),
                "eventTime": "yesterday",
            },
            "eventTime 'yesterday' is not an ISO 8601 time",
        ),
        (
            _record(
                0,
                "AssignPrivateIpAddresses",
                {"networkInterfaceId": "eni-1", "secondaryPrivateIpAddressCount": -1},
                {},
            ),
            "secondaryPrivateIpAddressCount must be a non-negative integer",
        ),
        (
            _record(
                0, "CreateNetworkInterface", {"subnetId": "subnet-1"}, {"networkInterface": {}}
            ),
            "lacks networkInterfaceId",
        ),
    ],
)
def test_bad_records_name_the_record(record: Any, message: str) -> None:
    with pytest.raises(AwsInputError) as err:
        parse_records([("trail.json record 0", record)])
    assert message in str(err.value)
    assert str(err.value).startswith("trail.json record 0")
    assert "\n" not in str(err.value)


def test_bad_files(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"Subnets": []}')
    (tmp_path / "b.json").write_text('{"Records": [')
    (tmp_path / "c.json.gz").write_bytes(gzip.compress(b'{"Records": []}')[:-6])
    (tmp_path / "d.json").write_text(
        json.dumps({"Events": [{"EventId": "x1", "CloudTrailEvent": "{"}]})
    )
    cases = {
        "a.json": "not a CloudTrail log file",
        "b.json": "malformed JSON at line 1",
        "c.json.gz": "damaged gzip file",
        "d.json": "record 0 (eventID x1): CloudTrailEvent is not JSON",
        "missing.json": "cannot read",
    }
    for name, message in cases.items():
        with pytest.raises(AwsInputError) as err:
            read_trace(tmp_path / name)
        assert message in str(err.value), name
        assert name in str(err.value)


# ------------------------------------------------------------------- replay


def test_as_recorded_reproduces_the_recorded_addresses() -> None:
    trace = read_trace(TRAIL)
    # Up to (and without) the first release: every recorded allocation is held.
    upto = [
        e
        for e in trace.events
        if e.name not in ("UnassignPrivateIpAddresses", "DeleteNetworkInterface")
    ]
    trace.events = upto
    state = load_files(SUBNETS, ENIS)
    result = replay(trace, state.subnet_map())
    assert result.policy == "as-recorded"
    assert _allocs(state) == [
        "10.0.0.10/32",
        "10.0.0.20/32",
        "10.0.0.21/32",
        "10.0.0.32/28",
        "10.0.0.48/28",
        "10.0.0.100/32",
    ]
    # The recorded failure is the subnet's failure, at its time.
    s = result.subnets[0]
    assert s.failures == {"InsufficientCidrBlocks": 1}
    assert (s.first_failure_time, s.first_failure_s) == ("2024-05-01T10:02:00Z", 120.0)


def test_whole_trace_as_recorded() -> None:
    state = load_files(SUBNETS, ENIS)
    result = replay(read_trace(TRAIL), state.subnet_map())
    assert _allocs(state) == ["10.0.0.10/32", "10.0.0.20/32", "10.0.0.32/28"]
    s = result.subnets[0]
    assert (s.free_prefixes_start, s.min_free_prefixes, s.free_prefixes_end) == (13, 10, 12)
    # create (.100 spoils a block), a /28, two /32s in one block, the /28 back,
    # one /32 back (the block stays spoiled), the ENI deleted
    assert [p["free_prefixes"] for p in s.series] == [13, 12, 11, 10, 11, 11, 12]
    assert [p["available_ips"] for p in s.series] == [234, 233, 217, 215, 231, 232, 233]
    assert result.skipped == {"dry-run": 1, "other-call": 1, "other-subnet": 1, "recorded-error": 1}
    assert result.applied == 6 and result.events == 10
    assert replay_files(LOOKUP, SUBNETS, ENIS).to_dict() == result.to_dict()


@pytest.mark.parametrize("policy", ["as-recorded", "random", "pack"])
def test_a_record_read_twice_is_replayed_once(policy: str) -> None:
    """The same hours from a trail's files and from lookup-events (or a file
    given twice): each eventID is applied once; the copies are counted."""
    once = replay_files(TRAIL, SUBNETS, ENIS, policy=policy).to_dict()
    both = replay_files([TRAIL, LOOKUP, TRAIL], SUBNETS, ENIS, policy=policy).to_dict()
    assert both.pop("skipped") == {**once.pop("skipped"), "duplicate": 20}
    assert both.pop("events") == 3 * once.pop("events")
    assert both == once
    assert read_trace([TRAIL, TRAIL]).duplicates == read_trace(TRAIL).records


def test_an_eni_created_twice_in_the_trace_is_named_as_such() -> None:
    records = json.loads(TRAIL.read_text())["Records"]
    create = next(r for r in records if r["eventName"] == "CreateNetworkInterface")
    again = {**create, "eventID": "another-id", "eventTime": "2024-05-01T10:00:01Z"}
    with pytest.raises(ReplayError, match="eni-0002 was already created by an earlier record"):
        replay(
            parse_records([("t record 0", create), ("t record 1", again)]),
            load_files(SUBNETS, ENIS).subnet_map(),
        )


_TIGHT = [
    "10.0.0.16/28:explicit",
    "10.0.0.48/28:explicit",
    "10.0.0.64/26:explicit",
    "10.0.0.128/25:explicit",
]


def test_an_added_reservation_makes_the_subnet_fail_and_says_when() -> None:
    result = replay_files(TRAIL, SUBNETS, ENIS, policy="lowest", reserve=_TIGHT)
    s = result.subnets[0]
    assert s.free_prefixes_start == 0
    assert s.failures == {"InsufficientCidrBlocks": 1}
    assert (s.first_failure_time, s.first_failure_s) == ("2024-05-01T10:00:05Z", 5.0)
    # The recorded prefix was never placed: its release finds nothing.
    assert result.skipped["not-held"] == 1
    assert result.first_failure_time == "2024-05-01T10:00:05Z"
    assert result.reservations[0] == "10.0.0.16/28 explicit"


def test_other_policies_place_by_policy_and_release_what_they_placed() -> None:
    for policy in ("lowest", "pack", "random"):
        state = load_files(SUBNETS, ENIS, seed=3)
        replay(read_trace(TRAIL), state.subnet_map(), policy=policy)
        allocs = _allocs(state)
        # the snapshot stays, one secondary /32 of the two is left, nothing else
        assert "10.0.0.10/32" in allocs and "10.0.0.32/28" in allocs and len(allocs) == 3
    state = load_files(SUBNETS, ENIS)
    trace = read_trace(TRAIL)
    trace.events = trace.events[:3]  # create, prefix, two /32s
    replay(trace, state.subnet_map(), policy="lowest")
    assert _allocs(state) == [
        "10.0.0.4/32",
        "10.0.0.5/32",
        "10.0.0.6/32",
        "10.0.0.10/32",
        "10.0.0.16/28",
        "10.0.0.32/28",
    ]


def test_default_policy_with_a_reservation_is_random_and_seeded() -> None:
    a = replay_files(TRAIL, SUBNETS, ENIS, reserve=["10.0.0.128/25"], seed=1)
    b = replay_files(TRAIL, SUBNETS, ENIS, reserve=[("10.0.0.128/25", "prefix")], seed=1)
    assert a.policy == "random" and a.to_dict() == b.to_dict()


def test_replay_argument_errors() -> None:
    state = load_files(SUBNETS, ENIS)
    with pytest.raises(ReplayError, match="needs a placement policy"):
        replay(
            read_trace(TRAIL), state.subnet_map(), policy="as-recorded", reserve=["10.0.0.128/25"]
        )
    with pytest.raises(ReplayError, match="in none of the subnets"):
        replay(read_trace(TRAIL), state.subnet_map(), reserve=["10.9.0.0/25"])
    with pytest.raises(ReplayError, match="the kind is 'prefix' or 'explicit'"):
        replay(read_trace(TRAIL), state.subnet_map(), reserve=["10.0.0.128/25:both"])
    with pytest.raises(sf.UnknownPolicy):
        replay(read_trace(TRAIL), state.subnet_map(), policy="best")


def test_replay_takes_plain_subnets_and_a_trace_built_without_aws() -> None:
    """The sim layer's replay needs no AWS input: Subnets by id whose
    allocations name their ENI, and TraceEvents built directly."""
    from subnetfrag.sim.trace import CREATE, DELETE, Trace, TraceEvent

    sub = sf.Subnet("10.2.0.0/24", subnet_id="subnet-x")
    sub.allocate_ip("10.2.0.10", owner=sf.Owner(eni_id="eni-old"))
    other = sf.Subnet("10.3.0.0/24")
    base = parse_ip("10.2.0.0")
    trace = Trace(
        events=[
            TraceEvent(
                0,
                "e0",
                None,
                CREATE,
                100.0,
                "t0",
                subnet_id="subnet-x",
                eni_id="eni-new",
                address_count=1,
                prefix_count=1,
                recorded_primary=base + 20,
                recorded_addresses=(base + 21,),
                recorded_prefixes=(base + 48,),
            ),
            TraceEvent(1, "e1", None, DELETE, 160.0, "t1", eni_id="eni-old"),
        ],
        records=2,
    )
    result = replay(trace, {"subnet-x": sub, "subnet-y": other})
    assert [str(n) for n in sub.allocations()] == ["10.2.0.20/32", "10.2.0.21/32", "10.2.0.48/28"]
    assert [s.subnet_id for s in result.subnets] == ["subnet-x", "subnet-y"]
    assert result.applied == 2 and result.subnets[1].events == 0


def test_replay_refuses_what_is_not_subnets_by_id() -> None:
    state = load_files(SUBNETS, ENIS)
    with pytest.raises(sf.InvalidArgumentType, match=r"state.subnet_map\(\)"):
        replay(read_trace(TRAIL), state)  # type: ignore[arg-type]
    with pytest.raises(sf.InvalidArgumentType, match="AwsSubnet"):
        replay(read_trace(TRAIL), dict(state.subnets))  # type: ignore[arg-type]


def test_the_trace_model_moved_to_sim_and_old_names_still_work() -> None:
    import subnetfrag.aws.cloudtrail as cloudtrail
    import subnetfrag.sim.trace as trace_model

    for name in trace_model.__all__:
        assert getattr(cloudtrail, name) is getattr(trace_model, name)
    assert sf.aws.Trace is trace_model.Trace and sf.aws.TraceEvent is trace_model.TraceEvent
    assert not hasattr(sf.sim, "replay_files")  # reading files is the aws layer's


def test_a_snapshot_taken_after_the_trace_is_refused(tmp_path: Path) -> None:
    enis = json.loads(ENIS.read_text())
    enis["NetworkInterfaces"].append(
        {
            "NetworkInterfaceId": "eni-0002",
            "SubnetId": "subnet-0abc",
            "PrivateIpAddress": "10.0.0.100",
        }
    )
    path = tmp_path / "enis.json"
    path.write_text(json.dumps(enis))
    with pytest.raises(ReplayError) as err:
        replay_files(TRAIL, SUBNETS, path)
    assert "record 0 (eventID e0000000-0000-4000-8000-000000000001)" in str(err.value)
    assert "eni-0002 already exists in the starting state" in str(err.value)
    enis["NetworkInterfaces"][-1]["NetworkInterfaceId"] = "eni-0777"
    path.write_text(json.dumps(enis))
    with pytest.raises(ReplayError, match=r"10\.0\.0\.100 is already allocated"):
        replay_files(TRAIL, SUBNETS, path)


# ------------------------------------------------ property: a random history


_ENVELOPES = ("item", "items", None)


def _wrap(items: list[dict[str, Any]], how: str | None) -> Any:
    if not items:
        return {}
    return list(items) if how is None else {how: list(items)}


class _Model:
    """The trivially correct model of a subnet's allocations: a set of /32s and
    a set of /28 bases, lowest fit, and which ENI holds what."""

    def __init__(self, first: int, size: int) -> None:
        self.first, self.size = first, size
        self.ips: set[int] = set()
        self.prefixes: set[int] = set()
        self.enis: dict[str, list[tuple[int, bool]]] = {}

    def _free(self, v: int) -> bool:
        off = v - self.first
        return 4 <= off < self.size - 1 and v not in self.ips and (v & ~15) not in self.prefixes

    def ip(self) -> int:
        v = next(v for v in range(self.first, self.first + self.size) if self._free(v))
        self.ips.add(v)
        return v

    def prefix(self) -> int:
        v = next(
            b
            for b in range(self.first + 16, self.first + self.size - 16, 16)
            if all(self._free(b + i) for i in range(16))
        )
        self.prefixes.add(v)
        return v


_ops = st.lists(
    st.tuples(
        st.sampled_from(["create", "ips", "prefixes", "unassign", "delete"]),
        st.integers(0, 3),
        st.integers(1, 3),
        st.sampled_from(_ENVELOPES),
    ),
    max_size=30,
)


def _history(ops: list[tuple[str, int, int, str | None]]) -> tuple[list[dict[str, Any]], _Model]:
    model = _Model(parse_ip("10.1.0.0"), 4096)
    recs: list[dict[str, Any]] = []
    n = 0
    for kind, which, count, env in ops:
        n += 1
        names = sorted(model.enis)
        if kind == "create" or not names:
            eni = f"eni-{n:04d}"
            primary = model.ip()
            model.enis[eni] = [(primary, False)]
            item = {"privateIpAddress": format_ip(primary), "primary": True}
            recs.append(
                _record(
                    n % 60,
                    "CreateNetworkInterface",
                    {"subnetId": "subnet-1"},
                    {
                        "networkInterface": {
                            "networkInterfaceId": eni,
                            "privateIpAddress": format_ip(primary),
                            "privateIpAddressesSet": _wrap([item], env or "item"),
                        }
                    },
                )
            )
            continue
        eni = names[which % len(names)]
        if kind in ("ips", "prefixes"):
            prefix = kind == "prefixes"
            got = [model.prefix() if prefix else model.ip() for _ in range(count)]
            model.enis[eni] += [(v, prefix) for v in got]
            key = "ipv4PrefixCount" if prefix else "secondaryPrivateIpAddressCount"
            inner = "ipv4Prefix" if prefix else "privateIpAddress"
            shown = [{inner: format_ip(v) + ("/28" if prefix else "")} for v in got]
            resp = {
                "assignedIpv4PrefixSet" if prefix else "assignedPrivateIpAddressesSet": _wrap(
                    shown, env or ("items" if prefix else "assignedPrivateIpAddressSetType")
                )
            }
            recs.append(
                _record(
                    n % 60,
                    "AssignPrivateIpAddresses",
                    {"networkInterfaceId": eni, key: count},
                    resp,
                )
            )
        elif kind == "unassign":
            held = model.enis[eni][1:]
            gone = held[:count]
            for v, prefix in gone:
                model.enis[eni].remove((v, prefix))
                (model.prefixes if prefix else model.ips).discard(v)
            req = {
                "networkInterfaceId": eni,
                "privateIpAddressesSet": _wrap(
                    [{"privateIpAddress": format_ip(v)} for v, p in gone if not p], env
                ),
                "ipv4Prefixes": _wrap(
                    [{"ipv4Prefix": f"{format_ip(v)}/28"} for v, p in gone if p], env
                ),
            }
            recs.append(_record(n % 60, "UnassignPrivateIpAddresses", req, {"_return": True}))
        else:
            for v, prefix in model.enis.pop(eni):
                (model.prefixes if prefix else model.ips).discard(v)
            recs.append(
                _record(
                    n % 60, "DeleteNetworkInterface", {"networkInterfaceId": eni}, {"_return": True}
                )
            )
    for i, rec in enumerate(recs):  # one event per second, in order
        rec["eventTime"] = f"2024-05-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z"
    return recs, model


_STATE_SUBNETS = {"Subnets": [{"SubnetId": "subnet-1", "CidrBlock": "10.1.0.0/20"}]}
_STATE_ENIS: dict[str, Any] = {"NetworkInterfaces": []}


@given(_ops)
def test_a_random_history_replays_exactly_as_recorded_and_conserves_counts_otherwise(
    ops: Any,
) -> None:
    recs, model = _history(ops)
    trace = parse_records([(f"t record {i}", r) for i, r in enumerate(recs)])
    state = load_files(_STATE_SUBNETS, _STATE_ENIS)
    replay(trace, state.subnet_map())
    want = sorted([(v, 32) for v in model.ips] + [(v, 28) for v in model.prefixes])
    got = sorted((n.value, n.prefixlen) for n in state.subnets["subnet-1"].subnet.allocations())
    assert got == want
    for policy in ("random", "pack"):
        trace = parse_records([(f"t record {i}", r) for i, r in enumerate(recs)])
        state = load_files(_STATE_SUBNETS, _STATE_ENIS, seed=7)
        result = replay(trace, state.subnet_map(), policy=policy)
        allocs = state.subnets["subnet-1"].subnet.allocations()
        assert sum(n.prefixlen == 32 for n in allocs) == len(model.ips)
        assert sum(n.prefixlen == 28 for n in allocs) == len(model.prefixes)
        assert result.subnets[0].failures == {} and result.applied == len(recs)
