"""Executors: the same seeds give the same benchmark in-process, in a local
process pool, on a Dask LocalCluster, and on a Dask scheduler and worker
started from their command lines on 127.0.0.1 (bounded in time, always torn
down). The work is the real simulator (run_task)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bench_custom_policy  # registers a custom policy, as a user's module would
import pytest

import subnetfrag as sf
from subnetfrag.cli import main
from subnetfrag.sim import Scenario
from subnetfrag.sim.bench import RunTask, bench, run_task
from subnetfrag.sim.executors import (
    DaskExecutor,
    ExecutorUnavailable,
    InProcessExecutor,
    ProcessPoolExecutor,
    make_executor,
)

SMALL = Scenario.bundled("steady-churn").with_override("duration_s", 900)
POLICIES = ["random", "pack", bench_custom_policy.POLICY.name]
SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    return bench(SMALL, policies=POLICIES, seeds=SEEDS, progress=False).to_dict()


def test_in_process_runs_every_task_in_order() -> None:
    tasks = [RunTask(0, SMALL, "random", s) for s in SEEDS]
    out = list(InProcessExecutor().run(run_task, tasks))
    assert [i for i, _ in out] == [0, 1, 2]
    assert [r.seed for _, r in out] == SEEDS
    # different seeds, different runs
    assert len({r.metrics["free_prefixes"] for _, r in out}) > 1


def test_a_process_pool_gives_the_same_results(reference: dict[str, Any]) -> None:
    ex = ProcessPoolExecutor(2)
    try:
        result = bench(SMALL, policies=POLICIES, seeds=SEEDS, executor=ex, progress=False)
        assert ex.describe() == "2 processes" and result.executor == "2 processes"
        assert result.to_dict() == reference
        # a task's error comes back to the caller
        with pytest.raises(sf.UnknownPolicy, match="no-such-policy"):
            list(ex.run(run_task, [RunTask(0, SMALL, "no-such-policy", 0)]))
    finally:
        ex.close()


def test_a_dask_local_cluster_gives_the_same_results(reference: dict[str, Any]) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        ex = DaskExecutor(client)
        result = bench(SMALL, policies=POLICIES, seeds=SEEDS, executor=ex, progress=False)
        ex.close()  # leaves the client it did not open
        assert client.status == "running"
        assert ex.describe().startswith("Dask at tcp://127.0.0.1:")
        assert result.to_dict() == reference


def _wait_for(path: Path, what: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start within {seconds} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def dask_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`dask scheduler` and one `dask worker` as processes on 127.0.0.1; yields
    the scheduler's address; always stops both (by their own process ids)."""
    pytest.importorskip("distributed")
    tmp_path = tmp_path_factory.mktemp("dask")
    info = tmp_path / "scheduler.json"
    common = ["--dashboard-address", "127.0.0.1:0"]
    procs: list[subprocess.Popen[bytes]] = []
    logs = [open(tmp_path / name, "wb") for name in ("scheduler.log", "worker.log")]  # noqa: SIM115
    try:
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                 "--scheduler-file", str(info), *common],
                stdout=logs[0], stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        _wait_for(info, "dask scheduler", procs[0])
        address = json.loads(info.read_text())["address"]
        # The worker imports the module that registers the custom policy
        # (--preload), as docs/simulation.md tells users to do.
        env = {**os.environ, "PYTHONPATH": str(Path(bench_custom_policy.__file__).parent)}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "dask", "worker", address, "--host", "127.0.0.1",
                 "--nthreads", "2", "--no-nanny", "--preload", "bench_custom_policy", *common],
                stdout=logs[1], stderr=subprocess.STDOUT, env=env,
            )
        )  # fmt: skip
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
        for log in logs:
            log.close()


def test_dask_scheduler_and_worker_from_their_command_lines(
    dask_processes: str, reference: dict[str, Any]
) -> None:
    ex = make_executor(scheduler=dask_processes)
    try:
        assert isinstance(ex, DaskExecutor)
        ex.client.wait_for_workers(1, timeout=60)
        result = bench(SMALL, policies=POLICIES, seeds=SEEDS, executor=ex, progress=False)
        assert result.to_dict() == reference
    finally:
        ex.close()


def test_bench_policies_on_the_command_line_with_a_scheduler(
    dask_processes: str, reference: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench-policies", "steady-churn", "--set", "duration_s=900", "--seeds", "3",
            "--policies", ",".join(POLICIES), "--scheduler", dask_processes,
            "--format", "json"]  # fmt: skip
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["cells"] == reference["cells"]


def test_an_unreachable_scheduler_is_a_one_line_error() -> None:
    with pytest.raises(
        ExecutorUnavailable, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"
    ):
        DaskExecutor("tcp://127.0.0.1:9", timeout_s=1)


def test_a_missing_dask_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorUnavailable, match=r"pip install 'subnetfrag\[dask\]'"):
        DaskExecutor("tcp://127.0.0.1:8786")


def test_make_executor() -> None:
    assert isinstance(make_executor(), InProcessExecutor)
    assert isinstance(make_executor(1), InProcessExecutor)
    pool = make_executor(3)
    assert isinstance(pool, ProcessPoolExecutor) and pool.workers == 3
    assert isinstance(make_executor(0), ProcessPoolExecutor | InProcessExecutor)
    with pytest.raises(ValueError, match="not both"):
        make_executor(2, "tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="0 \\(one per CPU\\) or more"):
        make_executor(-1)
    with pytest.raises(ValueError, match="one worker or more"):
        ProcessPoolExecutor(0)
