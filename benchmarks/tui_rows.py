"""Rotating repetitions of TUI measurements that may not finish (each in its own process)."""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.framework import Row, Stats
from benchmarks.tui_driver import DidNotFinish


def rotate(
    sides: dict[str, Callable[[], float]], reps: int
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Values per side, in a rotating order; sides that hit their time limit stop early and
    are returned in the second dict with the limit."""
    values: dict[str, list[float]] = {name: [] for name in sides}
    stopped: dict[str, float] = {}
    names = list(sides)
    for rep in range(reps):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            if name in stopped:
                continue
            try:
                values[name].append(sides[name]())
            except DidNotFinish as error:
                stopped[name] = error.limit
    return values, stopped


def unfinished_row(
    bench: str, case: str, limit: float, peer: Stats | None, peer_name: str, target: str
) -> Row:
    row = Row(
        bench,
        f"{case} — stopped after {limit:.0f} s",
        "s",
        Stats.of([limit]),
        peer,
        peer_name,
        target=target,
        met=False,
    )
    return row
