"""The test command is deterministic: ``make test`` (and so ``.ci/run``) runs
hypothesis in the ``ci`` profile, which draws the same examples on every run and
keeps no example database, so a green landing never depends on luck."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent


def test_ci_profile_is_derandomized_and_keeps_no_database() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.database is None


def test_thorough_profile_explores() -> None:
    # also under CI=true, where hypothesis's own CI profile is what others inherit
    thorough = settings.get_profile("thorough")
    assert thorough.derandomize is False
    assert thorough.database is not None
    assert thorough.max_examples > settings.get_profile("ci").max_examples


def test_make_test_runs_the_ci_profile_and_ci_runs_make_test() -> None:
    makefile = (ROOT / "Makefile").read_text()
    pytest_rule = re.search(r"^pytest:.*\n\t(.+)$", makefile, re.MULTILINE)
    assert pytest_rule is not None
    assert "HYPOTHESIS_PROFILE=ci" in pytest_rule.group(1)
    assert re.search(r"^test: lint pytest$", makefile, re.MULTILINE)
    assert re.search(r"^test-thorough:", makefile, re.MULTILINE)
    ci_lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))
    ]
    assert ci_lines == ["make test"]
