"""Shared fixtures: every test runs with its own user data folder and annotator name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_corpus"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never write into the real home folder; fix the default annotator name."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("ANNOTATOR", "tester")


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """A writable copy of the bundled sample project."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE, target)
    return target
