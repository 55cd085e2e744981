"""An on-disk cache of file indexes (where each line starts, its id...), so reopening a large
project does not parse every line again.

A cached index is used only while the file's size, modification time (ns), inode and device
are exactly those recorded when the index was built; any change to the file makes it stale and
the file is scanned again. Only files that scanned without a problem are cached, so every error
message is still produced by a real scan. The cache lives in the project's
``.annotator-cache/`` folder; if it cannot be written (read-only project), nothing is cached
and everything works as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

CACHE_DIR_NAME = ".annotator-cache"
FORMAT_VERSION = 1

Stamp = tuple[int, int, int, int]


def file_stamp(path: Path) -> Stamp | None:
    """What identifies one version of a file; None when it cannot be read."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


class IndexCache:
    """Index payloads (JSON-ready dicts) stored per file and per kind of index."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _slot(self, kind: str, path: Path) -> Path:
        key = hashlib.sha1(os.path.abspath(path).encode("utf-8", "surrogatepass")).hexdigest()
        return self.directory / f"{kind}-{key[:20]}.json"

    def load(self, kind: str, path: Path, stamp: Stamp | None) -> dict[str, Any] | None:
        """The payload stored for this exact version of ``path``, else None."""
        if stamp is None:
            return None
        try:
            data = orjson.loads(self._slot(kind, path).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        if (
            not isinstance(data, dict)
            or data.get("version") != FORMAT_VERSION
            or data.get("path") != os.path.abspath(path)
            or tuple(data.get("stamp") or ()) != stamp
        ):
            return None
        payload = data.get("payload")
        return payload if isinstance(payload, dict) else None

    def store(self, kind: str, path: Path, stamp: Stamp | None, payload: dict[str, Any]) -> None:
        """Remember ``payload`` for the version of ``path`` that ``stamp`` (taken before the
        file was read) describes. Failures are ignored: the cache is only a shortcut."""
        if stamp is None:
            return
        with contextlib.suppress(OSError, TypeError):
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# index cache of `annotator`; safe to delete\n*\n")
            data = orjson.dumps(
                {
                    "version": FORMAT_VERSION,
                    "path": os.path.abspath(path),
                    "stamp": list(stamp),
                    "payload": payload,
                }
            )
            target = self._slot(kind, path)
            fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(temporary, 0o644)
                os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
