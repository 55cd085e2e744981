"""``annotate`` (and the default action with no command): the annotation TUI."""

from __future__ import annotations

import argparse
from typing import Any

from annotator.store.workspace import sample_workspace


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """The ``annotate`` subcommand is added by the TUI work."""


def run_default(args: argparse.Namespace) -> int:
    """With no command: copy the bundled sample to the user's workspace and open it."""
    workspace = sample_workspace()
    print(f"sample project ready in {workspace}; the annotation screen is not built yet")
    return 0
