"""``subnetfrag replay``: text and JSON output, exit statuses, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from subnetfrag.cli import main

FIX = Path(__file__).parent / "fixtures" / "cloudtrail"
FILES = ["--subnets", str(FIX / "subnets.json"), "--enis", str(FIX / "enis.json")]


def test_text_output_says_when_the_subnet_failed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(FIX / "trail.json"), *FILES, "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "replayed 6 of 10 records, 2024-05-01T10:00:00Z to 2024-05-01T11:05:00Z"
    )
    assert "policy as-recorded; reservations added: none" in out
    assert "free /28s       13 at start, 12 at end, lowest 10 at 2024-05-01T10:01:00Z" in out
    assert "first failure   2024-05-01T10:02:00Z (+2m): InsufficientCidrBlocks 1" in out


def test_json_output_with_a_reservation(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "replay",
        str(FIX / "lookup-events.json"),
        *FILES,
        "--policy",
        "lowest",
        "--reserve",
        "10.0.0.0/25:explicit",
        "--format",
        "json",
    ]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["policy"] == "lowest" and doc["reservations"] == ["10.0.0.0/25 explicit"]
    sub = doc["subnets"][0]
    assert sub["first_failure_time"] is None and sub["failures"] == {}
    # lowest fit above the reservation: the ENI's primary .128 spoils the first
    # free block, the /28 takes the next, the two /32s share .128's block
    assert (sub["free_prefixes_start"], sub["min_free_prefixes"]) == (7, 5)
    assert sub["free_prefixes_end"] == 6  # the /32 kept (recorded .20) holds .128's block


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (
            ["--policy", "as-recorded", "--reserve", "10.0.0.0/25"],
            2,
            "--reserve needs a placement policy",
        ),
        (["--policy", "best"], 2, "unknown policy 'best'"),
        (["--reserve", "10.0.0.0/25:maybe"], 2, "the kind is 'prefix' or 'explicit'"),
        (["--reserve", "10.9.0.0/25"], 3, "reservation 10.9.0.0/25 is in none of the subnets read"),
    ],
)
def test_errors_are_one_line(
    argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(FIX / "trail.json"), *FILES, *argv]) == status
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_bad_trace_file_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "Records": [
                    {
                        "eventName": "DeleteNetworkInterface",
                        "eventID": "e-9",
                        "eventTime": "2024-01-01T00:00:00Z",
                        "requestParameters": {},
                    }
                ]
            }
        )
    )
    assert main(["replay", str(bad), *FILES]) == 3
    err = capsys.readouterr().err
    assert err == f"subnetfrag: error: {bad} record 0 (eventID e-9) lacks networkInterfaceId\n"


def test_control_characters_in_the_trace_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trail = json.loads((FIX / "trail.json").read_text())
    for record in trail["Records"]:
        if record.get("errorCode"):
            record["errorCode"] += "\x1b[31m\nFAKE\u202e"
    (tmp_path / "evil.json").write_text(json.dumps(trail))
    assert main(["replay", str(tmp_path / "evil.json"), *FILES, "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert not any(line.startswith("FAKE") for line in out.splitlines())
    assert "recorded failures: DryRunOperation\\x1b[31m\\nFAKE\\u202e 1, " in out
    assert ", InsufficientCidrBlocks\\x1b[31m\\nFAKE\\u202e 1\n" in out


def test_warnings_about_the_starting_state_reach_standard_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An ENI file of another region: EC2 counts 17 addresses taken in subnet-0abc
    # that no ENI read holds, so the replay starts from an incomplete state.
    (tmp_path / "enis.json").write_text(json.dumps({"NetworkInterfaces": []}))
    argv = ["replay", str(FIX / "trail.json"), "--subnets", str(FIX / "subnets.json"),
            "--enis", str(tmp_path / "enis.json")]  # fmt: skip
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.startswith("subnetfrag: warning: subnet-0abc: ") and err.count("\n") == 1
    assert "the input is incomplete" in err
    assert main(["replay", str(FIX / "trail.json"), *FILES]) == 0
    assert capsys.readouterr().err == ""  # the right files: no warning
