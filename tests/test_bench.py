"""The policy benchmark: the grid, the numbers per cell against runs made by
hand, the ranking, the outputs (JSON, CSV, the table, the plot), the progress
bar, and the command line."""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
import sys
from pathlib import Path

import pytest

import subnetfrag as sf
from subnetfrag.cli import main
from subnetfrag.render.plots import (
    BENCH_BAR_METRICS,
    PlotUnavailable,
    bench_figure,
    plot_bench,
    plot_simulation,
)
from subnetfrag.sim import Scenario, ScenarioError, simulate
from subnetfrag.sim.bench import BenchResult, bench

SMALL = Scenario.bundled("steady-churn").with_override("duration_s", 900)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result() -> BenchResult:
    return bench(
        SMALL,
        policies=["random", "lowest"],
        seeds=5,
        vary={"reservations": ["none", "top-quarter"]},
        progress=False,
    )


def test_the_grid(result: BenchResult) -> None:
    assert result.seeds == [0, 1, 2, 3, 4] and result.runs == 20
    labels = sorted(c.label for c in result.cells)
    assert labels == [
        "lowest, reservations=none",
        "lowest, reservations=top-quarter",
        "random, reservations=none",
        "random, reservations=top-quarter",
    ]
    for cell in result.cells:
        assert all(
            est.n == 5
            for name, est in cell.metrics.items()
            if name != "first_insufficient_cidr_blocks_s"
        )


def test_a_cell_is_the_mean_and_t_interval_of_its_runs(result: BenchResult) -> None:
    cell = next(c for c in result.cells if c.label == "random, reservations=top-quarter")
    scenario = SMALL.with_override("reservations", "top-quarter")
    runs = [simulate(scenario, policy="random", seed=s).summary for s in range(5)]
    for metric in ("free_prefixes", "aws_fragmentation_score", "addresses_held", "stranded_ips"):
        xs = [r[metric] for r in runs]
        est = cell.metrics[metric]
        assert est.mean == pytest.approx(statistics.fmean(xs))
        half = 2.776 * statistics.stdev(xs) / math.sqrt(5)  # t(0.975, 4) from the table
        assert est.ci95_high is not None and est.ci95_low is not None
        assert est.ci95_high - est.ci95_low == pytest.approx(2 * half, rel=1e-3, abs=1e-9)
    fails = [r["failures"]["InsufficientCidrBlocks"] for r in runs]
    assert cell.metrics["failures.InsufficientCidrBlocks"].mean == pytest.approx(
        statistics.fmean(fails)
    )
    # the free /28s band ends where the runs end
    last = cell.free_prefixes_series[-1]
    assert last["mean"] == pytest.approx(statistics.fmean(r["free_prefixes"] for r in runs))
    assert last["t_s"] == 900


def test_cells_are_ranked(result: BenchResult) -> None:
    keys = [
        (c.mean("failures.InsufficientCidrBlocks"), -(c.mean("free_prefixes") or 0))
        for c in result.cells
    ]
    assert keys == sorted(keys)
    table = result.table()
    assert "rank  policy / variation" in table
    assert table.splitlines()[4].split()[:2] == ["1", result.cells[0].policy + ","]


def test_json_and_csv(result: BenchResult) -> None:
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["scenario"] == "steady-churn" and doc["vary"] == {
        "reservations": ["none", "top-quarter"]
    }
    cell = doc["cells"][0]
    assert set(cell) == {"policy", "variation", "metrics", "free_prefixes_series"}
    assert set(cell["metrics"]["free_prefixes"]) == {"mean", "ci95_low", "ci95_high", "n"}
    rows = list(csv.reader(io.StringIO(result.to_csv())))
    assert rows[0] == [
        "rank",
        "policy",
        "variation",
        "metric",
        "mean",
        "ci95_low",
        "ci95_high",
        "n",
    ]
    assert len(rows) == 1 + sum(len(c.metrics) for c in result.cells)
    assert {r[2] for r in rows[1:]} == {"reservations=none", "reservations=top-quarter"}


def test_seed_lists_and_a_cell_with_an_icb_failure() -> None:
    scenario = Scenario.bundled("scale-to-exhaustion").with_override("duration_s", 9000)
    r = bench(scenario, policies=["random"], seeds=[3, 5], progress=False)
    assert r.seeds == [3, 5]
    cell = r.cells[0]
    direct = [simulate(scenario, policy="random", seed=s).summary for s in (3, 5)]
    firsts = [d["first_insufficient_cidr_blocks_s"] for d in direct]
    assert all(f is not None for f in firsts)
    assert cell.metrics["first_insufficient_cidr_blocks_s"].mean == pytest.approx(
        statistics.fmean(firsts)
    )
    assert cell.metrics["insufficient_cidr_blocks_runs"].mean == 1.0


def test_progress_bar() -> None:
    stream = io.StringIO()
    bench(SMALL, policies=["pack"], seeds=2, progress=stream)
    text = stream.getvalue()
    assert "\r[" in text and "2/2 runs" in text and text.endswith("\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_goes_to_stderr_when_it_is_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    bench(SMALL, policies=["pack"], seeds=2)
    text = err.getvalue()
    assert "] 1/2 runs" in text and "] 2/2 runs" in text and text.endswith("\n")
    assert text.count("\r[") == 2


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    bench(SMALL, policies=["pack"], seeds=1)
    assert capsys.readouterr().err == ""


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one policy"):
        bench(SMALL, policies=[])
    with pytest.raises(ValueError, match="at least one seed"):
        bench(SMALL, seeds=0)
    with pytest.raises(ValueError, match="at least one value"):
        bench(SMALL, vary={"reservations": []})
    with pytest.raises(sf.UnknownPolicy):
        bench(SMALL, policies=["best"])
    with pytest.raises(ScenarioError, match="nope"):
        bench(SMALL, vary={"cluster.nope": [1]})


# -------------------------------------------------------------------- plots


def test_plots_are_pngs(result: BenchResult, tmp_path: Path) -> None:
    plot_bench(result, tmp_path / "bench.png")
    run = simulate(
        Scenario.bundled("scale-to-exhaustion").with_override("duration_s", 9000), seed=1
    )
    plot_simulation(run, tmp_path / "run.png")
    for name in ("bench.png", "run.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 20_000


def test_every_bar_panel_says_each_cells_value(result: BenchResult) -> None:
    """A bar of length 0 shows nothing: a panel whose cells are all 0 writes
    0 beside each, one with no value writes never / n/a (the docs' figure had
    an empty 'free /28 prefixes at the end' panel)."""
    panels = {ax.get_title(): ax for ax in bench_figure(result).axes}
    all_zero = 0
    for metric, title in BENCH_BAR_METRICS:
        ax = panels[title]
        means = [c.metrics[metric].mean if metric in c.metrics else None for c in result.cells]
        labels = [t.get_text().strip() for t in ax.texts]
        missing = "never" if metric.startswith("first_") else "n/a"
        if not any(means):
            all_zero += 1
            assert sorted(labels) == sorted("0" if m is not None else missing for m in means)
        else:
            assert labels == [missing] * means.count(None)
    assert all_zero  # this grid has such a panel (no InsufficientCidrBlocks, no pending pod)


def test_a_missing_matplotlib_is_one_line(
    result: BenchResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(PlotUnavailable, match=r"pip install 'subnetfrag\[plot\]'"):
        plot_bench(result, tmp_path / "x.png")
    for argv in (["simulate", "seed-5-nodes"], ["bench-policies", "steady-churn"]):
        assert main([*argv, "--plot", str(tmp_path / "x.png")]) == 3
        err = capsys.readouterr().err
        assert err == "subnetfrag: error: plots need matplotlib: pip install 'subnetfrag[plot]'\n"
    assert not (tmp_path / "x.png").exists()


def test_an_unwritable_plot_is_an_error(result: BenchResult, tmp_path: Path) -> None:
    with pytest.raises(sf.SubnetFragError, match="cannot write the plot"):
        plot_bench(result, tmp_path / "missing-dir" / "x.png")


# ------------------------------------------------------------- command line


def test_cli_text_json_csv_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["bench-policies", "steady-churn", "--set", "duration_s=900", "--seeds", "3",
            "--policies", "pack,random"]  # fmt: skip
    assert main([*base, "--plot", str(tmp_path / "b.png"), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "scenario steady-churn: 2 policies x 1 variation(s) x 3 seed(s) = 6 runs (in-process"
    )
    assert (tmp_path / "b.png").read_bytes().startswith(PNG)
    assert (
        main(
            [
                *base,
                "--vary",
                "cluster.warm_prefix_target=1,2",
                "--format",
                "json",
                "--workers",
                "2",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["vary"] == {"cluster.warm_prefix_target": [1, 2]} and len(doc["cells"]) == 4
    direct = bench(SMALL, policies=["pack", "random"], seeds=3,
                   vary={"cluster.warm_prefix_target": [1, 2]}, progress=False)  # fmt: skip
    assert doc["cells"] == direct.to_dict()["cells"]
    assert main([*base, "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith(
        "rank,policy,variation,metric,mean,ci95_low,ci95_high,n\n"
    )


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--policies", "pack,best"], 2, "unknown policy 'best'"),
        (["--policies", ","], 2, "--policies names no policy"),
        (["--vary", "reservations"], 2, "--vary takes KEY=V1,V2,..."),
        (["--vary", "reservations=none,"], 2, "give comma-separated values"),
        (["--vary", "seeds=1", "--vary", "seeds=2"], 2, "--vary seeds is given twice"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], 2, "not allowed with"),
        (["--seeds", "0"], 2, "must be 1 or more"),
        (["--vary", "cluster.nope=1,2"], 3, "nope"),
    ],
)
def test_cli_errors(
    argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench-policies", "seed-5-nodes", *argv]) == status
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_simulate_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "seed-5-nodes", "--plot", str(tmp_path / "s.png")]) == 0
    assert "scenario seed-5-nodes" in capsys.readouterr().out
    assert (tmp_path / "s.png").read_bytes().startswith(PNG)
