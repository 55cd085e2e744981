"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from annotator.model.errors import AnnotatorError
from annotator.store.project import Project


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, metavar="PROJECT", help="the project folder")


def open_project(path: Path, *, strict: bool = True) -> Project:
    """Open a project; with ``strict``, refuse a corpus with unreadable documents."""
    project = Project(path)
    if strict and project.corpus.problems:
        problems = project.corpus.problems
        more = (
            f" (and {len(problems) - 1} more; see `annotator validate`)"
            if len(problems) > 1
            else ""
        )
        raise AnnotatorError(f"{problems[0]}{more}")
    return project


def default_annotator() -> str:
    """``$ANNOTATOR``, else the login name."""
    name = os.environ.get("ANNOTATOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise AnnotatorError("no annotator name: pass --annotator NAME or set $ANNOTATOR") from None


def split_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or None
