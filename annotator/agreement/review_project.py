"""What the review screens share, without a terminal: the report, the gold file, opening documents.

The review screens are a view over this object, so they can be shown by ``annotator review`` or
from inside the annotate application, which may already hold the gold annotator's file open (a
second writable handle would fight over its lock): pass that file as ``gold_file``.
"""

from __future__ import annotations

from collections.abc import Sequence

from annotator.agreement.dataset import Selection, bad_input_message
from annotator.agreement.report import AgreementReport, Progress, compute_agreement
from annotator.agreement.review import ReviewDocument
from annotator.model.errors import AnnotatorError
from annotator.model.records import Status
from annotator.store.annotations import AnnotationFile
from annotator.store.project import Project, personal_gold


class ReviewProject:
    """The agreement report of a project and the gold records being built."""

    def __init__(
        self,
        project: Project,
        *,
        annotators: Sequence[str] | None = None,
        gold_file: AnnotationFile | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.project = project
        self.config = project.config
        self.annotator_names = list(annotators) if annotators else None
        self.gold_name = project.config.gold_annotator
        self.search = ""
        """The document id filter of the overview."""
        self.selection = self._selection()
        if len(self.selection.annotators) < 2:
            raise AnnotatorError(
                "review needs at least two annotators with annotation files "
                f"(found: {', '.join(self.selection.annotators) or 'none'})",
                file=project.annotations_dir,
            )
        # Worker processes for a big project (forked; from the annotate screen this runs in a
        # thread of the app, see annotator.tui.review.loading, as does recomputed()).
        self.report: AgreementReport = compute_agreement(
            self.selection, per_doc=True, workers=None, progress=progress
        )
        if self.report.problems:  # checked as the agreement read them: gold is never built
            raise AnnotatorError(bad_input_message(self.report.problems))  # from bad records
        self._owns_gold_file = gold_file is None
        self.gold_file = (
            gold_file
            if gold_file is not None
            else project.annotations(self.gold_name, writable=True)
        )
        refused = personal_gold(project, self.gold_file)
        if refused is not None:
            if self._owns_gold_file:
                self.gold_file.close()
            raise refused

    def _selection(self) -> Selection:
        if self.annotator_names and self.gold_name in self.annotator_names:
            raise AnnotatorError(f"the gold annotator {self.gold_name!r} cannot be reviewed")
        return Selection(self.project, annotators=self.annotator_names)

    def recompute(self, progress: Progress | None = None) -> None:
        """Read the project again and recompute the report (both kept as they were if this
        raises, e.g. cancelled by ``progress``)."""
        self.take(self.recomputed(progress))

    def recomputed(self, progress: Progress | None = None) -> tuple[Selection, AgreementReport]:
        """A new selection and report of the project as it is now; this object is unchanged
        until :meth:`take` is given them (so another thread may compute them)."""
        selection = self._selection()
        report = compute_agreement(selection, per_doc=True, progress=progress, workers=None)
        return selection, report

    def take(self, computed: tuple[Selection, AgreementReport]) -> None:
        self.selection, self.report = computed

    def gold_status(self, doc_id: str) -> Status | None:
        return self.gold_file.status(doc_id)

    def open_document(self, doc_id: str) -> ReviewDocument | None:
        """The document to adjudicate (its agreed spans saved into gold at once); None when
        fewer than two annotators have a usable record of it."""
        selection = Selection(self.project, annotators=self.selection.annotators, doc_ids=[doc_id])
        documents = list(selection.documents())
        if not documents:
            return None
        document = documents[0]
        review = ReviewDocument(
            doc_id, document.text, document.records, self.gold_file.get(doc_id), self.gold_name
        )
        review.notes = self.notes(selection, doc_id)
        if review.changed:
            self.save(review)
        return review

    @staticmethod
    def notes(selection: Selection, doc_id: str) -> dict[str, tuple[Status, str]]:
        """The status and note of each annotator whose record of ``doc_id`` is flagged or
        skipped (the status is in the file's index; the note is read from those records only)."""
        found: dict[str, tuple[Status, str]] = {}
        for name, annotation_file in selection.files.items():
            status = annotation_file.status(doc_id)
            if status in (Status.flagged, Status.skipped):
                record = annotation_file.get(doc_id)
                found[name] = (status, record.note if record is not None else "")
        return found

    def save(self, document: ReviewDocument) -> None:
        """Save the document's gold record (raises AnnotatorError if the write fails).

        The document says what its decisions changed since its last save, so the store can
        write a small patch instead of a book's whole record; after a failed save the changes
        keep adding up (and the store writes the next save whole anyway)."""
        if document.read_only is not None:  # never written into: see ReviewDocument
            raise AnnotatorError(document.read_only)
        self.gold_file.save(document.record, document.delta())
        document.saved()

    def reload(self, document: ReviewDocument) -> None:
        """After the gold record was edited on the annotate screen: read it back, fill in who
        had each edited span, and save that if it changed."""
        record = self.gold_file.get(document.doc_id)
        if record is not None and document.reload(record):
            self.save(document)

    def close(self) -> None:
        if self._owns_gold_file:
            self.gold_file.close()
