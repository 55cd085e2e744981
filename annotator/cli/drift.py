"""``reanchor``: move spans to where their text now is after documents changed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from annotator.cli.common import add_project_argument, open_project
from annotator.model.errors import AnnotatorError
from annotator.store.reanchor import DEFAULT_WINDOW, RecordPlan, reanchor_annotator


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    reanchor = subparsers.add_parser(
        "reanchor",
        help="move spans of changed documents to where their text now is",
        description="For every record made on an older version of its document (text_sha256 "
        "differs), look for each span's text near its old position. A record is rewritten only "
        "when every span is placed (found exactly once nearby, or exactly where its neighbours' "
        "shift puts it); otherwise it is left unchanged and listed, unless --drop-unplaced. "
        "Exit status 1 when any record is left unchanged.",
    )
    add_project_argument(reanchor)
    reanchor.add_argument("--annotator", metavar="NAME", help="only this annotator's file")
    reanchor.add_argument(
        "--dry-run", action="store_true", help="print what would change; write nothing"
    )
    reanchor.add_argument(
        "--window",
        type=int,
        default=DEFAULT_WINDOW,
        metavar="N",
        help=f"how far (characters) a span may have moved (default {DEFAULT_WINDOW})",
    )
    reanchor.add_argument(
        "--drop-unplaced",
        action="store_true",
        help="rewrite a record even when some spans cannot be placed: keep those placed, drop "
        "the others and their links (each listed), so the annotator re-tags only those",
    )
    reanchor.set_defaults(handler=run_reanchor)


def run_reanchor(args: argparse.Namespace) -> int:
    project = open_project(args.project, strict=False)
    annotators = project.annotators()
    if args.annotator:
        if args.annotator not in annotators:
            raise AnnotatorError(
                f"no annotation file for {args.annotator!r}", file=project.annotations_dir
            )
        annotators = [args.annotator]
    if args.window < 0:
        print("annotator: error: --window must not be negative", file=sys.stderr)
        return 2
    # Checked first without opening the file for writing: an annotator with nothing to
    # re-anchor is never opened for writing (a read-only project is then fine); a file with
    # something to rewrite is then opened for writing (and locked) and planned again.
    plans: list[RecordPlan] = []
    errors: list[AnnotatorError] = []

    def planned(annotator: str, *, dry_run: bool) -> list[RecordPlan]:
        return reanchor_annotator(
            project,
            annotator,
            dry_run=dry_run,
            window=args.window,
            drop_unplaced=args.drop_unplaced,
        )

    for annotator in annotators:
        try:
            try:
                found = planned(annotator, dry_run=True)
                write = any(plan.new_record is not None for plan in found)
            except AnnotatorError:
                if args.dry_run:
                    raise
                write = True  # a file that cannot be read: the save's own refusal says so
            if write and not args.dry_run:
                found = planned(annotator, dry_run=False)
        except AnnotatorError as error:
            errors.append(error)
            continue
        plans += found
    for plan in plans:
        for line in plan.describe():
            print(line)
    for problem in errors:
        print(f"annotator: error: {problem}", file=sys.stderr)
    if errors:
        return 1  # no summary after an error: it would read as if all went well
    fixed = sum(plan.new_record is not None for plan in plans)
    left = len(plans) - fixed
    dropped = sum(len(plan.unplaced) for plan in plans if plan.new_record is not None)
    verb = "would re-anchor" if args.dry_run else "re-anchored"
    print(
        f"{len(plans)} record(s) made on an older text: {verb} {fixed}, left unchanged {left}"
        + (f"; {dropped} span(s) that could not be placed dropped" if dropped else ""),
        file=sys.stderr,
    )
    return 1 if left else 0
