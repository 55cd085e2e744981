"""Reading ``annotator.toml`` into a :class:`ProjectConfig`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from annotator.model.config import ProjectConfig, default_config
from annotator.model.errors import AnnotatorError

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

    from annotator.model.validate import describe_validation_error

    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
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
        field, message = describe_validation_error(error)[0]
        raise AnnotatorError(message, file=path, field=field) from None
    from annotator.model.keymap import all_actions

    all_actions(config, path)  # [keys]: unknown actions, a key given to two actions
    return config
