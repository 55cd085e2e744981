"""A transient progress bar on stderr, for the commands that can run for seconds.

``agreement``, ``review`` (before its screen opens), ``adjudicate``, ``validate`` and ``stats``
go through every document of a project: at 100,000 documents that takes from a few seconds to
a minute, which a terminal should not spend silent. The bar is drawn only when stderr is a
terminal and a step has enough items to be worth one; it is erased when the command is done,
so the command's own output reads as before.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PROGRESS_MIN_ITEMS = 200
"""Below this many items a step is too short for a progress bar to help."""

Update = Callable[[int, int], None]
"""``update(done, total)``: how far a step is."""


class ProgressBar:
    """One bar on stderr whose step (description and total) may change as the command goes."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None
        self.steps: list[str] = []
        """The description of every step shown so far (for tests)."""

    def step(self, description: str) -> Update:
        """The ``update(done, total)`` of a new step, shown once a total is big enough."""

        def update(done: int, total: int) -> None:
            if not self.enabled or total < PROGRESS_MIN_ITEMS:
                return
            if self._bar is None:
                self._start()
            if not self.steps or self.steps[-1] != description or self._task is None:
                self.steps.append(description)
                if self._task is not None:
                    self._bar.remove_task(self._task)
                self._task = self._bar.add_task(description, total=total)
            self._bar.update(self._task, completed=done, total=total)
            if done >= total:
                self._bar.refresh()  # a step's end is drawn even when it went by between frames

        return update

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self._bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
            self._task = None


@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[ProgressBar]:
    """A :class:`ProgressBar`, on when ``enabled`` (default: when stderr is a terminal)."""
    bar = ProgressBar(sys.stderr.isatty() if enabled is None else enabled)
    try:
        yield bar
    finally:
        bar.close()
