"""``subnetfrag check``: thresholds for cron, CI and alerts. Exit 0 when every
subnet is healthy, 1 when any fails, with one line per failing subnet (or,
with ``--format json``, every subnet with its verdict)."""

from __future__ import annotations

import argparse
import json

from ..aws import AwsSubnet
from ..metrics import FragmentationReport
from ..render.json_report import check_document
from .output import Output
from .parser import EXIT_CHECK_FAILED, EXIT_OK
from .sources import load_state

__all__ = ["failures", "run_check"]


def failures(r: FragmentationReport, min_free_prefixes: int, max_score: int | None) -> list[str]:
    """Why the report fails the thresholds (empty when it passes). A subnet
    without a score (no candidate /28 block) passes ``max_score``: its free
    prefixes, 0, are what fails it. O(1)."""
    why = []
    if r.free_prefixes < min_free_prefixes:
        why.append(f"{r.free_prefixes:,} free /28 prefixes, fewer than {min_free_prefixes:,}")
    score = r.aws_fragmentation_score
    if max_score is not None and score is not None and score > max_score:
        why.append(f"AWS fragmentation score {score} ({r.aws_severity}), above {max_score}")
    return why


def _name(aws: AwsSubnet) -> str:
    return f"{aws.subnet_id} {aws.info.cidr}"


def run_check(args: argparse.Namespace, output: Output) -> int:
    """Run ``check``; returns 0 (healthy) or 1 (a subnet fails)."""
    state = load_state(args)
    for warning in state.all_warnings():
        output.warn(warning)
    failed = 0
    style = output.style
    as_json = args.format == "json"
    docs = []
    for aws in state:
        r = aws.subnet.report()
        why = failures(r, args.min_free_prefixes, args.max_score)
        if as_json:
            failed += bool(why)
            docs.append(check_document(aws, why))
            continue
        if why:
            failed += 1
            output.write(f"{style.paint('FAIL', 'bold-red')} {_name(aws)}: {'; '.join(why)}\n")
        elif args.verbose:
            score = "n/a" if r.aws_fragmentation_score is None else r.aws_fragmentation_score
            output.write(
                f"{style.paint('ok', 'green')}   {_name(aws)}: {r.free_prefixes:,} free /28 "
                f"prefixes, AWS fragmentation score {score}\n"
            )
    if as_json:
        output.write(json.dumps(docs, indent=2) + "\n")
    return EXIT_CHECK_FAILED if failed else EXIT_OK
