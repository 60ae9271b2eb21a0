"""The command line as users run it: ``python -m subnetfrag`` in a subprocess.

Few and whole: exit codes, the JSON schema, Prometheus output parsed back, the
SVG parsed as XML, max-pods, one usage error and one library error, a closed
pipe. The logic is tested in-process (test_cli.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_metrics import REPORT_KEYS
from test_render_prometheus import parse_exposition

from subnetfrag.aws import load_example
from subnetfrag.metrics import FragmentationReport


def subnetfrag(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run(
        [sys.executable, "-m", "subnetfrag", *argv],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=120,
        check=False,
    )


def example_report() -> FragmentationReport:
    return next(iter(load_example())).subnet.report()


def test_analyze_json_and_svg(tmp_path: Path) -> None:
    svg = tmp_path / "blocks.svg"
    done = subnetfrag("analyze", "--example", "--format", "json", "--svg", str(svg))
    assert (done.returncode, done.stderr) == (0, "")
    (doc,) = json.loads(done.stdout)
    assert set(doc) == REPORT_KEYS | {"owners", "warnings", "input_complete", "missing_addresses"}
    report = example_report()
    assert {k: doc[k] for k in REPORT_KEYS} == report.to_dict()
    assert set(doc["addresses"]) == {"total", "aws_reserved", "allocated", "free", "available"}
    assert set(doc["blocks"]) == {
        "total", "prefix_allocated", "aws_reserved", "free", "full", "fragmented",
        "in_prefix_reservation", "in_explicit_reservation",
    }  # fmt: skip
    assert all(set(c) == {"addresses", "prefixes", "enis"} for c in doc["owners"].values())
    assert all(set(w) == {"kind", "message", "subnet_id"} for w in doc["warnings"])

    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    cells = [e for e in root.iter(f"{ns}rect") if "block" in e.get("class", "").split()]
    assert len(cells) == report.blocks.total == 256
    assert all(c.find(f"{ns}title") is not None for c in cells)
    states = [c.get("class", "").split()[1] for c in cells]
    assert states.count("prefix_allocated") == report.blocks.prefix_allocated
    assert states.count("fragmented") == report.blocks.fragmented


def test_analyze_prometheus_parses_back() -> None:
    done = subnetfrag("analyze", "--example", "--format", "prometheus")
    assert (done.returncode, done.stderr) == (0, "")
    fams = parse_exposition(done.stdout)
    r = example_report()
    labels = {"subnet_id": r.subnet_id or "", "cidr": r.cidr}
    assert fams["subnetfrag_free_prefixes"].value(**labels) == r.free_prefixes
    assert fams["subnetfrag_aws_fragmentation_score"].value(**labels) == r.aws_fragmentation_score
    assert fams["subnetfrag_stranded_addresses"].value(**labels) == r.stranded_ips


def test_analyze_text_without_colour_in_a_pipe() -> None:
    done = subnetfrag("analyze", "--example", "--map")
    assert done.returncode == 0 and "\x1b[" not in done.stdout
    assert done.stdout.startswith("subnet-0e4d2f6a8c1b3d5e7  10.42.32.0/20")


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # 64 subnets: far more output than a pipe buffers, so the write fails.
    subnets = [{"SubnetId": f"subnet-{i:017x}", "CidrBlock": f"10.{i}.0.0/20"} for i in range(64)]
    (tmp_path / "s.json").write_text(json.dumps({"Subnets": subnets}))
    (tmp_path / "e.json").write_text(json.dumps({"NetworkInterfaces": []}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "subnetfrag", "analyze", "--format", "prometheus",
         "--subnets", str(tmp_path / "s.json"), "--enis", str(tmp_path / "e.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100).startswith(b"# HELP subnetfrag_")
    proc.stdout.close()  # the reader goes away, as `| head` does
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert err == b""


def test_check_exit_codes() -> None:
    free = example_report().free_prefixes
    failing = subnetfrag("check", "--example", "--min-free-prefixes", str(free + 1))
    assert failing.returncode == 1
    assert failing.stdout.splitlines() == [
        f"FAIL subnet-0e4d2f6a8c1b3d5e7 10.42.32.0/20: {free} free /28 prefixes, "
        f"fewer than {free + 1}"
    ]
    healthy = subnetfrag("check", "--example", "--min-free-prefixes", str(free))
    assert (healthy.returncode, healthy.stdout) == (0, "")


def test_errors_one_line_no_traceback() -> None:
    usage = subnetfrag("analyze", "--example", "--format", "xml")
    assert (usage.returncode, usage.stdout) == (2, "")
    assert usage.stderr.count("\n") == 1 and "invalid choice: 'xml'" in usage.stderr
    broken = subnetfrag("analyze", "--subnets", "-", "--enis", "-", stdin="")
    assert broken.returncode == 2
    error = subnetfrag("analyze", "--subnets", "-", "--enis", os.devnull, stdin="{not json")
    assert (error.returncode, error.stdout) == (3, "")
    assert error.stderr.startswith("subnetfrag: error: <stdin>: malformed JSON")
    assert error.stderr.count("\n") == 1 and "Traceback" not in error.stderr


def test_max_pods() -> None:
    done = subnetfrag(
        "max-pods", "m5.large", "--prefix-delegation", "--bootstrap", "al2", "--format", "json"
    )
    assert done.returncode == 0
    assert json.loads(done.stdout) == {
        "bootstrap": "al2",
        "instance_type": "m5.large",
        "max_pods": 110,
        "uncapped": 434,
        "enis": 3,
        "ipv4_per_eni": 10,
        "vcpus": 2,
        "source": "bundled table",
        "notes": [],
        "override": None,
    }
    text = subnetfrag("max-pods", "c5.4xlarge", "--no-cap", "--bootstrap", "al2")
    assert text.returncode == 0
    assert "8 ENIs x (30 - 1) + 2 = 234 (uncapped)" in text.stdout
    unknown = subnetfrag("max-pods", "m5.larg")
    assert unknown.returncode == 3 and "did you mean m5.large" in unknown.stderr


ENIS_NONE = json.dumps({"NetworkInterfaces": []})
SUBNET_OK = {"SubnetId": "subnet-0aaa0000000000001", "CidrBlock": "10.1.0.0/24"}


@pytest.mark.parametrize(
    ("which", "text", "says"),
    [
        ("subnets", "[" * 100_000, "nested too deeply"),
        ("enis", '{"NetworkInterfaces": ' + "[" * 100_000, "nested too deeply"),
        ("reservations", "{" + '"a":{' * 50_000, "nested too deeply"),
        (
            "subnets",
            json.dumps({"Subnets": [{**SUBNET_OK, "AvailableIpAddressCount": 0}]}).replace(
                ": 0}", ": " + "9" * 5000 + "}"
            ),
            "digits",
        ),
        ("enis", '{"NetworkInterfaces": [{"DeviceIndex": ' + "1" * 5000 + "}]}", "digits"),
        ("reservations", "[" + "7" * 5000 + "]", "digits"),
    ],
)
def test_hostile_json_is_an_input_error(tmp_path: Path, which: str, text: str, says: str) -> None:
    files = {
        "subnets": json.dumps({"Subnets": [SUBNET_OK]}),
        "enis": ENIS_NONE,
        "reservations": json.dumps({"SubnetIpv4CidrReservations": []}),
    }
    files[which] = text
    argv = []
    for name, body in files.items():
        (tmp_path / f"{name}.json").write_text(body)
        argv += [f"--{name}", str(tmp_path / f"{name}.json")]
    done = subnetfrag("check", *argv, "--min-free-prefixes", "1")
    assert (done.returncode, done.stdout) == (3, ""), done.stderr[-300:]
    assert done.stderr.startswith(f"subnetfrag: error: {tmp_path / which}.json: ")
    assert says in done.stderr and done.stderr.count("\n") == 1


def test_a_bug_is_one_line_and_status_70_traceback_only_with_debug(tmp_path: Path) -> None:
    # A bug planted through a file the interpreter runs at start-up
    # (sitecustomize): the report raises what no input can cause.
    (tmp_path / "sitecustomize.py").write_text(
        "import subnetfrag.metrics as m\n"
        "def broken(self):\n"
        "    raise ZeroDivisionError('planted bug')\n"
        "m.FragmentationReport.to_dict = broken\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "subnetfrag", *argv],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip

    quiet = run("analyze", "--example", "--format", "json")
    assert (quiet.returncode, quiet.stdout) == (70, "")
    assert quiet.stderr.count("\n") == 1 and "Traceback" not in quiet.stderr
    assert quiet.stderr.startswith("subnetfrag: internal error: ZeroDivisionError: planted bug")
    assert "--debug" in quiet.stderr
    loud = run("--debug", "analyze", "--example", "--format", "json")
    assert loud.returncode == 70
    assert "Traceback (most recent call last)" in loud.stderr
    assert "planted bug" in loud.stderr.splitlines()[-1]


def test_control_characters_from_the_input_never_reach_the_terminal(tmp_path: Path) -> None:
    evil = "\x1b[31mred\x1b]0;title\x07\nnext line\x9b2J\u202eevil"
    subnet = {
        **SUBNET_OK,
        "AvailableIpAddressCount": 250,
        "Tags": [{"Key": "Name", "Value": evil}, {"Key": "Owner", "Value": None}],
    }
    eni = {
        "NetworkInterfaceId": "eni-0aaa0000000000001\x1b[2J",
        "SubnetId": SUBNET_OK["SubnetId"],
        "Description": evil,
        "PrivateIpAddresses": [{"PrivateIpAddress": "10.1.0.9", "Primary": True}],
    }
    (tmp_path / "s.json").write_text(json.dumps({"Subnets": [subnet]}))
    (tmp_path / "e.json").write_text(json.dumps({"NetworkInterfaces": [eni, eni]}))
    files = ["--subnets", str(tmp_path / "s.json"), "--enis", str(tmp_path / "e.json")]

    def assert_clean(text: str, colour: bool = False) -> None:
        if colour:  # only the colours subnetfrag itself writes: SGR sequences
            text = re.sub(r"\x1b\[[0-9;]*m", "", text)
        assert not [c for c in text if c != "\n" and (c < " " or "\x7f" <= c < "\xa0")], text
        assert "\u202e" not in text

    for argv in (
        ["analyze", *files],
        ["analyze", *files, "--color", "always"],
        ["advise", *files, "--color", "always"],
        ["check", *files, "--min-free-prefixes", "99", "--color", "always"],
        ["analyze", *files, "--subnet-id", "subnet-\x1b[2Jx"],
    ):
        done = subnetfrag(*argv)
        assert done.returncode in (0, 1, 3), done.stderr
        assert_clean(done.stdout, colour="always" in argv)
        assert_clean(done.stderr)
    text = subnetfrag("analyze", *files).stdout
    # The Name tag, escaped; the duplicate ENI's warning names it escaped.
    assert '"\\x1b[31mred\\x1b]0;title\\x07\\nnext line\\x9b2J\\u202eevil"' in text
    assert "eni-0aaa0000000000001\\x1b[2J is listed twice" in text
    error = subnetfrag("analyze", *files, "--subnet-id", "subnet-\x1b[2Jx")
    assert error.stderr == (
        "subnetfrag: error: subnet subnet-\\x1b[2Jx is not in the describe-subnets input\n"
    )


def test_a_tag_whose_value_is_null_is_empty() -> None:
    from subnetfrag.aws import load_files

    subnet = {**SUBNET_OK, "Tags": [{"Key": "Name", "Value": None}]}
    state = load_files({"Subnets": [subnet]}, {"NetworkInterfaces": []})
    assert state[SUBNET_OK["SubnetId"]].info.tags == {"Name": ""}
