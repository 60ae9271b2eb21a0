"""The exporter (subnetfrag.exporter, ``subnetfrag serve``): the real HTTP
server on a free 127.0.0.1 port read with urllib, refreshes that re-read
files, failed refreshes, the textfile, threads scraping during refreshes, the
AWS path against a moto server on loopback, and SIGTERM/Ctrl-C in a
subprocess."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto_server import aws_client, moto_endpoint
from test_render_prometheus import Family, parse_exposition

import subnetfrag as sf
from subnetfrag.aws import load_files
from subnetfrag.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from subnetfrag.cli.parser import build_parser
from subnetfrag.cli.serve import _loader
from subnetfrag.exporter import EXPORTER_METRICS, Exporter, MetricsServer, parse_listen, run
from subnetfrag.render.prometheus import metric_names, render_prometheus

SID = "subnet-0abc0000000000001"
CIDR = "10.7.0.0/24"


def write_inputs(folder: Path, addresses: int) -> dict[str, str]:
    """One /24 whose single ENI holds ``addresses`` addresses from .4 on
    (one per /28 block from .16 on, so each spoils a block)."""
    subnets = {
        "Subnets": [
            {
                "SubnetId": SID,
                "CidrBlock": CIDR,
                "VpcId": "vpc-0abc0000000000001",
                "AvailabilityZone": "eu-west-1b",
                "Tags": [{"Key": "Name", "Value": "exporter-test"}],
            }
        ]
    }
    ips = [f"10.7.0.{16 * (i + 1) + 1}" for i in range(addresses)]
    enis = {
        "NetworkInterfaces": [
            {
                "NetworkInterfaceId": "eni-0abc0000000000001",
                "SubnetId": SID,
                "Status": "in-use",
                "PrivateIpAddress": ips[0],
                "PrivateIpAddresses": [
                    {"PrivateIpAddress": ip, "Primary": i == 0} for i, ip in enumerate(ips)
                ],
            }
        ]
        if ips
        else []
    }
    paths = {"subnets": str(folder / "subnets.json"), "enis": str(folder / "enis.json")}
    tmp = folder / "enis.json.tmp"
    tmp.write_text(json.dumps(enis))
    os.replace(tmp, paths["enis"])
    Path(paths["subnets"]).write_text(json.dumps(subnets))
    return paths


def file_loader(paths: dict[str, str]) -> Any:
    return lambda: load_files(paths["subnets"], paths["enis"])


def get(url: str, accept: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Exporter, str, list[str], dict[str, str]]]:
    """An exporter of a /24 with 3 spoiling addresses, served on a free port,
    not yet refreshed; and the lines it logged."""
    paths = write_inputs(tmp_path, 3)
    logged: list[str] = []
    exporter = Exporter(file_loader(paths), log=logged.append)
    server = MetricsServer(exporter, "127.0.0.1", 0)
    server.start()
    try:
        yield exporter, server.url, logged, paths
    finally:
        server.stop()


def scrape(url: str) -> dict[str, Family]:
    status, ctype, body = get(url + "/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    return parse_exposition(body)


# ------------------------------------------------------------------ HTTP


def test_metrics_and_healthz_before_and_after_the_first_refresh(
    served: tuple[Exporter, str, list[str], dict[str, str]],
) -> None:
    exporter, url, logged, paths = served
    status, _, body = get(url + "/healthz")
    assert status == 503 and body.startswith("not ready")
    fams = scrape(url)
    assert fams["subnetfrag_last_refresh_success"].value() == 0
    assert "subnetfrag_free_prefixes" not in fams
    assert "subnetfrag_last_refresh_timestamp_seconds" not in fams

    assert exporter.refresh()
    status, _, body = get(url + "/healthz")
    assert (status, body) == (200, "ok: 1 subnet\n")
    fams = scrape(url)
    assert fams["subnetfrag_last_refresh_success"].value() == 1
    assert fams["subnetfrag_refresh_failures_total"].value() == 0
    assert fams["subnetfrag_free_prefixes"].value(subnet_id=SID) == 16 - 2 - 3
    info = fams["subnetfrag_subnet_info"]
    assert info.value(
        subnet_id=SID, cidr=CIDR, vpc_id="vpc-0abc0000000000001",
        availability_zone="eu-west-1b", name="exporter-test",
    ) == 1  # fmt: skip
    # the subnet families are exactly what analyze --format prometheus prints
    analyzed = parse_exposition(render_prometheus(load_files(paths["subnets"], paths["enis"])))
    for name, fam in analyzed.items():
        assert fams[name].samples == fam.samples, name
    assert set(fams) == set(analyzed) | metric_names(EXPORTER_METRICS)
    assert logged == []


def test_openmetrics_negotiation_other_paths_and_methods(
    served: tuple[Exporter, str, list[str], dict[str, str]],
) -> None:
    exporter, url, _, _ = served
    exporter.refresh()
    status, ctype, body = get(url + "/metrics", "application/openmetrics-text; version=1.0.0")
    assert status == 200 and ctype.startswith("application/openmetrics-text")
    assert body.endswith("# EOF\n") and "subnetfrag_subnet_info{" in body
    assert get(url + "/nothing")[0] == 404
    status, _, body = get(url + "/")
    assert status == 200 and "/metrics" in body


def test_inputs_are_re_read_and_a_failed_refresh_keeps_the_last_good_values(
    served: tuple[Exporter, str, list[str], dict[str, str]], tmp_path: Path
) -> None:
    exporter, url, logged, paths = served
    assert exporter.refresh()
    before = scrape(url)
    stamp = before["subnetfrag_last_refresh_timestamp_seconds"].value()

    Path(paths["enis"]).write_text('{"NetworkInterfaces": [')  # a half-written file
    assert not exporter.refresh()
    after = scrape(url)
    assert after["subnetfrag_last_refresh_success"].value() == 0
    assert after["subnetfrag_refresh_failures_total"].value() == 1
    assert after["subnetfrag_last_refresh_timestamp_seconds"].value() == stamp
    assert after["subnetfrag_free_prefixes"].samples == before["subnetfrag_free_prefixes"].samples
    assert len(logged) == 1 and "refresh failed" in logged[0] and "\n" not in logged[0]
    status, _, body = get(url + "/healthz")
    assert status == 200 and body.startswith("stale:")

    write_inputs(tmp_path, 5)  # the cron job saved new output
    assert exporter.refresh()
    fixed = scrape(url)
    assert fixed["subnetfrag_last_refresh_success"].value() == 1
    assert fixed["subnetfrag_free_prefixes"].value() == 16 - 2 - 5
    assert fixed["subnetfrag_refresh_failures_total"].value() == 1
    assert len(logged) == 1


def test_scrapes_during_refreshes_each_see_one_refresh(tmp_path: Path) -> None:
    """Threads hammer /metrics while refreshes alternate between two inputs.
    The fake clock numbers the refreshes: a scrape whose timestamp says
    refresh k must show the subnet of refresh k, never a mix of two."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    inputs = {0: write_inputs(tmp_path / "a", 2), 1: write_inputs(tmp_path / "b", 7)}
    count = iter(range(1, 10**6))
    loads = {"n": 0}

    def load() -> Any:
        loads["n"] += 1
        paths = inputs[loads["n"] % 2]
        return load_files(paths["subnets"], paths["enis"])

    exporter = Exporter(load, clock=lambda: float(next(count)))
    server = MetricsServer(exporter, "127.0.0.1", 0)
    server.start()
    errors: list[str] = []
    seen: set[int] = set()

    def hammer() -> None:
        for _ in range(25):
            try:
                fams = scrape(server.url)
            except Exception as exc:  # collected, asserted below
                errors.append(repr(exc))
                continue
            if "subnetfrag_last_refresh_timestamp_seconds" not in fams:
                continue
            k = int(fams["subnetfrag_last_refresh_timestamp_seconds"].value())
            free = fams["subnetfrag_free_prefixes"].value()
            want = 16 - 2 - (7 if k % 2 else 2)
            if free != want:
                errors.append(f"refresh {k}: free {free}, expected {want}")
            seen.add(k)

    try:
        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            assert exporter.refresh()
        for t in threads:
            t.join()
    finally:
        server.stop()
    assert errors == []
    assert len(seen) > 1  # scrapes did overlap several refreshes


def test_scrapes_and_publication_wait_for_the_lock(tmp_path: Path) -> None:
    """While another thread holds Exporter.lock, neither a scrape nor the
    publication of a refresh gets through; both finish once it is released.
    (A broken lock shows as a thread that finished while the lock was held.)"""
    exporter = Exporter(file_loader(write_inputs(tmp_path, 4)))
    results: dict[str, Any] = {}
    scraper = threading.Thread(target=lambda: results.update(scrape=list(exporter.collect())))
    refresher = threading.Thread(target=lambda: results.update(refresh=exporter.refresh()))
    with exporter.lock:
        scraper.start()
        refresher.start()
        scraper.join(0.3)
        refresher.join(0.3)
        assert scraper.is_alive() and refresher.is_alive()
        assert results == {}
    scraper.join()
    refresher.join()
    assert results["refresh"] is True
    assert {f.name for f in results["scrape"]} >= {"subnetfrag_last_refresh_success"}


# -------------------------------------------------------------- textfile


def test_run_writes_the_textfile_atomically_and_stops_when_told(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path, 1)
    out = tmp_path / "prom" / "subnetfrag.prom"
    out.parent.mkdir()
    stop = threading.Event()
    refreshes = {"n": 0}
    loader = file_loader(paths)

    def load() -> Any:
        refreshes["n"] += 1
        if refreshes["n"] >= 40:
            stop.set()
        return loader()

    exporter = Exporter(load)
    reads: list[str] = []
    reader_done = threading.Event()

    def read_while_written() -> None:
        while not reader_done.is_set():
            if out.exists():
                reads.append(out.read_text())

    reader = threading.Thread(target=read_while_written)
    reader.start()
    try:
        run(exporter, interval=0, stop=stop, textfile=str(out))
    finally:
        reader_done.set()
        reader.join()
    assert refreshes["n"] == 40
    assert reads, "the reader never saw the file"
    for text in reads:  # never half a file
        fams = parse_exposition(text)
        assert fams["subnetfrag_free_prefixes"].value() == 16 - 2 - 1
    assert os.listdir(out.parent) == ["subnetfrag.prom"]  # no temporary file left


def test_an_unwritable_textfile_is_logged_and_the_loop_goes_on(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path, 1)
    logged: list[str] = []
    stop = threading.Event()
    calls = {"n": 0}
    loader = file_loader(paths)

    def load() -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            stop.set()
        return loader()

    run(Exporter(load), interval=0, stop=stop, textfile=str(tmp_path / "no" / "x.prom"),
        log=logged.append)  # fmt: skip
    assert calls["n"] == 2
    assert len(logged) == 2
    assert all(line.startswith("subnetfrag: warning: cannot write") for line in logged)


# ------------------------------------------------------------------- CLI


def test_serve_once_prints_or_writes_the_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = write_inputs(tmp_path, 2)
    argv = ["serve", "--subnets", paths["subnets"], "--enis", paths["enis"], "--once"]
    assert main(argv) == EXIT_OK
    fams = parse_exposition(capsys.readouterr().out)
    assert fams["subnetfrag_last_refresh_success"].value() == 1
    assert fams["subnetfrag_free_prefixes"].value() == 16 - 2 - 2
    target = tmp_path / "out.prom"
    assert main([*argv, "--textfile", str(target)]) == EXIT_OK
    assert capsys.readouterr().out == ""
    assert parse_exposition(target.read_text())["subnetfrag_free_prefixes"].value() == 12
    assert main([*argv, "--textfile", str(tmp_path / "no" / "x.prom")]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("subnetfrag: error: cannot write") and err.count("\n") == 1
    Path(paths["enis"]).write_text("[")
    assert main(argv) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("subnetfrag: error: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("listen", "message"),
    [
        ("9808", "expected HOST:PORT"),
        ("localhost:http", "the port must be 0-65535"),
        ("127.0.0.1:70000", "the port must be 0-65535"),
        ("::1:9808", "IPv6 address in brackets"),
    ],
)
def test_bad_listen_is_a_usage_error(
    listen: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--example", "--listen", listen]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:9808") == ("127.0.0.1", 9808)
    assert parse_listen("[::1]:0") == ("::1", 0)
    assert parse_listen("0.0.0.0:80") == ("0.0.0.0", 80)
    with pytest.raises(ValueError):
        parse_listen(":9808")


def test_a_port_in_use_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    exporter = Exporter(lambda: load_files({"Subnets": []}, {"NetworkInterfaces": []}))
    busy = MetricsServer(exporter, "127.0.0.1", 0)
    try:
        host, port = busy.address
        assert main(["serve", "--example", "--listen", f"{host}:{port}"]) == EXIT_ERROR
    finally:
        busy.stop()
    err = capsys.readouterr().err
    assert err.startswith(f"subnetfrag: error: cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_serve_cleanly(sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "subnetfrag", "serve", "--example", "--listen", "127.0.0.1:0",
         "--interval", "3600"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert first.startswith("subnetfrag: serving http://127.0.0.1:"), first
        found = re.search(r"(http://\S+)/metrics,", first)
        assert found, first
        url = found.group(1)
        for _ in range(600):  # the first refresh runs right after the line
            status, _, _ = get(url + "/healthz")
            if status == 200:
                break
            threading.Event().wait(0.05)
        assert status == 200, "no successful refresh"
        fams = scrape(url)
        assert fams["subnetfrag_free_prefixes"].value() == 6
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out == "" and err == "subnetfrag: stopped\n"


# ------------------------------------------------------------------ moto


@pytest.fixture(scope="module")
def moto_subnet() -> Iterator[dict[str, str]]:
    """A moto server on a free 127.0.0.1 port with one /24 and one ENI."""
    with moto_endpoint():
        ec2 = aws_client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
        sid = ec2.create_subnet(VpcId=vpc, CidrBlock="10.3.0.0/24", AvailabilityZone="us-east-1a")[
            "Subnet"
        ]["SubnetId"]
        ec2.create_network_interface(SubnetId=sid, PrivateIpAddress="10.3.0.20")
        yield {"vpc": vpc, "subnet": sid}


def test_serve_reads_aws_again_on_every_refresh(moto_subnet: dict[str, str]) -> None:
    args = build_parser("test").parse_args(
        ["serve", "--aws", "--region", "us-east-1", "--subnet-id", moto_subnet["subnet"]]
    )
    exporter = Exporter(_loader(args))
    server = MetricsServer(exporter, "127.0.0.1", 0)
    server.start()
    try:
        assert exporter.refresh()
        fams = scrape(server.url)
        sid = moto_subnet["subnet"]
        assert (
            fams["subnetfrag_subnet_info"].value(
                subnet_id=sid, vpc_id=moto_subnet["vpc"], availability_zone="us-east-1a"
            )
            == 1
        )
        assert fams["subnetfrag_allocated_addresses"].value(subnet_id=sid) == 1
        assert fams["subnetfrag_free_prefixes"].value(subnet_id=sid) == 13  # .16/28 spoiled
        ec2 = aws_client("ec2")
        ec2.create_network_interface(SubnetId=sid, PrivateIpAddress="10.3.0.40")
        assert exporter.refresh()
        fams = scrape(server.url)
        assert fams["subnetfrag_allocated_addresses"].value(subnet_id=sid) == 2
        assert fams["subnetfrag_free_prefixes"].value(subnet_id=sid) == 12
    finally:
        server.stop()


# -------------------------------------------------------------- headroom


def test_headroom_gauges_are_the_headroom_figures(capsys: pytest.CaptureFixture[str]) -> None:
    from subnetfrag.aws import load_example
    from subnetfrag.render.prometheus import HEADROOM_QUANTILES
    from subnetfrag.sim.headroom import headroom

    argv = [
        "serve", "--example", "--once", "--headroom-instance-type", "m5.large",
        "--headroom-instance-type", "c5.xlarge", "--prefix-delegation",
        "--headroom-pods-per-node", "30", "--headroom-runs", "20",
    ]  # fmt: skip
    assert main(argv) == EXIT_OK
    fams = parse_exposition(capsys.readouterr().out)
    aws = next(iter(load_example()))
    for kind in ("m5.large", "c5.xlarge"):
        result = headroom(
            [aws.subnet],
            instance_type=kind,
            settings={"prefix_delegation": True, "warm_prefix_target": 1, "warm_eni_target": 1},
            pods_per_node=30,
            runs=20,
        )
        ((_, _, fig),) = result.subnets
        for quantile, key in HEADROOM_QUANTILES.items():
            labels = {"subnet_id": aws.subnet_id, "instance_type": kind, "quantile": quantile}
            assert fams["subnetfrag_headroom_nodes"].value(**labels) == fig.nodes[key]
            assert fams["subnetfrag_headroom_pods"].value(**labels) == fig.pods[key]
            whole = {"instance_type": kind, "subnet_selection": "most-available"}
            whole["quantile"] = quantile
            assert fams["subnetfrag_headroom_set_nodes"].value(**whole) == result.total.nodes[key]
            assert fams["subnetfrag_headroom_set_pods"].value(**whole) == result.total.pods[key]
        ended = fams["subnetfrag_headroom_runs_ended"]
        runs = [v for k, v in ended.samples.items() if ("instance_type", kind) in k]
        assert sum(runs) == 20
    # without the option, no headroom family
    assert main(["serve", "--example", "--once"]) == EXIT_OK
    assert "headroom" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--headroom-instance-type", "m5.larg"], "unknown instance type 'm5.larg': did you"),
        (  # else every refresh would fail on it, for as long as the exporter runs
            ["--headroom-instance-type", "m5.large", "--headroom-pods-per-node", "28"],
            "pods_per_node 28 is more than a m5.large node admits (27",
        ),
    ],
)
def test_impossible_headroom_arguments_fail_before_serving(
    capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    from subnetfrag.cli.output import CommandError
    from subnetfrag.cli.serve import _headroom

    argv = ["serve", "--example", "--listen", "127.0.0.1:0", *options]
    with pytest.raises((sf.SubnetFragError, CommandError), match=re.escape(message)):
        _headroom(build_parser("test").parse_args(argv))
    assert main(argv) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith(f"subnetfrag: error: {message}")
    assert err.count("\n") == 1


def test_serve_log_lines_escape_control_characters() -> None:
    import io

    from subnetfrag.cli.output import Output
    from subnetfrag.cli.serve import _log

    err = io.StringIO()
    _log(Output.for_streams("never", out=io.StringIO(), err=err))(
        "subnetfrag: warning: refresh failed: bad \x1b[31mtag"
    )
    assert err.getvalue() == "subnetfrag: warning: refresh failed: bad \\x1b[31mtag\n"
