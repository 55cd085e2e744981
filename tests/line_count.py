"""Work counted in tests: how many lines of Python an action runs (a loop's body counts once
per turn, so a pass over 100,000 items shows as 100,000 or more)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def lines_run(action: Callable[[], object], *, in_file: str | None = None) -> int:
    """The lines ``action`` runs (only those of the file ``in_file``, if given)."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if in_file is not None and frame.f_code.co_filename != in_file:
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        action()
    finally:
        sys.settrace(None)
    return count
