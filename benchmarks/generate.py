"""Deterministic (seeded) synthetic projects: articles, three annotators' files, nested spans.

The words are made of syllables drawn from a seeded generator, so every text is original and
the same seed always gives the same bytes. Generated projects are cached under
``benchmarks/_data/`` (git-ignored) and reused while their parameters match.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import orjson

DATA = Path(__file__).resolve().parent / "_data"
LABELS = ("speaker", "claim", "entity", "event")
ANNOTATORS = ("alice", "bob", "carol")
GENERATOR_VERSION = 1

_SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "tel",
    "van",
    "sor",
    "det",
    "lim",
    "pra",
    "nu",
    "gre",
    "hal",
    "bo",
    "sen",
    "tor",
    "aul",
    "ric",
    "mon",
    "fen",
    "da",
    "lu",
    "ste",
    "per",
    "ga",
    "win",
    "ol",
    "ber",
    "cas",
    "tri",
    "mar",
    "zen",
    "qua",
    "dro",
    "pel",
    "vi",
    "nor",
    "sal",
    "ten",
    "ur",
    "bel",
    "kos",
]


@dataclass(frozen=True)
class Sentence:
    text: str
    spans: tuple[tuple[int, int, str], ...]
    """Relative (start, end, label); the second span, when present, overlaps the first."""
    alternative: tuple[int, int, str]
    """A nearby but different span another annotator might pick instead of the first."""


class Vocabulary:
    """A seeded pool of words and sentences with candidate spans."""

    def __init__(self, seed: int = 7, sentences: int = 3000) -> None:
        rng = random.Random(seed)
        words: set[str] = set()
        while len(words) < 4000:
            words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3)))))
        self.words = sorted(words)
        self.sentences = [self._sentence(rng) for _ in range(sentences)]

    def _sentence(self, rng: random.Random) -> Sentence:
        count = rng.randint(7, 17)
        words = [rng.choice(self.words) for _ in range(count)]
        words[0] = words[0].capitalize()
        for index in rng.sample(range(1, count), k=min(2, count - 1)):
            words[index] = words[index].capitalize()
        if rng.random() < 0.3:
            comma = rng.randrange(2, count - 1)
            words[comma] += ","
        text = " ".join(words) + rng.choice((".", ".", ".", "?", "!"))
        starts = []
        position = 0
        for word in words:
            starts.append((position, position + len(word.rstrip(","))))
            position += len(word) + 1

        def span(first: int, length: int, label: str) -> tuple[int, int, str]:
            last = min(count - 1, first + length - 1)
            return (starts[first][0], starts[last][1], label)

        first = rng.randrange(0, count - 1)
        main = span(first, rng.randint(1, 4), rng.choice(LABELS))
        spans = [main]
        if rng.random() < 0.35:  # nested / overlapping second span
            other = span(
                max(0, first - rng.randint(0, 2)),
                rng.randint(3, 7),
                rng.choice([label for label in LABELS if label != main[2]]),
            )
            if other != main:
                spans.append(other)
        shift = span(min(count - 2, first + 1), rng.randint(1, 3), main[2])
        return Sentence(text, tuple(spans), shift)

    def title(self, rng: random.Random) -> str:
        return " ".join(rng.choice(self.words).capitalize() for _ in range(rng.randint(3, 7)))


@dataclass
class Article:
    id: str
    title: str
    text: str
    sentences: list[tuple[int, int]]
    """(offset in text, index in the vocabulary) of every sentence."""


def make_article(vocabulary: Vocabulary, rng: random.Random, doc_id: str, size: int) -> Article:
    parts: list[str] = []
    sentences: list[tuple[int, int]] = []
    length = 0
    in_paragraph = 0
    while length < size:
        index = rng.randrange(len(vocabulary.sentences))
        if parts:
            separator = "\n\n" if in_paragraph >= rng.randint(3, 6) else " "
            in_paragraph = 0 if separator == "\n\n" else in_paragraph + 1
            parts.append(separator)
            length += len(separator)
        sentences.append((length, index))
        text = vocabulary.sentences[index].text
        parts.append(text)
        length += len(text)
    return Article(doc_id, vocabulary.title(rng), "".join(parts), sentences)


def record_for(
    article: Article,
    vocabulary: Vocabulary,
    annotator: str,
    rng: random.Random,
    *,
    status: str = "done",
    noise: float = 0.15,
) -> dict[str, object]:
    """An annotation record (as JSON-ready dict) that disagrees with the others by ``noise``."""
    spans: list[dict[str, object]] = []
    relations: list[dict[str, object]] = []
    last_speaker: str | None = None
    text = article.text
    for offset, index in article.sentences:
        sentence = vocabulary.sentences[index]
        for number, (start, end, label) in enumerate(sentence.spans):
            roll = rng.random()
            if roll < noise / 3:
                continue  # missed
            if roll < 2 * noise / 3 and number == 0:
                start, end, label = sentence.alternative
            elif roll < noise:
                label = LABELS[(LABELS.index(label) + 1) % len(LABELS)]
            span_id = f"s{len(spans) + 1}"
            spans.append(
                {
                    "id": span_id,
                    "start": offset + start,
                    "end": offset + end,
                    "label": label,
                    "text": text[offset + start : offset + end],
                }
            )
            if label == "speaker":
                last_speaker = span_id
            elif label == "claim" and last_speaker is not None:
                relations.append(
                    {
                        "id": f"r{len(relations) + 1}",
                        "label": "attributed_to",
                        "head": span_id,
                        "tail": last_speaker,
                    }
                )
    return {
        "schema_version": 1,
        "doc_id": article.id,
        "annotator": annotator,
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "spans": spans,
        "relations": relations,
        "status": status,
        "note": "",
        "updated_at": "2025-03-01T09:30:00Z",
        "seconds_spent": round(rng.uniform(30, 600), 1),
        "cursor": rng.randrange(len(text)),
    }


CONFIG = """\
gold_annotator = "gold"

[[labels]]
name = "speaker"
key = "1"

[[labels]]
name = "claim"
key = "2"

[[labels]]
name = "entity"
key = "3"

[[labels]]
name = "event"
key = "4"

[[relations]]
name = "attributed_to"
key = "a"
head_labels = ["claim"]
tail_labels = ["speaker"]
"""


def project(
    documents: int,
    *,
    doc_size: int = 3000,
    shard: int = 5000,
    annotated: tuple[float, ...] = (0.6, 0.5, 0.4),
    noise: float = 0.15,
    seed: int = 1,
    name: str = "project",
) -> Path:
    """A project folder of ``documents`` articles of about ``doc_size`` characters.

    Documents go into ``documents/part-NNNN.jsonl`` files of ``shard`` documents each. Annotator
    ``i`` has records for the first ``annotated[i]`` fraction of the corpus, all ``done`` except
    the last one (``in_progress``), as after a few weeks of work.
    """
    key = f"{name}-{documents}-{doc_size}-{shard}-{annotated}-{noise}-{seed}-v{GENERATOR_VERSION}"
    root = DATA / f"{name}-{documents}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
    if (root / ".complete").exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    (root / "documents").mkdir(parents=True)
    (root / "annotations").mkdir()
    (root / "annotator.toml").write_text(CONFIG, encoding="utf-8")
    vocabulary = Vocabulary()
    rng = random.Random(seed)
    annotators = ANNOTATORS[: len(annotated)]
    limits = [int(documents * fraction) for fraction in annotated]
    outputs = [(root / "annotations" / f"{who}.jsonl").open("wb") for who in annotators]
    shard_file = None
    try:
        for number in range(documents):
            if number % shard == 0:
                if shard_file is not None:
                    shard_file.close()
                shard_file = (root / "documents" / f"part-{number // shard:04d}.jsonl").open("wb")
            article = make_article(vocabulary, rng, f"doc-{number:06d}", doc_size)
            assert shard_file is not None
            shard_file.write(
                orjson.dumps(
                    {
                        "id": article.id,
                        "title": article.title,
                        "text": article.text,
                        "meta": {"source": "synthetic", "seed": seed},
                    }
                )
                + b"\n"
            )
            for who, limit, output in zip(annotators, limits, outputs, strict=True):
                if number < limit:
                    status = "in_progress" if number == limit - 1 else "done"
                    record = record_for(article, vocabulary, who, rng, status=status, noise=noise)
                    output.write(orjson.dumps(record) + b"\n")
    finally:
        if shard_file is not None:
            shard_file.close()
        for output in outputs:
            output.close()
    (root / ".complete").write_text(key, encoding="utf-8")
    return root


def directory_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
