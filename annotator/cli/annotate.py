"""``annotate`` (and the default action with no command): the annotation TUI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from annotator.cli.common import add_project_argument, default_annotator, open_project
from annotator.model.errors import AnnotatorError
from annotator.store.workspace import sample_workspace


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "annotate",
        help="annotate a project's documents in the terminal",
        description="Open the annotation screen on the first document not yet done "
        "(press ? inside for every key).",
    )
    add_project_argument(parser)
    parser.add_argument(
        "--annotator",
        metavar="NAME",
        help="whose annotations to edit (default: $ANNOTATOR, else the login name)",
    )
    parser.add_argument("--doc", metavar="ID", help="open this document first")
    parser.set_defaults(handler=run_annotate)


def annotate(project_path: Path, annotator: str, doc_id: str | None = None) -> int:
    """Open the TUI; returns when the annotator quits. Every edit was saved as it was made."""
    project = open_project(project_path)
    # what can be refused is refused before the annotator's file is opened for writing (which
    # creates it): a failed start leaves no empty file that would count as an annotator
    path = project.annotation_path(annotator)  # refuses an invalid name
    if doc_id is not None and doc_id not in project.corpus:
        raise AnnotatorError(f"no document with id {doc_id!r} in the project", file=project.root)
    from annotator.tui.app import AnnotateApp

    existed = path.exists()
    with project.annotations(annotator, writable=True) as annotations:
        try:
            app = AnnotateApp(project, annotations, doc_id)
        except BaseException:
            if not existed and path.exists() and path.stat().st_size == 0:
                path.unlink()  # created by this failed start only
            raise
        app.run()
        code = app.return_code or 0  # 128 + the signal's number after SIGTERM or SIGHUP
        if not existed and path.exists() and path.stat().st_size == 0:
            path.unlink()  # nothing saved: no empty file that would count as an annotator
    return code


def run_annotate(args: argparse.Namespace) -> int:
    if args.annotator is not None and not args.annotator.strip():
        raise AnnotatorError("--annotator: the name is empty")
    return annotate(args.project, args.annotator or default_annotator(), args.doc)


def run_default(args: argparse.Namespace) -> int:
    """With no command: copy the bundled sample to the user's workspace and open it; on the
    way out, say where that copy is (its annotations are the user's work)."""
    root = sample_workspace()
    annotator = default_annotator()
    code = annotate(root, annotator)
    print(
        f"the sample project is in {root}; your annotations: "
        f"{root / 'annotations' / f'{annotator}.jsonl'}",
        file=sys.stderr,
    )
    return code
