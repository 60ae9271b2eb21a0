"""Pod placement: which node a new pod goes to.

kube-scheduler, for pods that all request the same resources, scores nodes by
how allocated they are: the default ``NodeResourcesFit`` strategy
``LeastAllocated`` prefers the emptiest node (``spread``), ``MostAllocated``
the fullest one that still fits (``binpack``); a node at its kubelet max pods
does not fit. Among nodes with the best score it picks one at random
(kubernetes ``pkg/scheduler/schedule_one.go``, ``selectHost``: reservoir
sampling over the top scores). The scheduler knows nothing of IP addresses: a
pod placed on a node whose warm pool is empty waits there (ContainerCreating)
until ipamd has an address for it, which is what a real cluster does.

Nodes are kept in buckets by pod count, with a bitset of the non-empty
buckets, so a choice is two integer bit operations and a random index: O(1)
for the cluster sizes simulated (max pods <= a few hundred). Buckets exist only
up to the largest pod count seen, so memory does not grow with max pods.
"""

from __future__ import annotations

from random import Random

__all__ = ["Scheduler"]


class Scheduler:
    """Buckets of schedulable nodes by pod count.

    ``Scheduler(kind, limit, rng)``: ``kind`` is ``"spread"`` or ``"binpack"``;
    a node with ``limit`` pods or more is full; ties are broken with ``rng``.
    Node ids are integers; a node is in at most one bucket.
    """

    __slots__ = ("_binpack", "_buckets", "_count", "_limit", "_mask", "_pos", "_rng")

    def __init__(self, kind: str, limit: int, rng: Random) -> None:
        if kind not in ("spread", "binpack"):
            raise ValueError(f"scheduler must be 'spread' or 'binpack', not {kind!r}")
        self._binpack = kind == "binpack"
        self._limit = max(limit, 0)
        self._rng = rng
        # grown on demand: a kubelet max pods of 10**9 must not cost 10**9 lists
        self._buckets: list[list[int]] = []
        self._pos: dict[int, int] = {}  # node -> index in its bucket
        self._count: dict[int, int] = {}  # node -> pods (schedulable nodes only)
        self._mask = 0  # bit c set: bucket c is not empty

    def __contains__(self, node: int) -> bool:
        """Whether ``node`` is schedulable (added and not removed). O(1)."""
        return node in self._count

    def add(self, node: int, pods: int) -> None:
        """Make ``node`` (holding ``pods`` pods) schedulable. O(1)."""
        self._count[node] = pods
        self._put(node, pods)

    def remove(self, node: int) -> None:
        """Make ``node`` unschedulable (cordoned, or leaving). O(1)."""
        pods = self._count.pop(node)
        self._take(node, pods)

    def update(self, node: int, pods: int) -> None:
        """``node`` now holds ``pods`` pods (no-op for an unschedulable node). O(1)."""
        old = self._count.get(node)
        if old is None or old == pods:
            return
        self._take(node, old)
        self._count[node] = pods
        self._put(node, pods)

    def pick(self) -> int | None:
        """The node the next pod goes to, or None when every node is full. O(1)."""
        mask = self._mask
        if not mask:
            return None
        c = mask.bit_length() - 1 if self._binpack else (mask & -mask).bit_length() - 1
        bucket = self._buckets[c]
        return bucket[self._rng.randrange(len(bucket))] if len(bucket) > 1 else bucket[0]

    def _put(self, node: int, pods: int) -> None:
        if pods >= self._limit:
            return
        while len(self._buckets) <= pods:
            self._buckets.append([])
        bucket = self._buckets[pods]
        self._pos[node] = len(bucket)
        bucket.append(node)
        self._mask |= 1 << pods

    def _take(self, node: int, pods: int) -> None:
        if pods >= self._limit:
            return
        bucket = self._buckets[pods]
        i = self._pos.pop(node)
        last = bucket.pop()
        if last != node:
            bucket[i] = last
            self._pos[last] = i
        if not bucket:
            self._mask &= ~(1 << pods)
