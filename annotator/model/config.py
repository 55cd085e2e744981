"""The project configuration: labels, relation types, tokenizer and key bindings."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ConfigValueError(ValueError):
    """A mistake in ``annotator.toml`` that names the setting it is about.

    ``field`` is relative to the table that raised it (``labels[2].key``; tables counted from 1
    as an editor counts ``[[labels]]`` tables): the file reader prints it and finds its line.
    ``at``, when the setting printed is a whole table (``labels`` for two labels with one key),
    is the setting whose line is shown (the second label's ``key``)."""

    def __init__(self, message: str, field: str | None = None, at: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.at = at or field


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``..."""
    if number % 100 in (11, 12, 13):
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


class LabelConfig(BaseModel):
    """A span label."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    key: str = Field(min_length=1)
    """The key that applies the label, e.g. ``1``."""
    color: str = "#888888"
    """``#rrggbb``."""
    description: str = ""
    """One line shown in the guidelines pane."""

    @field_validator("color")
    @classmethod
    def _hex_color(cls, value: str) -> str:
        if not _COLOR.match(value):
            raise ValueError(f"colour must look like #rrggbb, got {value!r}")
        return value.lower()


class RelationTypeConfig(BaseModel):
    """A relation type and which span labels it may connect."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    key: str = "a"
    """Deprecated, ignored: a link is made with the ``link`` action (``a``, or what ``[keys]``
    gives it), which offers every relation type the two labels allow. Accepted so that older
    files still load."""
    head_labels: list[str] = Field(default_factory=list)
    """Labels allowed at the head; empty means any."""
    tail_labels: list[str] = Field(default_factory=list)
    """Labels allowed at the tail; empty means any."""
    description: str = ""


class TokenizerConfig(BaseModel):
    """How text is cut into tokens (for snapping, token metrics and token-based exports)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kind: Literal["words", "whitespace", "regex"] = "words"
    """``words``: runs of letters/digits with their combining marks (with inner apostrophes and
    hyphens), each Chinese/Japanese ideograph or kana on its own, and single punctuation marks;
    ``whitespace``: runs of non-space; ``regex``: ``pattern`` below."""
    pattern: str | None = None
    """A regular expression whose matches are the tokens (for ``kind = "regex"``)."""
    snap: Literal["word", "char"] = "word"
    """Default selection precision in the annotate screen."""

    @model_validator(mode="after")
    def _pattern_compiles(self) -> TokenizerConfig:
        if self.kind == "regex":
            if not self.pattern:
                raise ConfigValueError('kind = "regex" needs a pattern', "kind")
            try:
                compiled = re.compile(self.pattern)
            except re.error as error:
                raise ConfigValueError(f"pattern does not compile: {error}", "pattern") from error
            if compiled.match(""):
                raise ConfigValueError("pattern must not match the empty string", "pattern")
        elif self.pattern is not None:
            raise ConfigValueError(
                f'pattern is only used with kind = "regex" (kind is "{self.kind}")', "pattern"
            )
        return self


DEFAULT_LABELS = (
    LabelConfig.model_construct(
        name="speaker",
        key="1",
        color="#e5a50a",
        description="The person or body a quote or claim is attributed to.",
    ),
    LabelConfig.model_construct(
        name="claim",
        key="2",
        color="#3584e4",
        description="A statement attributed to a speaker, quoted or reported.",
    ),
    LabelConfig.model_construct(
        name="entity",
        key="3",
        color="#2ec27e",
        description="A named person, organisation, place or country.",
    ),
    LabelConfig.model_construct(
        name="event",
        key="4",
        color="#e01b24",
        description="A named or described event: summit, ceasefire, election, attack, ruling.",
    ),
)

DEFAULT_RELATIONS = (
    RelationTypeConfig.model_construct(
        name="attributed_to",
        key="a",
        head_labels=["claim"],
        tail_labels=["speaker"],
        description="The claim (head) was made by the speaker (tail).",
    ),
)


class ProjectConfig(BaseModel):
    """Everything ``annotator.toml`` can set; every field has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    labels: list[LabelConfig] = Field(default_factory=lambda: list(DEFAULT_LABELS))
    relations: list[RelationTypeConfig] = Field(default_factory=lambda: list(DEFAULT_RELATIONS))
    tokenizer: TokenizerConfig = Field(default_factory=TokenizerConfig.model_construct)
    keys: dict[str, str] = Field(default_factory=dict)
    """Action name to key(s), comma separated, overriding the defaults (``next_word = "w,e"``)."""
    gold_annotator: str = "gold"
    """Annotator name under which adjudicated records are saved."""

    @model_validator(mode="after")
    def _consistent(self) -> ProjectConfig:
        if not self.labels:
            raise ConfigValueError("at least one label is needed", "labels")
        first: dict[str, int] = {}
        first_key: dict[str, int] = {}
        first_color: dict[str, int] = {}
        for number, label in enumerate(self.labels, 1):
            seen = first.setdefault(label.name, number)
            if seen != number:
                raise ConfigValueError(
                    f"duplicate label name {label.name!r} (the {ordinal(seen)} and "
                    f"{ordinal(number)} [[labels]] tables)",
                    "labels",
                    f"labels[{number}].name",
                )
            seen = first_key.setdefault(label.key, number)
            if seen != number:
                raise ConfigValueError(
                    f"duplicate label key {label.key!r} "
                    f"({self.labels[seen - 1].name} and {label.name})",
                    "labels",
                    f"labels[{number}].key",
                )
            # A colour left out is the same grey for every label: only two colours the file
            # gives are a choice that cannot be told apart on screen.
            if "color" in label.model_fields_set:
                seen = first_color.setdefault(label.color, number)
                if seen != number:
                    raise ConfigValueError(
                        f"{label.name} has the colour of {self.labels[seen - 1].name} "
                        f"({label.color}): they could not be told apart on screen",
                        f"labels[{number}].color",
                    )
        first_relation: dict[str, int] = {}
        for number, relation in enumerate(self.relations, 1):
            seen = first_relation.setdefault(relation.name, number)
            if seen != number:
                raise ConfigValueError(
                    f"duplicate relation name {relation.name!r} (the {ordinal(seen)} and "
                    f"{ordinal(number)} [[relations]] tables)",
                    "relations",
                    f"relations[{number}].name",
                )
            for side in ("head_labels", "tail_labels"):
                for label_name in getattr(relation, side):
                    if label_name not in first:
                        raise ConfigValueError(
                            f"relation {relation.name!r} refers to unknown label "
                            f"{label_name!r} (labels: {', '.join(first)})",
                            f"relations[{number}].{side}",
                        )
        return self

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]

    def label(self, name: str) -> LabelConfig | None:
        for label in self.labels:
            if label.name == name:
                return label
        return None

    def relation(self, name: str) -> RelationTypeConfig | None:
        for relation in self.relations:
            if relation.name == name:
                return relation
        return None


def default_config() -> ProjectConfig:
    """The configuration of a project without ``annotator.toml``.

    Built from the known-good defaults without validating them, so that opening such a project
    does not build the pydantic validators (validation of a real ``annotator.toml`` does).
    """
    return ProjectConfig.model_construct()
