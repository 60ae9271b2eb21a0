"""The command line for operators: the 'analyse' alias, 'check --format json'
and 'analyze --format openmetrics'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from subnetfrag.aws import load_example
from subnetfrag.cli import EXIT_CHECK_FAILED, EXIT_OK, main
from subnetfrag.cli.check import failures
from subnetfrag.cli.parser import EXIT_INCOMPLETE, EXIT_WARNINGS
from subnetfrag.render.json_report import CHECK_KEYS


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_analyse_is_analyze(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--example"], ["--example", "--format", "json"], ["--example", "--map"]):
        assert run(capsys, "analyse", *args) == run(capsys, "analyze", *args)
    # the alias keeps the command's own checks
    status, _, err = run(capsys, "analyse", "--example", "--format", "json", "--map")
    assert status == 2 and "--map draws the text block map" in err
    status, out, _ = run(capsys, "--help")
    assert status == 0 and "analyze (analyse)" in out


def test_check_json_lists_every_subnet_with_its_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    aws = next(iter(load_example()))
    r = aws.subnet.report()
    for threshold, expected in ((8, EXIT_CHECK_FAILED), (4, EXIT_OK)):
        status, out, err = run(
            capsys, "check", "--example", "--min-free-prefixes", str(threshold), "--format", "json"
        )
        assert (status, err) == (expected, "")
        (doc,) = json.loads(out)
        assert tuple(doc) == CHECK_KEYS
        why = failures(r, threshold, None)
        assert doc["ok"] is (not why) and doc["reasons"] == why
        assert doc["status"] == ("fail" if why else "ok")
        assert (doc["subnet_id"], doc["cidr"], doc["name"]) == (
            aws.subnet_id,
            aws.info.cidr,
            aws.info.name,
        )
        assert (doc["availability_zone"], doc["vpc_id"]) == (
            aws.info.availability_zone,
            aws.info.vpc_id,
        )
        assert doc["free_prefixes"] == r.free_prefixes
        assert doc["aws_fragmentation_score"] == r.aws_fragmentation_score


def test_check_json_lists_passing_and_failing_subnets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    subnets = {
        "Subnets": [
            {"SubnetId": "subnet-small", "CidrBlock": "10.0.0.0/26"},  # 2 free /28s
            {"SubnetId": "subnet-large", "CidrBlock": "10.0.1.0/24"},  # 14 free /28s
        ]
    }
    (tmp_path / "s.json").write_text(json.dumps(subnets))
    (tmp_path / "e.json").write_text('{"NetworkInterfaces": []}')
    status, out, _ = run(
        capsys, "check", "--subnets", str(tmp_path / "s.json"), "--enis",
        str(tmp_path / "e.json"), "--min-free-prefixes", "3", "--format", "json",
    )  # fmt: skip
    assert status == EXIT_CHECK_FAILED
    docs = json.loads(out)
    assert [(d["subnet_id"], d["ok"], d["free_prefixes"]) for d in docs] == [
        ("subnet-small", False, 2),
        ("subnet-large", True, 14),
    ]
    assert docs[1]["reasons"] == [] and docs[0]["name"] is None


def test_analyze_openmetrics_ends_with_eof(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "analyze", "--example", "--format", "openmetrics")
    assert status == 0 and out.endswith("# EOF\n")
    assert "# TYPE subnetfrag_subnet info" in out
    _, text, _ = run(capsys, "analyze", "--example", "--format", "prometheus")
    assert "# EOF" not in text and "# TYPE subnetfrag_subnet_info gauge" in text


def test_check_json_says_incomplete_with_the_text_output_precedence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from test_cli import _wrong_region_files

    argv = ["check", *_wrong_region_files(tmp_path, 251 - 120), "--format", "json"]
    status, out, _ = run(capsys, *argv, "--min-free-prefixes", "8")
    assert status == EXIT_INCOMPLETE
    (doc,) = json.loads(out)
    assert (doc["status"], doc["ok"], doc["reasons"]) == ("incomplete", False, [])
    assert (doc["input_complete"], doc["missing_addresses"], doc["aws_severity"]) == (
        False,
        120,
        None,
    )
    # a failed threshold wins over an incomplete input, as in the text output
    status, out, _ = run(capsys, *argv, "--min-free-prefixes", "15")
    (doc,) = json.loads(out)
    assert (status, doc["status"]) == (EXIT_CHECK_FAILED, "fail") and doc["reasons"]
    # --allow-incomplete checks it anyway
    status, out, _ = run(capsys, *argv, "--min-free-prefixes", "8", "--allow-incomplete")
    (doc,) = json.loads(out)
    assert (status, doc["status"], doc["ok"]) == (EXIT_OK, "ok", True)
    # --strict: the warning fails it with its own status, the JSON still printed
    status, out, _ = run(
        capsys, *argv, "--min-free-prefixes", "8", "--allow-incomplete", "--strict"
    )
    assert status == EXIT_WARNINGS and json.loads(out)[0]["status"] == "ok"
