"""annotator.toml errors name the file, the line where TOML knows it, and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.model.errors import AnnotatorError
from annotator.store.config_file import load_config
from annotator.store.project import DEFAULT_CONFIG_TEXT


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "annotator.toml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def error_of(tmp_path: Path) -> AnnotatorError:
    with pytest.raises(AnnotatorError) as caught:
        load_config(tmp_path)
    return caught.value


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.label_names == ["speaker", "claim", "entity", "event"]
    assert config.relation("attributed_to") is not None


def test_default_config_text_equals_the_defaults(tmp_path: Path) -> None:
    write(tmp_path, DEFAULT_CONFIG_TEXT)
    from annotator.model.config import ProjectConfig

    assert load_config(tmp_path) == ProjectConfig()


def test_bom_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, b"\xef\xbb\xbfgold_annotator = 'judge'\n")
    assert load_config(tmp_path).gold_annotator == "judge"


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'gold_annotator = "g"\n\n[[labels]\nname = "x"\n')
    error = error_of(tmp_path)
    assert error.file == str(path)
    assert error.line == 3
    assert str(error).startswith(f"{path}:3: not valid TOML")


def test_duplicate_toml_key_is_refused_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'gold_annotator = "a"\ngold_annotator = "b"\n')
    error = error_of(tmp_path)
    assert (error.file, error.line) == (str(path), 2)


def test_invalid_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, b'gold_annotator = "\xff"\n')
    assert str(error_of(tmp_path)) == f"{path}: invalid UTF-8 at byte offset 18"


LABEL = '[[labels]]\nname = "{name}"\nkey = "{key}"\n'


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            LABEL.format(name="claim", key="1")
            + '[[relations]]\nname = "said"\nhead_labels = ["claim"]\ntail_labels = ["person"]\n',
            "record",
            "relation 'said' refers to unknown label 'person'",
        ),
        (
            LABEL.format(name="a", key="1") + LABEL.format(name="a", key="2"),
            "record",
            "duplicate label name(s): a",
        ),
        (
            LABEL.format(name="a", key="1") + LABEL.format(name="b", key="1"),
            "record",
            "duplicate label key(s): 1",
        ),
        (LABEL.format(name="has space", key="1"), "labels[0].name", "String should match"),
        (
            LABEL.format(name="a", key="1") + 'color = "red"\n',
            "labels[0].color",
            "colour must look like #rrggbb",
        ),
        ('[tokenizer]\nkind = "regex"\n', "tokenizer", 'kind = "regex" needs a pattern'),
        ('[tokenizer]\nkind = "regex"\npattern = "("\n', "tokenizer", "pattern does not compile"),
        ('[tokenizer]\nkind = "regex"\npattern = "a*"\n', "tokenizer", "must not match the empty"),
        ("labels = []\n", "record", "at least one label is needed"),
        ('colour = "x"\n', "colour", "Extra inputs are not permitted"),
    ],
)
def test_config_value_errors_name_file_and_field(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    path = write(tmp_path, text)
    error = error_of(tmp_path)
    assert error.file == str(path)
    assert error.field == field
    assert message in error.message
    assert str(error).startswith(f"{path}: {field}: ")
