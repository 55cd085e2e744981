"""The ``annotator`` command: parse arguments, call the core, print, set the exit code.

Each group of subcommands lives in its own module with a ``register(subparsers)`` function that
adds its parsers and sets ``handler`` to a function ``(args) -> int``. Modules import heavy
layers (Textual, spaCy) only inside their handlers, so ``annotator --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from annotator import __version__, skip_pydantic_plugins
from annotator.model.errors import AnnotatorError

COMMAND_MODULES = (
    "annotator.cli.project",
    "annotator.cli.annotate",
    "annotator.cli.agreement",
    "annotator.cli.transfer",
    "annotator.cli.drift",
)


COMMAND_MODULE = {
    "init": "annotator.cli.project",
    "validate": "annotator.cli.project",
    "stats": "annotator.cli.project",
    "schema": "annotator.cli.project",
    "annotate": "annotator.cli.annotate",
    "agreement": "annotator.cli.agreement",
    "adjudicate": "annotator.cli.agreement",
    "review": "annotator.cli.agreement",
    "export": "annotator.cli.transfer",
    "import": "annotator.cli.transfer",
    "reanchor": "annotator.cli.drift",
}
"""The module of each command: a command line naming one builds only that module's parsers,
without importing the others (same options, same messages; ``annotator --help`` and an unknown
command still see them all). A test checks the table against what the modules register."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line parser; ``only``: just that command module's subcommands."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Span annotation of news articles in the terminal. With no command, opens "
        "the bundled sample project for annotation (copied to your user data folder first).",
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (only,):
        importlib.import_module(name).register(subparsers)
    return parser


def _tolerant_output() -> None:
    """File names with undecodable bytes must print (escaped), never crash the command."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


TUI_COMMANDS = frozenset({"annotate", "review"})
"""Commands that run the terminal app (as does no command at all): SIGTERM keeps its default."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``, a batch scheduler) as the interrupt Ctrl-C raises, so a
    command cleans up on the way out (an export removes its temporary output) either way."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_output()
    skip_pydantic_plugins()
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(COMMAND_MODULE.get(arguments[0]) if arguments else None)
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    previous: Callable[[int, FrameType | None], Any] | int | None = None
    if (
        handler is not None
        and args.command not in TUI_COMMANDS
        and threading.current_thread() is threading.main_thread()
    ):
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        if handler is None:
            from annotator.cli.annotate import run_default

            return run_default(args)
        result: int = handler(args)
        return result
    except AnnotatorError as error:
        print(f"annotator: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as interrupt:
        print("annotator: interrupted", file=sys.stderr)
        return 143 if isinstance(interrupt, Terminated) else 130
    except BrokenPipeError:
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
