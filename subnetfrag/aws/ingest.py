"""AWS CLI / boto3 JSON -> :class:`~subnetfrag.aws.state.AwsState`.

Reads the output of three read-only EC2 calls, matched by ``SubnetId``:

- ``describe-subnets`` (``{"Subnets": [...]}``): the subnets, their CIDR and
  ``AvailableIpAddressCount``;
- ``describe-network-interfaces`` (``{"NetworkInterfaces": [...]}``): every
  address (``PrivateIpAddresses``) and prefix (``Ipv4Prefixes``) and who holds
  it; ENIs of subnets not read are ignored;
- ``get-subnet-cidr-reservations`` (``{"SubnetIpv4CidrReservations": [...]}``),
  optional: the CIDR reservations (IPv6 ones are ignored).

Each source is a path, ``"-"`` for standard input, an open file, an already
parsed document (a boto3 response, say), or a list of paths. A file may hold
one page, a JSON list of pages, several pages one after the other (JSON Lines,
or concatenated documents as ``jq`` prints them), or a bare list of records
(``--query 'NetworkInterfaces[]'``). UTF-8 and UTF-16 (with a BOM, as Windows
PowerShell writes) are read.

Bad input raises :class:`~subnetfrag.aws.errors.AwsInputError` naming the file
and the record; conflicts (one address on two ENIs) become warnings.
"""

from __future__ import annotations

import functools
import json
import os
import reprlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from ..addresses import format_ip, parse_ip
from ..errors import AddressInUse, NotAllocated, SubnetFragError
from ..inputs import parse_errors_as, read_limited
from ..subnet import Subnet
from .errors import AwsInputError
from .owners import attached_instance, eni_class, is_node_evidence, owner_texts, owners_from
from .state import AwsState, AwsSubnet, AwsWarning, SubnetInfo

__all__ = [
    "CALLS",
    "MAX_INPUT_BYTES",
    "Page",
    "Source",
    "build_state",
    "load_files",
    "read_pages",
]

#: What the loaders accept for each call's output.
Source = str | os.PathLike[str] | IO[str] | IO[bytes] | Mapping[str, Any] | list[Any]

SUBNETS = "describe-subnets"
ENIS = "describe-network-interfaces"
RESERVATIONS = "get-subnet-cidr-reservations"
#: call -> (the list key of its output, the id key of one record)
CALLS: dict[str, tuple[str, str]] = {
    SUBNETS: ("Subnets", "SubnetId"),
    ENIS: ("NetworkInterfaces", "NetworkInterfaceId"),
    RESERVATIONS: ("SubnetIpv4CidrReservations", "SubnetCidrReservationId"),
}
_OUTPUT_HINT = "save the AWS CLI output with --output json"
#: The most one AWS JSON input (a file, ``-`` or a stream) may hold; more is
#: refused (:class:`AwsInputError`) after reading at most one byte over, so an
#: endless input (``--enis /dev/zero``) cannot fill memory. 200,000 ENIs, the
#: most a region's quota allows, are about 120 MiB of describe-network-interfaces
#: output, so 2 GiB leaves room for verbose output (pretty-printed, every tag)
#: while still stopping well before a machine's memory runs out.
MAX_INPUT_BYTES = 2 << 30


@dataclass(frozen=True, slots=True)
class Page:
    """One page of one call's output: ``where`` names it in messages (e.g.
    ``"enis.json page 2"``), ``data`` is the parsed JSON."""

    where: str
    data: Any


# ------------------------------------------------------------------ reading


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise AwsInputError(f"{name}: not UTF-8 or UTF-16 text ({exc.reason})") from None


def _decode_value(
    decoder: json.JSONDecoder, text: str, pos: int, name: str, call: str
) -> tuple[Any, int]:
    """The JSON value at ``text[pos:]`` and where it ends. Every way the
    decoder can fail on hostile input is an :class:`AwsInputError`: malformed
    JSON, nesting deeper than the interpreter's recursion limit (about 1,000
    levels; AWS output nests 5), an integer beyond Python's digit limit (4,300
    digits), or a document too large for memory."""
    with parse_errors_as(
        AwsInputError,
        name,
        "JSON",
        nesting=f"expected {call} output, which nests a few levels",
        expected=f" (expected {call} output)",
    ):
        try:
            return decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise AwsInputError(
                f"{name}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg} "
                f"(expected {call} output; {_OUTPUT_HINT})"
            ) from None


def _documents(
    text: str, name: str, call: str, object_hook: Callable[[dict[str, Any]], Any] | None = None
) -> list[Page]:
    """Every JSON document in ``text`` (one, or several one after another);
    ``object_hook`` as :class:`json.JSONDecoder`'s."""
    decoder = json.JSONDecoder(object_hook=object_hook)
    docs: list[tuple[int, Any]] = []
    pos, n, line, counted = 0, len(text), 1, 0
    while True:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            break
        line += text.count("\n", counted, pos)
        counted = pos
        obj, pos = _decode_value(decoder, text, pos, name, call)
        docs.append((line, obj))
    if not docs:
        raise AwsInputError(f"{name}: empty (expected {call} output; {_OUTPUT_HINT})")
    if len(docs) == 1:
        return [Page(name, docs[0][1])]
    return [Page(f"{name} line {ln}", obj) for ln, obj in docs]


def _is_path(value: object) -> bool:
    return isinstance(value, str | os.PathLike)


def read_pages(source: Source, call: str, *, stdin: IO[Any] | None = None) -> list[Page]:
    """The pages of one call's output from ``source`` (see the module doc),
    unchecked. ``call`` (a key of :data:`CALLS`) only words messages;
    ``stdin`` replaces ``sys.stdin`` for ``"-"``.

    Raises :class:`AwsInputError` for a file that cannot be read, is empty or
    holds malformed JSON. O(size of the input).
    """
    return _read_pages(source, call, stdin, compact=False)


def _read_pages(source: Source, call: str, stdin: IO[Any] | None, *, compact: bool) -> list[Page]:
    """:func:`read_pages`; with ``compact``, each well-formed ENI record of
    text read is reduced to an :class:`_Eni` as the decoder builds it."""
    if isinstance(source, list) and source and all(_is_path(s) for s in source):
        return [page for s in source for page in _read_pages(s, call, stdin, compact=compact)]
    if isinstance(source, Mapping | list):
        return [Page(f"<{call} data>", source)]
    text, name = _read_text(source, call, stdin)
    return _documents(text, name, call, _compactor() if compact and call == ENIS else None)


def _read_text(source: Source, call: str, stdin: IO[Any] | None) -> tuple[str, str]:
    """The text of a path, ``"-"`` or an open file, and its name for
    messages. The bytes are dropped once decoded: the text and the parsed
    records, not the bytes as well, are what the peak memory holds. More than
    :data:`MAX_INPUT_BYTES` is refused (:class:`AwsInputError`)."""
    raw: str | bytes
    what = f"{call} output"
    if isinstance(source, str) and source == "-":
        stream: Any = stdin if stdin is not None else sys.stdin
        name = "<stdin>"
        raw = read_limited(
            getattr(stream, "buffer", stream), MAX_INPUT_BYTES, name, what, AwsInputError
        )
    elif _is_path(source):
        name = os.fspath(source)  # type: ignore[arg-type]
        try:
            with open(name, "rb") as fh:
                raw = read_limited(fh, MAX_INPUT_BYTES, name, what, AwsInputError)
        except OSError as exc:
            raise AwsInputError(f"cannot read {name} ({what}): {exc.strerror}") from None
    elif hasattr(source, "read"):
        name = str(getattr(source, "name", "<stream>"))
        readable: Any = source  # an IO[str] or IO[bytes]
        raw = read_limited(readable, MAX_INPUT_BYTES, name, what, AwsInputError)
    else:
        raise AwsInputError(
            f"{call} input must be a path, '-', a file or parsed JSON, not {type(source).__name__}"
        )
    if isinstance(raw, str):
        return raw, name
    text = _decode(raw, name)
    del raw
    return text, name


def _shape_error(where: str, data: Any, call: str) -> AwsInputError:
    key = CALLS[call][0]
    if isinstance(data, Mapping):
        for other, (other_key, _) in CALLS.items():
            if other != call and other_key in data:
                return AwsInputError(
                    f"{where}: this is {other} output, not {call} (expected a {key!r} list)"
                )
        found = ", ".join(sorted(map(str, data))[:6]) or "none"
        return AwsInputError(
            f"{where}: not {call} output: expected an object with a {key!r} list, "
            f"found keys {found}"
        )
    return AwsInputError(
        f"{where}: not {call} output: expected an object with a {key!r} list, "
        f"found a JSON {_json_type(data)}"
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def _records(pages: Iterable[Page], call: str) -> Iterator[tuple[str, int, Any]]:
    """``(at, j, record)`` for every record of every page, shape-checked, one
    at a time: the record's label is ``_label(at, j, record, call)`` (built only
    when a message needs it). A record is a mapping, or an :class:`_Eni` that
    the decoder already reduced."""
    key, id_key = CALLS[call]
    for page in pages:
        data = page.data
        if isinstance(data, list):
            if data and all(_is_record(r, id_key) for r in data):
                chunks = [(page.where, data, "")]  # a bare list of records
            else:
                chunks = []
                for i, item in enumerate(data):
                    where = f"{page.where} page {i + 1}"
                    if not isinstance(item, Mapping) or key not in item:
                        raise _shape_error(where, item, call)
                    chunks.append((where, item[key], key))
        elif isinstance(data, Mapping) and key in data:
            chunks = [(page.where, data[key], key)]
        else:
            raise _shape_error(page.where, data, call)
        for where, items, list_key in chunks:
            if not isinstance(items, list):
                raise AwsInputError(
                    f"{where}: {list_key or 'the document'} must be a list, "
                    f"not a JSON {_json_type(items)}"
                )
            at = f"{where}: {list_key}"
            for j, rec in enumerate(items):
                if not isinstance(rec, Mapping | _Eni):
                    label = _label(at, j, rec, call)
                    raise AwsInputError(f"{label} must be an object, not a JSON {_json_type(rec)}")
                yield at, j, rec


def _is_record(item: Any, id_key: str) -> bool:
    return isinstance(item, _Eni) or (isinstance(item, Mapping) and id_key in item)


def _label(at: str, j: int, rec: Any, call: str) -> str:
    """How messages name a record: ``"enis.json: NetworkInterfaces[3] (eni-0abc)"``."""
    if isinstance(rec, _Eni):
        rid: Any = rec.eni_id
    else:
        rid = rec.get(CALLS[call][1]) if isinstance(rec, Mapping) else None
    return f"{at}[{j}]" + (f" ({rid})" if isinstance(rid, str) and rid else "")


def _labelled(pages: Iterable[Page], call: str) -> list[tuple[str, Mapping[str, Any]]]:
    """``(label, record)`` for every record of a call whose records are few
    (subnets, reservations)."""
    return [(_label(at, j, rec, call), rec) for at, j, rec in _records(pages, call)]


# ------------------------------------------------------------- validation


_REPR = reprlib.Repr()  # keyword arguments only from Python 3.12
_REPR.maxstring, _REPR.maxother, _REPR.maxlong, _REPR.maxlevel = 60, 60, 40, 3


def _shown(value: Any) -> str:
    """``repr(value)`` cut short for a message: a bad field may hold megabytes,
    nesting or an integer too long to print."""
    try:
        return _REPR.repr(value)
    except ValueError:  # an int beyond the digit limit
        return "a number of thousands of digits"


def _get(label: str, rec: Mapping[str, Any], key: str, kind: type, required: bool = False) -> Any:
    value = rec.get(key)
    if value is None:
        if required:
            raise AwsInputError(f"{label} lacks {key}")
        return None
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok or (kind is str and required and not value):
        expected = {str: "a string", int: "an integer", bool: "a boolean", list: "a list"}.get(
            kind, "an object"
        )
        raise AwsInputError(f"{label}: {key} must be {expected}, not {_shown(value)}")
    return value


def _tags(label: str, rec: Mapping[str, Any], key: str) -> dict[str, str]:
    items = _get(label, rec, key, list) or []
    tags: dict[str, str] = {}
    for i, tag in enumerate(items):
        if not isinstance(tag, Mapping) or not isinstance(tag.get("Key"), str):
            raise AwsInputError(f"{label}: {key}[{i}] must be an object with a string Key")
        value = tag.get("Value")
        tags[tag["Key"]] = "" if value is None else value if isinstance(value, str) else str(value)
    return tags


def _subnet_info(label: str, rec: Mapping[str, Any]) -> SubnetInfo | None:
    """The record's SubnetInfo, or None for an IPv6-only subnet."""
    sid = _get(label, rec, "SubnetId", str, required=True)
    cidr = _get(label, rec, "CidrBlock", str)
    if cidr is None:
        if rec.get("Ipv6Native") or rec.get("Ipv6CidrBlockAssociationSet"):
            return None
        raise AwsInputError(f"{label} lacks CidrBlock")
    return SubnetInfo(
        subnet_id=sid,
        cidr=cidr,
        vpc_id=_get(label, rec, "VpcId", str),
        availability_zone=_get(label, rec, "AvailabilityZone", str),
        availability_zone_id=_get(label, rec, "AvailabilityZoneId", str),
        available_ip_address_count=_get(label, rec, "AvailableIpAddressCount", int),
        state=_get(label, rec, "State", str),
        owner_id=_get(label, rec, "OwnerId", str),
        tags=_tags(label, rec, "Tags"),
    )


def _eni_allocations(
    label: str, rec: Mapping[str, Any]
) -> tuple[list[tuple[str, bool]], list[str]]:
    """Validate an ENI record; return its ``(address, primary)`` pairs and its
    prefixes, in record order (the top-level PrivateIpAddress first when the
    list lacks it)."""
    _get(label, rec, "NetworkInterfaceId", str, required=True)
    _get(label, rec, "SubnetId", str, required=True)
    for key in ("InterfaceType", "Description", "RequesterId", "Status"):
        _get(label, rec, key, str)
    att = _get(label, rec, "Attachment", Mapping)
    if att is not None:
        _get(f"{label}: Attachment", att, "InstanceId", str)
        _get(f"{label}: Attachment", att, "DeviceIndex", int)
    _tags(label, rec, "TagSet")
    addresses: list[tuple[str, bool]] = []
    for i, item in enumerate(_get(label, rec, "PrivateIpAddresses", list) or []):
        where = f"{label}: PrivateIpAddresses[{i}]"
        if not isinstance(item, Mapping):
            raise AwsInputError(f"{where} must be an object")
        addr = _get(where, item, "PrivateIpAddress", str, required=True)
        addresses.append((addr, bool(_get(where, item, "Primary", bool))))
    top = _get(label, rec, "PrivateIpAddress", str)
    if top is not None and all(a != top for a, _ in addresses):
        addresses.insert(0, (top, True))
    prefixes: list[str] = []
    for i, item in enumerate(_get(label, rec, "Ipv4Prefixes", list) or []):
        where = f"{label}: Ipv4Prefixes[{i}]"
        if not isinstance(item, Mapping):
            raise AwsInputError(f"{where} must be an object")
        prefixes.append(_get(where, item, "Ipv4Prefix", str, required=True))
    return addresses, prefixes


class _Eni:
    """One validated describe-network-interfaces record, reduced to what the
    model needs: about 0.5 KB instead of the 2 KB or more of the parsed record with
    its nested objects (a /16's ENI listing holds tens of thousands). Texts
    that repeat (subnet, instance, type, status, description) are shared."""

    __slots__ = (
        "addresses",
        "cls",
        "eni_id",
        "instance",
        "node",
        "prefixes",
        "primaries",
        "subnet_id",
        "texts",
    )

    def __init__(self, rec: Mapping[str, Any], share: Callable[[Any], Any]) -> None:
        """Validate and reduce ``rec``; raises :class:`AwsInputError` (with no
        record label: the caller names the record) as
        :func:`_eni_allocations` does. O(addresses + tags)."""
        addresses, prefixes = _eni_allocations("", rec)
        self.eni_id: str = rec["NetworkInterfaceId"]
        self.subnet_id: str = share(rec["SubnetId"])
        self.addresses: tuple[str, ...] = tuple(a for a, _ in addresses)
        self.primaries: int = sum(1 << i for i, (_, primary) in enumerate(addresses) if primary)
        self.prefixes: tuple[str, ...] = tuple(prefixes)
        cls = eni_class(rec)
        self.cls: str = cls
        self.instance: str | None = share(attached_instance(rec))
        self.node: bool = is_node_evidence(cls, rec)
        self.texts: tuple[str | None, ...] = tuple(share(t) for t in owner_texts(rec))


def _sharer() -> Callable[[Any], Any]:
    """``share(x)``: the first value equal to ``x`` seen by this sharer."""
    shared: dict[Any, Any] = {}

    def share(value: Any) -> Any:
        return shared.setdefault(value, value)

    return share


def _compactor() -> Callable[[dict[str, Any]], Any]:
    """A JSON object hook that reduces each well-formed ENI record to an
    :class:`_Eni` as the decoder builds it, so that the parsed document never
    holds every record's nested objects at once. A record that fails
    validation is left as it is, for :func:`build_state` to report with its
    label."""
    share = _sharer()

    def hook(obj: dict[str, Any]) -> Any:
        if "NetworkInterfaceId" not in obj or "SubnetId" not in obj:
            return obj
        try:
            return _Eni(obj, share)
        except AwsInputError:
            return obj

    return hook


# --------------------------------------------------------------- building


def _mismatch_warning(aws: AwsSubnet, have_reservations: bool) -> AwsWarning | None:
    """The cross-check of EC2's AvailableIpAddressCount against the model:
    None when they agree; ``input-incomplete`` when the input clearly misses
    part of the subnet (:attr:`AwsSubnet.input_incomplete`), else
    ``available-mismatch``."""
    diff = aws.available_difference
    if not diff:
        return None
    reported = aws.reported_available
    model = aws.subnet.available_ip_count()
    sid = aws.subnet_id
    head = (
        f"{sid}: describe-subnets says AvailableIpAddressCount {reported:,}, "
        f"the ENIs and reservations read leave {model:,} available"
    )
    unread = (
        ""
        if have_reservations
        else ", or CIDR reservations not read (their free addresses are not available: "
        "give the get-subnet-cidr-reservations output)"
    )
    if aws.input_incomplete:
        missing, taken = aws.missing_addresses or 0, aws.taken_reported or 0
        return AwsWarning(
            "input-incomplete",
            f"{head}: the input is incomplete: {missing:,} of the {taken:,} addresses EC2 "
            f"counts as taken ({100 * missing // taken}%) are in no ENI or reservation read. "
            "The describe-network-interfaces output is probably not this subnet's (another "
            "region, account or VPC, or a filter that left its ENIs out), or misses the "
            "ENIs AWS manages (save it with --include-managed-resources)"
            f"{unread}. No health band is given: the free /28 count is an upper bound",
            sid,
        )
    if diff < 0:
        text = (
            f"{-diff:,} address{'es' if diff != -1 else ''} in use that these ENIs do not show:"
            " a consumer this listing cannot see (an AWS-managed ENI hidden by default: save "
            "describe-network-interfaces with --include-managed-resources), "
            f"or ENIs created between the calls{unread}"
        )
    else:
        text = (
            f"the ENIs read hold {diff:,} address{'es' if diff != 1 else ''} that AWS counts "
            "as free: ENIs deleted or addresses released between the calls (save "
            "describe-subnets right after describe-network-interfaces)"
        )
    return AwsWarning("available-mismatch", f"{head}: {text}", sid)


def _holders(sub: Subnet, first: int, count: int) -> str:
    """Who holds the addresses ``first .. first+count-1``, grouped by ENI."""
    by_eni: dict[str, list[int]] = {}
    for value in range(first, first + count):
        try:
            owner = sub.owner_of(format_ip(value))
        except NotAllocated:
            continue
        eni = owner.eni_id if owner is not None and owner.eni_id else "an unnamed holder"
        by_eni.setdefault(eni, []).append(value)
    if count == 1:
        return ", ".join(by_eni)
    parts = []
    for eni, values in by_eni.items():
        if len(values) == 1:
            parts.append(f"{eni}: {format_ip(values[0])}")
        else:
            parts.append(f"{eni}: {len(values)} addresses from {format_ip(values[0])}")
    return "; ".join(parts)


def _place_eni(aws: AwsSubnet, label: Callable[[], str], eni: _Eni, nodes: set[str]) -> None:
    """Allocate the ENI's addresses and prefixes in its subnet with their
    owners; a conflict becomes a warning (the first holder is kept)."""
    sub = aws.subnet
    primary_owner, other_owner = owners_from(eni.cls, eni.instance, eni.texts, nodes)
    for i, addr in enumerate(eni.addresses):
        try:
            sub.allocate_ip(addr, owner=primary_owner if eni.primaries >> i & 1 else other_owner)
        except AddressInUse as exc:
            aws.warnings.append(
                AwsWarning(
                    "address-conflict",
                    f"{label()}: {exc} (held by {_holders(sub, parse_ip(addr), 1)}): the first "
                    "holder is kept, this one ignored",
                    aws.subnet_id,
                )
            )
        except SubnetFragError as exc:
            raise AwsInputError(f"{label()}: {exc}") from None
    for prefix in eni.prefixes:
        try:
            sub.allocate_prefix(prefix, owner=other_owner)
        except AddressInUse as exc:
            first = parse_ip(prefix.partition("/")[0])
            aws.warnings.append(
                AwsWarning(
                    "address-conflict",
                    f"{label()}: {exc} (held by {_holders(sub, first, 16)}): the first holder "
                    "is kept, this prefix ignored",
                    aws.subnet_id,
                )
            )
        except SubnetFragError as exc:
            raise AwsInputError(f"{label()}: {exc}") from None
    aws.eni_count += 1


def build_state(
    subnet_pages: Iterable[Page],
    eni_pages: Iterable[Page],
    reservation_pages: Iterable[Page] | None = None,
    *,
    subnet_ids: Iterable[str] | None = None,
    seed: int | None = None,
    source: str = "",
) -> AwsState:
    """Build the state from the pages of the three calls.

    ``subnet_ids`` selects subnets (in that order; each must be in the
    describe-subnets pages, and an IPv6-only one is an error); without it every
    IPv4 subnet is read (an IPv6-only one is skipped with a warning, an error
    when no IPv4 subnet is left). ``seed`` seeds each Subnet's RNG.
    ``reservation_pages`` None means the reservations were not read (the
    cross-check then says that this may explain a difference).

    Raises :class:`AwsInputError` for a shape that is not the call's, a record
    lacking or mistyping a field, a subnet CIDR AWS would refuse, an address or
    prefix that is malformed, outside its subnet or AWS-reserved, reservations
    that overlap. Cost: O(input), about 10 µs per address or prefix in all
    (a /16 with 20,000 addresses: about 0.2 s). Memory: the model, plus a
    reduced record of about 0.5 KB per ENI of the subnets read while placing
    (the ENI records of a file are reduced as they are parsed: see
    :func:`load_files`).
    """
    state = AwsState(source=source)
    infos: dict[str, tuple[str, SubnetInfo | None]] = {}
    order: list[str] = []
    for label, rec in _labelled(subnet_pages, SUBNETS):
        info = _subnet_info(label, rec)
        sid = rec["SubnetId"]
        if sid in infos:
            if infos[sid][1] != info:
                state.warnings.append(
                    AwsWarning(
                        "duplicate-subnet",
                        f"{label}: {sid} is listed twice, with different values: "
                        f"the first ({infos[sid][0]}) is kept",
                        sid,
                    )
                )
            continue
        infos[sid] = (label, info)
        order.append(sid)

    if subnet_ids is not None:
        wanted = list(dict.fromkeys(subnet_ids))
        for sid in wanted:
            if sid not in infos:
                raise AwsInputError(f"subnet {sid} is not in the {SUBNETS} input")
            label, info = infos[sid]
            if info is None:
                raise AwsInputError(
                    f"{label}: {sid} is IPv6-only: IPv6 is not analysed (subnetfrag models "
                    "IPv4 /32 addresses and /28 prefixes)"
                )
    else:
        wanted = []
        for sid in order:
            label, info = infos[sid]
            if info is None:
                state.warnings.append(
                    AwsWarning(
                        "ipv6-only-skipped",
                        f"{label}: {sid} is IPv6-only and was skipped: IPv6 is not analysed",
                        sid,
                    )
                )
            else:
                wanted.append(sid)
        if not wanted:
            if order:
                raise AwsInputError(
                    f"every subnet in the {SUBNETS} input is IPv6-only: IPv6 is not analysed"
                )
            raise AwsInputError(f"the {SUBNETS} input lists no subnet")

    for sid in wanted:
        label, info = infos[sid]
        assert info is not None
        try:
            sub = Subnet(info.cidr, seed=seed, subnet_id=sid)
        except SubnetFragError as exc:
            raise AwsInputError(f"{label}: {exc}") from None
        usable = sub.usable_ip_count()
        count = info.available_ip_address_count
        if count is not None and not 0 <= count <= usable:
            shown = f"{count:,}" if abs(count) < 10**30 else "a number of thousands of digits"
            raise AwsInputError(
                f"{label}: AvailableIpAddressCount must be 0-{usable:,} in {info.cidr}, not {shown}"
            )
        state.subnets[sid] = AwsSubnet(sub, info)

    have_reservations = reservation_pages is not None
    for label, rec in _labelled(reservation_pages or [], RESERVATIONS):
        sid = _get(label, rec, "SubnetId", str, required=True)
        cidr = _get(label, rec, "Cidr", str, required=True)
        kind = _get(label, rec, "ReservationType", str, required=True)
        rid = _get(label, rec, "SubnetCidrReservationId", str)
        aws = state.subnets.get(sid)
        if aws is None:
            continue
        try:
            aws.subnet.reserve(cidr, kind, reservation_id=rid)
        except SubnetFragError as exc:
            raise AwsInputError(f"{label}: {exc}") from None

    # One pass over the ENI records, reduced as they come (those the decoder
    # did not reduce are validated here): who is an EKS node needs every
    # record, so the placing waits for the end of the pass.
    share = _sharer()
    nodes: set[str] = set()
    kept: list[tuple[str, int, _Eni]] = []
    for at, j, item in _records(eni_pages, ENIS):
        if isinstance(item, _Eni):
            eni = item
        else:
            try:
                eni = _Eni(item, share)
            except AwsInputError as exc:
                raise AwsInputError(f"{_label(at, j, item, ENIS)}{exc}") from None
        if eni.node and eni.instance is not None:
            nodes.add(eni.instance)
        if eni.subnet_id in state.subnets:
            kept.append((at, j, eni))
    seen: dict[str, int] = {}
    for n, (at, j, eni) in enumerate(kept):
        aws = state.subnets[eni.subnet_id]
        name = functools.partial(_label, at, j, eni, ENIS)
        first = seen.setdefault(eni.eni_id, n)
        if first != n:
            was = kept[first]
            aws.warnings.append(
                AwsWarning(
                    "duplicate-eni",
                    f"{name()}: {eni.eni_id} is listed twice: the first "
                    f"({_label(*was, ENIS)}) is kept",
                    aws.subnet_id,
                )
            )
            continue
        _place_eni(aws, name, eni, nodes)
    del kept, seen

    for aws in state.subnets.values():
        warning = _mismatch_warning(aws, have_reservations)
        if warning is not None:
            aws.warnings.append(warning)
    return state


def _describe(source: Source | None) -> str:
    if source is None:
        return "-"
    if isinstance(source, list) and source and all(_is_path(s) for s in source):
        return "+".join(os.fspath(s) for s in source)
    if _is_path(source):
        return os.fspath(source)  # type: ignore[arg-type]
    if hasattr(source, "read"):
        return str(getattr(source, "name", "<stream>"))
    return "<data>"


def load_files(
    subnets: Source,
    enis: Source,
    reservations: Source | None = None,
    *,
    subnet_ids: Iterable[str] | None = None,
    seed: int | None = None,
    stdin: IO[Any] | None = None,
) -> AwsState:
    """Read saved AWS CLI (or boto3) output: describe-subnets, describe-network-
    interfaces and, optionally, get-subnet-cidr-reservations. Each source is a
    path, ``"-"`` (standard input, for at most one of them), an open file,
    parsed JSON, or a list of paths; see the module doc for the layouts read.
    ``subnet_ids`` and ``seed`` as in :func:`build_state`.

    Raises :class:`AwsInputError` for unreadable files, malformed JSON, wrong
    shapes and bad records (the message names the file and the record), and
    when more than one source is ``"-"``. Cost: as :func:`build_state`, plus
    reading and parsing the JSON. Memory: each describe-network-interfaces
    record read from text is reduced to a small record as the decoder builds
    it, so the peak is about the file's text plus the model (docs/performance.md,
    ``bench_ingest``), not the whole parsed document.
    """
    given = [s for s in (subnets, enis, reservations) if s is not None]
    if sum(1 for s in given if isinstance(s, str) and s == "-") > 1:
        raise AwsInputError("only one input can be read from standard input ('-')")
    sub_pages = read_pages(subnets, SUBNETS, stdin=stdin)
    eni_pages = _read_pages(enis, ENIS, stdin, compact=True)
    res_pages = (
        None if reservations is None else read_pages(reservations, RESERVATIONS, stdin=stdin)
    )
    names = [_describe(subnets), _describe(enis)]
    if reservations is not None:
        names.append(_describe(reservations))
    return build_state(
        sub_pages,
        eni_pages,
        res_pages,
        subnet_ids=subnet_ids,
        seed=seed,
        source="files: " + ", ".join(names),
    )
