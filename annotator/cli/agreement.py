"""``agreement``, ``adjudicate`` and ``review``: how far annotators agree, and the gold version."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from annotator.cli.common import add_project_argument, open_project, split_list
from annotator.cli.progress import progress_bar
from annotator.model.errors import AnnotatorError, visible

if TYPE_CHECKING:
    from annotator.store.project import Project


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    agreement = subparsers.add_parser(
        "agreement",
        help="inter-annotator agreement: span F1, token kappa/alpha, relation F1",
        description="Agreement between annotators over the documents at least two of them "
        "annotated (same text hash). The gold annotator is left out unless named. A line of an "
        "annotation file that cannot be read, or a record that `annotator validate` rejects, "
        "stops the run (exit 1, naming file and line) unless --skip-bad is given. Exits 1 when "
        "no document was annotated by two or more of the annotators compared.",
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
        "--units",
        type=Path,
        metavar="FILE",
        help="write the token unit table (CSV) to FILE (not '-': the report goes to stdout)",
    )
    agreement.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: one per CPU for 1500 documents or more)",
    )
    agreement.add_argument(
        "--skip-bad",
        action="store_true",
        help="compute without the documents that have an unreadable or invalid record (listed "
        "on stderr first, and under excluded documents) instead of refusing",
    )
    agreement.add_argument(
        "--against",
        metavar="NAME",
        help="compare each annotator with NAME's records (e.g. gold): precision, recall and F1 "
        "per annotator, no figure pooled over annotators",
    )
    agreement.add_argument(
        "--against-done",
        action="store_true",
        help="with --against: only the documents whose reference record is marked done",
    )
    agreement.set_defaults(handler=run_agreement)

    adjudicate = subparsers.add_parser(
        "adjudicate",
        help="pre-fill gold records with the spans the annotators agree on",
        description="Writes records of the gold annotator (config gold_annotator) with every "
        "unanimous span, or every span with at least --min-votes votes, and the relations whose "
        "two ends made it. Spans an adjudicator accepted or edited are kept; documents whose "
        "gold record is marked done are left alone. Refuses (exit 1, writing nothing) when a "
        "line of the annotators' files cannot be read or a record does not validate.",
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
        "review",
        help="review disagreements and build the gold version (TUI)",
        description="Refuses to open (exit 1) when a line of the annotators' files cannot be "
        "read or a record does not validate.",
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
    from annotator.agreement.dataset import (
        Selection,
        bad_input_message,
        read_doc_ids,
    )
    from annotator.agreement.report import compute_agreement
    from annotator.agreement.units import UnitsWriter

    if args.jobs is not None and args.jobs < 1:
        raise AnnotatorError(f"--jobs must be at least 1, got {args.jobs}")
    if args.units is not None and str(args.units) == "-":
        raise AnnotatorError(
            "--units -: the report goes to standard output; give the unit table a file name "
            "(--units units.csv)"
        )
    project = open_project(args.project)
    if args.against is not None or args.against_done:
        return run_against(args, project)
    doc_ids = read_doc_ids(args.docs) if args.docs else None
    selection = Selection(
        project,
        annotators=named_once(args.annotators, "--annotators", "annotator"),
        labels=named_once(args.labels, "--labels", "label"),
        doc_ids=doc_ids,
        docs_file=args.docs,
    )
    if len(selection.annotators) < 2:
        raise AnnotatorError(
            f"agreement needs at least two annotators; found {len(selection.annotators)} "
            f"({', '.join(selection.annotators) or 'none'}) in {project.annotations_dir}"
        )
    for warning in selection.warnings:  # first, not after the tables
        print(f"warning: {warning}", file=sys.stderr)
    if selection.file_problems and not args.skip_bad:
        raise AnnotatorError(bad_input_message(selection.file_problems, SKIP_HINT))
    units = UnitsFile(args.units) if args.units is not None else None
    try:
        sink = UnitsWriter(units.handle, selection.annotators, selection.labels) if units else None
        with progress_bar() as bar:
            report = compute_agreement(
                selection,
                per_doc=args.per_doc or args.format == "table",
                progress=bar.step("agreement"),
                units=sink,
                workers=args.jobs,
            )
        if report.problems and not args.skip_bad:
            hint = SKIP_HINT
            if args.labels is None and any(UNKNOWN_LABEL in problem for problem in report.problems):
                hint = RETIRED_LABEL_HINT
            raise AnnotatorError(bad_input_message(report.problems, hint))
        if report.problems:
            warn_left_out(report.problems)
        data = report.to_json()
        if report.counted == 0:
            reason = nothing_compared(data)
            if args.format == "json":  # still a valid report, with the reason
                if not args.per_doc:
                    data.pop("per_document", None)
                print(json.dumps({"error": reason, **data}, indent=2, ensure_ascii=False))
            raise AnnotatorError(reason)
        if units is not None:
            units.keep()
    finally:
        if units is not None:
            units.close()
    if args.format == "json":
        if not args.per_doc:
            data.pop("per_document", None)
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        write_csv(data, sys.stdout)
    else:
        from annotator.agreement.tables import print_tables

        data.pop("warnings", None)  # printed first, above
        data.pop("problems", None)
        print_tables(data, str(args.project), per_doc=args.per_doc)
    if args.units is not None:
        print(f"unit table written to {visible(str(args.units))}", file=sys.stderr)
    return 0


def run_against(args: argparse.Namespace, project: Project) -> int:
    """``agreement --against NAME``: each annotator against NAME's records."""
    from annotator.agreement.against import compute_against
    from annotator.agreement.dataset import (
        Selection,
        bad_input_message,
        read_doc_ids,
    )

    reference = args.against
    if reference is None:
        raise AnnotatorError("--against-done needs --against NAME")
    for given, option in ((args.per_doc, "--per-doc"), (args.units, "--units")):
        if given:
            raise AnnotatorError(f"{option} is not for --against (figures per annotator only)")
    named = named_once(args.annotators, "--annotators", "annotator")
    if named is not None and reference in named:
        raise AnnotatorError(f"--annotators names {reference}, the reference of --against")
    if named is None:
        gold = project.config.gold_annotator
        named = [name for name in project.annotators() if name not in (gold, reference)]
    available = project.annotators()
    if reference not in available:
        raise AnnotatorError(
            f"no annotation file for {reference} (have: {', '.join(available) or 'none'})",
            file=project.annotations_dir,
        )
    if not named:
        raise AnnotatorError(
            f"no annotator to compare with {reference} in {project.annotations_dir}"
        )
    selection = Selection(
        project,
        annotators=[reference, *named],
        labels=named_once(args.labels, "--labels", "label"),
        doc_ids=read_doc_ids(args.docs) if args.docs else None,
        docs_file=args.docs,
    )
    for warning in selection.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if selection.file_problems and not args.skip_bad:
        raise AnnotatorError(bad_input_message(selection.file_problems, SKIP_HINT))
    with progress_bar() as bar:
        report = compute_against(
            selection, reference, done_only=args.against_done, progress=bar.step("agreement")
        )
    if report.problems and not args.skip_bad:
        raise AnnotatorError(bad_input_message(report.problems, SKIP_HINT))
    if report.problems:
        warn_left_out(report.problems)
    data = report.to_json()
    if report.counted == 0:
        which = f"{reference} record marked done" if args.against_done else f"{reference} record"
        reason = f"no document has a {which} and a usable record by {', '.join(named)}"
        if args.format == "json":
            print(json.dumps({"error": reason, **data}, indent=2, ensure_ascii=False))
        raise AnnotatorError(reason)
    if args.format == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        write_against_csv(data, sys.stdout)
    else:
        from annotator.agreement.tables import print_against

        print_against(data, str(args.project))
    return 0


AGAINST_CSV_KEYS = tuple(
    f"{measure}_{score}"
    for measure in ("exact", "partial", "boundary", "relations")
    for score in ("precision", "recall", "f1")
)


def write_against_csv(data: dict[str, Any], out: TextIO) -> None:
    """One row per annotator, then per annotator and label; an empty cell is undefined."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scope", "annotator", "label", "documents", *AGAINST_CSV_KEYS, "cohen_kappa"])

    def cells(values: dict[str, Any]) -> list[Any]:
        row = []
        for key in AGAINST_CSV_KEYS:
            measure, score = key.rsplit("_", 1)
            value = values.get(measure, {}).get(score)
            row.append("" if value is None else value)
        kappa = values.get("cohen_kappa")
        return [*row, "" if kappa is None else kappa]

    for row in data["per_annotator"]:
        writer.writerow(["annotator", row["annotator"], "", row["documents"], *cells(row)])
        for label, values in row["per_label"].items():
            writer.writerow(["annotator_label", row["annotator"], label, "", *cells(values)])


def named_once(value: str | None, option: str, kind: str) -> list[str] | None:
    """The names of a comma-separated option (None: not given); an option that names nothing,
    or a name twice, is refused rather than read as "all" or as one name."""
    names = split_list(value)
    if value is None:
        return None
    if names is None:
        raise AnnotatorError(f"{option} names no {kind} (leave it out for every {kind})")
    twice = [name for name, count in Counter(names).items() if count > 1]
    if twice:
        raise AnnotatorError(f"{option} names {', '.join(twice)} more than once")
    return names


def warn_left_out(problems: list[str]) -> None:
    """With --skip-bad: the bad lines and records left out, in file order, on stderr."""
    from annotator.agreement.dataset import in_file_order

    print(
        f"warning: {len(problems)} bad line(s) or record(s) left out "
        "(--skip-bad); their documents are excluded:",
        file=sys.stderr,
    )
    for problem in in_file_order(problems):
        print(f"  {problem}", file=sys.stderr)


SKIP_HINT = "or pass --skip-bad to compute without them"
UNKNOWN_LABEL = ": unknown label "
RETIRED_LABEL_HINT = (
    "or pass --labels with the labels to compare: spans of a label the config no longer has "
    "are then ignored; or --skip-bad to compute without these records"
)
NO_RECORDS = "no records by the selected annotators"


def nothing_compared(data: dict[str, Any]) -> str:
    """Why no document was compared, in one line."""
    names = ", ".join(data["annotators"])
    excluded = data["documents"]["excluded"]
    telling = [
        item
        for item in excluded
        if item["reason"] != NO_RECORDS
        and not (item["reason"].startswith("only ") and ";" not in item["reason"])
    ]
    if not telling:
        return f"no document was annotated by two or more of {names}"
    first = telling[0]
    return (
        f"no document has usable records by two or more of {names} ({len(excluded)} excluded, "
        f"e.g. {first['doc_id']}: {first['reason']})"
    )


class UnitsFile:
    """The ``--units`` table, written to a temporary file next to it and put in place only
    when the run succeeds: a refused run leaves no table (and an older one as it was)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            descriptor, name = tempfile.mkstemp(
                dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
            )
        except OSError as error:
            raise AnnotatorError(f"cannot write: {error.strerror}", file=path) from None
        self.temporary = Path(name)
        self.handle: TextIO = open(descriptor, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.kept = False

    def keep(self) -> None:
        self.handle.close()
        try:
            os.chmod(self.temporary, 0o666 & ~_umask())
            os.replace(self.temporary, self.path)
        except OSError as error:
            raise AnnotatorError(f"cannot write: {error.strerror}", file=self.path) from None
        self.kept = True

    def close(self) -> None:
        self.handle.close()
        if not self.kept:
            self.temporary.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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

    if args.min_votes is not None and args.min_votes < 1:
        raise AnnotatorError(f"--min-votes must be at least 1, got {args.min_votes}")
    project = open_project(args.project)
    with progress_bar() as bar:
        summary = auto_adjudicate(
            project,
            annotators=split_list(args.annotators),
            min_votes=args.min_votes,
            dry_run=args.dry_run,
            checking=bar.step("checking records"),
            progress=bar.step("adjudicate"),
        )
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    counts = Counter(outcome.action for outcome in summary.outcomes)
    for outcome in summary.outcomes:
        if outcome.action != "unchanged":
            print(visible(f"{outcome.doc_id}: {outcome.describe(dry_run=args.dry_run)}"))
    gold = project.config.gold_annotator
    verb = "would write" if args.dry_run else "wrote"
    too_few = (
        f" ({summary.too_few} done by fewer than {args.min_votes} annotators)"
        if summary.too_few
        else ""
    )
    print(
        f"{verb} {counts['created']} new and {counts['updated']} updated {gold} record(s); "
        f"{counts['unchanged']} unchanged, {counts['skipped']} left alone{too_few} "
        f"({summary.spans_added} span(s) added, {summary.spans_kept} kept, "
        f"{summary.spans_removed} removed; {summary.links_added} link(s) added, "
        f"{summary.links_removed} removed) in {visible(str(project.annotation_path(gold)))}",
        file=sys.stderr,
    )
    return 0


# -- review -------------------------------------------------------------------------------------


def run_review(args: argparse.Namespace) -> int:
    from annotator.tui.review.app import ReviewApp

    project = open_project(args.project)
    annotators = split_list(args.annotators)
    # The agreement the overview is sorted by, before it opens; it checks every record as it
    # reads it, and the review refuses bad ones before the gold file is opened.
    with progress_bar() as bar:
        app = ReviewApp(project, annotators=annotators, progress=bar.step("agreement"))
    app.run()
    return app.return_code or 0
