"""1. Keystroke cost: CPU time per key in the article view vs Textual's read-only TextArea."""

from __future__ import annotations

from benchmarks import generate, tui_driver
from benchmarks.framework import Row, Settings, Stats, Suite, ratio_target
from benchmarks.tui_rows import rotate, unfinished_row

# The same key sequence for both; TextArea's word move is ctrl+right, ours is w.
MIX = ("right", "down", "w", "pagedown", "shift+right", "shift+right", "1")
PEER_KEY = {"w": "ctrl+right"}
SIZES = {"10 KB": 10_000, "1 MB": 1_000_000, "10 MB": 10_000_000}
PEER_NAME = "TextArea (read-only, soft wrap)"
TARGET = "ratio <= 0.25"
HARNESS_SIZE = "10 KB"
"""The size whose floor is also measured with as many widgets as ours (a diagnostic row)."""


def run(settings: Settings) -> Suite:
    suite = Suite("keystroke")
    sizes = settings.pick(SIZES, {"10 KB": 10_000})
    rounds = settings.pick(3, 1)
    limit = settings.pick(180.0, 30.0)
    ours_keys = list(MIX) * rounds
    peer_keys = [PEER_KEY.get(key, key) for key in ours_keys]
    net_by_size: dict[str, Stats] = {}
    for name, size in sizes.items():
        root = tui_driver.document_project(size, generate.DATA / f"article-{size}")

        def child(side: str, keys: list[str]) -> float:
            return tui_driver.in_child("keys", side, root, keys, limit=limit)  # noqa: B023

        sides = {
            "floor": lambda: child("floor", ours_keys),
            "peer": lambda: child("peer", peer_keys),
            "ours": lambda: child("ours", ours_keys),
        }
        widgets = 0
        if name == HARNESS_SIZE:
            widgets = int(tui_driver.in_child("widgets", "ours", root, limit=limit))
            sides["floor-like-ours"] = lambda: child(f"floor-{widgets}", ours_keys)  # noqa: B023
        values, stopped = rotate(sides, settings.reps)
        floor = Stats.of(values["floor"]).median
        peer = (
            Stats.of([max(0.0, value - floor) for value in values["peer"]])
            if values["peer"]
            else None
        )
        case = f"CPU per key, {name} article"
        if "ours" in stopped or not values["ours"]:
            suite.rows.append(
                unfinished_row(
                    "1 keystroke", case, stopped.get("ours", limit), peer, PEER_NAME, TARGET
                )
            )
            continue
        ours = Stats.of([max(0.0, value - floor) for value in values["ours"]])
        net_by_size[name] = ours
        suite.rows.append(ratio_target(Row("1 keystroke", case, "s", ours, peer, PEER_NAME), 0.25))
        if values.get("floor-like-ours"):
            # Diagnostic, no target: the floor with as many widgets as our screen has, so the
            # Pilot's wait on each widget after each key is subtracted from ours as the
            # one-widget floor subtracts it from the peer's single TextArea.
            like_ours = Stats.of(values["floor-like-ours"]).median
            suite.rows.append(
                Row(
                    "1 keystroke",
                    f"{case}, less the harness's wait on our {widgets} widgets (diagnostic)",
                    "s",
                    Stats.of([max(0.0, value - like_ours) for value in values["ours"]]),
                    peer,
                    PEER_NAME,
                )
            )
            suite.notes.append(
                f"diagnostic row: ours less a floor of {widgets} Statics "
                f"({1000 * like_ours:.2f} ms per key, against {1000 * floor:.2f} ms for one), "
                "the peer less the one-Static floor as in the target row: Pilot.press waits "
                "on every widget of the screen after each key, which a real terminal does not"
            )
    if "10 KB" in net_by_size and "10 MB" in sizes:
        small = net_by_size["10 KB"]
        if "10 MB" in net_by_size:
            suite.rows.append(
                ratio_target(
                    Row(
                        "1 keystroke",
                        "10 MB vs 10 KB (ours)",
                        "s",
                        net_by_size["10 MB"],
                        small,
                        "ours at 10 KB",
                    ),
                    1.5,
                )
            )
        else:
            suite.rows.append(
                Row(
                    "1 keystroke",
                    "10 MB vs 10 KB (ours): 10 MB did not finish",
                    "s",
                    Stats.of([limit]),
                    small,
                    "ours at 10 KB",
                    target="ratio <= 1.5",
                    met=False,
                )
            )
    suite.notes.append(
        f"keys: {' '.join(MIX)} (TextArea: ctrl+right for w), {len(ours_keys)} presses per "
        "session in a fresh process and a fresh 120x40 run_test session per figure; the median "
        "CPU per key of the same loop on a bare App with one Static is subtracted from both"
    )
    return suite
