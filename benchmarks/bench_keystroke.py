"""1. Keystroke cost: CPU time per key in the article view vs Textual's read-only TextArea."""

from __future__ import annotations

from benchmarks import generate, tui_driver
from benchmarks.framework import Row, Settings, Stats, Suite, ratio_target

# The same key sequence for both; TextArea's word move is ctrl+right, ours is w.
MIX = ("right", "down", "w", "pagedown", "shift+right", "shift+right", "1")
PEER_KEY = {"w": "ctrl+right"}
SIZES = {"10 KB": 10_000, "1 MB": 1_000_000, "10 MB": 10_000_000}


def run(settings: Settings) -> Suite:
    suite = Suite("keystroke")
    sizes = settings.pick(SIZES, {"10 KB": 10_000})
    rounds = settings.pick(4, 1)
    ours_keys = list(MIX) * rounds
    peer_keys = [PEER_KEY.get(key, key) for key in ours_keys]
    net_by_size: dict[str, Stats] = {}
    for name, size in sizes.items():
        root = tui_driver.document_project(size, generate.DATA / f"article-{size}")
        text = tui_driver.article_text(root)
        ours_values: list[float] = []
        peer_values: list[float] = []
        for rep in range(settings.reps):
            # Floor, peer and ours in a rotating order; each figure net of the floor of its rep.
            runs = {
                "floor": lambda: tui_driver.cpu_per_key(tui_driver.FloorApp, ours_keys),
                "peer": lambda: tui_driver.cpu_per_key(
                    lambda: tui_driver.TextAreaApp(text), peer_keys
                ),
                "ours": lambda: tui_driver.cpu_per_key(
                    lambda: tui_driver.annotate_app(root), ours_keys
                ),
            }
            order = list(runs)[rep % 3 :] + list(runs)[: rep % 3]
            measured = {key: runs[key]() for key in order}
            ours_values.append(max(0.0, measured["ours"] - measured["floor"]))
            peer_values.append(max(0.0, measured["peer"] - measured["floor"]))
        ours, peer = Stats.of(ours_values), Stats.of(peer_values)
        net_by_size[name] = ours
        suite.rows.append(
            ratio_target(
                Row("1 keystroke", f"CPU per key, {name} article", "s", ours, peer,
                    "TextArea (read-only, soft wrap)"),
                0.25,
            )
        )
    if "10 KB" in net_by_size and "10 MB" in net_by_size:
        small, large = net_by_size["10 KB"], net_by_size["10 MB"]
        suite.rows.append(
            ratio_target(
                Row("1 keystroke", "10 MB vs 10 KB (ours)", "s", large, small,
                    "ours at 10 KB"),
                1.5,
            )
        )
    suite.notes.append(
        f"keys: {' '.join(MIX)} (TextArea: ctrl+right for w), {len(ours_keys)} presses per "
        "session, a fresh 120x40 run_test session per figure; CPU of the same loop on a bare "
        "App with one Static is subtracted"
    )
    return suite
