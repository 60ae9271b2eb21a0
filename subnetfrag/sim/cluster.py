"""The simulated cluster: subnets, nodes running ipamd, pods, and tenants.

Everything a node decides about addresses comes from
:class:`subnetfrag.ipamd.NodeIpam`, the project's one model of the VPC CNI's
ipamd; this module only drives it in time and does the subnet work it asks
for:

- :class:`PoolAllocator` is the :class:`~subnetfrag.ipamd.NodeAllocator` of one
  node over several subnets: a new ENI goes to the subnet the cluster's
  subnet-selection rule picks (:class:`~subnetfrag.pool.SubnetPool`:
  ``most-available`` is what the CNI's subnet discovery and Karpenter do), its
  prefixes and /32s come from that ENI's subnet through a
  :class:`~subnetfrag.ipamd.SubnetAllocator` (the integer door: no address
  object per operation). With custom networking the node's primary ENI goes
  to a subnet of role ``nodes`` and the pod ENIs to one of role ``pods``.
- :class:`SimNode` holds a node's ipamd, the pods placed on it that still wait
  for an address, and when its ipamd loop runs next.
- :class:`Cluster` holds the subnets, the nodes, the scheduler, the pods
  (each placed pod is an entry naming its node, so deleting a random pod is
  O(1)), pods not yet placed, the tenants' /32s, and the EC2 failures seen.

The invariants the debug mode checks after every event are in
:meth:`Cluster.check`.
"""

from __future__ import annotations

from random import Random
from typing import Any

from ..errors import InsufficientFreeAddresses
from ..instances import InstanceLimits, lookup
from ..ipamd import (
    INSUFFICIENT_CIDR_BLOCKS,
    INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET,
    CniSettings,
    NodeIpam,
    SubnetAllocator,
)
from ..owner import Owner
from ..pool import SubnetPool
from ..subnet import Subnet
from .scenario import Scenario
from .scheduler import Scheduler

__all__ = ["Cluster", "PoolAllocator", "SimNode"]

_SHIFT = 32  # a handle is (subnet index << 32) | offset in that subnet
_MASK = (1 << _SHIFT) - 1


class _NoSubnet(InsufficientFreeAddresses):
    """No subnet of the role has an available address (the message is fixed:
    the simulator uses this failure as control flow)."""


class PoolAllocator:
    """The :class:`~subnetfrag.ipamd.NodeAllocator` of one node over the
    cluster's subnets.

    ``attach_eni(role=...)`` picks the subnet with ``node_pool`` (role
    ``"node"``) or ``pod_pool`` (``"pods"``, ``"trunk"``) and takes the ENI's
    primary /32 there; prefixes and /32s come from the ENI's own subnet. With
    ``same_subnet`` (``ENABLE_SUBNET_DISCOVERY=false`` without custom
    networking) every ENI goes to the primary ENI's subnet, as the CNI then
    creates ENIs in the node's own subnet (aws/amazon-vpc-cni-k8s
    ``pkg/awsutils/awsutils.go``, ``createENI``).
    ``held`` maps every handle this node holds to its size (1 or 16), for the
    debug checks. Each operation is one subnet operation plus O(k) to choose
    among k subnets.
    """

    __slots__ = (
        "_allocs",
        "_home",
        "_name",
        "_node_pool",
        "_pod_pool",
        "_same_subnet",
        "_subnets",
        "held",
    )

    def __init__(
        self,
        name: str,
        subnets: list[Subnet],
        node_pool: SubnetPool,
        pod_pool: SubnetPool,
        *,
        same_subnet: bool = False,
    ) -> None:
        self._name = name
        self._same_subnet = same_subnet
        self._home: Subnet | None = None
        self._subnets = subnets
        self._node_pool = node_pool
        self._pod_pool = pod_pool
        self._allocs: list[SubnetAllocator | None] = [None] * len(subnets)
        self.held: dict[int, int] = {}

    def _alloc(self, index: int) -> SubnetAllocator:
        a = self._allocs[index]
        if a is None:
            a = self._allocs[index] = SubnetAllocator(self._subnets[index], owner_prefix=self._name)
        return a

    def attach_eni(self, *, role: str = "pods") -> int:
        """A new ENI's primary /32 in the subnet the selection rule picks;
        returns its handle. Raises InsufficientFreeAddresses. O(k)."""
        subnet: Subnet | None
        if role != "node" and self._same_subnet and self._home is not None:
            subnet = self._home if self._home.available_ip_count() else None
        else:
            pool = self._node_pool if role == "node" else self._pod_pool
            subnet = pool.choose("ip")
        if subnet is None:
            raise _NoSubnet("no subnet has an available address")
        if role == "node":
            self._home = subnet
        index = self._subnets.index(subnet)
        handle = (index << _SHIFT) | self._alloc(index).attach_eni(role=role)
        self.held[handle] = 1
        return handle

    def assign_prefix(self, eni: int) -> int:
        """One /28 in the ENI's subnet. Raises InsufficientCidrBlocks. O(1)."""
        index = eni >> _SHIFT
        handle = (index << _SHIFT) | self._alloc(index).assign_prefix(eni & _MASK)
        self.held[handle] = 16
        return handle

    def assign_ip(self, eni: int) -> int:
        """One secondary /32 in the ENI's subnet. Raises
        InsufficientFreeAddresses. O(1)."""
        index = eni >> _SHIFT
        handle = (index << _SHIFT) | self._alloc(index).assign_ip(eni & _MASK)
        self.held[handle] = 1
        return handle

    def release(self, handle: int) -> None:
        """Give back a prefix or a secondary /32. O(1)."""
        self._alloc(handle >> _SHIFT).release(handle & _MASK)
        del self.held[handle]

    def detach_eni(self, eni: int) -> None:
        """Give back an ENI's primary /32. O(1)."""
        self._alloc(eni >> _SHIFT).detach_eni(eni & _MASK)
        del self.held[eni]

    def subnet_offset(self, handle: int) -> tuple[Subnet, int]:
        """The subnet and offset a handle names. O(1)."""
        return self._subnets[handle >> _SHIFT], handle & _MASK


class SimNode:
    """One node: ``ipam`` (its :class:`~subnetfrag.ipamd.NodeIpam`), ``alloc``
    (its :class:`PoolAllocator`), ``waiting`` (pods placed here without an
    address yet), ``joined_s``, and the state of its ipamd loop: ``tick_at``
    (the pending tick, or None when idle), ``last_change_s`` (the last tick
    that changed the pool), ``last_release_s`` (the last pod that left),
    ``retry_s`` (when growth may be tried again after an EC2 error)."""

    __slots__ = (
        "alive",
        "alloc",
        "id",
        "ipam",
        "joined_s",
        "last_change_s",
        "last_release_s",
        "retry_s",
        "tick_at",
        "waiting",
    )

    def __init__(self, node_id: int, ipam: NodeIpam, alloc: PoolAllocator, now: float) -> None:
        self.id = node_id
        self.ipam = ipam
        self.alloc = alloc
        self.waiting = 0
        self.joined_s = now
        self.tick_at: float | None = None
        self.last_change_s = now
        self.last_release_s = -1e18
        self.retry_s = -1e18
        self.alive = True

    @property
    def pods(self) -> int:
        """Pods placed on the node, with or without an address. O(1)."""
        return self.ipam.used + self.waiting


_TENANT_OWNERS: dict[str, Owner] = {}


def _tenant_owner(kind: str) -> Owner:
    owner = _TENANT_OWNERS.get(kind)
    if owner is None:
        owner = _TENANT_OWNERS[kind] = Owner(owner_class=kind, interface_type="interface")
    return owner


class Cluster:
    """The state of one simulation run (built by :func:`subnetfrag.sim.simulate`).

    ``Cluster(scenario, policy, rng)`` builds the subnets (each with ``policy``
    and a seed drawn from ``rng``), applies their reservations and random
    pre-occupation, and makes the scheduler. Raises what :class:`Subnet` and
    :class:`~subnetfrag.ipamd.NodeIpam` raise for settings they refuse (checked
    by building one node's model on a counting allocator first).
    """

    def __init__(self, scenario: Scenario, policy: str, rng: Random) -> None:
        self.scenario = scenario
        self.rng = rng
        spec = scenario.cluster
        self.settings: CniSettings = spec.settings
        self.limits: InstanceLimits = lookup(spec.instance_type)
        self.subnets: list[Subnet] = []
        for i, s in enumerate(scenario.subnets):
            subnet = Subnet(
                s.cidr, seed=rng.getrandbits(64), policy=policy, subnet_id=s.subnet_id or f"s{i}"
            )
            for r in s.reservations:
                subnet.reserve(r.cidr, r.kind)
            self.subnets.append(subnet)
        self.preoccupied = 0
        for s, subnet in zip(scenario.subnets, self.subnets, strict=True):
            owner = _tenant_owner("other")
            for _ in range(s.preoccupied_ips):
                subnet.allocate_ip_offset(policy="random", owner=owner)
            self.preoccupied += s.preoccupied_ips
        strategy = spec.subnet_selection
        roles = [s.role for s in scenario.subnets]
        self.node_pool = SubnetPool(
            [sn for sn, r in zip(self.subnets, roles, strict=True) if r in ("both", "nodes")],
            strategy=strategy,
        )
        self.pod_pool = SubnetPool(
            [sn for sn, r in zip(self.subnets, roles, strict=True) if r in ("both", "pods")],
            strategy=strategy,
        )
        self.any_pool = SubnetPool(self.subnets, strategy=strategy)
        # ipamd walks Go maps (random order); "in-order" packs pods as the plan does
        self._ipam_rng = rng if spec.pod_address_choice == "random" else None
        self.nodes: dict[int, SimNode] = {}
        self._next_node = 0
        probe = _probe(self.settings, self.limits)
        self.pod_capacity = probe.pod_capacity
        self.max_pods = probe.max_pods
        self.scheduler = Scheduler(spec.scheduler, self.pod_capacity, rng)
        self.pods: list[int] = []  # one entry per placed pod: its node's id
        self.unscheduled = 0
        self.waiting = 0  # placed pods without an address, over all nodes
        self.tenants: list[list[int]] = [[] for _ in scenario.tenants]  # handles per tenant
        self.tenant_failures = 0
        self.failures = {INSUFFICIENT_CIDR_BLOCKS: 0, INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: 0}
        self.first_icb_s: float | None = None
        self.node_launch_failures = 0
        self.peak_pods_running = 0

    # ----------------------------------------------------------- nodes

    def launch_node(self, now: float) -> SimNode | None:
        """A node joins: its primary ENI's /32 is taken (the node's own
        address) by the subnet's policy in the subnet the selection rule picks.
        None (and a counted ``InsufficientFreeAddressesInSubnet``) when no
        subnet has an address for it. O(k)."""
        nid = self._next_node
        alloc = PoolAllocator(
            f"node-{nid}",
            self.subnets,
            self.node_pool,
            self.pod_pool,
            same_subnet=not self.settings.subnet_discovery and not self.settings.custom_networking,
        )
        try:
            ipam = NodeIpam(self.settings, self.limits, alloc, now_s=now, rng=self._ipam_rng)
        except InsufficientFreeAddresses:
            self.node_launch_failures += 1
            self.record_failure(INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET, now)
            return None
        self._next_node += 1
        node = SimNode(nid, ipam, alloc, now)
        self.nodes[nid] = node
        self.scheduler.add(nid, 0)
        return node

    def remove_node(self, node: SimNode) -> int:
        """A node leaves: it stops taking pods, its pods are deleted (returned
        as the count to re-create), and ipamd gives every prefix, /32 and ENI
        back. O(pods in the cluster) to find its pods."""
        if node.id in self.scheduler:
            self.scheduler.remove(node.id)
        pods = self.pods
        nid = node.id
        kept = [p for p in pods if p != nid]
        moved = len(pods) - len(kept)
        self.pods = kept
        self.waiting -= node.waiting
        node.waiting = 0
        node.ipam.release_all()
        node.alive = False
        del self.nodes[nid]
        return moved

    def record_failure(self, error: str, now: float) -> None:
        """Count one EC2 failure seen by the cluster. O(1)."""
        self.failures[error] += 1
        if error == INSUFFICIENT_CIDR_BLOCKS and self.first_icb_s is None:
            self.first_icb_s = now

    # ------------------------------------------------------------ pods

    def place_pods(self, now: float) -> list[SimNode]:
        """Place unscheduled pods on nodes with room, as the scheduler picks;
        each takes an address now if its node has one free, else waits there.
        Returns the nodes that got a pod (once per pod). O(pods placed)."""
        placed: list[SimNode] = []
        sched = self.scheduler
        while self.unscheduled:
            nid = sched.pick()
            if nid is None:
                break
            node = self.nodes[nid]
            self.unscheduled -= 1
            self.pods.append(nid)
            if not node.ipam.add_pod(now_s=now):
                node.waiting += 1
                self.waiting += 1
            placed.append(node)
            sched.update(nid, node.pods)
        self._note_peak()
        return placed

    def _note_peak(self) -> None:
        """Raise ``peak_pods_running`` to the pods running now, if more. O(1)."""
        running = len(self.pods) - self.waiting
        if running > self.peak_pods_running:
            self.peak_pods_running = running

    def delete_random_pod(self, now: float) -> SimNode | None:
        """Delete one placed pod chosen uniformly (a waiting one or one with an
        address, in proportion); returns its node, or None when there is no
        placed pod. O(1)."""
        pods = self.pods
        if not pods:
            return None
        i = self.rng.randrange(len(pods))
        nid = pods[i]
        last = pods.pop()
        if i < len(pods):
            pods[i] = last
        node = self.nodes[nid]
        if node.waiting and self.rng.randrange(node.pods) < node.waiting:
            node.waiting -= 1
            self.waiting -= 1
        else:
            node.ipam.remove_pod(now_s=now)
            node.last_release_s = now
        self.scheduler.update(nid, node.pods)
        return node

    def delete_pods(self, count: int, now: float) -> set[SimNode]:
        """Scale down by ``count`` pods as a ReplicaSet does: unscheduled pods
        first, then pods waiting for an address, then running ones (random).
        Returns the nodes that lost a pod. O(count) for unscheduled and running
        pods; O(nodes + pods) for each waiting pod deleted (its node is drawn
        over the nodes, its entry searched in the pod list)."""
        touched: set[SimNode] = set()
        take = min(count, self.unscheduled)
        self.unscheduled -= take
        count -= take
        while count and self.waiting:
            # a waiting pod: its node drawn in proportion to the pods waiting there
            waiter = self._random_waiting_node()
            waiter.waiting -= 1
            self.waiting -= 1
            self.pods.remove(waiter.id)
            self.scheduler.update(waiter.id, waiter.pods)
            touched.add(waiter)
            count -= 1
        while count and self.pods:
            node = self.delete_random_pod(now)
            if node is not None:
                touched.add(node)
            count -= 1
        return touched

    def _random_waiting_node(self) -> SimNode:
        k = self.rng.randrange(self.waiting)
        for node in self.nodes.values():
            if k < node.waiting:
                return node
            k -= node.waiting
        raise AssertionError("waiting count out of step")  # pragma: no cover

    def give_waiting_pods(self, node: SimNode, now: float) -> None:
        """Give the node's waiting pods the addresses it has free now. O(waiting)."""
        ipam = node.ipam
        while node.waiting and ipam.add_pod(now_s=now):
            node.waiting -= 1
            self.waiting -= 1
        self._note_peak()

    # --------------------------------------------------------- tenants

    def tenant_arrive(self, index: int) -> bool:
        """One more /32 for tenant ``index``, in its subnet or the one the
        selection rule picks; False (counted) when none is available. O(k)."""
        spec = self.scenario.tenants[index]
        if spec.subnet is not None:
            subnet: Subnet | None = self.subnets[spec.subnet]
            if subnet is not None and not subnet.available_ip_count():
                subnet = None
        else:
            subnet = self.any_pool.choose("ip")
        if subnet is None:
            self.tenant_failures += 1
            return False
        si = self.subnets.index(subnet)
        off = subnet.allocate_ip_offset(owner=_tenant_owner(spec.kind))
        self.tenants[index].append((si << _SHIFT) | off)
        return True

    def tenant_leave(self, index: int) -> None:
        """A random /32 of tenant ``index`` is released. O(1)."""
        held = self.tenants[index]
        if not held:
            return
        i = self.rng.randrange(len(held))
        handle = held[i]
        last = held.pop()
        if i < len(held):
            held[i] = last
        self.subnets[handle >> _SHIFT].release_offset(handle & _MASK)

    # ---------------------------------------------------------- counts

    def counts(self) -> dict[str, Any]:
        """The cluster's numbers now (the summary and series keys that do
        not need a subnet report). O(nodes + subnets)."""
        held = used = prefixes = enis = ips = 0
        for node in self.nodes.values():
            ipam = node.ipam
            held += ipam.held
            used += ipam.used
            prefixes += ipam.prefixes
            ips += ipam.ips
            enis += ipam.enis
        return {
            "nodes": len(self.nodes),
            "pods_running": used,
            "pods_pending": self.unscheduled + self.waiting,
            "pods_unscheduled": self.unscheduled,
            "pods_waiting_for_address": self.waiting,
            "addresses_held": held,
            "addresses_used": used,
            "prefixes_held": prefixes,
            "secondary_ips_held": ips,
            "enis": enis,
            "tenant_addresses": sum(len(t) for t in self.tenants),
            "free_addresses": sum(s.free_ip_count() for s in self.subnets),
            "available_addresses": sum(s.available_ip_count() for s in self.subnets),
            "free_prefixes": sum(s.free_prefix_count() for s in self.subnets),
        }

    # ------------------------------------------------------- invariants

    def check(self) -> None:
        """Assert the model's invariants (the debug mode, after every event):
        per node, no ENI holds more prefixes or /32s than its slots, no more
        ENIs than MAX_ENI allows, pods with an address within max pods, held >=
        used, and every prefix, /32 and ENI primary ipamd holds is an allocation
        of that size in its subnet; over the cluster, the pod lists agree with
        the nodes' counts, and every subnet's allocations are exactly those of
        the nodes, the tenants and the pre-occupation; each subnet passes its
        own core check. Raises AssertionError. O(subnet sizes + pods)."""
        expected = [0] * len(self.subnets)
        waiting = 0
        per_node: dict[int, int] = {}
        for nid in self.pods:
            per_node[nid] = per_node.get(nid, 0) + 1
        for node in self.nodes.values():
            ipam = node.ipam
            books = ipam.to_dict()
            assert ipam.enis <= ipam.max_eni, (node.id, ipam.enis, ipam.max_eni)
            for eni in books["per_eni"]:
                assert len(eni["pods_per_cidr"]) <= ipam.slots_per_eni, (node.id, eni)
            assert ipam.used <= ipam.pod_capacity <= ipam.max_pods, (node.id, ipam.used)
            assert ipam.held >= ipam.used, (node.id, ipam.held, ipam.used)
            assert per_node.get(node.id, 0) == node.pods, (node.id, node.pods)
            total = 0
            for handle, size in node.alloc.held.items():
                subnet, off = node.alloc.subnet_offset(handle)
                assert subnet.allocation_size_at(off) == size, (node.id, handle, size)
                expected[handle >> _SHIFT] += size
                total += size
            assert total == ipam.held + ipam.enis, (node.id, total, ipam.held, ipam.enis)
            waiting += node.waiting
        assert waiting == self.waiting, (waiting, self.waiting)
        assert len(per_node) <= len(self.nodes)
        for t in self.tenants:
            for handle in t:
                expected[handle >> _SHIFT] += 1
                subnet = self.subnets[handle >> _SHIFT]
                assert subnet.allocation_size_at(handle & _MASK) == 1
        for i, (spec, subnet) in enumerate(zip(self.scenario.subnets, self.subnets, strict=True)):
            m = subnet.extent_map
            allocated = subnet.usable_ip_count() - m.nfree
            assert allocated == expected[i] + spec.preoccupied_ips, (
                subnet.subnet_id,
                allocated,
                expected[i],
            )
            subnet_check = getattr(subnet, "_check", None)  # the core's own, when it has one
            if subnet_check is not None:
                subnet_check()
            m._check()


def _probe(settings: CniSettings, limits: InstanceLimits) -> NodeIpam:
    """One node's model on a counting allocator: validates the settings for
    the instance type before the run, and gives max pods."""
    from ..ipamd import CountingAllocator

    return NodeIpam(settings, limits, CountingAllocator())
