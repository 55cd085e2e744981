"""One TUI measurement in a fresh process, printed as JSON (so a run that never finishes can be
stopped by the parent's timeout, and no run inherits another's memory or caches).

``python -m benchmarks.tui_child MODE SIDE PROJECT [KEY ...]`` with MODE ``open`` (wall seconds
to the first frame), ``keys`` (CPU seconds per key) or ``doclist`` (wall seconds from the key
that opens the document list to its first frame) or ``widgets`` (how many widgets the screen
holds); SIDE ``ours``, ``peer``, ``floor`` or ``floor-N`` (a floor of N Statics).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import orjson

from benchmarks import tui_driver


def _factory(side: str, root: Path) -> tui_driver.AppFactory:
    if side == "ours":
        return lambda: tui_driver.annotate_app(root)
    if side == "peer":
        text = tui_driver.article_text(root)
        return lambda: tui_driver.TextAreaApp(text)
    widgets = int(side.partition("-")[2] or 1)  # floor-N: N Statics
    return lambda: tui_driver.FloorApp(widgets)


async def _document_list(root: Path, annotator: str) -> float:
    from annotator.store.project import Project
    from annotator.tui.app import AnnotateApp
    from annotator.tui.doc_list import DocumentList

    project = Project(root)
    with project.annotations(annotator, writable=True) as annotations:
        app = AnnotateApp(project, annotations)
        async with app.run_test(size=tui_driver.SIZE) as pilot:
            await pilot.pause()
            start = time.perf_counter()
            await pilot.press("ctrl+o")
            while not isinstance(app.screen, DocumentList):
                await pilot.pause()
            await pilot.pause()
            elapsed = time.perf_counter() - start
            await pilot.press("escape")
    return elapsed


def main() -> None:
    mode, side, root = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    keys = sys.argv[4:]
    if side == "ours":
        import annotator.tui.app  # imports are the cold-start benchmark's business, not this

        _ = annotator.tui.app
        if mode != "doclist":
            tui_driver.reset_annotations(root)  # start where a fresh project starts
    if mode == "open":
        value = tui_driver.time_to_first_frame(_factory(side, root))
    elif mode == "keys":
        value = tui_driver.cpu_per_key(_factory(side, root), keys)
    elif mode == "widgets":
        value = tui_driver.widget_count(_factory(side, root))
    elif mode == "doclist":
        value = asyncio.run(_document_list(root, side))
    else:
        raise SystemExit(f"unknown mode {mode}")
    sys.stdout.write(orjson.dumps({"value": value}).decode() + "\n")


if __name__ == "__main__":
    main()
