"""Simulation of a VPC subnet under an EKS cluster over time, to benchmark
allocation policies, reservation layouts, VPC CNI settings, schedulers and
subnet selection (docs/simulation.md).

A layer above the core, the ipamd model and the pool: nothing below imports it,
and it imports nothing from :mod:`subnetfrag.aws` above it.

- :class:`Scenario` (:mod:`.scenario`): what to run, from TOML or a dict;
  :meth:`Scenario.bundled` names the scenarios shipped with the package.
- :func:`simulate` (:mod:`.simulate`): one run, one policy, one seed ->
  :class:`SimResult` (:mod:`.result`), with ``summary`` and ``series``.
- :mod:`.engine` (the discrete-event clock), :mod:`.cluster` (subnets, nodes
  running :class:`subnetfrag.ipamd.NodeIpam`, pods, tenants, invariants),
  :mod:`.workload` (phases, churn, bursts, node replacement, tenants) and
  :mod:`.scheduler` (spread and binpack).
- :func:`bench` (:mod:`.bench`): policies x variations x seeds, means and 95 %
  confidence intervals, ranked; on the executors of :mod:`.executors`
  (in-process, a process pool, Dask), with :mod:`.stats`.
- :func:`replay` (:mod:`.replay`): a trace (:mod:`.trace`) of a subnet's ENI
  and address calls replayed as recorded, or under another policy or
  reservation. Reading CloudTrail and describe output is the AWS layer's
  (:func:`subnetfrag.aws.replay_files`; ``replay_files`` left this package).
- :func:`headroom` (:mod:`.headroom`): how many more nodes fit in subnets as
  they are now, with the same node model.
"""

from .bench import BenchCell, BenchResult, bench
from .headroom import HeadroomFigures, HeadroomResult, InvalidHeadroomArgument, headroom
from .replay import AS_RECORDED, ReplayError, ReplayResult, SubnetReplay, replay
from .result import SERIES_KEYS, SUMMARY_KEYS, SimResult
from .scenario import (
    RESERVATION_LAYOUTS,
    SCHEDULERS,
    SUBNET_SELECTIONS,
    TENANT_KINDS,
    Scenario,
    ScenarioError,
    parse_value,
)
from .simulate import simulate

__all__ = [
    "AS_RECORDED",
    "RESERVATION_LAYOUTS",
    "SCHEDULERS",
    "SERIES_KEYS",
    "SUBNET_SELECTIONS",
    "SUMMARY_KEYS",
    "TENANT_KINDS",
    "BenchCell",
    "BenchResult",
    "HeadroomFigures",
    "HeadroomResult",
    "InvalidHeadroomArgument",
    "ReplayError",
    "ReplayResult",
    "Scenario",
    "ScenarioError",
    "SimResult",
    "SubnetReplay",
    "bench",
    "headroom",
    "parse_value",
    "replay",
    "simulate",
]
