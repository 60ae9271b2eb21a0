"""The event engine and the scheduler, against trivially correct models."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnetfrag.sim.engine import Engine
from subnetfrag.sim.scheduler import Scheduler


@given(st.lists(st.integers(0, 50), max_size=60))
def test_events_run_in_time_order_then_in_the_order_scheduled(times: list[int]) -> None:
    engine = Engine()
    ran: list[tuple[float, int]] = []
    for i, t in enumerate(times):
        engine.schedule(float(t), lambda arg: ran.append((engine.now, arg)), i)
    engine.run_until(100.0)
    # the model: a stable sort by time
    assert ran == sorted(((float(t), i) for i, t in enumerate(times)), key=lambda x: x[0])
    assert engine.events == len(times)
    assert engine.now == 100.0
    assert engine.pending() == 0


def test_run_until_stops_at_the_end_and_keeps_later_events() -> None:
    engine = Engine()
    seen: list[float] = []
    for t in (1.0, 5.0, 5.0, 9.0):
        engine.schedule(t, lambda _: seen.append(engine.now))
    engine.run_until(5.0)
    assert seen == [1.0, 5.0, 5.0]
    assert engine.now == 5.0
    assert engine.next_time() == 9.0
    engine.run_until(20.0)
    assert seen[-1] == 9.0 and engine.now == 20.0 and engine.next_time() is None


def test_events_scheduled_by_a_handler_run_when_due_and_the_past_means_now() -> None:
    engine = Engine()
    seen: list[tuple[str, float]] = []

    def first(_: object) -> None:
        seen.append(("first", engine.now))
        engine.schedule(engine.now - 10, lambda _: seen.append(("past", engine.now)))
        engine.schedule(engine.now + 1, lambda _: seen.append(("later", engine.now)))

    engine.schedule(3.0, first)
    engine.schedule(3.0, lambda _: seen.append(("second", engine.now)))
    checks: list[float] = []
    engine.run_until(10.0, after_each=lambda: checks.append(engine.now))
    # the event "in the past" runs at 3.0, after what was already due then
    assert seen == [("first", 3.0), ("second", 3.0), ("past", 3.0), ("later", 4.0)]
    assert checks == [3.0, 3.0, 3.0, 4.0]


@given(
    st.sampled_from(["spread", "binpack"]),
    st.integers(1, 6),
    st.lists(st.tuples(st.sampled_from(["add", "remove", "set", "pick"]), st.integers(0, 7),
                       st.integers(0, 8)), max_size=80),
)  # fmt: skip
def test_scheduler_picks_as_the_model_says(
    kind: str, limit: int, ops: list[tuple[str, int, int]]
) -> None:
    sched = Scheduler(kind, limit, Random(1))
    model: dict[int, int] = {}
    for op, node, pods in ops:
        if op == "add" and node not in model:
            sched.add(node, pods)
            model[node] = pods
        elif op == "remove" and node in model:
            sched.remove(node)
            del model[node]
        elif op == "set":
            sched.update(node, pods)
            if node in model:
                model[node] = pods
        elif op == "pick":
            fits = {n: c for n, c in model.items() if c < limit}
            got = sched.pick()
            if not fits:
                assert got is None
            else:
                best = (max if kind == "binpack" else min)(fits.values())
                assert got in fits and fits[got] == best
        assert all((n in sched) == (n in model) for n in range(8))


def test_scheduler_breaks_ties_at_random_and_refuses_unknown_kinds() -> None:
    sched = Scheduler("spread", 10, Random(7))
    for n in range(4):
        sched.add(n, 2)
    assert {sched.pick() for _ in range(200)} == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="spread"):
        Scheduler("round-robin", 10, Random(1))
