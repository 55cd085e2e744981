"""The command table: every command builds only its own module's parsers, and the table names
every command the modules register (a new command cannot be forgotten)."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

from annotator.cli import COMMAND_MODULE, COMMAND_MODULES, build_parser


def registered(module: str) -> set[str]:
    subparsers = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module).register(subparsers)
    return set(subparsers.choices)


def test_the_table_names_every_registered_command_and_its_module() -> None:
    found = {command: module for module in COMMAND_MODULES for command in registered(module)}
    assert found == COMMAND_MODULE
    full = build_parser()
    commands = next(
        action for action in full._actions if isinstance(action, argparse._SubParsersAction)
    )
    assert set(commands.choices) == set(COMMAND_MODULE)


def test_a_command_imports_no_other_command_module(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from annotator.cli import main\n"
        f"assert main(['init', {str(tmp_path / 'p')!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('annotator.cli.')), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    helpers = "'annotator.cli.common', 'annotator.cli.progress'"  # shared by the commands
    assert done.stderr.strip().splitlines()[-1] == f"[{helpers}, 'annotator.cli.project']"
