"""Allocation policies: how an automatic allocation chooses among eligible candidates.

A policy is a small object with a ``name`` and two methods that *choose* and
never mutate: :meth:`Policy.choose_address` returns the offset of a free
address outside every reservation, :meth:`Policy.choose_block` a candidate
block of the given tier. The :class:`~subnetfrag.extents.ExtentMap` answers the
queries they are built from in O(1) or close to it.

Adding a policy is a class with those two methods and a call to
:func:`register_policy`::

    class Highest:
        name = "highest"
        def choose_address(self, m, rng): ...
        def choose_block(self, m, tier, rng): ...

    register_policy(Highest())
"""

from __future__ import annotations

import weakref
from random import Random
from typing import Protocol, runtime_checkable

from .errors import UnknownPolicy
from .extents import ExtentMap

__all__ = [
    "Lowest",
    "Pack",
    "Policy",
    "RandomPolicy",
    "get_policy",
    "policy_names",
    "register_policy",
]


@runtime_checkable
class Policy(Protocol):
    """The interface of an allocation policy. Both methods are called only when
    at least one candidate exists, and must return one without side effects
    other than drawing from ``rng``."""

    name: str

    def choose_address(self, m: ExtentMap, rng: Random) -> int:
        """Offset of a free address outside every reservation."""
        ...

    def choose_block(self, m: ExtentMap, tier: int, rng: Random) -> int:
        """Index of a candidate block of ``tier``."""
        ...


class Lowest:
    """First fit by address: the lowest eligible address or block."""

    name = "lowest"

    def choose_address(self, m: ExtentMap, rng: Random) -> int:
        """O(1) amortised."""
        return m.lowest_address()

    def choose_block(self, m: ExtentMap, tier: int, rng: Random) -> int:
        """O(n) in C with early exit."""
        return m.lowest_block(tier)


class RandomPolicy:
    """Uniform over the eligible candidates, reproducible from the subnet's seed.
    The EC2-like default: EC2 does not document how it picks, and users see
    scattered addresses."""

    name = "random"

    def choose_address(self, m: ExtentMap, rng: Random) -> int:
        """O(1) expected."""
        return m.random_address(rng)

    def choose_block(self, m: ExtentMap, tier: int, rng: Random) -> int:
        """O(1) expected."""
        return m.random_block(tier, rng)


class Pack:
    """Keep whole blocks free: an address goes into the eligible block with the
    fewest free unreserved addresses left (ties: the lowest block, then its
    lowest address); a block is taken from the shortest run of consecutive
    candidate blocks (best fit; ties: the lowest run, its first block)."""

    name = "pack"

    def choose_address(self, m: ExtentMap, rng: Random) -> int:
        """O(1) plus one byte search over the blocks in C."""
        return m.packed_address()

    def choose_block(self, m: ExtentMap, tier: int, rng: Random) -> int:
        """O(n / 64) word operations."""
        return m.packed_block(tier)


_REGISTRY: dict[str, Policy] = {}
_MEMBERS = ("name", "choose_address", "choose_block")
#: Classes that define every Policy member themselves: any instance of one is a
#: Policy, so get_policy skips the runtime Protocol check for it (about 10-25 µs
#: a call, once per allocation when a caller passes a Policy object).
_POLICY_CLASSES: weakref.WeakSet[type] = weakref.WeakSet()


def _is_policy(obj: object) -> bool:
    """Whether ``obj`` implements the Policy protocol, as ``isinstance(obj,
    Policy)`` says. O(1): a class that defines every member is checked once,
    then remembered; any other object gets the full check every time."""
    cls = type(obj)
    if cls in _POLICY_CLASSES:
        return True
    if all(getattr(cls, m, None) is not None for m in _MEMBERS):
        _POLICY_CLASSES.add(cls)
        return True
    return isinstance(obj, Policy)  # members set on the instance, or not a policy


def register_policy(policy: Policy) -> None:
    """Make ``policy`` available by its name to every Subnet. O(1).

    Raises :class:`TypeError` if it lacks the Policy methods, and
    :class:`ValueError` if its name is taken by another policy.
    """
    if not _is_policy(policy):
        raise TypeError(f"{policy!r} does not implement the Policy protocol")
    existing = _REGISTRY.get(policy.name)
    if existing is not None and existing is not policy:
        raise ValueError(f"a policy named {policy.name!r} is already registered")
    _REGISTRY[policy.name] = policy


def get_policy(policy: str | Policy) -> Policy:
    """The policy registered under ``policy``, or ``policy`` itself when it is a
    Policy object. O(1): an object whose class defines the Policy members is
    recognised by its class after the first call (no runtime Protocol check).
    Raises :class:`UnknownPolicy` for an unknown name or an object that is not
    a Policy."""
    if isinstance(policy, str):
        try:
            return _REGISTRY[policy]
        except KeyError:
            raise UnknownPolicy(
                f"unknown policy {policy!r}; expected one of {', '.join(policy_names())}"
            ) from None
    if _is_policy(policy):
        return policy
    raise UnknownPolicy(f"a policy is a name or a Policy object, not {type(policy).__name__}")


def policy_names() -> list[str]:
    """The names of the registered policies, sorted. O(p log p)."""
    return sorted(_REGISTRY)


for _p in (Lowest(), RandomPolicy(), Pack()):
    register_policy(_p)
