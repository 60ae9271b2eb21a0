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


@pytest.mark.parametrize("name", ["headroom", "serve"])
def test_max_pods_help_names_the_default_these_commands_use(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # headroom and serve have no --bootstrap: their --max-pods default is the AL2
    # calculator's value (ipamd's _default_max_pods), which the help must name;
    # it said "what the bootstrapper sets", naming no bootstrapper.
    from subnetfrag.cli import main

    assert main([name, "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "max pods (default: EKS's recommended value, the AL2 calculator's)" in help_text
    assert "--bootstrap" not in help_text
    # ... and it is that value: an m5.large in prefix mode admits 110 - 2 pods.
    assert main(["headroom", "--example", "--instance-type", "m5.large",
                 "--prefix-delegation", "--pods-per-node", "108", "--runs", "1"]) == 0  # fmt: skip
    assert main(["headroom", "--example", "--instance-type", "m5.large",
                 "--prefix-delegation", "--pods-per-node", "109", "--runs", "1"]) == 3  # fmt: skip
