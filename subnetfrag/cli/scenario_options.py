"""What ``simulate`` and ``bench-policies`` share, defined once: the options
that change a scenario and choose the output (``--set``, ``--format``,
``--plot``, ``--color``), the reading of ``KEY=VALUE`` arguments, and the
loading of the scenario with its overrides. Both commands take the same keys
(:meth:`subnetfrag.sim.Scenario.with_override`, docs/simulation.md)."""

from __future__ import annotations

import argparse
from typing import Any

from ..policies import policy_names
from ..render.terminal import COLOR_MODES
from ..sim import Scenario, parse_value

__all__ = [
    "add_scenario_options",
    "check_policies",
    "key_values",
    "load_scenario",
    "overrides",
]

#: The ``--format`` values of both commands.
SCENARIO_FORMATS: tuple[str, ...] = ("text", "json", "csv")


def add_scenario_options(
    parser: argparse.ArgumentParser, *, set_help: str, format_help: str, plot_help: str
) -> None:
    """Add ``--set KEY=VALUE`` (repeatable, into ``args.overrides``),
    ``--format text|json|csv``, ``--plot FILE.png`` and ``--color`` to
    ``parser``, with the command's own help texts. O(1)."""
    from .parser import _COLOR_HELP  # the parser module imports this one's users

    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        dest="overrides",
        action="append",
        default=[],
        help=set_help,
    )
    parser.add_argument("--format", choices=SCENARIO_FORMATS, default="text", help=format_help)
    parser.add_argument("--plot", metavar="FILE.png", help=plot_help)
    parser.add_argument("--color", choices=COLOR_MODES, default="auto", help=_COLOR_HELP)


def key_values(
    parser: argparse.ArgumentParser, items: list[str], option: str, form: str = "KEY=VALUE"
) -> list[tuple[str, str]]:
    """Each ``KEY=VALUE`` of ``items`` as ``(key, value)``, the key stripped
    and the value as written. An item without ``=`` or with an empty key is
    a usage error naming ``option`` and the ``form`` its help shows
    (``parser.error``: exit 2). O(len(items))."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            parser.error(f"{option} takes {form}, not {item!r}")
        out.append((key.strip(), value))
    return out


def check_policies(parser: argparse.ArgumentParser, names: list[str]) -> None:
    """A usage error (exit 2) naming the first of ``names`` that is not a
    registered policy (:func:`~subnetfrag.policies.register_policy`), with
    the known ones. O(len(names) x policies)."""
    known = policy_names()
    for name in names:
        if name not in known:
            parser.error(f"unknown policy {name!r}; expected one of {', '.join(known)}")


def overrides(parser: argparse.ArgumentParser, items: list[str]) -> list[tuple[str, Any]]:
    """The ``--set`` items as ``(key, value)`` with each value read by
    :func:`~subnetfrag.sim.parse_value` (TOML, else text); a malformed item is
    a usage error (exit 2). O(len(items))."""
    return [(key, parse_value(value)) for key, value in key_values(parser, items, "--set")]


def load_scenario(
    name_or_path: str, changes: list[tuple[str, Any]], *, plot: str | None = None
) -> Scenario:
    """The bundled scenario or TOML file ``name_or_path`` with ``changes``
    applied in order. When a ``plot`` file is asked for, checks first that
    matplotlib is there, so a missing extra stops the command before its runs.
    Raises :class:`~subnetfrag.sim.ScenarioError` (a bad file, key or value)
    and :class:`~subnetfrag.render.plots.PlotUnavailable`. O(scenario size x
    len(changes))."""
    if plot:
        from ..render.plots import require_matplotlib

        require_matplotlib()
    scenario = Scenario.load(name_or_path)
    for key, value in changes:
        scenario = scenario.with_override(key, value)
    return scenario
