"""Repetitions, alternation of ours and the peer, statistics and the result rows."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Stats:
    """Several repetitions of one figure."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.values)
        index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
        return ordered[index]

    @classmethod
    def of(cls, values: list[float]) -> Stats:
        return cls(tuple(values))


@dataclass
class Settings:
    """Sizes and repetitions; ``quick`` shrinks both so the whole suite runs in under a minute."""

    quick: bool = False
    reps: int = 5

    def pick(self, full: Any, quick: Any) -> Any:
        return quick if self.quick else full


Measure = Callable[[], float]
"""One repetition: does the work and returns the figure (usually seconds)."""


def alternate(ours: Measure, peer: Measure, reps: int, *, warmup: int = 1) -> tuple[Stats, Stats]:
    """Run ours and the peer in turns (order flipped every repetition) and collect both.

    Alternating in one run means a slow moment of the machine hits both sides alike.
    """
    for _ in range(warmup):
        peer()
        ours()
    ours_values: list[float] = []
    peer_values: list[float] = []
    for rep in range(reps):
        if rep % 2 == 0:
            peer_values.append(peer())
            ours_values.append(ours())
        else:
            ours_values.append(ours())
            peer_values.append(peer())
    return Stats.of(ours_values), Stats.of(peer_values)


def repeat(measure: Measure, reps: int, *, warmup: int = 1) -> Stats:
    for _ in range(warmup):
        measure()
    return Stats.of([measure() for _ in range(reps)])


def timed(work: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


@dataclass
class Row:
    """One line of the table: our figure, the peer's, their ratio and the target."""

    bench: str
    """Benchmark number and short name, e.g. ``5 saving``."""
    case: str
    unit: str
    """``s`` (shown as s/ms/µs), ``MB``, ``docs/s`` or ``x``."""
    ours: Stats
    peer: Stats | None = None
    peer_name: str = ""
    target: str = ""
    """Human-readable target, e.g. ``<= 2x peer``."""
    met: bool | None = None
    """None when the row carries no target of its own."""
    note: str = ""
    ours_value: float | None = None
    """The figure compared with the target when it is not the median (e.g. p99)."""
    peer_value: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.peer is None:
            return None
        ours = self.ours.median if self.ours_value is None else self.ours_value
        peer = self.peer.median if self.peer_value is None else self.peer_value
        return ours / peer if peer else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ours"] = list(self.ours.values)
        data["peer"] = None if self.peer is None else list(self.peer.values)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        data = dict(data)
        data["ours"] = Stats.of(data["ours"])
        data["peer"] = None if data["peer"] is None else Stats.of(data["peer"])
        return cls(**data)


def ratio_target(row: Row, limit: float, *, at_most: bool = True, label: str | None = None) -> Row:
    """Set the row's target to ``ratio <= limit`` (or ``>=`` with ``at_most=False``)."""
    ratio = row.ratio
    sign = "<=" if at_most else ">="
    row.target = label or f"ratio {sign} {limit:g}"
    if ratio is not None:
        row.met = ratio <= limit if at_most else ratio >= limit
    return row


@dataclass
class Suite:
    """Everything one benchmark module reports."""

    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str = ""
    """Why the benchmark could not run (e.g. the feature has not landed)."""
