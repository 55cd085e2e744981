"""Nothing outside annotator/tui imports Textual: each core module is imported on its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "annotator"
# annotator/tui is the one layer allowed to import Textual; the CLI modules that start it import
# it inside their handlers only, so importing them is checked too. (__main__ runs the CLI.)
ALLOWED = ("annotator.tui",)


def core_modules() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if not name.startswith(ALLOWED) and name != "annotator.__main__":
            found.append(name)
    return found


def test_the_list_covers_the_layers() -> None:
    modules = core_modules()
    for expected in ("annotator.model.records", "annotator.store.annotations", "annotator.cli"):
        assert expected in modules


def test_no_core_module_imports_textual() -> None:
    script = (
        "import importlib, sys\n"
        "bad = []\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'textual']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        "    if 'textual' in sys.modules:\n"
        "        bad.append(name)\n"
        "print('\\n'.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *core_modules()],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"these modules import textual: {result.stdout}"


@pytest.mark.parametrize("name", ["annotator.cli", "annotator.store.project"])
def test_fresh_interpreter_import(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import sys, {name}; print('textual' in sys.modules)"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "False", result.stderr
