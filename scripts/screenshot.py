"""Regenerate docs/screenshot.svg (the README screenshot) from the real annotate app.

Runs the app headless on a temporary copy of the sample project, tags a few spans with the same
keys an annotator would press, and saves Textual's SVG export.

    python scripts/screenshot.py [OUTPUT.svg]
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from annotator.store.project import Project
from annotator.tui.app import AnnotateApp

ROOT = Path(__file__).resolve().parent.parent
KEYS = [
    "slash",
    *"Irena Vashti",
    "enter",
    "1",
    "slash",
    *"central bank",
    "enter",
    "3",
    "slash",
    *"Viktor Halloran",
    "enter",
    "1",
    "slash",
    *"Central Electoral Commission",
    "enter",
    "3",
    "slash",
    *"runoff",
    "enter",
    "4",
    # Halloran's quote, linked to him: the nearest speaker before it.
    "slash",
    *"The count has been slow because it has been careful",
    "enter",
    "2",
    "a",
    "enter",
    "slash",
    *"The count",
    "enter",
]


async def capture(output: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        project_root = Path(folder) / "sample"
        shutil.copytree(ROOT / "sample_corpus", project_root)
        project = Project(project_root)
        with project.annotations("screenshot", writable=True) as annotations:
            app = AnnotateApp(project, annotations)
            async with app.run_test(size=(120, 36)) as pilot:
                await pilot.pause()
                for key in KEYS:
                    await pilot.press(key)
                await pilot.pause(0.2)
                svg = app.export_screenshot(title="annotator annotate")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(svg, encoding="utf-8")
    print(f"wrote {output}")


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.svg"
    asyncio.run(capture(output))


if __name__ == "__main__":
    main()
