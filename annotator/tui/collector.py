"""Building a big document's objects without the garbage collector walking them again and again.

A 10 MB document brings some 400,000 long-lived objects (its spans and relations, their index
entries). The collector walks each new object as it ages through the generations (hundreds of
milliseconds on the way to the first frame) and all of them in every full collection while the
annotator works (a fifth of a second each, at random keys). :func:`paused_then_kept` builds them
with the collector paused and then moves everything alive into the permanent generation
(:func:`gc.freeze`), which the collector never walks. Those objects are still freed by reference
counting when their document is closed; what freezing gives up is collecting reference cycles
among them (spans, relations and indexes hold none; the app's widgets live as long as the app).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

BIG = 5_000
"""Spans and relations from which a document's objects are frozen once built (a 1 MB article
has some 17,000: left to age, they cost two collections, ~16 ms, on the way to its first frame)."""


@contextmanager
def paused_then_kept(is_big: Callable[[], bool]) -> Iterator[None]:
    """Pause the collector for the block; afterwards, if ``is_big()``, freeze what is alive."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if is_big():
            gc.freeze()
        if enabled:
            gc.enable()
