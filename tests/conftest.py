"""Hypothesis profiles for the whole suite.

``ci`` (the default) keeps the whole project's suite within its time budget;
``thorough`` explores ten times more (about ten minutes for the subnet state
machine alone): ``HYPOTHESIS_PROFILE=thorough make pytest``.
Neither has a deadline: a slow machine must never turn into a failing test.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    stateful_step_count=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
