"""The pieces of the command line that several commands share, defined once:
``simulate`` and ``bench-policies`` take the same scenario options and read
``KEY=VALUE`` alike (cli/scenario_options.py); every command is made by
``add_command`` and writes its ``--format`` through ``Output.write_result``."""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from collections.abc import Callable

import pytest

from subnetfrag.cli.output import Output
from subnetfrag.cli.parser import UsageError, build_parser
from subnetfrag.cli.scenario_options import key_values, load_scenario, overrides
from subnetfrag.render.plots import PlotUnavailable
from subnetfrag.sim import Scenario, ScenarioError


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser("0")
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action:
    return next(a for a in parser._actions if flag in a.option_strings)


def test_simulate_and_bench_policies_take_the_same_scenario_options() -> None:
    cmds = _commands()
    for flag in ("--set", "--format", "--plot", "--color"):
        sim, bench = _option(cmds["simulate"], flag), _option(cmds["bench-policies"], flag)
        for attr in ("dest", "choices", "default", "metavar", "nargs"):
            assert getattr(sim, attr) == getattr(bench, attr), (flag, attr)
    assert _option(cmds["simulate"], "--format").choices == ("text", "json", "csv")


def test_every_command_has_a_wrapped_description_and_its_examples() -> None:
    for name, sub in _commands().items():
        assert sub.formatter_class is argparse.RawDescriptionHelpFormatter, name
        assert sub.description and sub.epilog and "examples:" in sub.epilog, name
        assert max(len(line) for line in sub.description.splitlines()) <= 79, name


def _parser() -> argparse.ArgumentParser:
    from subnetfrag.cli.parser import ArgumentParser

    return ArgumentParser(prog="subnetfrag test")


def test_key_values_keeps_the_value_as_written() -> None:
    items = [" cluster.max_eni =2", "name==x=", "duration_s="]
    assert key_values(_parser(), items, "--set") == [
        ("cluster.max_eni", "2"),
        ("name", "=x="),
        ("duration_s", ""),
    ]
    assert overrides(_parser(), ["duration_s=60", "name=a b", "cluster.max_eni="]) == [
        ("duration_s", 60),
        ("name", "a b"),
        ("cluster.max_eni", None),  # an empty value unsets the key
    ]


@pytest.mark.parametrize("item", ["duration_s", "=5", " =5"])
def test_a_malformed_item_is_a_usage_error_naming_the_option(item: str) -> None:
    with pytest.raises(UsageError, match=f"--set takes KEY=VALUE, not {item!r}"):
        key_values(_parser(), ["a=1", item], "--set")
    # --vary's help shows KEY=V1,V2: its error shows the same form.
    with pytest.raises(UsageError, match=re.escape(f"--vary takes KEY=V1,V2,..., not {item!r}")):
        key_values(_parser(), ["a=1", item], "--vary", "KEY=V1,V2,...")


def test_load_scenario_applies_the_changes_in_order() -> None:
    got = load_scenario("seed-5-nodes", [("duration_s", 600), ("duration_s", 120)])
    assert got == Scenario.bundled("seed-5-nodes").with_override("duration_s", 120)
    with pytest.raises(ScenarioError, match=r"unknown key cluster\.nope"):
        load_scenario("seed-5-nodes", [("cluster.nope", 1)])


def test_a_missing_matplotlib_stops_load_scenario_before_the_scenario_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(PlotUnavailable):
        load_scenario("no-such-scenario", [], plot="x.png")
    with pytest.raises(ScenarioError):  # no plot asked: matplotlib is not needed
        load_scenario("no-such-scenario", [])


def test_write_json_is_indented_and_ends_the_line() -> None:
    out = io.StringIO()
    Output.for_streams("never", out, io.StringIO()).write_json({"b": [1, None], "a": "é"})
    assert out.getvalue() == json.dumps({"b": [1, None], "a": "é"}, indent=2) + "\n"
    assert json.loads(out.getvalue()) == {"b": [1, None], "a": "é"}
    failed = io.StringIO()
    with pytest.raises(TypeError):
        Output.for_streams("never", failed, io.StringIO()).write_json({"x": object()})
    assert failed.getvalue() == ""  # nothing half-written


def test_write_result_renders_only_the_chosen_format() -> None:
    drawn: list[str] = []

    def render(form: str) -> Callable[[], str]:
        def draw() -> str:
            drawn.append(form)
            return f"{form} form\n"

        return draw

    def document() -> dict[str, int]:
        drawn.append("json")
        return {"n": 1}

    for fmt, expected in (
        ("json", '{\n  "n": 1\n}\n'),
        ("csv", "csv form\n"),
        ("text", "text form\n"),
    ):
        out = io.StringIO()
        Output.for_streams("never", out, io.StringIO()).write_result(
            fmt, document, render("text"), render("csv")
        )
        assert out.getvalue() == expected
    assert drawn == ["json", "csv", "text"]
    with pytest.raises(ValueError, match="no csv output"):
        Output.for_streams("never", io.StringIO(), io.StringIO()).write_result(
            "csv", lambda: {"n": 1}, render("text")
        )
