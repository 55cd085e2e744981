"""The document list's search, typed key by key: each key that extends the query ranks only
the rows the last query matched, and the list shows what ranking every row would."""

from __future__ import annotations

import asyncio

from textual.app import App

from annotator.model.fuzzy import fuzzy_match, rank
from annotator.model.records import Status
from annotator.tui.doc_list import DocumentList, DocumentRow

TITLES = [
    "Agency announces new enforcement unit",
    "Leaders meet in Geneva for ceasefire talks",
    "Unions call a general strike at the port",
    "Eastern quay reopens after repairs",
    "A gallery shows a new video art prize",
]
STATUSES = [None, Status.done, Status.in_progress, None, Status.flagged, Status.skipped]
ROWS = [
    DocumentRow(f"doc-{number:03d}", TITLES[number % 5], STATUSES[number % 6])
    for number in range(120)
]


def shown(doc_list: DocumentList) -> list[str]:
    return [row.doc_id for row in doc_list._shown]


def ranked(query: str, rows: list[DocumentRow]) -> list[str]:
    return [rows[index].doc_id for index in rank(query, [(r.doc_id, r.title) for r in rows])]


def test_typing_narrows_and_shows_what_ranking_every_row_would() -> None:
    async def main() -> None:
        app: App[None] = App()
        async with app.run_test(size=(100, 30)) as pilot:
            doc_list = DocumentList(ROWS, "doc-007")
            await app.push_screen(doc_list)
            await pilot.pause()

            async def press(*keys: str) -> None:
                for key in keys:
                    await pilot.press(key)
                    await pilot.pause()

            await press("g")
            search = doc_list._searches["all"]
            assert search.examined == len(ROWS)
            assert shown(doc_list) == ranked("g", ROWS)
            await press("e")
            # the rows holding a "g" (4 titles of 5), not all 120
            assert search.examined == 96
            assert shown(doc_list) == ranked("ge", ROWS)
            await press("n", "e", "v")
            assert 0 < search.examined <= 96  # what "gene" matched
            assert shown(doc_list) == ranked("genev", ROWS)
            assert shown(doc_list)[0] == "doc-001"
            await press("backspace", "backspace", "space", "s")
            assert shown(doc_list) == ranked("gen s", ROWS)
            # a status filter while the query is typed: that filter's rows, ranked alike
            await press("tab")
            todo = [row for row in ROWS if row.status is not Status.done]
            assert doc_list.status_filter == "todo"
            assert shown(doc_list) == ranked("gen s", todo)
            # the rows that matched "gen s" (weak ones too) and are not done, not all of them
            examined = doc_list._searches["todo"].examined
            assert examined == sum(
                fuzzy_match("gen s", r.doc_id, r.title) is not None for r in todo
            )
            assert examined < len(todo) == 100
            await press("backspace", "backspace", "a")
            assert shown(doc_list) == ranked("gena", todo)
            await press("shift+tab")
            assert shown(doc_list) == ranked("gena", ROWS)
            for _ in "gena":
                await press("backspace")
            assert shown(doc_list) == [row.doc_id for row in ROWS]
            await press(*"doc-01", "enter")
            await pilot.pause()
            assert app.screen is not doc_list

    asyncio.run(main())
