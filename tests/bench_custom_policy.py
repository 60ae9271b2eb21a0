"""A custom allocation policy registered at import: what a user's module does
so that process-pool and Dask workers know the policy by name
(tests/test_executors.py imports it; docs/simulation.md explains)."""

from __future__ import annotations

from random import Random

from subnetfrag import register_policy
from subnetfrag.extents import ExtentMap
from subnetfrag.policies import Lowest, Pack


class LowestAddressPackedBlock:
    """/32s first fit by address, /28s best fit: a mix of lowest and pack."""

    name = "test-lowest-pack"

    def choose_address(self, m: ExtentMap, rng: Random) -> int:
        return Lowest().choose_address(m, rng)

    def choose_block(self, m: ExtentMap, tier: int, rng: Random) -> int:
        return Pack().choose_block(m, tier, rng)


POLICY = LowestAddressPackedBlock()
register_policy(POLICY)
