"""Input size caps: an endless or enormous input is refused with one line, not
read until memory runs out. Every limit is patched to a few hundred bytes here:
no test allocates anything near the real limits."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import subnetfrag
import subnetfrag.aws.cloudtrail as cloudtrail
import subnetfrag.aws.ingest as ingest
import subnetfrag.sim.scenario as scenario
from subnetfrag.aws import AwsInputError, load_files, read_trace
from subnetfrag.cli import main
from subnetfrag.inputs import format_size, read_limited
from subnetfrag.sim import Scenario, ScenarioError

AWS = Path(__file__).parent / "fixtures" / "aws"
TRAIL = Path(__file__).parent / "fixtures" / "cloudtrail" / "trail.json"
DEV_ZERO = Path("/dev/zero")
SCENARIOS = Path(subnetfrag.__file__).parent / "data" / "scenarios"
_SMALL_SUBNETS = '{"Subnets": [{"SubnetId": "subnet-1", "CidrBlock": "10.0.0.0/24"}]}'


class Counting(io.RawIOBase):
    """An endless binary stream of ``fill`` that counts the bytes it gave."""

    def __init__(self, fill: bytes = b"x") -> None:
        self.fill = fill
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        assert size >= 0, "an unbounded read of an endless stream"
        self.given += size
        return self.fill * size


class Ended(Exception):
    pass


# ---------------------------------------------------------------- the helper


@given(st.binary(max_size=300), st.integers(0, 300))
def test_read_limited_returns_all_up_to_the_limit_and_refuses_more(data: bytes, limit: int) -> None:
    stream = io.BytesIO(data)
    if len(data) <= limit:
        assert read_limited(stream, limit, "f", "thing", Ended) == data
    else:
        with pytest.raises(Ended, match=r"^f: thing larger than \d+ (bytes|KiB), the most"):
            read_limited(stream, limit, "f", "thing", Ended)
        assert stream.tell() == limit + 1  # never more than one byte over


def test_an_endless_stream_is_read_to_one_byte_over_the_limit() -> None:
    stream = Counting()
    with pytest.raises(Ended, match=r"^<s>: JSON larger than 4 MiB, the most subnetfrag reads$"):
        read_limited(stream, 4 << 20, "<s>", "JSON", Ended)
    assert stream.given == (4 << 20) + 1


def test_text_streams_and_regular_files(tmp_path: Path) -> None:
    assert read_limited(io.StringIO("héllo"), 5, "t", "text", Ended) == "héllo"
    with pytest.raises(Ended):
        read_limited(io.StringIO("héllo!"), 5, "t", "text", Ended)
    path = tmp_path / "f.json"
    path.write_bytes(b"0123456789")
    with open(path, "rb") as fh:
        assert read_limited(fh, 10, "f", "x", Ended) == b"0123456789"
    with open(path, "rb") as fh:  # refused by its size before any byte is read
        with pytest.raises(Ended):
            read_limited(fh, 9, "f", "x", Ended)
        assert fh.tell() == 0
    with open(path, "rb") as fh:  # what is left after the position counts
        fh.seek(3)
        assert read_limited(fh, 7, "f", "x", Ended) == b"3456789"
    assert read_limited(io.BytesIO(b""), 0, "f", "x", Ended) == b""
    assert [format_size(n) for n in (2 << 30, 16 << 20, 3 << 10, 1000)] == [
        "2 GiB",
        "16 MiB",
        "3 KiB",
        "1000 bytes",
    ]


# ------------------------------------------------------------ AWS JSON input


def test_aws_json_input_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    size = len((AWS / "enis.json").read_bytes())
    monkeypatch.setattr(ingest, "MAX_INPUT_BYTES", size)
    load_files(AWS / "subnets.json", AWS / "enis.json")  # exactly at the limit: read
    monkeypatch.setattr(ingest, "MAX_INPUT_BYTES", size - 1)
    with pytest.raises(
        AwsInputError, match=r"enis\.json: describe-network-interfaces output larger"
    ):
        load_files(AWS / "subnets.json", AWS / "enis.json")
    text = (AWS / "enis.json").read_text()
    with pytest.raises(AwsInputError, match=r"<stdin>: describe-network-interfaces output larger"):
        load_files(AWS / "subnets.json", "-", stdin=io.StringIO(text))
    with pytest.raises(AwsInputError, match=r"<stream>: describe-network-interfaces output larger"):
        load_files(AWS / "subnets.json", io.BytesIO(text.encode()))


def test_an_endless_aws_input_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "MAX_INPUT_BYTES", 1000)
    with pytest.raises(
        AwsInputError, match=r"^/dev/zero: describe-network-interfaces output larger"
    ):
        load_files(json.loads(_SMALL_SUBNETS), DEV_ZERO)


def test_the_cli_refuses_an_endless_input_in_one_line_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    subnets = tmp_path / "s.json"
    subnets.write_text(_SMALL_SUBNETS)
    monkeypatch.setattr(ingest, "MAX_INPUT_BYTES", 1000)
    status = main(["analyze", "--subnets", str(subnets), "--enis", "/dev/zero"])
    out, err = capsys.readouterr()
    assert status == 3 and out == ""
    assert err.endswith(
        "/dev/zero: describe-network-interfaces output larger than 1000 bytes, "
        "the most subnetfrag reads\n"
    )
    assert err.count("\n") == 1


# ------------------------------------------------------------------ CloudTrail


def test_a_trace_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    size = len(TRAIL.read_bytes())
    monkeypatch.setattr(cloudtrail, "MAX_TRACE_BYTES", size)
    assert read_trace(TRAIL).records == 10
    monkeypatch.setattr(cloudtrail, "MAX_TRACE_BYTES", size - 1)
    with pytest.raises(AwsInputError, match=r"trail\.json: CloudTrail trace larger than \d+ bytes"):
        read_trace(TRAIL)


def test_a_gzip_bomb_is_refused_by_its_decompressed_size(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A small .json.gz whose content passes the limit: refused after
    decompressing one byte over it, the compressed file being far below."""
    records = json.loads(TRAIL.read_text())["Records"]
    padded = json.dumps({"Records": records, "pad": " " * 100_000}).encode()
    bomb = tmp_path / "trail.json.gz"
    bomb.write_bytes(gzip.compress(padded))
    limit = 50_000
    assert len(bomb.read_bytes()) < limit < len(padded)
    monkeypatch.setattr(cloudtrail, "MAX_TRACE_BYTES", limit)
    with pytest.raises(
        AwsInputError, match=r"trail\.json\.gz: decompressed CloudTrail trace larger"
    ):
        read_trace(bomb)
    monkeypatch.setattr(cloudtrail, "MAX_TRACE_BYTES", len(padded))  # at the limit: read
    assert read_trace(bomb).records == 10
    monkeypatch.setattr(cloudtrail, "MAX_TRACE_BYTES", limit)
    fix = TRAIL.parent
    status = main(
        [
            "replay",
            str(bomb),
            "--subnets",
            str(fix / "subnets.json"),
            "--enis",
            str(fix / "enis.json"),
        ]
    )
    err = capsys.readouterr().err
    assert status == 3 and err.count("\n") == 1 and "decompressed CloudTrail trace larger" in err


def test_a_damaged_gzip_is_still_named(tmp_path: Path) -> None:
    damaged = tmp_path / "t.json.gz"
    damaged.write_bytes(gzip.compress(TRAIL.read_bytes())[:-20])
    with pytest.raises(AwsInputError, match=r"t\.json\.gz: damaged gzip file"):
        read_trace(damaged)
    data = bytearray(gzip.compress(TRAIL.read_bytes()))
    data[20:40] = b"\xff" * 20  # a broken deflate stream: zlib's own error
    damaged.write_bytes(bytes(data))
    with pytest.raises(AwsInputError, match=r"t\.json\.gz: damaged gzip file"):
        read_trace(damaged)


# ------------------------------------------------------------------- scenario


def test_a_scenario_over_the_limit_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes((SCENARIOS / f"{Scenario.bundled_names()[0]}.toml").read_bytes())
    size = len(path.read_bytes())
    monkeypatch.setattr(scenario, "MAX_SCENARIO_BYTES", size)
    Scenario.from_file(path)  # exactly at the limit: read
    monkeypatch.setattr(scenario, "MAX_SCENARIO_BYTES", size - 1)
    with pytest.raises(ScenarioError, match=r"s\.toml: TOML larger than \d+ bytes"):
        Scenario.from_file(path)
    with pytest.raises(ScenarioError, match=r"^scenario /dev/zero: TOML larger than"):
        Scenario.load("/dev/zero")
    assert main(["simulate", "/dev/zero"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scenario /dev/zero: TOML larger than" in err


def test_parse_errors_as_turns_hostile_text_into_the_callers_error() -> None:
    import tomllib

    from subnetfrag.inputs import parse_errors_as

    class Bad(ValueError):
        pass

    cases = [
        (lambda: json.loads("[" * 100_000), "JSON nested too deeply to read (n)"),
        (lambda: json.loads("1" * 5_000), "unreadable JSON: a number with more than"),
    ]
    for parse, message in cases:
        with (
            pytest.raises(Bad, match=re.escape(message)),
            parse_errors_as(Bad, "f.json", "JSON", nesting="n", expected=" (e)"),
        ):
            parse()
    with (
        pytest.raises(tomllib.TOMLDecodeError),
        parse_errors_as(Bad, "s.toml", "TOML", nesting="n", passthrough=(tomllib.TOMLDecodeError,)),
    ):
        tomllib.loads("x = = 1")
    with pytest.raises(Bad, match=r"^mine$"), parse_errors_as(Bad, "f", "JSON", nesting="n"):
        raise Bad("mine")
