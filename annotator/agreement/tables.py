"""The agreement report as Rich tables: overall, per label, per pair, confusion, worst documents."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from annotator.model.errors import visible

UNDEFINED = "—"
WORST_DOCUMENTS = 10
HEADERS = {
    "span_f1_exact": "F1\nexact",
    "span_f1_partial": "F1\npartial",
    "span_f1_boundary": "F1\nbound.",
    "cohen_kappa": "Cohen\nκ",
    "fleiss_kappa": "Fleiss\nκ",
    "krippendorff_alpha": "Kripp.\nα",
    "relation_f1": "rel.\nF1",
}


def cell(value: float | None) -> Text:
    if value is None:
        return Text(UNDEFINED, style="dim")
    style = "red" if value < 0.5 else "yellow" if value < 0.8 else "green"
    return Text(f"{value:.3f}", style=style)


def _metric_table(title: str, first: str, keys: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    for key in keys:
        table.add_column(HEADERS[key], justify="right")
    return table


def print_tables(
    data: dict[str, Any], project: str, *, per_doc: bool = False, console: Console | None = None
) -> None:
    console = console or Console()
    documents = data["documents"]
    reasons = Counter(_reason_kind(item["reason"]) for item in documents["excluded"])
    console.print(
        Text.assemble(
            (visible(project), "bold"),
            f": {', '.join(data['annotators'])}; {documents['counted']} document(s) compared "
            f"({documents['all_annotators']} by every annotator), "
            f"{len(documents['excluded'])} excluded",
        )
    )
    for reason, count in reasons.most_common():
        console.print(Text(f"  excluded: {count} × {reason}", style="dim"))
    for line in set_aside_lines(documents.get("set_aside", [])):
        console.print(Text(line, style="yellow"))

    keys = tuple(HEADERS)
    overall = _metric_table("Overall (span F1: mean over pairs; κ/α: mean over labels)", "", keys)
    overall.add_row("all", *(cell(data["overall"].get(key)) for key in keys))
    console.print(overall)

    labels = _metric_table("Per label", "label", keys)
    for label, values in data["per_label"].items():
        labels.add_row(label, *(cell(values.get(key)) for key in keys))
    console.print(labels)

    pair_keys = (
        "span_f1_exact",
        "span_f1_partial",
        "span_f1_boundary",
        "cohen_kappa",
        "relation_f1",
    )
    pairs = _metric_table("Per annotator pair", "pair", pair_keys)
    pairs.add_column("docs", justify="right")
    for pair in data["pairs"]:
        pairs.add_row(
            Text(f"{pair['a']}–{pair['b']}"),
            *(cell(pair.get(key)) for key in pair_keys),
            str(pair["documents"]),
        )
    console.print(pairs)

    for pair in data["pairs"]:
        console.print(_confusion_table(pair))

    rows = data.get("per_document") or []
    ranked = sorted(
        (row for row in rows if row.get("span_f1_partial") is not None),
        key=lambda row: (row["span_f1_partial"], row["doc_id"]),
    )
    shown = ranked if per_doc else ranked[:WORST_DOCUMENTS]
    if shown:
        title = (
            "Documents, lowest agreement first"
            if per_doc
            else (f"Worst {len(shown)} documents (of {len(rows)})")
        )
        worst = _documents_table(title, shown, console.width)
        for row in shown:
            worst.add_row(
                Text(visible(row["doc_id"])),
                *(cell(row.get(key)) for key in DOCUMENT_KEYS),
                Text(" ".join(f"{name}:{count}" for name, count in row["spans"].items())),
            )
        console.print(worst)
    notes = _undefined_notes(data)
    for note in notes:
        console.print(Text(note, style="dim"))
    for warning in data.get("warnings", []):
        console.print(Text(f"warning: {warning}", style="yellow"))


SET_ASIDE_SHOWN = 3
"""Documents named per annotator in the set-aside lines (then ``and N more``)."""


def set_aside_lines(items: list[dict[str, str]]) -> list[str]:
    """The records left out because their document's text changed, for the header: how many,
    whose, which documents, and what to do."""
    if not items:
        return []
    by_annotator: dict[str, list[str]] = {}
    for item in items:
        by_annotator.setdefault(item["annotator"], []).append(item["doc_id"])
    lines = [
        f"  set aside: {len(items)} record(s) made on an older text (run `annotator reanchor`):"
    ]
    for name, doc_ids in by_annotator.items():
        shown = ", ".join(visible(doc_id) for doc_id in doc_ids[:SET_ASIDE_SHOWN])
        more = len(doc_ids) - SET_ASIDE_SHOWN
        lines.append(f"    {visible(name)}: {shown}{f' and {more} more' if more > 0 else ''}")
    return lines


DOCUMENT_KEYS = ("span_f1_exact", "span_f1_partial", "krippendorff_alpha", "relation_f1")
SPANS_MIN_WIDTH = 6
"""The spans column keeps room for one ``bob:23`` a line (longer names fold); the document id
gets the rest, up to its length: one line per id up to 32 characters at 80 columns."""
DOCUMENT_MIN_WIDTH = 8


def _documents_table(title: str, rows: list[dict[str, Any]], width: int) -> Table:
    """The per-document table: the document id (the key to open it) is never cut, and folds
    only when it alone is wider than what the figures leave; the spans column wraps first."""
    table = Table(title=title, title_justify="left")
    figures = sum(
        max(len(line) for line in HEADERS[key].split("\n")) for key in DOCUMENT_KEYS
    )  # "0.812" is no wider than any header
    columns = len(DOCUMENT_KEYS) + 2
    chrome = 2 * columns + columns + 1  # padding, and the vertical lines
    longest = max((cell_len(visible(row["doc_id"])) for row in rows), default=8)
    room = width - chrome - figures - SPANS_MIN_WIDTH
    table.add_column("document", width=max(DOCUMENT_MIN_WIDTH, min(longest, room)), overflow="fold")
    for key in DOCUMENT_KEYS:
        table.add_column(HEADERS[key], justify="right", no_wrap=True)
    table.add_column("spans", overflow="fold")
    return table


def _confusion_table(pair: dict[str, Any]) -> Table:
    matrix: dict[str, dict[str, int]] = pair["confusion"]
    axis = list(matrix)
    table = Table(title=f"Labels {pair['a']} (rows) vs {pair['b']} (columns)", title_justify="left")
    table.add_column("")
    for column in axis:
        table.add_column(column, justify="right")
    for row in axis:
        cells = []
        for column in axis:
            count = matrix[row][column]
            style = "green" if row == column else ("red" if count else "dim")
            cells.append(Text(str(count), style=style))
        table.add_row(row, *cells)
    return table


def _reason_kind(reason: str) -> str:
    if reason.startswith("only "):
        return "only one annotator has a usable record"
    return reason.split(";")[0].split(" (")[0]


def _header(key: str) -> str:
    return HEADERS.get(key, key).replace("\n", " ")


def _in_order(keys: list[str]) -> tuple[str, ...]:
    """Figure names in the tables' column order."""
    order = [_header(key) for key in HEADERS]
    return tuple(sorted(keys, key=lambda name: order.index(name) if name in order else len(order)))


def _undefined_notes(data: dict[str, Any]) -> list[str]:
    """One line per scope and reason: ``— event (F1 exact, Cohen κ): no spans ...``; then the
    pairs' own reasons (those the overall line does not already give), one line per reason and
    figures: ``— pair bob–carol (F1 exact, ...): no document annotated by both``."""
    scopes = {"overall": data["overall"], **data["per_label"]}
    notes = []
    for scope, values in scopes.items():
        by_reason: dict[str, list[str]] = {}
        for key, reason in values.get("undefined", {}).items():
            by_reason.setdefault(reason, []).append(_header(key))
        for reason, keys in by_reason.items():
            notes.append(f"{UNDEFINED} {scope} ({', '.join(_in_order(keys))}): {reason}")
    overall = data["overall"].get("undefined", {})
    pairs: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for pair in data["pairs"]:
        by_reason = {}
        for key, reason in pair.get("undefined", {}).items():
            if overall.get(key) != reason:
                by_reason.setdefault(reason, []).append(_header(key))
        for reason, keys in by_reason.items():
            pairs.setdefault((reason, _in_order(keys)), []).append(f"{pair['a']}–{pair['b']}")
    for (reason, figures), names in pairs.items():
        scope = "pair" if len(names) == 1 else "pairs"
        notes.append(f"{UNDEFINED} {scope} {', '.join(names)} ({', '.join(figures)}): {reason}")
    return notes


# -- agreement --against ------------------------------------------------------------------------

MEASURE_NAMES = {
    "exact": "spans, exact",
    "partial": "spans, partial",
    "boundary": "extents",
    "relations": "relations",
}


def print_against(data: dict[str, Any], project: str, *, console: Console | None = None) -> None:
    """Each annotator against the reference: precision, recall, F1 (and kappa), no means."""
    console = console or Console()
    reference = data["against"]
    documents = data["documents"]
    which = f"{reference}'s done records" if data["reference_status"] else f"{reference}'s records"
    console.print(
        Text.assemble(
            (visible(project), "bold"),
            f": {', '.join(data['annotators'])} against {which}; {documents['counted']} "
            f"document(s) compared, {len(documents['excluded'])} excluded",
        )
    )
    reasons = Counter(_reason_kind(item["reason"]) for item in documents["excluded"])
    for reason, count in reasons.most_common():
        console.print(Text(f"  excluded: {count} × {reason}", style="dim"))
    for line in set_aside_lines(documents.get("set_aside", [])):
        console.print(Text(line, style="yellow"))

    table = Table(title=f"Each annotator against {reference}", title_justify="left")
    for header in ("annotator", "docs", "compared", "precision", "recall", "F1"):
        table.add_column(header, justify="left" if header in ("annotator", "compared") else "right")
    for row in data["per_annotator"]:
        for index, key in enumerate(("exact", "partial", "boundary", "relations")):
            values = row[key]
            table.add_row(
                Text(row["annotator"]) if index == 0 else "",
                str(row["documents"]) if index == 0 else "",
                MEASURE_NAMES[key],
                *(cell(values.get(name)) for name in ("precision", "recall", "f1")),
                end_section=False,
            )
        table.add_row("", "", "Cohen κ (mean over labels)", "", "", cell(row["cohen_kappa"]))
        table.add_section()
    console.print(table)

    labels = Table(title=f"Per label against {reference}", title_justify="left")
    for header in ("annotator", "label", "P exact", "R exact", "F1 exact", "F1 partial", "Cohen κ"):
        labels.add_column(header, justify="left" if header in ("annotator", "label") else "right")
    for row in data["per_annotator"]:
        for index, (label, values) in enumerate(row["per_label"].items()):
            labels.add_row(
                Text(row["annotator"]) if index == 0 else "",
                label,
                cell(values["exact"].get("precision")),
                cell(values["exact"].get("recall")),
                cell(values["exact"].get("f1")),
                cell(values["partial"].get("f1")),
                cell(values.get("cohen_kappa")),
            )
        labels.add_section()
    console.print(labels)
    for row in data["per_annotator"]:
        for key in MEASURE_NAMES:
            by_reason: dict[str, list[str]] = {}
            for name, reason in row[key].get("undefined", {}).items():
                by_reason.setdefault(reason, []).append("F1" if name == "f1" else name)
            for reason, names in by_reason.items():
                scope = f"{visible(row['annotator'])}, {MEASURE_NAMES[key]}"
                console.print(
                    Text(f"{UNDEFINED} {scope} ({', '.join(names)}): {reason}", style="dim")
                )
