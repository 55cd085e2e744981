"""2. Opening a document: app start to first frame, ours vs Textual's TextArea."""

from __future__ import annotations

from benchmarks import generate, tui_driver
from benchmarks.bench_keystroke import SIZES
from benchmarks.framework import Row, Settings, Stats, Suite, alternate, ratio_target


def run(settings: Settings) -> Suite:
    suite = Suite("open")
    sizes = settings.pick(SIZES, {"10 KB": 10_000, "100 KB": 100_000})
    for name, size in sizes.items():
        root = tui_driver.document_project(size, generate.DATA / f"article-{size}")
        text = tui_driver.article_text(root)
        ours, peer = alternate(
            lambda: tui_driver.time_to_first_frame(lambda: tui_driver.annotate_app(root)),
            lambda: tui_driver.time_to_first_frame(lambda: tui_driver.TextAreaApp(text)),
            settings.reps,
        )
        row = Row("2 open", f"to first frame, {name} article", "s", ours, peer,
                  "TextArea (read-only, soft wrap)")
        if size >= 1_000_000:
            ratio_target(row, 0.3)
        suite.rows.append(row)
        if size == 10_000_000:
            absolute = Row("2 open", "10 MB article, absolute", "s", ours,
                           target="<= ~1 s (1.2 s)")
            absolute.met = ours.median <= 1.2
            suite.rows.append(absolute)
    suite.notes.append(
        "from building the app (project and annotation file opened, for ours) to the first "
        "processed refresh in a 120x40 run_test session; the article has a span every ~80 "
        "characters with overlaps"
    )
    _ = Stats
    return suite
