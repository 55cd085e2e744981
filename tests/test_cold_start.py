"""``annotator annotate`` reaches its first frame without loading what that frame does not use.

Each check runs the real command line in a fresh interpreter (only ``App.run`` is replaced by a
headless session that stops at the first frame) and looks at what was imported and built. Other
commands, screens and dialogs, and pydantic validators that nothing on the way has used, must
stay out: each of them costs start time the annotator waits for every morning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from annotator.model.config import ProjectConfig, default_config

FIRST_FRAME = """
import asyncio, json, sys

import annotator.tui.app as tui_app


def first_frame_then_report(app):
    async def session():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            from annotator.model import config, records

            models = (records.AnnotationRecord, records.Document, config.ProjectConfig)
            print(json.dumps({
                "screen": type(app.screen).__name__,
                "modules": sorted(sys.modules),
                "built": [model.__name__ for model in models if model.__pydantic_complete__],
            }))

    asyncio.run(session())


tui_app.AnnotateApp.run = first_frame_then_report
from annotator.cli import main

sys.exit(main(["annotate", sys.argv[1], "--annotator", "newcomer"]))
"""

NOT_BEFORE_THE_FIRST_FRAME = (
    "annotator.agreement",
    "annotator.formats",
    "annotator.cli.project",
    "annotator.cli.agreement",
    "annotator.cli.transfer",
    "annotator.cli.drift",
    "annotator.tui.review",
    "annotator.tui.doc_list",
    "annotator.tui.dialogs",
    "annotator.model.fuzzy",
    "annotator.model.schema",
    "pydantic.plugin._loader",  # loaded when the first pydantic validator is built
    "tomllib",  # the sample project has no annotator.toml
)


def first_frame(project: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, str(project)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_annotate_imports_only_what_its_first_frame_uses(sample_project: Path) -> None:
    report = first_frame(sample_project)
    assert report["screen"] == "AnnotateScreen"
    modules = report["modules"]
    assert isinstance(modules, list)
    loaded = [
        name
        for name in modules
        if any(
            name == heavy or name.startswith(heavy + ".") for heavy in NOT_BEFORE_THE_FIRST_FRAME
        )
    ]
    assert loaded == []
    assert "annotator.tui.annotate_screen" in modules  # the check looks at the right process
    # a new annotator has no record to validate: no validator is built before the first frame
    assert report["built"] == []


def test_a_project_config_file_is_read_and_checked(sample_project: Path) -> None:
    (sample_project / "annotator.toml").write_text(
        'relations = []\n[[labels]]\nname = "quote"\nkey = "1"\ncolor = "#ABCDEF"\n',
        encoding="utf-8",
    )
    report = first_frame(sample_project)
    assert report["screen"] == "AnnotateScreen"
    assert "ProjectConfig" in report["built"]  # validated, not taken on trust


def test_the_defaults_taken_without_validation_are_valid() -> None:
    defaults = default_config()
    assert ProjectConfig.model_validate(defaults.model_dump()) == defaults
    assert ProjectConfig() == defaults
    assert [label.name for label in defaults.labels] == ["speaker", "claim", "entity", "event"]


def test_the_library_leaves_the_environment_alone_and_the_program_skips_plugins() -> None:
    """Importing annotator's modules (as a library) changes nothing in the process; its own
    programs tell pydantic not to look for plugins, unless the user chose otherwise."""
    code = (
        "import os\n"
        "import annotator.store.project, annotator.formats.exporting, annotator.cli\n"
        "assert 'PYDANTIC_DISABLE_PLUGINS' not in os.environ, 'set on import'\n"
        "import annotator.tui.app\n"
        "print(os.environ['PYDANTIC_DISABLE_PLUGINS'])\n"
    )
    environment = {
        key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "__all__"
    environment["PYDANTIC_DISABLE_PLUGINS"] = "logfire"
    done = subprocess.run(
        [sys.executable, "-c", code.replace("assert 'PYDANTIC", "assert 'X")],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert done.stdout.strip() == "logfire", done.stderr
