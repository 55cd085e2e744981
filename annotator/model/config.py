"""The project configuration: labels, relation types, tokenizer and key bindings."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


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
                raise ValueError('kind = "regex" needs a pattern')
            try:
                compiled = re.compile(self.pattern)
            except re.error as error:
                raise ValueError(f"pattern does not compile: {error}") from error
            if compiled.match(""):
                raise ValueError("pattern must not match the empty string")
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
            raise ValueError("at least one label is needed")
        names = [label.name for label in self.labels]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate label name(s): {', '.join(duplicates)}")
        keys = [label.key for label in self.labels]
        duplicate_keys = sorted({key for key in keys if keys.count(key) > 1})
        if duplicate_keys:
            raise ValueError(f"duplicate label key(s): {', '.join(duplicate_keys)}")
        relation_names = [relation.name for relation in self.relations]
        if len(set(relation_names)) != len(relation_names):
            raise ValueError("duplicate relation name")
        known = set(names)
        for relation in self.relations:
            for label in (*relation.head_labels, *relation.tail_labels):
                if label not in known:
                    raise ValueError(
                        f"relation {relation.name!r} refers to unknown label {label!r}"
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
