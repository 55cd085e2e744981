"""A description of the machine the figures were taken on."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

PACKAGES = (
    "annotator",
    "textual",
    "rich",
    "pydantic",
    "orjson",
    "nltk",
    "krippendorff",
    "scikit-learn",
    "statsmodels",
    "numpy",
    "spacy",
    "pyinstrument",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> list[tuple[str, str]]:
    return [
        ("CPU", _cpu_model()),
        ("Cores", str(os.cpu_count())),
        ("RAM", _memory_gib()),
        ("Python", f"{platform.python_implementation()} {sys.version.split()[0]}"),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("Packages", ", ".join(f"{name} {_version(name)}" for name in PACKAGES)),
    ]
