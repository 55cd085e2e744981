"""2. Opening a document: app start to first frame, ours vs Textual's TextArea."""

from __future__ import annotations

from benchmarks import generate, tui_driver
from benchmarks.bench_keystroke import PEER_NAME, SIZES
from benchmarks.framework import Row, Settings, Stats, Suite, ratio_target
from benchmarks.tui_rows import rotate, unfinished_row


def run(settings: Settings) -> Suite:
    suite = Suite("open")
    sizes = settings.pick(SIZES, {"10 KB": 10_000, "100 KB": 100_000})
    limit = settings.pick(180.0, 30.0)
    for name, size in sizes.items():
        root = tui_driver.document_project(size, generate.DATA / f"article-{size}")
        values, stopped = rotate(
            {
                "peer": lambda: tui_driver.in_child("open", "peer", root, limit=limit),  # noqa: B023
                "ours": lambda: tui_driver.in_child("open", "ours", root, limit=limit),  # noqa: B023
            },
            settings.reps,
        )
        peer = Stats.of(values["peer"]) if values["peer"] else None
        case = f"to first frame, {name} article"
        target = "ratio <= 0.3" if size >= 1_000_000 else ""
        if "ours" in stopped or not values["ours"]:
            suite.rows.append(
                unfinished_row("2 open", case, stopped.get("ours", limit), peer, PEER_NAME, target)
            )
            if size == 10_000_000:
                suite.rows.append(
                    Row(
                        "2 open",
                        "10 MB article, absolute",
                        "s",
                        Stats.of([stopped.get("ours", limit)]),
                        target="<= ~1 s (1.2 s)",
                        met=False,
                    )
                )
            continue
        ours = Stats.of(values["ours"])
        row = Row("2 open", case, "s", ours, peer, PEER_NAME)
        if target:
            ratio_target(row, 0.3)
        suite.rows.append(row)
        if size == 10_000_000:
            absolute = Row("2 open", "10 MB article, absolute", "s", ours, target="<= ~1 s (1.2 s)")
            absolute.met = ours.median <= 1.2
            suite.rows.append(absolute)
    suite.notes.append(
        "from building the app (for ours: project and annotation file opened) to the first "
        "processed refresh in a 120x40 run_test session, each figure in a fresh process with "
        "the modules already imported; the article has a span every ~80 characters with "
        "overlaps"
    )
    return suite
