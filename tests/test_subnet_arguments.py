"""Arguments checked at the door, ids that containers rely on, and random
choices that end for any generator (issue 8, items 5 and 6).

Each test here failed before its fix: the wrong-typed argument was stored and
broke ``to_dict()``/``plan_defrag`` later, a subnet could be renamed under a
VPC, and a doctored saved state made ``allocate_ip()`` loop forever.
"""

from __future__ import annotations

import json
from random import Random
from typing import Any

import pytest

import subnetfrag as sf
from subnetfrag.extents import GENERAL, PREFERRED
from subnetfrag.owner import Owner
from subnetfrag.policies import RandomPolicy
from subnetfrag.pool import SubnetPool, SubnetPoolError
from subnetfrag.vpc import SubnetConflict, Vpc


def unchanged_after(
    exc_type: type[Exception], subnet: sf.Subnet, fn: Any, *a: Any, **kw: Any
) -> str:
    before = subnet.to_dict()
    with pytest.raises(exc_type) as info:
        fn(*a, **kw)
    assert type(info.value) is exc_type
    assert subnet.to_dict() == before
    return str(info.value)


# ------------------------------------------------------------ item 5: owners


@pytest.mark.parametrize("owner", ["eni-123", 42, {"eni_id": "eni-1"}, Owner])
def test_an_owner_that_is_not_an_owner_is_refused(owner: Any) -> None:
    s = sf.Subnet("10.0.0.0/24", seed=1)
    msg = unchanged_after(sf.InvalidArgumentType, s, s.allocate_ip, owner=owner)
    assert "owner must be a subnetfrag Owner" in msg
    unchanged_after(sf.InvalidArgumentType, s, s.allocate_ip, "10.0.0.9", owner=owner)
    unchanged_after(sf.InvalidArgumentType, s, s.allocate_prefix, owner=owner)
    unchanged_after(sf.InvalidArgumentType, s, s.allocate_prefix, "10.0.0.16/28", owner=owner)
    pool = SubnetPool([s])
    with pytest.raises(sf.InvalidArgumentType):
        pool.allocate_ip(owner=owner)
    # what used to fail later, far from the mistake
    json.dumps(s.to_dict())
    s.allocate_ip("10.0.0.21", owner=Owner(eni_id="eni-1"))
    sf.plan_defrag(s, 1)
    assert isinstance(sf.InvalidArgumentType("x"), TypeError)


@pytest.mark.parametrize(
    "field, value",
    [
        ("eni_id", 5),
        ("instance_id", b"i-1"),
        ("description", ["x"]),
        ("primary", "yes"),
        ("owner_class", None),
        ("status", 1.0),
    ],
)
def test_an_owner_field_of_the_wrong_type_is_refused(field: str, value: Any) -> None:
    with pytest.raises(sf.InvalidArgumentType, match=f"Owner.{field}"):
        Owner(**{field: value})


# --------------------------------------------------------- item 5: ids, seed


@pytest.mark.parametrize("bad", [42, b"subnet-1", ["subnet-1"], True])
def test_subnet_id_must_be_text(bad: Any) -> None:
    with pytest.raises(sf.InvalidArgumentType, match="subnet_id must be a str or None"):
        sf.Subnet("10.0.0.0/24", subnet_id=bad)
    vpc = Vpc("10.0.0.0/16")
    with pytest.raises(sf.InvalidArgumentType):
        vpc.create_subnet("10.0.0.0/24", subnet_id=bad)
    assert vpc.subnets() == []


@pytest.mark.parametrize("bad", [b"x", 7, ("scr-1",)])
def test_reservation_id_must_be_text(bad: Any) -> None:
    s = sf.Subnet("10.0.0.0/24")
    msg = unchanged_after(
        sf.InvalidArgumentType, s, s.reserve, "10.0.0.64/26", "prefix", reservation_id=bad
    )
    assert "reservation_id must be a str or None" in msg
    sf.Subnet.from_dict(json.loads(json.dumps(s.to_dict())))


@pytest.mark.parametrize("bad", [[1], 1.5, True, {"seed": 1}, object()])
def test_seed_of_the_wrong_type_is_refused(bad: Any) -> None:
    with pytest.raises(sf.InvalidArgumentType, match="seed must be an int, a str, bytes or None"):
        sf.Subnet("10.0.0.0/24", seed=bad)


@pytest.mark.parametrize("seed", [0, 2**80, -3, "cluster-a", b"\x00\xff"])
def test_accepted_seeds_are_reproducible(seed: int | str | bytes) -> None:
    a = sf.Subnet("10.0.0.0/22", seed=seed)
    b = sf.Subnet("10.0.0.0/22", seed=seed)
    assert [a.allocate_ip_offset() for _ in range(50)] == [
        b.allocate_ip_offset() for _ in range(50)
    ]


def test_subnet_id_is_read_only_so_a_vpc_stays_consistent() -> None:
    vpc = Vpc("10.0.0.0/16")
    a = vpc.create_subnet("10.0.0.0/24", subnet_id="subnet-a")
    b = vpc.create_subnet("10.0.1.0/24", subnet_id="subnet-b")
    with pytest.raises(AttributeError):
        b.subnet_id = "subnet-a"  # type: ignore[misc]
    assert vpc.subnet("subnet-a") is a and vpc.subnet("subnet-b") is b
    with pytest.raises(SubnetConflict):
        vpc.create_subnet("10.0.2.0/24", subnet_id="subnet-a")


def test_a_pool_refuses_two_subnets_with_one_id() -> None:
    a = sf.Subnet("10.0.0.0/24", subnet_id="subnet-a")
    twin = sf.Subnet("10.0.1.0/24", subnet_id="subnet-a")
    pool = SubnetPool([a])
    with pytest.raises(SubnetPoolError, match=r"already used by 10\.0\.0\.0/24"):
        pool.add(twin)
    assert pool.subnets() == [a]
    pool.add(sf.Subnet("10.0.2.0/24"))  # no id: no clash
    with pytest.raises(sf.InvalidArgumentType):
        pool.add("10.0.3.0/24")  # type: ignore[arg-type]


def test_containers_refuse_non_subnets_with_the_library_type_error() -> None:
    with pytest.raises(sf.InvalidArgumentType):
        Vpc("10.0.0.0/16").add_subnet("10.0.8.0/24")  # type: ignore[arg-type]
    with pytest.raises(sf.InvalidArgumentType):
        Vpc("10.0.0.0/16", vpc_id=5)  # type: ignore[arg-type]


# ------------------------------------------------- item 6: generator state


def _state_with(internal: list[Any], **extra: Any) -> dict[str, Any]:
    state = sf.Subnet("10.0.0.0/24", seed=1).to_dict()
    state["rng_state"] = {"version": 3, "internal": internal, "gauss_next": None} | extra
    return state


GOOD = list(Random(5).getstate()[1])


@pytest.mark.parametrize(
    "internal, why",
    [
        ([0] * 624 + [624], "degenerate all-zero"),
        ([0x7FFFFFFF] + [0] * 623 + [3], "degenerate all-zero"),
        (GOOD[:-1], "625 integers"),
        ([*GOOD[:10], 2**32, *GOOD[11:]], "32-bit"),
        ([*GOOD[:10], -1, *GOOD[11:]], "32-bit"),
        ([*GOOD[:10], True, *GOOD[11:]], "32-bit"),
        ([*GOOD[:624], 625], "position"),
        ("abc", "625 integers"),
    ],
)
def test_a_doctored_generator_state_is_refused_on_load(internal: Any, why: str) -> None:
    with pytest.raises(sf.InvalidState, match=f"rng_state is invalid.*{why}"):
        sf.Subnet.from_dict(_state_with(internal))


def test_other_doctored_generator_fields_are_refused() -> None:
    for bad in ({"version": 2}, {"gauss_next": "x"}, {"extra": 1}):
        with pytest.raises(sf.InvalidState, match="rng_state is invalid"):
            sf.Subnet.from_dict(_state_with(GOOD, **bad))
    state = _state_with(GOOD)
    state["rng_state"] = [3, GOOD, None]
    with pytest.raises(sf.InvalidState, match="rng_state is invalid"):
        sf.Subnet.from_dict(state)


def test_a_sound_saved_generator_state_loads() -> None:
    s = sf.Subnet.from_dict(_state_with(GOOD))
    assert s.allocate_ip_offset() >= 4


class Constant(Random):
    """A generator that always draws the same bits."""

    def __init__(self, value: int) -> None:
        super().__init__(0)
        self.value = value

    def getrandbits(self, k: int) -> int:
        return self.value


def _zero_state_random() -> Random:
    rng = Random()
    rng.setstate((3, (0,) * 624 + (624,), None))
    assert rng.getrandbits(20) == 0
    return rng


@pytest.mark.parametrize(
    "rng", [_zero_state_random(), Constant(0), Constant(2**40 - 1), Constant(-5), Constant(15)]
)
def test_random_choices_end_for_any_generator(rng: Random) -> None:
    """Offset 0 is AWS-reserved: a generator that always draws 0 is rejected
    forever, and so is one that draws past the candidate lists."""
    s = sf.Subnet("10.0.0.0/24", seed=1)
    s.reserve("10.0.0.64/26", "prefix")
    m = s.extent_map
    policy = RandomPolicy()
    off = policy.choose_address(m, rng)
    assert m.state(off) == 0 and not 0 <= off < 4  # free, unreserved
    for tier in (PREFERRED, GENERAL):
        block = policy.choose_block(m, tier, rng)
        assert m.lowest_block(tier) <= block and m.tier_of_block(block) == tier
        assert not m.used_in_block(block)
    # through the subnet too, as a doctored generator would reach it
    s._rng = rng
    got = [s.allocate_ip_offset() for _ in range(20)]
    assert len(set(got)) == 20
    s.allocate_prefix_offset()
    m._check()


@pytest.mark.parametrize("kw", [{"seed": "1"}, {"seed": 1.0}, {"id_prefix": 5}])
def test_carve_subnets_checks_its_arguments_at_once(kw: dict[str, Any]) -> None:
    from subnetfrag.pool import carve_subnets

    vpc = Vpc("10.0.0.0/16")
    with pytest.raises(sf.InvalidArgumentType):
        carve_subnets(vpc, 24, **kw)
    assert vpc.subnets() == []


# ------------------------------------------- item 11: saved state in integers


def test_saved_state_builds_no_netaddr_object_per_allocation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """to_dict() formats and from_dict() parses integers: the number of netaddr
    objects built does not grow with the allocations (it did, one or two each,
    which made both cost 4-8x an IPAddress per allocation)."""
    import netaddr

    s = sf.Subnet("10.0.0.0/22", seed=1)
    s.reserve("10.0.3.0/24", "prefix", reservation_id="scr-1")
    for _ in range(20):
        s.allocate_prefix_offset()
    for _ in range(300):
        s.allocate_ip_offset(owner=Owner(eni_id="eni-1"))
    built = {"n": 0}
    for cls in (netaddr.IPAddress, netaddr.IPNetwork):
        original = cls.__init__

        def counting(self: Any, *a: Any, _original: Any = original, **kw: Any) -> None:
            built["n"] += 1
            _original(self, *a, **kw)

        monkeypatch.setattr(cls, "__init__", counting)
    saved = s.to_dict()
    assert built["n"] < 10, built
    built["n"] = 0
    again = sf.Subnet.from_dict(json.loads(json.dumps(saved)))
    assert built["n"] < 10, built
    assert again.to_dict() == saved
