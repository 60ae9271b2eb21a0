"""``subnetfrag check``: thresholds for cron, CI and alerts. Exit 0 when every
subnet is healthy, 1 when any fails a threshold, 4 when a subnet's input is
incomplete (its health is unknown, so it must not pass silently), 5 with
``--strict`` when the input drew a warning; one line per failing subnet (or,
with ``--format json``, every subnet with its status).

A subnet that fails a threshold fails whatever else holds: missing ENIs only
hide used addresses, so its free /28 count, already too low, is an upper
bound. Hence 1 wins over 4, and 4 over 5."""

from __future__ import annotations

import argparse

from ..aws import AwsSubnet
from ..metrics import FragmentationReport
from ..render.json_report import check_document
from ..render.terminal import printable
from .output import Output
from .parser import EXIT_CHECK_FAILED, EXIT_INCOMPLETE, EXIT_OK, EXIT_WARNINGS
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
    return f"{printable(aws.subnet_id)} {printable(aws.info.cidr)}"


def run_check(args: argparse.Namespace, output: Output) -> int:
    """Run ``check``; returns 0 (healthy), 1 (a subnet fails a threshold), 4
    (a subnet's input is incomplete, without ``--allow-incomplete``) or 5
    (``--strict`` and a warning), in that order of precedence."""
    state = load_state(args)
    warnings = state.all_warnings()
    for warning in warnings:
        output.warn(warning)
    failed = incomplete = 0
    style = output.style
    as_json = args.format == "json"
    docs = []
    for aws in state:
        r = aws.subnet.report()
        why = failures(r, args.min_free_prefixes, args.max_score)
        if as_json:
            unknown = not why and aws.input_incomplete and not args.allow_incomplete
            failed += bool(why)
            incomplete += unknown
            status = "fail" if why else "incomplete" if unknown else "ok"
            docs.append(check_document(aws, why, status))
            continue
        if why:
            failed += 1
            output.write(f"{style.paint('FAIL', 'bold-red')} {_name(aws)}: {'; '.join(why)}\n")
        elif aws.input_incomplete and not args.allow_incomplete:
            incomplete += 1
            output.write(
                f"{style.paint('INCOMPLETE', 'bold-red')} {_name(aws)}: "
                f"{aws.missing_addresses:,} of the {aws.taken_reported:,} addresses EC2 counts "
                "as taken are in no ENI or reservation read: its health is unknown "
                "(see the warning; --allow-incomplete checks it anyway)\n"
            )
        elif args.verbose:
            score = "n/a" if r.aws_fragmentation_score is None else r.aws_fragmentation_score
            output.write(
                f"{style.paint('ok', 'green')}   {_name(aws)}: {r.free_prefixes:,} free /28 "
                f"prefixes, AWS fragmentation score {score}\n"
            )
    if as_json:
        output.write_json(docs)
    if failed:
        return EXIT_CHECK_FAILED
    if incomplete:
        return EXIT_INCOMPLETE
    if args.strict and warnings:
        if as_json:
            return EXIT_WARNINGS
        output.write(
            f"{style.paint('WARNINGS', 'bold-red')} {len(warnings):,} warning"
            f"{'s' if len(warnings) != 1 else ''} about the input (--strict; see standard "
            "error)\n"
        )
        return EXIT_WARNINGS
    return EXIT_OK
