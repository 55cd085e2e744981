"""Headless Textual sessions for the keystroke, opening and cold-start benchmarks.

Everything here runs Textual's own ``run_test`` at 120x40. "First frame" means: the app is
mounted and the first refresh has been processed (``run_test`` entered, then one
``pilot.pause()``), the same definition for our app and for the peers.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson
from textual.app import App, ComposeResult
from textual.widgets import Static, TextArea

from benchmarks import generate

SIZE = (120, 40)
AppFactory = Callable[[], App[None]]


def document_project(size: int, root: Path, *, seed: int = 3) -> Path:
    """A project with one article of about ``size`` characters and an annotator's record with
    a span every ~80 characters, overlapping spans included. Reused when present.

    The annotator's file as generated is kept beside the project (``PRISTINE``): our app saves
    into ``annotations/bench.jsonl`` (the cursor when it closes, the spans it tags), so every
    measurement starts from a copy of it (:func:`reset_annotations`), never from where the
    previous run left the cursor."""
    marker = root / ".complete"
    if marker.exists() and (root / PRISTINE).exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    (root / "documents").mkdir(exist_ok=True)
    (root / "annotations").mkdir(exist_ok=True)
    (root / "annotator.toml").write_text(generate.CONFIG, encoding="utf-8")
    vocabulary = generate.Vocabulary()
    rng = random.Random(seed)
    article = generate.make_article(vocabulary, rng, "article", size)
    (root / "documents" / "article.jsonl").write_bytes(
        orjson.dumps({"id": article.id, "title": "Benchmark article", "text": article.text}) + b"\n"
    )
    record = generate.record_for(article, vocabulary, "bench", rng, status="in_progress", noise=0)
    record["cursor"] = 0
    (root / PRISTINE).write_bytes(orjson.dumps(record) + b"\n")
    reset_annotations(root)
    marker.write_text("ok")
    return root


PRISTINE = "bench.pristine.jsonl"


def reset_annotations(root: Path) -> None:
    """Put the annotator's file back as generated, and index it once (untimed), as it is on any
    open after the first: the index cache of the file is warm."""
    from annotator.store.project import Project

    shutil.copyfile(root / PRISTINE, root / "annotations" / "bench.jsonl")
    Project(root).annotations("bench").close()


def article_text(root: Path) -> str:
    line = (root / "documents" / "article.jsonl").read_bytes()
    text: str = orjson.loads(line)["text"]
    return text


class FloorApp(App[None]):
    """The least any Textual app pays: one Static (or ``widgets`` of them: ``Pilot.press``
    waits on every widget of the screen after each key, so each widget adds to the
    harness's own cost per key)."""

    def __init__(self, widgets: int = 1) -> None:
        super().__init__()
        self.widgets = widgets

    def compose(self) -> ComposeResult:
        for number in range(self.widgets):
            yield Static(f"benchmark floor {number}")


def widget_count(factory: AppFactory) -> int:
    """How many widgets the app's screen holds after its first frame."""

    async def count() -> int:
        app = factory()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            return len(list(app.screen.walk_children()))

    return asyncio.run(count())


class TextAreaApp(App[None]):
    """The peer: Textual's read-only TextArea with soft wrap."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield TextArea(self.text, read_only=True, soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()


def annotate_app(root: Path) -> App[None]:
    """Our app as ``annotator annotate ROOT --annotator bench`` builds it (read-only not
    possible: it saves, so each run gets a writable file and closes it on exit)."""
    from annotator.store.project import Project
    from annotator.tui.app import AnnotateApp

    project = Project(root)
    annotations = project.annotations("bench", writable=True)
    app = AnnotateApp(project, annotations)
    original_exit = app._shutdown

    async def shutdown() -> None:
        await original_exit()
        annotations.close()

    app._shutdown = shutdown  # type: ignore[method-assign]
    return app


async def _first_frame(factory: AppFactory) -> float:
    start = time.perf_counter()
    app = factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        elapsed = time.perf_counter() - start
    return elapsed


def time_to_first_frame(factory: AppFactory) -> float:
    """Wall seconds from building the app to its first frame."""
    return asyncio.run(_first_frame(factory))


async def _keys(factory: AppFactory, keys: Sequence[str], warmup: Sequence[str]) -> float:
    app = factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key in warmup:
            await pilot.press(key)
        await pilot.pause()
        start = time.process_time()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        spent = time.process_time() - start
    return spent / len(keys)


def cpu_per_key(factory: AppFactory, keys: Sequence[str], warmup: Sequence[str] = ()) -> float:
    """CPU seconds per key press, the app and Textual's own work included."""
    return asyncio.run(_keys(factory, keys, warmup))


class DidNotFinish(Exception):
    """A measurement stopped by its time limit."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"did not finish within {limit:.0f} s")
        self.limit = limit


def in_child(
    mode: str, side: str, root: Path, keys: Sequence[str] = (), *, limit: float = 120.0
) -> float:
    """Run one measurement in a fresh process; :class:`DidNotFinish` after ``limit`` s."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "benchmarks.tui_child", mode, side, str(root), *keys]
    try:
        done = subprocess.run(
            command,
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DidNotFinish(limit) from None
    if done.returncode != 0:
        raise RuntimeError(f"{mode} {side} failed: {done.stderr[-2000:]}")
    value: float = orjson.loads(done.stdout.strip().splitlines()[-1])["value"]
    return value
