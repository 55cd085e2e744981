"""Child of the cold-start benchmark: start, show the first frame, print FRAME, exit at once.

``annotate PROJECT``: the real ``annotator annotate PROJECT --annotator bench`` command line
(argument parsing, every command module the CLI imports, project and annotation file), with
only ``App.run`` swapped for a headless 120x40 session. ``floor``: a minimal Textual app with
one Static.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from textual.app import App


def _first_frame_then_exit(app: App[Any]) -> None:
    async def session() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            sys.stdout.write("FRAME\n")
            sys.stdout.flush()
            os._exit(0)

    asyncio.run(session())


def main() -> None:
    mode = sys.argv[1]
    if mode == "floor":
        from textual.app import ComposeResult
        from textual.widgets import Static

        class Floor(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("hello")

        _first_frame_then_exit(Floor())
    else:
        import annotator.tui.app as tui_app

        tui_app.AnnotateApp.run = _first_frame_then_exit  # type: ignore[method-assign,assignment]
        from annotator.cli import main as cli_main

        cli_main(["annotate", sys.argv[2], "--annotator", "bench"])
    raise SystemExit("no frame")


if __name__ == "__main__":
    main()
