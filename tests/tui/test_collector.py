"""A big document's objects are built with the garbage collector paused, then frozen."""

from __future__ import annotations

import gc

from annotator.tui.collector import paused_then_kept


def test_collector_paused_in_the_block_and_only_big_builds_frozen() -> None:
    assert gc.isenabled()
    before = gc.get_freeze_count()
    try:
        with paused_then_kept(lambda: False):
            assert not gc.isenabled()
            small = [[n] for n in range(100)]
        assert gc.isenabled() and gc.get_freeze_count() == before
        with paused_then_kept(lambda: True):
            big = [[n] for n in range(1_000)]
        assert gc.isenabled() and gc.get_freeze_count() >= before + len(big)
        assert small and big
    finally:
        gc.unfreeze()


def test_collector_stays_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with paused_then_kept(lambda: False):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
