"""Reading ``annotator.toml`` into a :class:`ProjectConfig`."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.model.config import (
    ConfigValueError,
    LabelConfig,
    ProjectConfig,
    RelationTypeConfig,
    TokenizerConfig,
    default_config,
)
from annotator.model.errors import AnnotatorError

if TYPE_CHECKING:
    from pydantic import BaseModel

CONFIG_NAME = "annotator.toml"


def load_config(project_dir: Path) -> ProjectConfig:
    """The project's config, or the defaults when there is no ``annotator.toml``."""
    path = project_dir / CONFIG_NAME
    if not path.exists():
        return default_config()
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from pydantic import ValidationError

    try:
        text = path.read_bytes().decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError as error:
        raise AnnotatorError(f"invalid UTF-8 at byte offset {error.start}", file=path) from None
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        if line is None:  # before Python 3.14 the line is only in the message
            found = re.search(r"\(at line (\d+),", str(error))
            line = int(found.group(1)) if found else None
        message = str(error).split(" (at line")[0]
        raise AnnotatorError(f"not valid TOML: {message}", file=path, line=line) from None
    except OSError as error:
        raise AnnotatorError(f"cannot read: {error.strerror}", file=path) from None
    except RecursionError:
        raise AnnotatorError("not valid TOML: nested too deeply", file=path) from None
    except ValueError as error:  # e.g. an integer too long to convert
        raise AnnotatorError(f"not valid TOML: {error}", file=path) from None
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as error:
        field, message, at = describe_config_error(error.errors(include_url=False)[0])
        if field and field.startswith("relations[") and "relations" not in data:
            message += (
                "; it is a default relation: write [[relations]] tables, or relations = [] for none"
            )
        raise AnnotatorError(
            message, file=path, line=line_of(text, at or field), field=field
        ) from None
    from annotator.model.keymap import KeyBindingError, all_actions
    from annotator.store.annotations import check_annotator_name

    try:
        check_annotator_name(config.gold_annotator)
    except AnnotatorError as error:
        raise AnnotatorError(
            error.message, file=path, line=line_of(text, "gold_annotator"), field="gold_annotator"
        ) from None
    try:
        all_actions(config, path)  # [keys]: unknown actions, a key given to two actions
    except KeyBindingError as error:
        raise AnnotatorError(
            error.message, file=path, line=line_of(text, error.at or error.field), field=error.field
        ) from None
    return config


def _known_settings(table: str) -> list[str]:
    """The settings a table knows (a ``[[relations]]`` ``key`` is accepted, not advertised)."""
    models: dict[str, type[BaseModel]] = {
        "labels": LabelConfig,
        "relations": RelationTypeConfig,
        "tokenizer": TokenizerConfig,
    }
    names = list(models.get(table, ProjectConfig).model_fields)
    return [name for name in names if not (table == "relations" and name == "key")]


def _field(loc: tuple[str | int, ...]) -> str:
    """``("labels", 0, "key")`` -> ``labels[1].key``: tables counted from 1, as in the file."""
    field = ""
    for part in loc:
        field += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if field else part)
    return field


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def describe_config_error(item: Any) -> tuple[str | None, str, str | None]:
    """``(setting, message, setting whose line to show)`` for one pydantic error of
    :class:`ProjectConfig`, in the words of the file rather than pydantic's."""
    loc: tuple[str | int, ...] = tuple(item["loc"])
    kind: str = item["type"]
    value = item.get("input")
    field = _field(loc)
    message: str = item["msg"]
    if kind == "value_error":
        error = item.get("ctx", {}).get("error")
        message = str(error) if error is not None else message.removeprefix("Value error, ")
        if isinstance(error, ConfigValueError):
            inner = error.field and _field((*loc, error.field)) if loc else error.field
            at = error.at and _field((*loc, error.at)) if loc else error.at
            return inner or field or None, message, at
        return field or None, message, None
    if kind == "extra_forbidden":
        table = loc[:-1]
        known = _known_settings(str(table[0]) if table else "")
        message = f"unknown setting {str(loc[-1])!r} (known: {', '.join(known)})"
        return _field(table) or None, message, field
    if kind == "missing":
        return _field(loc[:-1]) or None, f"missing setting {str(loc[-1])!r}", None
    if kind == "string_pattern_mismatch":
        what = "label" if loc and loc[0] == "labels" else "relation"
        message = f"{what} name {value!r}: use only ASCII letters, digits, _ . - (no spaces)"
    elif kind == "string_too_short":
        message = "must not be empty"
    elif kind == "string_type":
        message = f"must be text in quotes, got {_shown(value)}"
    elif kind == "list_type" and loc in (("labels",), ("relations",)):
        message = f"must be [[{loc[0]}]] tables, got {_shown(value)}"
    elif kind == "list_type":
        message = f'must be a list such as ["claim"], got {_shown(value)}'
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = f"must be a table, got {_shown(value)}"
    else:
        message = message.replace("Input should be", "must be", 1) + f", got {_shown(value)}"
    return field or None, message, None


_HEADER = re.compile(r"""^\s*(\[\[?)([^\[\]]*)\]\]?\s*(?:#.*)?$""")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="""
)


def _dotted(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


def setting_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Where each table and setting of a TOML text starts: path to 1-based line.

    tomllib gives no positions, so the text is scanned: ``[tokenizer]`` is ``("tokenizer",)``,
    its ``kind`` ``("tokenizer", "kind")``; the 2nd ``[[labels]]`` table is ``("labels", 2)``
    (counted from 1 as in :class:`ConfigValueError` fields) and its key ``("labels", 2, "key")``;
    ``("labels",)`` is the first ``[[labels]]`` table (or a ``labels = [...]`` line). Lines
    inside multi-line strings are skipped; a setting given inline is found at its table."""
    lines: dict[tuple[str | int, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: tuple[str | int, ...] = ()
    open_string = ""
    for number, line in enumerate(text.splitlines(), 1):
        if open_string:
            if line.count(open_string) % 2:
                open_string = ""
            continue
        header = _HEADER.match(line)
        key = None if header else _KEY.match(line)
        if header:
            names = _dotted(header.group(2))
            lines.setdefault(names, number)
            if header.group(1) == "[[":
                counts[names] = counts.get(names, 0) + 1
                table = (*names, counts[names])
            else:
                table = names
            lines.setdefault(table, number)
        elif key:
            lines.setdefault((*table, *_dotted(key.group(1))), number)
        for quotes in ('"""', "'''"):
            if line.count(quotes) % 2:
                open_string = quotes
                break
    return lines


def line_of(text: str, field: str | None) -> int | None:
    """The line of ``field`` (``labels[2].key``, ``keys.next_word``) in ``text``, or of the
    nearest table around it that the text names; None for a setting the file does not show."""
    if not field:
        return None
    path: tuple[str | int, ...] = tuple(
        int(index) if index else name for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field)
    )
    lines = setting_lines(text)
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None
