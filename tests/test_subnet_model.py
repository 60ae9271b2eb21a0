"""Stateful property test: :class:`Subnet` against a trivially correct model.

The model is a bytearray with one byte per address (free, allocated /32, inside an
allocated /28, AWS-reserved), a second one naming the reservation kind that covers
each address, and a dict of reservations. Every rule drives the subnet and the
model with the same operation, valid or not; an invalid one must raise exactly the
error the issue names and change nothing (``to_dict()`` before and after, RNG state
included). After every step the invariant compares every count, the free extents,
the allocations, the reservations, membership and owners for a sample, and runs
the core's own ``_check()``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import netaddr
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

import subnetfrag as sf
from subnetfrag.owner import OWNER_CLASSES, Owner

# Model address states.
M_FREE, M_IP, M_PFX, M_AWS = 0, 1, 2, 3
# Model reservation kinds per address.
K_NONE, K_PREFIX, K_EXPLICIT = 0, 1, 2
KIND_CODE = {"prefix": K_PREFIX, "explicit": K_EXPLICIT}
BLOCK = 16
ZERO_BLOCK = bytes(BLOCK)
TOP = (1 << 32) - 1

# Subnet sizes, biased toward small ones so that exhaustion happens.
PLENS = [28, 27, 26, 26, 25, 25, 24, 24, 24, 23, 22, 21, 20]
POLICY_ARG = st.sampled_from([None, "lowest", "random", "pack"])
OWNERS = st.none() | st.builds(
    Owner,
    eni_id=st.none() | st.from_regex(r"eni-[0-9a-f]{8}", fullmatch=True),
    instance_id=st.none() | st.from_regex(r"i-[0-9a-f]{8}", fullmatch=True),
    interface_type=st.none() | st.sampled_from(["interface", "lambda", "network_load_balancer"]),
    owner_class=st.sampled_from(OWNER_CLASSES),
    primary=st.booleans(),
    description=st.none() | st.text(max_size=8),
    requester_id=st.none() | st.just("amazon-elb"),
)
RESERVATION_IDS = st.none() | st.from_regex(r"scr-[0-9a-f]{6}", fullmatch=True)

# What the library must accept as IPv4 text: a strict dotted quad (no leading
# zeros), optionally "/" and one or two ASCII digits up to 32, surrounding
# whitespace ignored. Anything else is garbage.
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4_TEXT = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(/([0-9]{{1,2}}))?", re.ASCII)


def parses_as_ipv4(text: str) -> bool:
    m = _IPV4_TEXT.fullmatch(text.strip())
    return m is not None and (m.group(6) is None or int(m.group(6)) <= 32)


GARBAGE = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "hello",
            "10.0.0",
            "10.0.0.256",
            "10.0.0.1.2",
            "010.0.0.1",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/100",
            "10.0.0.0/-1",
            "10.0.0.0/ 28",
            "10.0.0.0/28/28",
            "10.0.0.0/²",
            "10.0.0.0/٢٨",
            "10.0.0.0/255.255.255.240",
            "10.0.0.1\x00",
            "::1",
            "fe80::1/64",
            "::ffff:10.0.0.1",
            0,
            167772161,
            1.5,
            b"10.0.0.1",
            ["10.0.0.1"],
            ("10.0.0.0", 28),
            netaddr.IPAddress("::1"),
            netaddr.IPNetwork("2001:db8::/64"),
            netaddr.IPRange("10.0.0.1", "10.0.0.5"),
        ]
    ),
    st.text(alphabet="0123456789./: x²٢", max_size=18).filter(lambda t: not parses_as_ipv4(t)),
)


def fmt(value: int) -> str:
    return str(netaddr.IPAddress(value, 4))


def names(message: str, value: object) -> bool:
    """Whether an error message names the offending value (or, for text, its
    address part)."""
    if isinstance(value, str):
        text = value.strip()
        parts = {text, repr(text), repr(value), text.partition("/")[0]}
        parts |= {repr(p) for p in list(parts)}
        return any(p in message for p in parts if p)
    return str(value) in message or repr(value) in message


class Model:
    """The trivially correct model of a subnet."""

    def __init__(self, first: int, plen: int, policy: str) -> None:
        self.first = first
        self.plen = plen
        self.size = 1 << (32 - plen)
        self.nblocks = self.size // BLOCK
        self.policy = policy
        self.state = bytearray(self.size)
        for off in (0, 1, 2, 3, self.size - 1):
            self.state[off] = M_AWS
        self.kind = bytearray(self.size)
        self.resv: dict[int, tuple[int, str, str | None]] = {}  # lo -> (hi, kind, id)
        self.owners: dict[int, Owner] = {}
        self._version = 0
        self._cache: dict[str, Any] = {}
        self._cache_version = -1

    # --------------------------------------------------------- mutations
    def touch(self) -> None:
        self._version += 1

    def take_ip(self, off: int, owner: Owner | None) -> None:
        assert self.state[off] == M_FREE
        self.state[off] = M_IP
        if owner is not None:
            self.owners[off] = owner
        self.touch()

    def take_block(self, block: int, owner: Owner | None) -> None:
        lo = block * BLOCK
        assert self.state[lo : lo + BLOCK] == ZERO_BLOCK
        self.state[lo : lo + BLOCK] = bytes([M_PFX]) * BLOCK
        if owner is not None:
            self.owners[lo] = owner
        self.touch()

    def release(self, off: int) -> None:
        if self.state[off] == M_IP:
            self.state[off] = M_FREE
        else:
            assert self.state[off] == M_PFX and off % BLOCK == 0
            self.state[off : off + BLOCK] = ZERO_BLOCK
        self.owners.pop(off, None)
        self.touch()

    def reserve(self, lo: int, hi: int, kind: str, rid: str | None) -> None:
        assert not self.overlapping(lo, hi)
        self.resv[lo] = (hi, kind, rid)
        self.kind[lo:hi] = bytes([KIND_CODE[kind]]) * (hi - lo)
        self.touch()

    def unreserve(self, lo: int) -> tuple[int, str, str | None]:
        hi, kind, rid = self.resv.pop(lo)
        self.kind[lo:hi] = bytes(hi - lo)
        self.touch()
        return hi, kind, rid

    # ------------------------------------------------------------ queries
    def overlapping(self, lo: int, hi: int) -> list[int]:
        return sorted(s for s, (e, _, _) in self.resv.items() if s < hi and lo < e)

    def _derived(self) -> dict[str, Any]:
        if self._cache_version == self._version:
            return self._cache
        st_, kd = self.state, self.kind
        eligible = [o for o in range(self.size) if not st_[o] and not kd[o]]
        candidates = []
        for b in range(self.nblocks):
            lo = b * BLOCK
            if st_[lo : lo + BLOCK] == ZERO_BLOCK and K_EXPLICIT not in kd[lo : lo + BLOCK]:
                candidates.append(b)
        inside_prefix = set()
        for lo, (hi, kind, _) in self.resv.items():
            if kind == "prefix" and hi - lo >= BLOCK:
                inside_prefix.update(range(lo // BLOCK, hi // BLOCK))
        preferred = [b for b in candidates if b in inside_prefix]
        self._cache = {
            "eligible": eligible,
            "candidates": candidates,
            "preferred": preferred,
            "nfree": self.state.count(M_FREE),
        }
        self._cache_version = self._version
        return self._cache

    @property
    def eligible(self) -> list[int]:
        """Free addresses outside every reservation, in order."""
        return self._derived()["eligible"]  # type: ignore[no-any-return]

    @property
    def candidates(self) -> list[int]:
        """Blocks an automatic allocate_prefix could take, in order."""
        return self._derived()["candidates"]  # type: ignore[no-any-return]

    @property
    def preferred(self) -> list[int]:
        """Candidates wholly inside one prefix reservation, in order."""
        return self._derived()["preferred"]  # type: ignore[no-any-return]

    @property
    def nfree(self) -> int:
        return self._derived()["nfree"]  # type: ignore[no-any-return]

    def free_runs(self) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in re.finditer(b"\x00+", bytes(self.state))]

    def allocations(self) -> list[tuple[int, int]]:
        out = []
        for off, s in enumerate(self.state):
            if s == M_IP:
                out.append((off, 32))
            elif s == M_PFX and off % BLOCK == 0:
                out.append((off, 28))
        return out

    def allocation_start(self, off: int) -> int | None:
        s = self.state[off]
        if s == M_IP:
            return off
        if s == M_PFX:
            return off - off % BLOCK
        return None

    def outside_values(self) -> list[int]:
        """Some IPv4 values just outside the subnet (and far away)."""
        lo, hi = self.first, self.first + self.size
        vals = [lo - 1, lo - 16, lo - self.size, hi, hi + 15, hi + self.size, 0, TOP]
        return sorted({v for v in vals if 0 <= v <= TOP and not lo <= v < hi})


def runs(blocks: list[int]) -> list[tuple[int, int]]:
    """Runs ``(first, length)`` of consecutive integers in the sorted list."""
    out: list[tuple[int, int]] = []
    for b in blocks:
        if out and out[-1][0] + out[-1][1] == b:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((b, 1))
    return out


def as_network_arg(value: int, plen: int, form: str) -> object:
    if form == "str":
        return f"{fmt(value)}/{plen}"
    if form == "bare" and plen == 32:
        return fmt(value)
    if form == "ipaddress" and plen == 32:
        return netaddr.IPAddress(value, 4)
    return netaddr.IPNetwork((value, plen), version=4)


class SubnetMachine(RuleBasedStateMachine):
    subnet: sf.Subnet
    model: Model

    def __init__(self) -> None:
        super().__init__()
        self.steps = 0

    # ---------------------------------------------------------------- setup

    @initialize(
        plen=st.sampled_from(PLENS),
        raw=st.integers(0, TOP),
        canonical=st.booleans(),
        as_object=st.booleans(),
        seed=st.integers(0, 2**64),
        policy=st.sampled_from(["random", "lowest", "pack"]),
        subnet_id=st.none() | st.just("subnet-0abc"),
    )
    def create(
        self,
        plen: int,
        raw: int,
        canonical: bool,
        as_object: bool,
        seed: int,
        policy: str,
        subnet_id: str | None,
    ) -> None:
        first = raw & ~((1 << (32 - plen)) - 1)
        shown = first if canonical else raw
        cidr: object = f"{fmt(shown)}/{plen}"
        if as_object:
            cidr = netaddr.IPNetwork((shown, plen), version=4)
        self.subnet = sf.Subnet(cidr, seed=seed, policy=policy, subnet_id=subnet_id)  # type: ignore[arg-type]
        assert self.subnet.cidr == netaddr.IPNetwork((first, plen), version=4)
        assert str(self.subnet.cidr) == f"{fmt(first)}/{plen}"
        assert self.subnet.first == first and self.subnet.prefixlen == plen
        assert self.subnet.policy == policy and self.subnet.subnet_id == subnet_id
        self.model = Model(first, plen, policy)

    # -------------------------------------------------------------- helpers

    def effective(self, policy: str | None) -> str:
        return self.model.policy if policy is None else policy

    def expect_error(
        self, exc_type: type[Exception], fn: Callable[..., object], *args: Any, **kw: Any
    ) -> Exception:
        """Call ``fn``: it must raise exactly ``exc_type`` and change nothing."""
        event(f"{fn.__name__}: {exc_type.__name__}")
        before = self.subnet.to_dict()
        try:
            result = fn(*args, **kw)
        except Exception as exc:  # the type is checked exactly below
            assert type(exc) is exc_type, (
                f"{fn.__name__}{args}{kw} raised {type(exc).__name__}: {exc}, "
                f"expected {exc_type.__name__}"
            )
            assert isinstance(exc, sf.SubnetFragError)
            assert str(exc)
            assert self.subnet.to_dict() == before, "a failed call changed the state"
            return exc
        raise AssertionError(f"{fn.__name__}{args}{kw} returned {result!r}, expected {exc_type}")

    def check_address_choice(self, off: int, eligible: list[int], policy: str) -> None:
        assert off in set(eligible), f"{policy} chose offset {off}, not eligible"
        if policy == "lowest":
            assert off == eligible[0], (off, eligible[0])
        elif policy == "pack":
            per_block: dict[int, list[int]] = {}
            for o in eligible:
                per_block.setdefault(o // BLOCK, []).append(o)
            best = min(per_block, key=lambda b: (len(per_block[b]), b))
            assert off == per_block[best][0], (off, per_block[best][0])

    def check_block_choice(self, block: int, policy: str) -> None:
        m = self.model
        tier = m.preferred or m.candidates
        event(f"auto prefix {policy}: {'preferred' if m.preferred else 'general'} tier")
        assert block in tier, f"{policy} chose block {block}, not in {tier}"
        if policy == "lowest":
            assert block == tier[0], (block, tier[0])
        elif policy == "pack":
            first, _ = min(runs(tier), key=lambda r: (r[1], r[0]))
            assert block == first, (block, first, runs(tier))

    def auto_ip(self, policy: str | None, owner: Owner | None) -> None:
        eligible = self.model.eligible
        addr = self.subnet.allocate_ip(policy=policy, owner=owner)
        assert isinstance(addr, netaddr.IPAddress) and addr.version == 4
        off = int(addr) - self.model.first
        self.check_address_choice(off, eligible, self.effective(policy))
        self.model.take_ip(off, owner)

    def auto_prefix(self, policy: str | None, owner: Owner | None) -> None:
        net = self.subnet.allocate_prefix(policy=policy, owner=owner)
        assert isinstance(net, netaddr.IPNetwork) and net.prefixlen == 28
        off = net.value - self.model.first
        assert off % BLOCK == 0 and 0 <= off < self.model.size
        self.check_block_choice(off // BLOCK, self.effective(policy))
        self.model.take_block(off // BLOCK, owner)

    # ------------------------------------------------------ automatic /32

    @precondition(lambda self: self.model.eligible)
    @rule(policy=POLICY_ARG, owner=OWNERS)
    def allocate_ip_auto(self, policy: str | None, owner: Owner | None) -> None:
        self.auto_ip(policy, owner)

    @rule(policy=POLICY_ARG, count=st.integers(1, 40), prefixes=st.booleans())
    def allocate_many(self, policy: str | None, count: int, prefixes: bool) -> None:
        """Allocate until ``count`` or exhaustion: reaches the full states."""
        for _ in range(count):
            if prefixes and self.model.candidates:
                self.auto_prefix(policy, None)
            elif not prefixes and self.model.eligible:
                self.auto_ip(policy, None)
            else:
                break

    @precondition(lambda self: not self.model.eligible)
    @rule(policy=POLICY_ARG)
    def allocate_ip_none_left(self, policy: str | None) -> None:
        exc = self.expect_error(
            sf.InsufficientFreeAddresses, self.subnet.allocate_ip, policy=policy
        )
        msg = str(exc)
        assert str(self.subnet.cidr) in msg
        if self.model.nfree:
            assert f"{self.model.nfree:,} free" in msg, msg

    # ------------------------------------------------------ automatic /28

    @precondition(lambda self: self.model.candidates)
    @rule(policy=POLICY_ARG, owner=OWNERS)
    def allocate_prefix_auto(self, policy: str | None, owner: Owner | None) -> None:
        self.auto_prefix(policy, owner)

    @precondition(lambda self: not self.model.candidates)
    @rule(policy=POLICY_ARG)
    def allocate_prefix_none_left(self, policy: str | None) -> None:
        exc = self.expect_error(
            sf.InsufficientCidrBlocks, self.subnet.allocate_prefix, policy=policy
        )
        msg = str(exc)
        m = self.model
        longest = max((hi - lo for lo, hi in m.free_runs()), default=0)
        assert msg.startswith(f"no free aligned /28 in {self.subnet.cidr}: "), msg
        assert f"{m.nfree:,} free addresses, largest free run {longest:,}" in msg, msg

    # ------------------------------------------------------- explicit /32

    @rule(data=st.data(), owner=OWNERS, policy=POLICY_ARG)
    def allocate_ip_explicit(self, data: st.DataObject, owner: Owner | None, policy: Any) -> None:
        m = self.model
        used = [o for o, s in enumerate(m.state) if s in (M_IP, M_PFX)]
        choices = [st.integers(0, m.size - 1).map(lambda o: m.first + o)]
        choices.append(st.sampled_from(m.outside_values()))
        choices.append(st.sampled_from([0, 1, 2, 3, m.size - 1]).map(lambda o: m.first + o))
        if used:
            choices.append(st.sampled_from(used).map(lambda o: m.first + o))
        if m.eligible:
            choices.append(st.sampled_from(m.eligible).map(lambda o: m.first + o))
        value = data.draw(st.one_of(choices))
        arg: object = data.draw(
            st.sampled_from([fmt(value), f" {fmt(value)} ", netaddr.IPAddress(value, 4)])
        )
        off = value - m.first
        if not 0 <= off < m.size:
            exc = self.expect_error(sf.OutOfSubnet, self.subnet.allocate_ip, arg, policy=policy)
        elif m.state[off] == M_AWS:
            exc = self.expect_error(sf.ReservedAddress, self.subnet.allocate_ip, arg, policy=policy)
        elif m.state[off] != M_FREE:
            exc = self.expect_error(sf.AddressInUse, self.subnet.allocate_ip, arg, policy=policy)
            if m.state[off] == M_PFX:
                block = netaddr.IPNetwork((value - off % BLOCK, 28), version=4)
                assert str(block) in str(exc), str(exc)
        else:
            got = self.subnet.allocate_ip(arg, policy=policy, owner=owner)  # type: ignore[arg-type]
            assert got == netaddr.IPAddress(value, 4)
            m.take_ip(off, owner)
            event("allocate_ip explicit: ok")
            return
        assert names(str(exc), arg), (str(exc), arg)

    # ------------------------------------------------------- explicit /28

    @rule(data=st.data(), owner=OWNERS, policy=POLICY_ARG)
    def allocate_prefix_explicit(
        self, data: st.DataObject, owner: Owner | None, policy: Any
    ) -> None:
        m = self.model
        aligned = st.integers(0, m.nblocks - 1).map(lambda b: m.first + b * BLOCK)
        choices = [aligned, aligned, st.integers(0, m.size - 1).map(lambda o: m.first + o)]
        # the first and the last block hold AWS-reserved addresses
        choices.append(st.sampled_from([m.first, m.first + m.size - BLOCK]))
        choices.append(st.sampled_from(m.outside_values()).map(lambda v: v & ~(BLOCK - 1)))
        if m.candidates:
            choices.append(st.sampled_from(m.candidates).map(lambda b: m.first + b * BLOCK))
        value = data.draw(st.one_of(choices))
        plen = data.draw(st.sampled_from([28, 28, 28, 28, 27, 29, 32, 24, 0]))
        arg = as_network_arg(value, plen, data.draw(st.sampled_from(["str", "obj", "ipaddress"])))
        if isinstance(arg, netaddr.IPAddress):
            plen = 32
        off = value - m.first
        if plen != 28 or off % BLOCK:
            exc = self.expect_error(
                sf.InvalidPrefix, self.subnet.allocate_prefix, arg, policy=policy
            )
        elif not 0 <= off < m.size:
            exc = self.expect_error(sf.OutOfSubnet, self.subnet.allocate_prefix, arg, policy=policy)
        elif M_AWS in m.state[off : off + BLOCK]:
            exc = self.expect_error(
                sf.ReservedAddress, self.subnet.allocate_prefix, arg, policy=policy
            )
        elif m.state[off : off + BLOCK] != ZERO_BLOCK:
            exc = self.expect_error(
                sf.AddressInUse, self.subnet.allocate_prefix, arg, policy=policy
            )
        else:
            got = self.subnet.allocate_prefix(arg, policy=policy, owner=owner)  # type: ignore[arg-type]
            assert got == netaddr.IPNetwork((value, 28), version=4)
            assert isinstance(got, netaddr.IPNetwork)
            m.take_block(off // BLOCK, owner)
            event("allocate_prefix explicit: ok")
            return
        assert names(str(exc), arg), (str(exc), arg)

    # ------------------------------------------------------------- release

    @rule(data=st.data(), again=st.booleans())
    def release(self, data: st.DataObject, again: bool) -> None:
        m = self.model
        allocs = m.allocations()
        ips = [off for off, plen in allocs if plen == 32]
        prefixes = [off for off, plen in allocs if plen == 28]
        targets = ["anywhere", "outside"]
        if allocs:
            targets += ["allocation"] * 4 + ["allocation, other length"]
        if prefixes:
            targets += ["inside a prefix", "a prefix's first address"]
        if ips:
            targets.append("an address as a /28")
        target = data.draw(st.sampled_from(targets))
        if target == "allocation":
            off, plen = data.draw(st.sampled_from(allocs))
        elif target == "allocation, other length":
            off, plen = data.draw(st.sampled_from(allocs))
            plen = data.draw(st.sampled_from([p for p in (32, 31, 29, 28, 27, 0) if p != plen]))
        elif target == "inside a prefix":
            off = data.draw(st.sampled_from(prefixes)) + data.draw(st.integers(1, BLOCK - 1))
            plen = data.draw(st.sampled_from([32, 28, 30]))
        elif target == "a prefix's first address":
            off, plen = data.draw(st.sampled_from(prefixes)), 32
        elif target == "an address as a /28":
            off, plen = data.draw(st.sampled_from(ips)), 28
        elif target == "anywhere":
            off = data.draw(st.integers(0, m.size - 1))
            plen = data.draw(st.sampled_from([32, 28, 32, 28, 30, 24]))
        else:
            off = data.draw(st.sampled_from(m.outside_values())) - m.first
            plen = data.draw(st.sampled_from([32, 28]))
        value = m.first + off
        form = data.draw(st.sampled_from(["str", "obj", "bare", "ipaddress"]))
        arg = as_network_arg(value, plen, form)
        valid = 0 <= off < m.size and (
            (plen == 32 and m.state[off] == M_IP)
            or (plen == 28 and off % BLOCK == 0 and m.state[off] == M_PFX)
        )
        event(f"release {target}: {'ok' if valid else 'NotAllocated'}")
        if not valid:
            exc = self.expect_error(sf.NotAllocated, self.subnet.release, arg)
            assert names(str(exc), str(arg)), (str(exc), arg)
            return
        self.subnet.release(arg)  # type: ignore[arg-type]
        m.release(off)
        with pytest.raises(sf.NotAllocated):
            self.subnet.owner_of(netaddr.IPAddress(value, 4))
        if again:  # the same again, without an owner: the old owner is gone
            if plen == 32:
                self.subnet.allocate_ip(fmt(value))
                m.take_ip(off, None)
            else:
                self.subnet.allocate_prefix(f"{fmt(value)}/28")
                m.take_block(off // BLOCK, None)
            assert self.subnet.owner_of(netaddr.IPAddress(value, 4)) is None

    # ------------------------------------------------------ the integer door

    def door_offsets(self, data: st.DataObject) -> int:
        """An offset for the door: inside, AWS-reserved, allocated, eligible,
        or outside the subnet (negative, past the end, far away)."""
        m = self.model
        used = [o for o, s in enumerate(m.state) if s in (M_IP, M_PFX)]
        choices = [
            st.integers(0, m.size - 1),
            st.sampled_from([0, 1, 2, 3, m.size - 1]),
            st.sampled_from([-1, -BLOCK, m.size, m.size + BLOCK, 2**40, -(2**40)]),
        ]
        if used:
            choices.append(st.sampled_from(used))
        if m.eligible:
            choices.append(st.sampled_from(m.eligible))
        if m.candidates:
            choices.append(st.sampled_from(m.candidates).map(lambda b: b * BLOCK))
        return data.draw(st.one_of(choices))

    @rule(data=st.data(), policy=POLICY_ARG, owner=OWNERS)
    def door_allocate_ip(
        self, data: st.DataObject, policy: str | None, owner: Owner | None
    ) -> None:
        m = self.model
        if data.draw(st.booleans()):  # automatic
            if not m.eligible:
                self.expect_error(
                    sf.InsufficientFreeAddresses, self.subnet.allocate_ip_offset, policy=policy
                )
                return
            eligible = m.eligible
            off = self.subnet.allocate_ip_offset(policy=policy, owner=owner)
            assert type(off) is int
            self.check_address_choice(off, eligible, self.effective(policy))
            m.take_ip(off, owner)
            return
        off = self.door_offsets(data)
        fn = self.subnet.allocate_ip_offset
        if not 0 <= off < m.size:
            self.expect_error(sf.OutOfSubnet, fn, off, policy=policy)
        elif m.state[off] == M_AWS:
            self.expect_error(sf.ReservedAddress, fn, off, policy=policy)
        elif m.state[off] != M_FREE:
            self.expect_error(sf.AddressInUse, fn, off, policy=policy)
        else:
            assert fn(off, policy=policy, owner=owner) == off
            m.take_ip(off, owner)
            event("door allocate_ip explicit: ok")

    @rule(data=st.data(), policy=POLICY_ARG, owner=OWNERS)
    def door_allocate_prefix(
        self, data: st.DataObject, policy: str | None, owner: Owner | None
    ) -> None:
        m = self.model
        fn = self.subnet.allocate_prefix_offset
        if data.draw(st.booleans()):  # automatic
            if not m.candidates:
                exc = self.expect_error(sf.InsufficientCidrBlocks, fn, policy=policy)
                longest = max((hi - lo for lo, hi in m.free_runs()), default=0)
                assert f"{m.nfree:,} free addresses, largest free run {longest:,}" in str(exc)
                return
            off = fn(policy=policy, owner=owner)
            assert type(off) is int and off % BLOCK == 0
            self.check_block_choice(off // BLOCK, self.effective(policy))
            m.take_block(off // BLOCK, owner)
            return
        off = self.door_offsets(data)
        if off % BLOCK:
            self.expect_error(sf.InvalidPrefix, fn, off, policy=policy)
        elif not 0 <= off < m.size:
            self.expect_error(sf.OutOfSubnet, fn, off, policy=policy)
        elif M_AWS in m.state[off : off + BLOCK]:
            self.expect_error(sf.ReservedAddress, fn, off, policy=policy)
        elif m.state[off : off + BLOCK] != ZERO_BLOCK:
            self.expect_error(sf.AddressInUse, fn, off, policy=policy)
        else:
            assert fn(off, policy=policy, owner=owner) == off
            m.take_block(off // BLOCK, owner)
            event("door allocate_prefix explicit: ok")

    @rule(data=st.data())
    def door_release(self, data: st.DataObject) -> None:
        m = self.model
        allocs = [off for off, _ in m.allocations()]
        off = data.draw(st.sampled_from(allocs)) if allocs and data.draw(st.booleans()) else None
        if off is None:
            off = self.door_offsets(data)
        start = m.allocation_start(off) if 0 <= off < m.size else None
        if start != off:
            self.expect_error(sf.NotAllocated, self.subnet.release_offset, off)
            return
        self.subnet.release_offset(off)
        m.release(off)
        event("door release: ok")

    # -------------------------------------------------------- reservations

    @rule(
        data=st.data(),
        kind=st.sampled_from(["prefix", "explicit"] * 4 + ["Prefix", "", "both", None, ["x"]]),
        rid=RESERVATION_IDS,
    )
    def reserve(self, data: st.DataObject, kind: Any, rid: str | None) -> None:
        m = self.model
        plen = data.draw(
            st.one_of(
                st.integers(max(m.plen, 24), 32),
                st.integers(max(m.plen - 2, 0), 32),
                st.sampled_from([p for p in (26, 27, 28) if p >= m.plen]),
            )
        )
        size = 1 << (32 - plen)
        values = [
            st.integers(0, m.size - 1).map(lambda o: m.first + o),
            st.sampled_from(m.outside_values()),
        ]
        if m.candidates:  # around a free block: makes the preferred tier
            values.append(st.sampled_from(m.candidates).map(lambda b: m.first + b * BLOCK))
        if m.eligible:  # at the lowest free address: "lowest" must then skip it
            values.append(st.just(m.first + m.eligible[0]))
        value = data.draw(st.one_of(values))
        canonical = data.draw(st.booleans())
        network = value & ~(size - 1)
        shown = network if canonical else value
        arg = as_network_arg(shown, plen, data.draw(st.sampled_from(["str", "obj"])))
        lo, hi = network - m.first, network - m.first + size
        if kind not in ("prefix", "explicit"):
            exc = self.expect_error(sf.InvalidReservationKind, self.subnet.reserve, arg, kind)
            assert repr(kind) in str(exc), str(exc)
            return
        if lo < 0 or hi > m.size:
            exc = self.expect_error(sf.OutOfSubnet, self.subnet.reserve, arg, kind)
            assert names(str(exc), str(arg)), (str(exc), arg)
            return
        hits = m.overlapping(lo, hi)
        if hits:
            exc = self.expect_error(sf.ReservationConflict, self.subnet.reserve, arg, kind)
            h = hits[0]
            other = netaddr.IPNetwork(
                (m.first + h, 32 - (m.resv[h][0] - h).bit_length() + 1), version=4
            )
            assert str(other) in str(exc) and names(str(exc), str(arg)), (str(exc), other)
            return
        res = self.subnet.reserve(arg, kind, reservation_id=rid)  # type: ignore[arg-type]
        assert res == sf.Reservation(netaddr.IPNetwork((network, plen), version=4), kind, rid)
        m.reserve(lo, hi, kind, rid)
        event(f"reserve: ok, {'smaller' if hi - lo < BLOCK else 'at least'} a /28")

    @precondition(lambda self: self.model.resv)
    @rule(data=st.data(), form=st.sampled_from(["str", "obj", "non-canonical"]))
    def unreserve_existing(self, data: st.DataObject, form: str) -> None:
        m = self.model
        lo = data.draw(st.sampled_from(sorted(m.resv)))
        hi, kind, rid = m.resv[lo]
        plen = 33 - (hi - lo).bit_length()
        value = m.first + lo
        if form == "non-canonical":
            value += data.draw(st.integers(0, hi - lo - 1))
        arg = as_network_arg(value, plen, "obj" if form == "obj" else "str")
        res = self.subnet.unreserve(arg)  # type: ignore[arg-type]
        assert res == sf.Reservation(netaddr.IPNetwork((m.first + lo, plen), version=4), kind, rid)
        m.unreserve(lo)
        event("unreserve existing: ok")

    @rule(data=st.data())
    def unreserve(self, data: st.DataObject) -> None:
        m = self.model
        choices = [
            st.tuples(
                st.integers(0, m.size - 1).map(lambda o: m.first + o),
                st.integers(max(m.plen - 1, 0), 32),
            ),
            st.tuples(st.sampled_from(m.outside_values()), st.integers(20, 32)),
        ]
        if m.resv:
            existing = st.sampled_from(sorted(m.resv)).map(
                lambda lo: (m.first + lo, 33 - (m.resv[lo][0] - lo).bit_length())
            )
            choices += [existing] * 4
            # a neighbour of an existing one: bigger, smaller, shifted
            near = st.tuples(existing, st.sampled_from([-1, 1])).map(
                lambda t: (t[0][0], min(32, max(0, t[0][1] + t[1])))
            )
            choices.append(near)
        value, plen = data.draw(st.one_of(choices))
        network = value & ~((1 << (32 - plen)) - 1)
        arg = as_network_arg(value, plen, data.draw(st.sampled_from(["str", "obj"])))
        lo = network - m.first
        hi = lo + (1 << (32 - plen))
        if lo in m.resv and m.resv[lo][0] == hi:
            _, kind, rid = m.resv[lo]
            res = self.subnet.unreserve(arg)  # type: ignore[arg-type]
            assert res == sf.Reservation(netaddr.IPNetwork((network, plen), version=4), kind, rid)
            m.unreserve(lo)
            event("unreserve: ok")
        else:
            exc = self.expect_error(sf.UnknownReservation, self.subnet.unreserve, arg)
            assert names(str(exc), str(arg)), (str(exc), arg)

    # -------------------------------------------------------- bad arguments

    @rule(
        garbage=GARBAGE,
        op=st.sampled_from(
            ["allocate_ip", "allocate_prefix", "release", "reserve", "unreserve", "owner_of", "in"]
        ),
    )
    def garbage_argument(self, garbage: Any, op: str) -> None:
        s = self.subnet
        if op == "allocate_ip":
            exc = self.expect_error(sf.InvalidCidr, s.allocate_ip, garbage)
        elif op == "allocate_prefix":
            exc = self.expect_error(sf.InvalidCidr, s.allocate_prefix, garbage)
        elif op == "release":
            exc = self.expect_error(sf.NotAllocated, s.release, garbage)
        elif op == "reserve":
            exc = self.expect_error(sf.InvalidCidr, s.reserve, garbage, "prefix")
        elif op == "unreserve":
            exc = self.expect_error(sf.InvalidCidr, s.unreserve, garbage)
        elif op == "owner_of":
            exc = self.expect_error(sf.NotAllocated, s.owner_of, garbage)
        else:
            exc = self.expect_error(sf.InvalidCidr, s.__contains__, garbage)
        assert names(str(exc), garbage), (str(exc), garbage)

    @rule(
        bad=st.sampled_from(["bogus", "Lowest", "", 3, object()]),
        prefix=st.booleans(),
        explicit=st.booleans(),
    )
    def unknown_policy(self, bad: Any, prefix: bool, explicit: bool) -> None:
        m = self.model
        if prefix:
            arg = f"{fmt(m.first + (m.nblocks - 1) * BLOCK)}/28" if explicit else None
            self.expect_error(sf.UnknownPolicy, self.subnet.allocate_prefix, arg, policy=bad)
        else:
            arg = fmt(m.first + m.size // 2) if explicit else None
            self.expect_error(sf.UnknownPolicy, self.subnet.allocate_ip, arg, policy=bad)

    @precondition(lambda self: self.model.candidates)
    @rule(data=st.data(), kind=st.sampled_from(["prefix", "prefix", "explicit"]))
    def reserve_around_a_free_block(self, data: st.DataObject, kind: str) -> None:
        """A reservation of one or more whole blocks around a free one: makes
        the preferred tier (and explicit exclusions) common."""
        m = self.model
        block = data.draw(st.sampled_from(m.candidates))
        plen = data.draw(st.integers(max(m.plen, 25), 28))
        size = 1 << (32 - plen)
        lo = block * BLOCK // size * size
        arg = f"{fmt(m.first + lo)}/{plen}"
        if m.overlapping(lo, lo + size):
            self.expect_error(sf.ReservationConflict, self.subnet.reserve, arg, kind)
            return
        self.subnet.reserve(arg, kind)
        m.reserve(lo, lo + size, kind, None)

    # ---------------------------------------------------------- round trip

    @rule(try_prefix=st.booleans())
    def json_round_trip(self, try_prefix: bool) -> None:
        m = self.model
        before = self.subnet.to_dict()
        text = json.dumps(before)
        reloaded = sf.Subnet.from_dict(json.loads(text))
        assert reloaded.to_dict() == before
        assert reloaded.policy == self.subnet.policy
        assert reloaded.subnet_id == self.subnet.subnet_id
        assert reloaded.reservations() == self.subnet.reservations()
        # The RNG state survived: the next random allocation is the same on both.
        if try_prefix and m.candidates:
            a = self.subnet.allocate_prefix(policy="random")
            b = reloaded.allocate_prefix(policy="random")
            assert a == b
            self.check_block_choice((b.value - m.first) // BLOCK, "random")
            m.take_block((b.value - m.first) // BLOCK, None)
        elif m.eligible:
            a = self.subnet.allocate_ip(policy="random")
            b = reloaded.allocate_ip(policy="random")
            assert a == b
            self.check_address_choice(int(b) - m.first, m.eligible, "random")
            m.take_ip(int(b) - m.first, None)
        assert reloaded.to_dict() == self.subnet.to_dict()
        self.subnet = reloaded

    # ----------------------------------------------------------- invariant

    @invariant()
    def agrees_with_model(self) -> None:
        self.steps += 1
        s, m = self.subnet, self.model
        first = m.first
        s.extent_map._check()
        assert s.free_ip_count() == m.nfree
        assert s.available_ip_count() == len(m.eligible)
        assert s.free_prefix_count() == len(m.candidates)
        assert s.can_fit_prefix() is bool(m.candidates)
        assert s.policy == m.policy

        extents = s.free_extents()
        assert all(isinstance(r, netaddr.IPRange) for r in extents)
        assert [(r.first, r.last) for r in extents] == [
            (first + lo, first + hi - 1) for lo, hi in m.free_runs()
        ]
        allocs = s.allocations()
        assert all(isinstance(n, netaddr.IPNetwork) for n in allocs)
        assert [(n.value, n.prefixlen) for n in allocs] == [
            (first + off, plen) for off, plen in m.allocations()
        ]
        # Owners of every allocation, as saved state shows them.
        assert [(a["cidr"], a.get("owner")) for a in s.to_dict()["allocations"]] == [
            (str(n), None if start not in m.owners else m.owners[start].to_dict())
            for n, (start, _) in zip(allocs, m.allocations(), strict=True)
        ]
        assert [(str(r.cidr), r.kind, r.reservation_id) for r in s.reservations()] == [
            (str(netaddr.IPNetwork((first + lo, 33 - (hi - lo).bit_length()), version=4)), k, rid)
            for lo, (hi, k, rid) in sorted(m.resv.items())
        ]

        # Membership and owners for a sample that moves with every step.
        stride = max(1, m.size // 16)
        sample = set(range(self.steps % stride, m.size, stride))
        sample.update(off for off, _ in m.allocations()[:16])
        sample.update((0, 3, m.size - 1))
        for off in sorted(sample):
            addr = netaddr.IPAddress(first + off, 4)
            start = m.allocation_start(off)
            assert (addr in s) is (start is not None), off
            assert (str(addr) in s) is (start is not None), off
            if start is None:
                with pytest.raises(sf.NotAllocated):
                    s.owner_of(addr)
            else:
                assert s.owner_of(addr) == m.owners.get(start), off
        for value in m.outside_values():
            assert netaddr.IPAddress(value, 4) not in s
        # The door's view of the same sample.
        for off in sorted(sample):
            start = m.allocation_start(off)
            expected = 0 if start != off else (1 if m.state[off] == M_IP else BLOCK)
            assert s.allocation_size_at(off) == expected, off


TestSubnetModel = SubnetMachine.TestCase
# The suite's most searching test gets three times the profile's examples
# (ci: 300 runs of up to 50 steps, about 20 s; HYPOTHESIS_PROFILE=thorough: 3,000
# runs of up to 100 steps).
TestSubnetModel.settings = settings(max_examples=3 * settings.default.max_examples)
