"""Hypothesis profiles for the whole suite.

``ci`` (the default, used by ``make test`` and so by ``.ci/run``) is
deterministic: ``derandomize=True`` draws the same examples on every run and no
example database is read or written, so a landing never depends on luck and a
failure seen once is seen again by everyone. ``thorough`` explores: random
examples, ten times more of them, and the local ``.hypothesis`` database to
replay what it found (19 minutes measured on a shared 2-core machine): ``make test-thorough``.
Neither has a deadline: a slow machine must never turn into a failing test.
Every setting that matters is given explicitly: when ``CI`` is set, hypothesis
makes its own derandomized CI profile the default that new profiles inherit,
which would silently turn ``thorough`` into a fixed replay on a CI machine.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    derandomize=False,
    database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
    max_examples=1000,
    stateful_step_count=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
