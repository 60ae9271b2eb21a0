"""Where ``analyze``, ``check`` and ``advise`` read subnets from: saved AWS CLI
output, live AWS, or the bundled example (options checked by
:func:`~subnetfrag.cli.parser.check_source`)."""

from __future__ import annotations

import argparse

from ..aws import AwsInputError, AwsState, Source, load_example, load_files, load_live

__all__ = ["load_state"]


def _source(paths: list[str] | None) -> Source | None:
    """One path as is (so messages name it), several as a list."""
    if paths is None:
        return None
    return paths[0] if len(paths) == 1 else list(paths)


def _example(subnet_ids: list[str] | None) -> AwsState:
    state = load_example()
    if subnet_ids is None:
        return state
    wanted = list(dict.fromkeys(subnet_ids))
    for sid in wanted:
        if sid not in state:
            held = ", ".join(state.subnets)
            raise AwsInputError(f"subnet {sid} is not in the bundled example (it holds {held})")
    return AwsState(
        subnets={sid: state[sid] for sid in wanted},
        warnings=state.warnings,
        source=state.source,
        discovery=state.discovery,
    )


def load_state(args: argparse.Namespace) -> AwsState:
    """The subnets the options name. Raises what :func:`~subnetfrag.aws.load_files`,
    :func:`~subnetfrag.aws.load_live` raise, and :class:`AwsInputError` for a
    ``--subnet-id`` the example does not hold."""
    if args.example:
        return _example(args.subnet_ids)
    if args.aws:
        return load_live(
            subnet_ids=args.subnet_ids,
            vpc_id=args.vpc_id,
            cluster=args.cluster,
            region=args.region,
            profile=args.profile,
        )
    subnets, enis = _source(args.subnets), _source(args.enis)
    assert subnets is not None and enis is not None  # check_source made sure
    return load_files(subnets, enis, _source(args.reservations), subnet_ids=args.subnet_ids)
