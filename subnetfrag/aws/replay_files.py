"""Replay a CloudTrail trace on the subnets read from describe output: the
file-reading side of :func:`subnetfrag.sim.replay`.

It lives in the AWS layer because it reads AWS's formats (CloudTrail JSON,
describe-subnets / describe-network-interfaces / get-subnet-cidr-reservations
output) and hands the simulation layer below only what it models: a
:class:`~subnetfrag.sim.trace.Trace` and plain
:class:`~subnetfrag.subnet.Subnet` objects by subnet id. ``subnetfrag replay``
calls it (docs/simulation.md, "Trace replay").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

from ..sim.replay import ReplayResult, replay
from .cloudtrail import read_trace
from .ingest import Source, load_files
from .state import AwsWarning

__all__ = ["replay_files"]


def replay_files(
    trace: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    subnets: Source,
    enis: Source,
    reservations: Source | None = None,
    *,
    policy: str | None = None,
    reserve: Iterable[tuple[str, str] | str] = (),
    subnet_ids: Iterable[str] | None = None,
    seed: int | None = 0,
    warn: Callable[[AwsWarning], object] | None = None,
) -> ReplayResult:
    """Read a CloudTrail trace (:func:`~subnetfrag.aws.cloudtrail.read_trace`)
    and the starting state (:func:`~subnetfrag.aws.load_files`: describe-subnets,
    describe-network-interfaces, get-subnet-cidr-reservations output, taken
    before the trace's first event), then :func:`subnetfrag.sim.replay` on its
    subnets. ``seed`` seeds the random policy (the same seed gives the same
    replay). ``warn``, when given, is called with each warning about the
    starting state (the state's, then each subnet's: an ENI file of another
    region makes the input incomplete) before the replay.

    Raises :class:`~subnetfrag.aws.AwsInputError` for unreadable, oversized or
    malformed input (naming the file and record) and what
    :func:`~subnetfrag.sim.replay` raises.
    Cost: as :func:`~subnetfrag.sim.replay` plus reading the files.
    """
    events = read_trace(trace)
    state = load_files(subnets, enis, reservations, subnet_ids=subnet_ids, seed=seed)
    if warn is not None:
        for warning in state.all_warnings():
            warn(warning)
    return replay(events, state.subnet_map(), policy=policy, reserve=reserve)
