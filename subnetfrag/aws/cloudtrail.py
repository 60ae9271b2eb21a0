"""CloudTrail records of a subnet's address history -> :class:`TraceEvent` list.

The types (:class:`Trace`, :class:`TraceEvent`, the event names) are the
simulation layer's (:mod:`subnetfrag.sim.trace`, where the replay that reads
them lives); this module only parses CloudTrail JSON into them, and re-exports
them under the names it always had.

Reads the four EC2 calls that change which addresses a subnet hands out:
``CreateNetworkInterface``, ``DeleteNetworkInterface``,
``AssignPrivateIpAddresses`` and ``UnassignPrivateIpAddresses``; every other
record is counted and ignored. Two layouts are read (and gzip-compressed files
of either, as CloudTrail delivers them to S3, ``*.json.gz``):

- a CloudTrail log file: ``{"Records": [record, ...]}``;
- ``aws cloudtrail lookup-events`` output: ``{"Events": [{"EventId": ...,
  "CloudTrailEvent": "<the record as a JSON string>"}, ...]}`` (pages one after
  another, as ``--no-paginate`` off prints them, are read too).

Field names come from the CloudTrail record reference ("CloudTrail record
contents": ``eventTime``, ``eventName``, ``eventSource``, ``eventID``,
``errorCode``, ``requestParameters``, ``responseElements``) and, inside the
request and response, from the EC2 API's query/XML names as botocore's
``ec2/2016-11-15/service-2.json`` gives them (``locationName``): requests
``subnetId``, ``networkInterfaceId``, ``privateIpAddress``,
``secondaryPrivateIpAddressCount``, ``ipv4PrefixCount``, the lists
``privateIpAddressesSet`` and ``ipv4Prefixes``; responses ``networkInterface``
(``networkInterfaceId``, ``subnetId``, ``privateIpAddress``,
``privateIpAddressesSet``, ``ipv4PrefixSet``), ``assignedPrivateIpAddressesSet``
and ``assignedIpv4PrefixSet``. CloudTrail wraps an XML list in an object with
one key (``{"item": [...]}``, ``{"items": [...]}``, or
``{"assignedPrivateIpAddressSetType": [...]}`` for AssignPrivateIpAddresses, as
seen in real records, e.g. hashicorp/terraform-provider-aws issue 32952) and
writes an empty list as ``{}``: every such envelope is accepted, and so is a
bare list. docs/simulation.md ("Trace replay") lists each field and its use.

Bad input raises :class:`~subnetfrag.aws.errors.AwsInputError` with one line
naming the file, the record index and its ``eventID``.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..addresses import parse_ip, parse_network
from ..errors import InvalidCidr
from ..inputs import read_limited
from ..sim.trace import ASSIGN, CREATE, DELETE, EVENT_NAMES, UNASSIGN, Trace, TraceEvent
from .errors import AwsInputError
from .ingest import _decode, _documents

__all__ = [
    "ASSIGN",
    "CREATE",
    "DELETE",
    "EVENT_NAMES",
    "MAX_TRACE_BYTES",
    "UNASSIGN",
    "Trace",
    "TraceEvent",
    "parse_records",
    "read_trace",
]

_EC2_SOURCE = "ec2.amazonaws.com"
#: The most one trace file may hold, and separately the most its content may
#: decompress to (a ``.json.gz`` of a few MiB can hold GiBs of zeros: a gzip
#: bomb); more is refused (:class:`AwsInputError`) after reading at most one
#: byte over. 2 GiB as for the describe output
#: (:data:`subnetfrag.aws.ingest.MAX_INPUT_BYTES`): CloudTrail delivers a file
#: every five minutes per region, far below it, and a lookup-events export of a
#: busy cluster's month (about 1 KiB a record) fits.
MAX_TRACE_BYTES = 2 << 30


# ------------------------------------------------------------------ reading


def _read_bytes(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    """The bytes of one trace file, decompressed when it is gzip; either size
    over :data:`MAX_TRACE_BYTES` raises :class:`AwsInputError`."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            raw = read_limited(fh, MAX_TRACE_BYTES, name, "CloudTrail trace", AwsInputError)
    except OSError as exc:
        raise AwsInputError(f"cannot read {name} (CloudTrail trace): {exc.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                del raw
                raw = read_limited(
                    gz, MAX_TRACE_BYTES, name, "decompressed CloudTrail trace", AwsInputError
                )
        except (OSError, EOFError, zlib.error) as exc:
            raise AwsInputError(f"{name}: damaged gzip file ({exc})") from None
    return name, raw


def _record_list(where: str, data: Any) -> list[tuple[str, Any]]:
    """``(label, record)`` pairs of one document, either layout."""
    if isinstance(data, Mapping) and "Records" in data:
        items = data["Records"]
        if not isinstance(items, list):
            raise AwsInputError(f"{where}: Records must be a list")
        return [(f"{where} record {i}", rec) for i, rec in enumerate(items)]
    if isinstance(data, Mapping) and "Events" in data:
        items = data["Events"]
        if not isinstance(items, list):
            raise AwsInputError(f"{where}: Events must be a list")
        out = []
        for i, ev in enumerate(items):
            where_i = f"{where} record {i}"
            if not isinstance(ev, Mapping):
                raise AwsInputError(f"{where_i} must be an object")
            text = ev.get("CloudTrailEvent")
            eid = ev.get("EventId")
            label = f"{where_i} (eventID {eid})" if isinstance(eid, str) else where_i
            if not isinstance(text, str):
                raise AwsInputError(f"{label} lacks the CloudTrailEvent string")
            try:
                out.append((where_i, json.loads(text)))
            except json.JSONDecodeError as exc:
                raise AwsInputError(f"{label}: CloudTrailEvent is not JSON ({exc.msg})") from None
        return out
    found = ", ".join(sorted(map(str, data))[:6]) if isinstance(data, Mapping) else "no object"
    raise AwsInputError(
        f"{where}: not a CloudTrail log file ({{'Records': [...]}}) or lookup-events output "
        f"({{'Events': [...]}}): found {found or 'an empty object'}"
    )


def read_trace(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> Trace:
    """Read and parse CloudTrail files (see the module doc): one path or
    several, gzip-compressed or not.

    Raises :class:`AwsInputError` for a file that cannot be read or decoded,
    a layout that is neither, and a bad record (see :func:`parse_records`).
    O(size of the input).
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    labelled: list[tuple[str, Any]] = []
    names = []
    for path in paths:
        name, raw = _read_bytes(path)
        names.append(name)
        text = _decode(raw, name)
        for page in _documents(text, name, "CloudTrail"):
            labelled.extend(_record_list(page.where, page.data))
    trace = parse_records(labelled)
    trace.sources = names
    return trace


# ------------------------------------------------------------------ parsing


def _envelope(label: str, key: str, value: Any) -> list[Any]:
    """The items of a CloudTrail list: a bare list, ``{}``, or an object with
    one key holding a list (``item``, ``items``, ``...SetType``)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        if not value:
            return []
        if len(value) == 1:
            (inner,) = value.values()
            if isinstance(inner, list):
                return inner
            if isinstance(inner, Mapping):  # one element written without a list
                return [inner]
    raise AwsInputError(f"{label}: {key} is not a list of items: {json.dumps(value)[:80]}")


def _ip(label: str, key: str, value: Any) -> int:
    if not isinstance(value, str):
        raise AwsInputError(f"{label}: {key} must be an IPv4 address string, not {value!r}")
    try:
        return parse_ip(value, key)
    except InvalidCidr as exc:
        raise AwsInputError(f"{label}: {exc}") from None


def _prefix(label: str, key: str, value: Any) -> int:
    if not isinstance(value, str):
        raise AwsInputError(f"{label}: {key} must be a CIDR string, not {value!r}")
    try:
        addr, plen, net = parse_network(value, key)
    except InvalidCidr as exc:
        raise AwsInputError(f"{label}: {exc}") from None
    if plen != 28 or addr != net:
        raise AwsInputError(f"{label}: {key} {value} is not an aligned /28 prefix")
    return net


def _items(label: str, parent: Mapping[str, Any], key: str, inner: str, parse: Any) -> list[int]:
    """Values of a list field whose items are strings or ``{inner: str}``."""
    out = []
    for i, item in enumerate(_envelope(label, key, parent.get(key))):
        where = f"{key}[{i}]"
        if isinstance(item, Mapping):
            if inner not in item:
                raise AwsInputError(f"{label}: {where} lacks {inner}")
            out.append(parse(label, f"{where}.{inner}", item[inner]))
        else:
            out.append(parse(label, where, item))
    return out


def _count(label: str, params: Mapping[str, Any], key: str) -> int:
    value = params.get(key)
    if value is None:
        return 0
    if isinstance(value, str) and value.isdigit():  # some records keep query strings
        value = int(value)
    if type(value) is not int or value < 0:
        raise AwsInputError(f"{label}: {key} must be a non-negative integer, not {value!r}")
    return value


def _string(label: str, parent: Mapping[str, Any], key: str, required: bool = True) -> Any:
    value = parent.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        what = "lacks" if value is None else "has a bad"
        raise AwsInputError(f"{label} {what} {key}")
    return value


def _object(label: str, parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if not isinstance(value, Mapping):
        what = "lacks" if value is None else "has a non-object"
        raise AwsInputError(f"{label} {what} {key}")
    return value


def _time(label: str, rec: Mapping[str, Any]) -> tuple[float, str]:
    text = rec.get("eventTime")
    if not isinstance(text, str):
        raise AwsInputError(f"{label} lacks eventTime")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise AwsInputError(f"{label}: eventTime {text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:  # CloudTrail writes UTC ("Z")
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp(), text


def _parse_one(index: int, label: str, rec: Mapping[str, Any]) -> TraceEvent:
    name = rec["eventName"]
    eid = rec.get("eventID") if isinstance(rec.get("eventID"), str) else None
    time_s, time_text = _time(label, rec)
    error = rec.get("errorCode")
    if error is not None and not isinstance(error, str):
        raise AwsInputError(f"{label}: errorCode must be a string")
    base: dict[str, Any] = {
        "index": index,
        "where": label,
        "event_id": eid,
        "name": name,
        "time_s": time_s,
        "time": time_text,
        "error_code": error,
    }
    params = rec.get("requestParameters")
    if not isinstance(params, Mapping):
        raise AwsInputError(f"{label} ({name}) lacks requestParameters")
    addr_key = "privateIpAddressesSet"
    if name == CREATE:
        base["subnet_id"] = _string(label, params, "subnetId")
        base["primary"] = (
            None
            if params.get("privateIpAddress") is None
            else _ip(label, "privateIpAddress", params["privateIpAddress"])
        )
        asked = _items(label, params, addr_key, "privateIpAddress", _ip)
        base["addresses"] = tuple(a for a in asked if a != base["primary"])
        base["prefixes"] = tuple(_items(label, params, "ipv4Prefixes", "ipv4Prefix", _prefix))
        base["address_count"] = _count(label, params, "secondaryPrivateIpAddressCount")
        base["prefix_count"] = _count(label, params, "ipv4PrefixCount")
        if error is None:
            resp = _object(label, rec, "responseElements")
            eni = _object(label, resp, "networkInterface")
            base["eni_id"] = _string(label, eni, "networkInterfaceId")
            primary = _ip(label, "privateIpAddress", _string(label, eni, "privateIpAddress"))
            base["recorded_primary"] = primary
            others = _items(label, eni, addr_key, "privateIpAddress", _ip)
            base["recorded_addresses"] = tuple(a for a in others if a != primary)
            base["recorded_prefixes"] = tuple(
                _items(label, eni, "ipv4PrefixSet", "ipv4Prefix", _prefix)
            )
        return TraceEvent(**base)
    base["eni_id"] = _string(label, params, "networkInterfaceId")
    if name == DELETE:
        return TraceEvent(**base)
    base["addresses"] = tuple(_items(label, params, addr_key, "privateIpAddress", _ip))
    base["prefixes"] = tuple(_items(label, params, "ipv4Prefixes", "ipv4Prefix", _prefix))
    if name == UNASSIGN:
        return TraceEvent(**base)
    base["address_count"] = _count(label, params, "secondaryPrivateIpAddressCount")
    base["prefix_count"] = _count(label, params, "ipv4PrefixCount")
    if error is None:
        resp = _object(label, rec, "responseElements")
        base["recorded_addresses"] = tuple(
            _items(label, resp, "assignedPrivateIpAddressesSet", "privateIpAddress", _ip)
        )
        base["recorded_prefixes"] = tuple(
            _items(label, resp, "assignedIpv4PrefixSet", "ipv4Prefix", _prefix)
        )
        wanted = len(base["addresses"]) + base["address_count"]
        wanted_prefixes = len(base["prefixes"]) + base["prefix_count"]
        got = len(base["recorded_addresses"])
        got_prefixes = len(base["recorded_prefixes"])
        if got != wanted or got_prefixes != wanted_prefixes:
            raise AwsInputError(
                f"{label}: asked for {wanted} address(es) and {wanted_prefixes} prefix(es), "
                f"the response records {got} and {got_prefixes} (a truncated record?)"
            )
    return TraceEvent(**base)


def parse_records(records: Iterable[tuple[str, Any]]) -> Trace:
    """Parse ``(where, record)`` pairs (``where`` names the record, e.g.
    ``"trail.json record 3"``) into
    a :class:`Trace`: the address events sorted by ``eventTime`` (CloudTrail
    files are not in time order; ties keep input order). A record whose
    ``eventID`` (CloudTrail's unique id of an event) was read before is
    counted in ``duplicates`` and not applied again: a trail's files and a
    lookup-events export of the same hours can be given together.

    A record that is not an object, lacks ``eventName``, or is an address event
    with a missing or malformed field (``eventTime``, ``requestParameters``,
    ``responseElements`` of a successful Create/Assign, an ID, an address, a
    count, or a response that records fewer addresses than were asked for)
    raises :class:`AwsInputError` naming it: ``"FILE record I (eventID E): ..."``.
    O(records log records).
    """
    trace = Trace()
    events: list[TraceEvent] = []
    seen: set[str] = set()
    for index, (where, rec) in enumerate(records):
        trace.records += 1
        label = where
        if not isinstance(rec, Mapping):
            raise AwsInputError(f"{label} is not an object")
        eid = rec.get("eventID")
        if isinstance(eid, str) and eid:
            if eid in seen:
                trace.duplicates += 1
                continue
            seen.add(eid)
            label += f" (eventID {eid})"
        name = rec.get("eventName")
        if not isinstance(name, str):
            raise AwsInputError(f"{label} lacks eventName")
        source = rec.get("eventSource", _EC2_SOURCE)
        if name not in EVENT_NAMES or source != _EC2_SOURCE:
            trace.other_records += 1
            continue
        if rec.get("errorCode") == "Client.DryRunOperation":
            trace.dry_runs += 1
            continue
        events.append(_parse_one(index, label, rec))
    events.sort(key=lambda e: (e.time_s, e.index))
    trace.events = events
    return trace
