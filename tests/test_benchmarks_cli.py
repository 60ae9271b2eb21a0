"""The benchmark runner's command line (``python -m benchmarks``): it says how
to run one suite, and a suite name it does not know is a usage error that runs
nothing. No suite is run here: timings live in benchmarks/ only, never in tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_names_every_suite_and_how_to_run_one(flag: str) -> None:
    done = _run(flag)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m benchmarks [SUITE ...]")
    suites = [p.stem for p in (ROOT / "benchmarks").glob("bench_*.py")]
    assert suites
    for name in suites:
        assert f"\n  {name} " in done.stdout, name
    assert "python -m benchmarks bench_core" in done.stdout
    assert "# subnetfrag benchmarks" not in done.stdout  # nothing was run


def test_unknown_suite_is_a_usage_error_before_anything_runs() -> None:
    done = _run("bench_core", "bench_nope")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "unknown suite 'bench_nope'; choose from bench_core, bench_report, bench_ingest, "
        "bench_sim, bench_sweep"
    ]


def test_ingest_peak_is_the_childs_own_not_the_benchmark_process() -> None:
    """bench_ingest's baseline once read ``ru_maxrss``, which on Linux keeps
    the parent's peak across vfork + exec: after bench_core the bare import
    measured 51 MiB instead of 30. Holding 120 MiB here must not show."""
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.bench_ingest import peak_rss_mib
    finally:
        sys.path.remove(str(ROOT))
    held = b"\x01" * (120 * 2**20)  # resident in this process
    peak, _ = peak_rss_mib()
    assert len(held) == 120 * 2**20
    assert 0 < peak < 100, peak
