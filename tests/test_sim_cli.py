"""``subnetfrag simulate`` in-process: output formats against the library's
own result, --list, --set, and one-line errors with their exit statuses."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

from subnetfrag.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from subnetfrag.sim import Scenario, simulate


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_list_shows_each_bundled_scenario_on_one_line() -> None:
    status, out, err = run("simulate", "--list")
    assert status == EXIT_OK and err == ""
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == Scenario.bundled_names()
    for line in lines:
        name = line.split()[0]
        assert line.split(None, 1)[1] == Scenario.bundled(name).description


def test_json_is_the_library_result_with_the_overrides_applied() -> None:
    status, out, _ = run(
        "simulate", "seed-5-nodes", "--policy", "pack", "--seed", "4", "--format", "json",
        "--set", "cluster.warm_prefix_target=", "--set", "cluster.warm_ip_target=1",
        "--set", "cluster.minimum_ip_target=1", "--set", "duration_s=300",
    )  # fmt: skip
    assert status == EXIT_OK
    sc = (
        Scenario.bundled("seed-5-nodes")
        .with_override("cluster.warm_prefix_target", None)
        .with_override("cluster.warm_ip_target", 1)
        .with_override("cluster.minimum_ip_target", 1)
        .with_override("duration_s", 300)
    )
    assert json.loads(out) == simulate(sc, policy="pack", seed=4).to_dict()
    assert json.loads(out)["summary"]["prefixes_held"] == 5


def test_csv_is_the_series_and_text_shows_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        Path(__file__).parent.parent.joinpath("subnetfrag/data/scenarios/seed-5-nodes.toml")
        .read_text()
        .replace('name = "seed-5-nodes"', 'name = "mine"')
    )  # fmt: skip
    status, out, _ = run("simulate", str(path), "--format", "csv")
    assert status == EXIT_OK
    rows = list(csv.DictReader(io.StringIO(out)))
    result = simulate(Scenario.from_file(path))
    assert len(rows) == len(result.series)
    assert [float(r["t_s"]) for r in rows] == [row["t_s"] for row in result.series]
    assert [int(r["free_prefixes"]) for r in rows] == [
        row["free_prefixes"] for row in result.series
    ]
    status, out, _ = run("simulate", str(path), "--debug-invariants")
    assert status == EXIT_OK
    assert out.startswith("scenario mine: 5 m5.large nodes")
    s = result.summary
    assert f"free /28 prefixes              {s['free_prefixes']}" in out
    assert "first InsufficientCidrBlocks   never" in out
    assert out.rstrip().splitlines()[-1].split()[0] == "600"


def test_errors_are_one_line_with_their_exit_status(tmp_path: Path) -> None:
    cases = [
        (("simulate",), EXIT_USAGE, "give a scenario"),
        (("simulate", "--list", "seed-5-nodes"), EXIT_USAGE, "--list takes no scenario"),
        (("simulate", "seed-5-nodes", "--set", "duration_s"), EXIT_USAGE, "KEY=VALUE"),
        (("simulate", "seed-5-nodes", "--seed", "x"), EXIT_USAGE, "not an integer"),
        (("simulate", "seed-5-nodes", "--format", "xml"), EXIT_USAGE, "invalid choice"),
        (("simulate", "no-such"), EXIT_ERROR, "neither a bundled scenario"),
        (("simulate", str(tmp_path / "x.toml")), EXIT_ERROR, "cannot read scenario"),
        (("simulate", "seed-5-nodes", "--set", "cluster.warm_ip_targt=1"), EXIT_ERROR,
         "unknown key cluster.warm_ip_targt"),
        (("simulate", "seed-5-nodes", "--set", "duration_s=-5"), EXIT_ERROR, "duration_s"),
        (("simulate", "seed-5-nodes", "--policy", "best"), EXIT_USAGE,
         "unknown policy 'best'; expected one of lowest, pack, random"),
    ]  # fmt: skip
    # an unknown policy is a usage error in every command that takes one
    for argv in (
        ("bench-policies", "seed-5-nodes", "--policies", "best"),
        ("replay", "x.json", "--subnets", "s.json", "--enis", "e.json", "--policy", "best"),
    ):
        cases.append((argv, EXIT_USAGE, "unknown policy 'best'"))
    for argv, expected, text in cases:
        status, out, err = run(*argv)
        assert status == expected, argv
        assert out == ""
        assert err.count("\n") == 1 and text in err, (argv, err)
        assert "Traceback" not in err


HOSTILE_TOML = {
    "deep.toml": b"a = " + b"[" * 100_000 + b"\n",
    "deep-closed.toml": b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "deep-tables.toml": b"a = " + b"{b = " * 100_000 + b"1" + b"}" * 100_000 + b"\n",
    "bigint.toml": b"duration_s = " + b"9" * 5000 + b"\n",
    "garbage.toml": bytes(range(128, 256)) * 8,
}


def test_hostile_scenario_files_are_one_line_and_the_input_error_status(tmp_path: Path) -> None:
    says = {"deep": "nested too deeply", "bigint": "4,300 digits", "garbage": "not UTF-8"}
    for name, body in HOSTILE_TOML.items():
        path = tmp_path / name
        path.write_bytes(body)
        for command in ("simulate", "bench-policies"):
            status, out, err = run(command, str(path))
            assert (status, out) == (EXIT_ERROR, ""), (command, name, err)
            assert err.startswith(f"subnetfrag: error: scenario {path}")
            assert err.count("\n") == 1 and says[name.split("-")[0].split(".")[0]] in err


def test_hostile_set_and_vary_values_are_one_line_and_the_input_error_status() -> None:
    huge = "9" * 4000  # parses, but is no float
    cases = [
        (("simulate", "seed-5-nodes", "--set", "x=" + "[" * 100_000), "nested too deeply"),
        (("simulate", "seed-5-nodes", "--set", "duration_s=" + "9" * 5000), "4,300 digits"),
        (("simulate", "seed-5-nodes", "--set", f"duration_s={huge}"), "beyond a float"),
        (("simulate", "seed-5-nodes", "--set", f"checkpoint_s={huge}"), "beyond a float"),
        (("bench-policies", "seed-5-nodes", "--vary", "duration_s=1," + "9" * 5000),
         "4,300 digits"),
        (("bench-policies", "seed-5-nodes", "--vary", f"duration_s=60,{huge}"),
         "beyond a float"),
    ]  # fmt: skip
    for argv, text in cases:
        status, out, err = run(*argv)
        assert (status, out) == (EXIT_ERROR, ""), (argv[:3], err)
        assert err.count("\n") == 1 and text in err, (argv[:3], err)


def test_control_characters_from_a_scenario_never_reach_the_terminal() -> None:
    name = "name=evil\x1b[31m\nFAKE LINE\u202e"
    status, out, err = run("simulate", "seed-5-nodes", "--set", name, "--set", "description=")
    assert (status, err) == (EXIT_OK, "")
    assert "\x1b" not in out and "\u202e" not in out and "FAKE LINE" not in out.splitlines()[1]
    assert (
        out.splitlines()[0]
        == "scenario evil\\x1b[31m\\nFAKE LINE\\u202e: evil\\x1b[31m\\nFAKE LINE\\u202e"
    )
    status, out, err = run(
        "bench-policies", "seed-5-nodes", "--seeds", "1", "--policies", "lowest",
        "--set", name, "--vary", "description=a,b\x1b[2J",
    )  # fmt: skip
    assert status == EXIT_OK, err
    assert "\x1b" not in out and "\u202e" not in out
    assert out.startswith("scenario evil\\x1b[31m\\nFAKE LINE\\u202e: 1 policy")
    assert "lowest, description=b\\x1b[2J" in out


def test_a_huge_kubelet_max_pods_is_no_cap_not_a_huge_allocation() -> None:
    # The scheduler kept one bucket per possible pod count: max_pods=10**12
    # allocated 10**12 lists (seconds per 10**7, then out of memory). Now it
    # runs like any cap the pods never reach.
    def summary(max_pods: int) -> dict[str, object]:
        status, out, err = run(
            "simulate", "seed-5-nodes", "--set", "duration_s=300",
            "--set", f"cluster.max_pods={max_pods}", "--format", "json",
        )  # fmt: skip
        assert (status, err) == (EXIT_OK, "")
        result: dict[str, object] = json.loads(out)["summary"]
        assert result.pop("max_pods") == max_pods
        return result

    assert summary(10**12) == summary(110)


def test_a_ramp_that_puts_a_tick_on_a_rounding_edge_ends() -> None:
    # ramp_s=1 starts the 5 nodes at 0.2 s steps; a node's next ipamd tick
    # after 17.9 s came out as 2.9 + 3 * 5.0 == 17.9 (floor of 14.999...), the
    # same instant, and the run looped there forever.
    status, out, err = run(
        "simulate", "seed-5-nodes", "--set", "duration_s=60", "--set", "checkpoint_s=30",
        "--set", "phases.0.ramp_s=1", "--format", "json",
    )  # fmt: skip
    assert (status, err) == (EXIT_OK, "")
    summary = json.loads(out)["summary"]
    assert (summary["nodes"], summary["pods_running"]) == (5, 5)


def test_odd_override_indexes_and_scenario_names_are_input_errors() -> None:
    # "²" passes str.isdigit() but not int(); a 5,000-character name made
    # Path.exists() raise "File name too long"; a scheduler address without a
    # port made distributed raise ValueError: each was an internal error (70).
    long_name = "a" * 5000
    cases = [
        (("simulate", "seed-5-nodes", "--set", "phases.².nodes=1"),
         "unknown key phases.².nodes: phases.² is not an index (0 to 0)"),
        (("bench-policies", "seed-5-nodes", "--seeds", "1", "--vary", "phases.².nodes=1,2"),
         "unknown key phases.².nodes: phases.² is not an index (0 to 0)"),
        (("simulate", long_name), "is neither a bundled scenario"),
        (("bench-policies", "seed-5-nodes", "--seeds", "1", "--scheduler", "bogus"),
         "cannot reach the Dask scheduler at bogus: missing port number"),
    ]  # fmt: skip
    for argv, text in cases:
        status, out, err = run(*argv)
        assert (status, out) == (EXIT_ERROR, ""), (argv[:3], err)
        assert err.count("\n") == 1 and text in err, (argv[:3], err)


def test_absurd_seed_and_worker_counts_are_usage_errors() -> None:
    # 10**30 seeds: bench() built list(range(10**30)) (OverflowError, exit 70);
    # 10**30 workers: a process pool of 10**30 (OverflowError, exit 70).
    huge = str(10**30)
    for option in ("--seeds", "--workers"):
        status, out, err = run("bench-policies", "seed-5-nodes", option, huge)
        assert (status, out) == (EXIT_USAGE, "") and err.count("\n") == 1, err
        assert f"argument {option}: must be at most " in err and "1,000,000,000" in err
