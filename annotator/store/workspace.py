"""The per-user workspace where the bundled sample project is copied before it is annotated."""

from __future__ import annotations

import shutil
from pathlib import Path

from platformdirs import user_data_path

from annotator.model.errors import AnnotatorError


def bundled_sample() -> Path:
    """The sample project shipped with the source tree (``sample_corpus/``)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "sample_corpus", here / "sample"):
        if (candidate / "documents").is_dir():
            return candidate
    raise AnnotatorError("the bundled sample corpus is missing from this installation")


def sample_workspace(base: Path | None = None) -> Path:
    """A writable copy of the sample project in the user's data folder (made once)."""
    base = base if base is not None else user_data_path("annotator")
    target = base / "sample_corpus"
    if not (target / "documents").is_dir():
        source = bundled_sample()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
    return target
