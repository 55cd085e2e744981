"""``agreement``, ``adjudicate`` and ``review``: how far annotators agree, and the gold version."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from annotator.cli.common import add_project_argument, open_project, split_list
from annotator.cli.progress import progress_bar
from annotator.model.errors import AnnotatorError, visible


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    agreement = subparsers.add_parser(
        "agreement",
        help="inter-annotator agreement: span F1, token kappa/alpha, relation F1",
        description="Agreement between annotators over the documents at least two of them "
        "annotated (same text hash). The gold annotator is left out unless named.",
    )
    add_project_argument(agreement)
    _add_annotators(agreement)
    agreement.add_argument(
        "--labels", metavar="L1,L2", help="labels to compare (default: every configured label)"
    )
    agreement.add_argument(
        "--docs", type=Path, metavar="FILE", help="only the document ids listed in FILE"
    )
    agreement.add_argument("--per-doc", action="store_true", help="add per-document figures")
    agreement.add_argument(
        "--format", choices=("table", "json", "csv"), default="table", help="output format"
    )
    agreement.add_argument(
        "--units", type=Path, metavar="FILE", help="write the token unit table (CSV) to FILE"
    )
    agreement.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: one per CPU for 1500 documents or more)",
    )
    agreement.set_defaults(handler=run_agreement)

    adjudicate = subparsers.add_parser(
        "adjudicate",
        help="pre-fill gold records with the spans the annotators agree on",
        description="Writes records of the gold annotator (config gold_annotator) with every "
        "unanimous span, or every span with at least --min-votes votes, and the relations whose "
        "two ends made it. Spans an adjudicator accepted or edited are kept; documents whose "
        "gold record is marked done are left alone.",
    )
    add_project_argument(adjudicate)
    _add_annotators(adjudicate)
    adjudicate.add_argument(
        "--auto", action="store_true", required=True, help="merge automatically (no TUI)"
    )
    adjudicate.add_argument(
        "--min-votes",
        type=int,
        metavar="N",
        help="keep spans marked by at least N annotators (default: all annotators of a document)",
    )
    adjudicate.add_argument("--dry-run", action="store_true", help="report, write nothing")
    adjudicate.set_defaults(handler=run_adjudicate)

    review = subparsers.add_parser(
        "review", help="review disagreements and build the gold version (TUI)"
    )
    add_project_argument(review)
    _add_annotators(review)
    review.set_defaults(handler=run_review)


def _add_annotators(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--annotators",
        metavar="A,B,C",
        help="annotators to compare (default: everyone with a file except the gold annotator)",
    )


# -- agreement ----------------------------------------------------------------------------------


def run_agreement(args: argparse.Namespace) -> int:
    from annotator.agreement.dataset import Selection, read_doc_ids
    from annotator.agreement.report import compute_agreement
    from annotator.agreement.units import UnitsWriter

    project = open_project(args.project)
    doc_ids = read_doc_ids(args.docs) if args.docs else None
    selection = Selection(
        project,
        annotators=split_list(args.annotators),
        labels=split_list(args.labels),
        doc_ids=doc_ids,
        docs_file=args.docs,
    )
    if len(selection.annotators) < 2:
        raise AnnotatorError(
            f"agreement needs at least two annotators; found {len(selection.annotators)} "
            f"({', '.join(selection.annotators) or 'none'}) in {project.annotations_dir}"
        )
    units_handle: TextIO | None = None
    try:
        if args.units is not None:
            try:
                units_handle = args.units.open("w", encoding="utf-8", newline="")
            except OSError as error:
                raise AnnotatorError(f"cannot write: {error.strerror}", file=args.units) from None
        sink = (
            UnitsWriter(units_handle, selection.annotators, selection.labels)
            if units_handle
            else None
        )
        with progress_bar() as bar:
            report = compute_agreement(
                selection,
                per_doc=args.per_doc or args.format == "table",
                progress=bar.step("agreement"),
                units=sink,
                workers=args.jobs,
            )
    finally:
        if units_handle is not None:
            units_handle.close()
    data = report.to_json()
    if args.format == "json":
        if not args.per_doc:
            data.pop("per_document", None)
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        write_csv(data, sys.stdout)
    else:
        from annotator.agreement.tables import print_tables

        print_tables(data, str(args.project), per_doc=args.per_doc)
    if args.units is not None:
        print(f"unit table written to {visible(str(args.units))}", file=sys.stderr)
    return 0


CSV_KEYS = (
    "documents",
    "span_f1_exact",
    "span_f1_partial",
    "span_f1_boundary",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "relation_f1",
)


def write_csv(data: dict[str, Any], out: TextIO) -> None:
    """One row per scope (overall, label, pair, pair and label, document); empty = undefined."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scope", "a", "b", "label", "doc_id", *CSV_KEYS])

    def row(
        scope: str,
        values: dict[str, Any],
        *,
        a: str = "",
        b: str = "",
        label: str = "",
        doc_id: str = "",
    ) -> None:
        cells = ["" if values.get(key) is None else values[key] for key in CSV_KEYS]
        writer.writerow([scope, a, b, label, doc_id, *cells])

    row("overall", {"documents": data["documents"]["counted"], **data["overall"]})
    for label, values in data["per_label"].items():
        row("label", values, label=label)
    for pair in data["pairs"]:
        row("pair", pair, a=pair["a"], b=pair["b"])
        for label, values in pair["per_label"].items():
            row("pair_label", values, a=pair["a"], b=pair["b"], label=label)
    for document in data.get("per_document", []):
        row("document", document, doc_id=document["doc_id"])


# -- adjudicate ---------------------------------------------------------------------------------


def run_adjudicate(args: argparse.Namespace) -> int:
    from annotator.agreement.adjudicate import auto_adjudicate

    project = open_project(args.project)
    if args.min_votes is not None and args.min_votes < 1:
        raise AnnotatorError(f"--min-votes must be at least 1, got {args.min_votes}")
    with progress_bar() as bar:
        summary = auto_adjudicate(
            project,
            annotators=split_list(args.annotators),
            min_votes=args.min_votes,
            dry_run=args.dry_run,
            progress=bar.step("adjudicate"),
        )
    counts = Counter(outcome.action for outcome in summary.outcomes)
    for outcome in summary.outcomes:
        if outcome.action != "unchanged":
            print(visible(f"{outcome.doc_id}: {outcome.describe()}"))
    gold = project.config.gold_annotator
    verb = "would write" if args.dry_run else "wrote"
    print(
        f"{verb} {counts['created']} new and {counts['updated']} updated {gold} record(s); "
        f"{counts['unchanged']} unchanged, {counts['skipped']} left alone "
        f"({summary.spans_added} span(s) added, {summary.spans_kept} kept, "
        f"{summary.spans_removed} removed) in {visible(str(project.annotation_path(gold)))}",
        file=sys.stderr,
    )
    return 0


# -- review -------------------------------------------------------------------------------------


def run_review(args: argparse.Namespace) -> int:
    from annotator.tui.review.app import ReviewApp

    project = open_project(args.project)
    with progress_bar() as bar:  # the agreement the overview is sorted by, before it opens
        app = ReviewApp(
            project, annotators=split_list(args.annotators), progress=bar.step("agreement")
        )
    app.run()
    return app.return_code or 0
