"""The bundled example: one fragmented /20 of an EKS cluster in prefix mode.

``subnetfrag/data/example/{subnets,enis,reservations}.json`` hold the output of
the three AWS CLI calls, in their exact shapes, for one private subnet: node
primaries and VPC CNI pod ENIs with prefixes, a legacy node group still in
secondary-IP mode, Lambda, load balancer, VPC endpoint, RDS and EKS
control-plane ENIs scattered where EC2 put them, a leaked ENI, and one
``prefix`` CIDR reservation made late. ``scripts/gen_example.py`` generates them
(deterministically).
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

from .ingest import ENIS as _ENIS
from .ingest import RESERVATIONS, SUBNETS, build_state, read_pages
from .state import AwsState

__all__ = ["EXAMPLE_SUBNET_ID", "example_paths", "load_example"]

#: The id of the example's subnet.
EXAMPLE_SUBNET_ID = "subnet-0e4d2f6a8c1b3d5e7"
_FILES = {SUBNETS: "subnets.json", _ENIS: "enis.json", RESERVATIONS: "reservations.json"}


def example_paths() -> dict[str, Traversable]:
    """The example's three files, by call name (``describe-subnets``,
    ``describe-network-interfaces``, ``get-subnet-cidr-reservations``). O(1)."""
    root = resources.files("subnetfrag") / "data" / "example"
    return {call: root / name for call, name in _FILES.items()}


def load_example(*, seed: int | None = None) -> AwsState:
    """The example loaded as :func:`~subnetfrag.aws.load_files` would load it.

    Raises :class:`~subnetfrag.aws.AwsInputError` only if the installed files are
    damaged. Cost: about 5 ms (87 ENIs).
    """
    pages = {}
    for call, res in example_paths().items():
        with res.open("rb") as fh:
            pages[call] = read_pages(fh, call)
    return build_state(
        pages[SUBNETS], pages[_ENIS], pages[RESERVATIONS], seed=seed, source="example"
    )
