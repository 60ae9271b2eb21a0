"""The workload: phases of node and pod targets, pod churn, batch bursts,
rolling node replacement, and background tenants, as events on the engine.

Each behaviour is a small event handler; a handler tied to a phase carries the
phase's index and does nothing once a later phase has begun, so a phase change
needs no cancellation. Random times are exponential (Poisson processes) drawn
from the run's one RNG, so a run is reproducible from its seed.

- Phases: at ``at_s`` the targets change, at once or in even steps over
  ``ramp_s``. Nodes: more nodes join (a launch that fails for want of an
  address for the primary ENI is retried every :data:`NODE_RETRY_S`, as
  Karpenter and Auto Scaling retry); fewer nodes: the node with the fewest pods
  leaves (consolidation), its pods are re-created and rescheduled. Pods: new
  pods are placed by the scheduler; fewer pods: deleted as a ReplicaSet
  scales down (unscheduled first, then pending, then running).
- Churn: ``pod_churn_per_s`` times a second (Poisson), a random pod is deleted
  and a new one created (rolling deployments, jobs).
- Bursts: every ``burst_interval_s``, ``burst_pods`` extra pods for
  ``burst_duration_s`` (batch jobs).
- Node replacement: every ``node_replacement_interval_s``, a new node joins
  and the oldest drains and leaves (AMI roll-outs, Karpenter drift).
- Tenants: ``count`` /32s of each tenant kind arrive at t=0; ``churn_per_s``
  times a second one leaves and another arrives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .scenario import PhaseSpec

if TYPE_CHECKING:
    from collections.abc import Callable

    from .cluster import Cluster, SimNode
    from .engine import Engine

__all__ = ["NODE_RETRY_S", "Workload"]

#: Seconds between launch attempts of a node that could not get its primary address.
NODE_RETRY_S = 60.0


class Workload:
    """Drives ``cluster`` through ``engine`` as the scenario's phases say;
    ``touched(node)`` is called for every node whose pods changed (the
    simulator wakes its ipamd loop)."""

    def __init__(
        self, engine: Engine, cluster: Cluster, touched: Callable[[SimNode], None]
    ) -> None:
        self.engine = engine
        self.cluster = cluster
        self.touched = touched
        self.phase = -1
        self.nodes_target = 0
        self.pods_base = 0
        self.burst_extra = 0
        self._retry_pending = False

    def start(self) -> None:
        """Schedule the phases and the tenants. O(phases + tenants)."""
        sched = self.engine.schedule
        for i, phase in enumerate(self.cluster.scenario.phases):
            sched(phase.at_s, self._phase_start, i)
        for i, tenant in enumerate(self.cluster.scenario.tenants):
            sched(0.0, self._tenants_arrive, i)
            if tenant.churn_per_s:
                sched(self._after(tenant.churn_per_s), self._tenant_churn, i)

    # ----------------------------------------------------------- helpers

    def _after(self, rate: float) -> float:
        return self.engine.now + self.cluster.rng.expovariate(rate)

    def _spec(self) -> PhaseSpec:
        return self.cluster.scenario.phases[self.phase]

    def place(self) -> None:
        """Place unscheduled pods and wake the nodes that got one. O(pods placed)."""
        for node in self.cluster.place_pods(self.engine.now):
            self.touched(node)

    # ------------------------------------------------------------ phases

    def _phase_start(self, i: int) -> None:
        self.phase = i
        p = self._spec()
        now = self.engine.now
        sched = self.engine.schedule
        for handler, start, end in (
            (self._set_nodes, self.nodes_target, p.nodes),
            (self._set_pods, self.pods_base, p.pods),
        ):
            steps = abs(end - start)
            if p.ramp_s > 0 and steps > 1:
                sign = 1 if end > start else -1
                for k in range(1, steps + 1):
                    sched(now + p.ramp_s * k / steps, handler, (i, start + sign * k))
            else:
                handler((i, end))
        if p.pod_churn_per_s:
            sched(self._after(p.pod_churn_per_s), self._churn, i)
        if p.burst_pods:
            sched(now + p.burst_interval_s, self._burst_start, i)
        if p.node_replacement_interval_s:
            sched(now + p.node_replacement_interval_s, self._replace, i)

    def _set_nodes(self, arg: tuple[int, int]) -> None:
        i, n = arg
        if i != self.phase:
            return
        self.nodes_target = n
        self.reconcile_nodes()

    def _set_pods(self, arg: tuple[int, int]) -> None:
        i, n = arg
        if i != self.phase:
            return
        self.pods_base = n
        self.reconcile_pods()

    # ------------------------------------------------------------- nodes

    def reconcile_nodes(self) -> None:
        """Launch or remove nodes until the cluster has the target count (a
        failed launch is retried later). O(nodes) per node removed."""
        c = self.cluster
        now = self.engine.now
        while len(c.nodes) < self.nodes_target:
            node = c.launch_node(now)
            if node is None:
                if not self._retry_pending:
                    self._retry_pending = True
                    self.engine.schedule(now + NODE_RETRY_S, self._retry_nodes)
                break
            self.touched(node)
        while len(c.nodes) > self.nodes_target:
            victim = min(c.nodes.values(), key=lambda n: (n.pods, n.id))
            c.unscheduled += c.remove_node(victim)
        self.place()

    def _retry_nodes(self, _: object) -> None:
        self._retry_pending = False
        self.reconcile_nodes()

    def _replace(self, i: int) -> None:
        if i != self.phase:
            return
        c = self.cluster
        now = self.engine.now
        oldest = min(c.nodes.values(), key=lambda n: (n.joined_s, n.id), default=None)
        if oldest is not None:
            new = c.launch_node(now)
            if new is not None:
                self.touched(new)
                c.unscheduled += c.remove_node(oldest)
                self.place()
        self.engine.schedule(now + self._spec().node_replacement_interval_s, self._replace, i)

    # -------------------------------------------------------------- pods

    def reconcile_pods(self) -> None:
        """Create or delete pods until the cluster has the target count. O(change)."""
        c = self.cluster
        want = self.pods_base + self.burst_extra
        have = len(c.pods) + c.unscheduled
        if want > have:
            c.unscheduled += want - have
        elif want < have:
            for node in c.delete_pods(have - want, self.engine.now):
                self.touched(node)
        self.place()

    def _churn(self, i: int) -> None:
        if i != self.phase:
            return
        c = self.cluster
        node = c.delete_random_pod(self.engine.now)
        if node is not None:
            self.touched(node)
            c.unscheduled += 1
            self.place()
        self.engine.schedule(self._after(self._spec().pod_churn_per_s), self._churn, i)

    def _burst_start(self, i: int) -> None:
        if i != self.phase:
            return
        p = self._spec()
        self.burst_extra += p.burst_pods
        self.reconcile_pods()
        now = self.engine.now
        self.engine.schedule(now + p.burst_duration_s, self._burst_end, p.burst_pods)
        self.engine.schedule(now + p.burst_interval_s, self._burst_start, i)

    def _burst_end(self, n: int) -> None:
        self.burst_extra -= n
        self.reconcile_pods()

    # ----------------------------------------------------------- tenants

    def _tenants_arrive(self, i: int) -> None:
        c = self.cluster
        for _ in range(c.scenario.tenants[i].count - len(c.tenants[i])):
            if not c.tenant_arrive(i):
                break

    def _tenant_churn(self, i: int) -> None:
        c = self.cluster
        spec = c.scenario.tenants[i]
        if len(c.tenants[i]) >= spec.count:
            c.tenant_leave(i)
        self._tenants_arrive(i)
        self.engine.schedule(self._after(spec.churn_per_s), self._tenant_churn, i)
