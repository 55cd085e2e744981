"""The README documents what the program really offers."""

from __future__ import annotations

from pathlib import Path

from annotator.cli import build_parser
from annotator.model.keymap import ACTIONS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_action_of_the_annotate_screen_is_in_the_key_table() -> None:
    missing = [action.name for action in ACTIONS if f"(`{action.name}`)" not in README]
    assert not missing, f"README key table lacks: {missing}"


def test_every_subcommand_is_in_the_command_table() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    names = sorted(subparsers.choices)  # type: ignore[arg-type]
    missing = [name for name in names if f"`annotator {name}" not in README]
    assert not missing, f"README command table lacks: {missing}"
