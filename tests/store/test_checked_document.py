"""The quick Document constructor used when a corpus line has been checked field by field
makes exactly what pydantic's own ``model_construct`` makes."""

from __future__ import annotations

import pytest

from annotator.model.records import Document, checked_document


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (
            lambda: checked_document("a1", "Some text.", "A title", {"source": "wire"}),
            lambda: Document.model_construct(
                id="a1", text="Some text.", title="A title", meta={"source": "wire"}
            ),
        ),
        (
            lambda: checked_document("a2", "Other text.", None, {}),
            lambda: Document.model_construct(id="a2", text="Other text.", title=None, meta={}),
        ),
        (
            lambda: checked_document("notes/a3", "Plain file."),
            lambda: Document.model_construct(id="notes/a3", text="Plain file."),
        ),
    ],
)
def test_checked_document_equals_model_construct(made: object, expected: object) -> None:
    document, reference = made(), expected()  # type: ignore[operator]
    assert document == reference
    assert document.model_fields_set == reference.model_fields_set
    assert document.model_dump() == reference.model_dump()
    assert document.model_dump(exclude_unset=True) == reference.model_dump(exclude_unset=True)
    assert Document.model_validate(document.model_dump()) == document
    with pytest.raises(Exception, match="frozen"):
        document.text = "changed"
