"""Simulation and replay of a subnet over time (a layer above the core, never
imported by it). See docs/simulation.md."""

from .replay import (
    AS_RECORDED,
    ReplayError,
    ReplayResult,
    SubnetReplay,
    replay,
    replay_files,
)

__all__ = [
    "AS_RECORDED",
    "ReplayError",
    "ReplayResult",
    "SubnetReplay",
    "replay",
    "replay_files",
]
