"""The VPC CNI flags are one set of options: ``plan``, ``headroom`` and
``serve`` parse them with the same names, defaults and bounds."""

from __future__ import annotations

import pytest

from subnetfrag import __version__
from subnetfrag.cli.cni_options import cni_settings
from subnetfrag.cli.parser import UsageError, build_parser

FLAGS = [
    "--prefix-delegation",
    "--warm-ip-target", "3",
    "--minimum-ip-target", "7",
    "--max-eni", "2",
    "--max-pods", "50",
    "--security-groups-for-pods",
]  # fmt: skip
COMMANDS = {
    "plan": ["plan", "--instance-type", "m5.large", "--nodes", "3", "--pods-per-node", "5"],
    "headroom": ["headroom", "--example", "--instance-type", "m5.large"],
    "serve": ["serve", "--example"],
}


def _settings(argv: list[str]) -> dict[str, object]:
    return cni_settings(build_parser(__version__).parse_args(argv))


def test_every_command_reads_the_same_settings_with_the_same_defaults() -> None:
    defaults = {name: _settings(argv) for name, argv in COMMANDS.items()}
    given = {name: _settings(argv + FLAGS) for name, argv in COMMANDS.items()}
    common = set(defaults["headroom"])
    assert common == set(defaults["serve"]) and common < set(defaults["plan"])
    for name in COMMANDS:
        assert {k: defaults[name][k] for k in common} == {
            k: defaults["headroom"][k] for k in common
        }
        assert {k: given[name][k] for k in common} == {k: given["headroom"][k] for k in common}
    assert given["plan"]["max_eni"] == 2 and given["plan"]["warm_prefix_target"] == 1
    assert defaults["plan"]["bootstrap"] is None
    assert defaults["plan"]["custom_networking"] is False


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_bounds_are_the_same_everywhere(name: str) -> None:
    parser = build_parser(__version__)
    with pytest.raises(UsageError, match="--max-eni"):
        parser.parse_args([*COMMANDS[name], "--max-eni", "0"])
    with pytest.raises(UsageError, match="--warm-ip-target"):
        parser.parse_args([*COMMANDS[name], "--warm-ip-target", "-1"])
